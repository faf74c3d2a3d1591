/** Service lifecycle, specification and go-live rules (FitSM PR1.1, PR1.3, PR1.4). Pure: no I/O. */
export const SERVICE_STATUSES = ['proposed', 'planned', 'live', 'retired'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

/** Statuses a service may be registered with: it goes live only through the acceptance check. */
export const INITIAL_STATUSES = ['proposed', 'planned'] as const satisfies readonly ServiceStatus[];

const TRANSITIONS: Record<ServiceStatus, readonly ServiceStatus[]> = {
  proposed: ['planned', 'retired'],
  planned: ['live', 'retired'],
  live: ['retired'],
  retired: [],
};

export const canTransition = (from: ServiceStatus, to: ServiceStatus) => from === to || TRANSITIONS[from].includes(to);
export const allowedTransitions = (from: ServiceStatus) => TRANSITIONS[from];

/** A supplier or federation member involved in delivering the service (PR1.4). */
export interface Party {
  name: string;
  role: string;
  responsibilities: string;
  contact: string;
}

/** A service acceptance criterion (PR1.3); `met` is set only through fulfilment. */
export interface AcceptanceCriterion {
  id: string;
  text: string;
  met: boolean;
  metAt?: string;
  metBy?: string;
  note?: string;
}

/** The service specification and management information kept on the portfolio entry (§4.1). */
export interface ServiceState {
  name: string;
  description: string;
  /** User id of the service owner (FitSM-3 object-scoped role). */
  owner: string;
  status: ServiceStatus;
  category?: string;
  valueProposition?: string;
  customerIds: string[];
  supportingCiIds: string[];
  suppliers: Party[];
  federationMembers: Party[];
  acceptanceCriteria: AcceptanceCriterion[];
}

export interface Problem {
  field: string;
  message: string;
}

/**
 * Why a service may not go live (PR1.3): it needs an acceptance-criteria checklist, and every
 * criterion on it met. Empty when it may.
 */
export function goLiveProblems(criteria: readonly AcceptanceCriterion[]): Problem[] {
  if (criteria.length === 0) {
    return [{ field: 'acceptanceCriteria', message: 'a service needs acceptance criteria before it goes live' }];
  }
  return criteria.flatMap((c, i) =>
    c.met ? [] : [{ field: `acceptanceCriteria.${i}`, message: `criterion ${c.id} is not met` }],
  );
}

/**
 * A new checklist from the old one and the edited list: a criterion keeps its fulfilment only
 * while its id and text stay the same (changing what was accepted means accepting it again).
 */
export function mergeCriteria(
  before: readonly AcceptanceCriterion[],
  edited: readonly { id: string; text: string }[],
): AcceptanceCriterion[] {
  const old = new Map(before.map((c) => [c.id, c]));
  return edited.map((e) => {
    const prev = old.get(e.id);
    return prev && prev.text === e.text ? { ...prev } : { id: e.id, text: e.text, met: false };
  });
}

/** Ids that appear more than once, as field problems under `prefix`. */
export function duplicateIds(items: readonly { id: string }[], prefix: string): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  items.forEach((c, i) => {
    if (seen.has(c.id)) problems.push({ field: `${prefix}.${i}.id`, message: `duplicates criterion ${c.id}` });
    seen.add(c.id);
  });
  return problems;
}

export type FulfilmentOutcome =
  | { ok: true; criteria: AcceptanceCriterion[] }
  | { ok: false; reason: 'unknown-criterion' | 'already-met' | 'retired' };

/** Mark one criterion met, with who, when and a note. */
export function fulfil(
  status: ServiceStatus,
  criteria: readonly AcceptanceCriterion[],
  criterionId: string,
  by: string,
  at: string,
  note: string,
): FulfilmentOutcome {
  if (status === 'retired') return { ok: false, reason: 'retired' };
  const target = criteria.find((c) => c.id === criterionId);
  if (!target) return { ok: false, reason: 'unknown-criterion' };
  if (target.met) return { ok: false, reason: 'already-met' };
  return {
    ok: true,
    criteria: criteria.map((c) => (c.id === criterionId ? { ...c, met: true, metAt: at, metBy: by, note } : c)),
  };
}

/** The fields people change and that the history compares. */
export const TRACKED_FIELDS = [
  'name',
  'description',
  'owner',
  'status',
  'category',
  'valueProposition',
  'customerIds',
  'supportingCiIds',
  'suppliers',
  'federationMembers',
  'acceptanceCriteria',
] as const;

/** Deep equality on JSON values (the kit's, shared by every service that diffs records). */
import { sameJson as sameValue } from '../../../shared/kit/json';

export { sameValue };

/** What changed between two states, field by field, for the audit trail. */
export function diffService(
  before: ServiceState,
  after: ServiceState,
): Record<string, { from?: unknown; to?: unknown }> {
  const changes: Record<string, { from?: unknown; to?: unknown }> = {};
  for (const f of TRACKED_FIELDS) {
    if (!sameValue(before[f], after[f])) changes[f] = { from: before[f], to: after[f] };
  }
  return changes;
}

/** Readable number from a counter value: `SVC-12`. */
export const serviceNumber = (n: number) => `SVC-${n}`;
export const isServiceNumber = (s: string) => /^SVC-\d+$/.test(s);
