/** CI lifecycle and change rules (FitSM PR11.2-PR11.4). Pure: no I/O. */
export const CI_STATUSES = ['planned', 'active', 'maintenance', 'retired'] as const;
export type CiStatus = (typeof CI_STATUSES)[number];

const TRANSITIONS: Record<CiStatus, readonly CiStatus[]> = {
  planned: ['active', 'retired'],
  active: ['maintenance', 'retired'],
  maintenance: ['active', 'retired'],
  retired: [],
};

export const canTransition = (from: CiStatus, to: CiStatus) => from === to || TRANSITIONS[from].includes(to);
export const allowedTransitions = (from: CiStatus) => TRANSITIONS[from];

/** The fields of a CI that people change and that history, baselines and imports compare. */
export const TRACKED_FIELDS = ['typeId', 'name', 'attributes', 'owner', 'status', 'serviceIds', 'customerIds'] as const;
export type TrackedField = (typeof TRACKED_FIELDS)[number];

export interface CiState {
  typeId: string;
  name: string;
  attributes: Record<string, unknown>;
  owner?: string;
  status: CiStatus;
  serviceIds: string[];
  customerIds: string[];
}

/** Deep equality on JSON values (the kit's, shared by every service that diffs records). */
import { sameJson as sameValue } from '../../../shared/kit/json';

export { sameValue };

/** What changed between two states, field by field, for the audit trail. */
export function diffCi(before: CiState, after: CiState): Record<string, { from?: unknown; to?: unknown }> {
  const changes: Record<string, { from?: unknown; to?: unknown }> = {};
  for (const f of TRACKED_FIELDS) {
    if (!sameValue(before[f], after[f])) changes[f] = { from: before[f], to: after[f] };
  }
  return changes;
}

/** Readable number from a counter value: `CI-1042`. */
export const ciNumber = (n: number) => `CI-${n}`;
