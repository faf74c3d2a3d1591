/**
 * Agreements (FitSM PR2.2 SLAs, PR2.4 OLAs and UAs): the rules of their fields and lifecycle.
 * Pure: no I/O.
 */
import type { FieldError } from '../../../shared/kit/errors';
import { type BusinessCalendar, unreachableTarget } from './calendar';
import type { SlaTarget } from './clock';

export type AgreementKind = 'sla' | 'ola' | 'ua';
export type AgreementStatus = 'draft' | 'active' | 'expired';

export interface AgreementState {
  kind: AgreementKind;
  name: string;
  description?: string;
  owner?: string;
  customerId?: string;
  serviceIds: string[];
  default: boolean;
  supportingGroup?: string;
  supplierId?: string;
  supports: string[];
  calendarId: string;
  targets: Record<string, SlaTarget>;
  availabilityTargetPercent?: number;
  warningShare: number;
  validFrom?: string;
  validTo?: string;
  reviewDate: string;
  status: AgreementStatus;
}

/** `SLA-3`, `OLA-1`, `UA-2`. */
export const agreementNumber = (kind: AgreementKind, n: number) => `${kind.toUpperCase()}-${n}`;
export const isAgreementNumber = (s: string) => /^(SLA|OLA|UA)-\d{1,9}$/.test(s);
export const numberOf = (agreementId: string) => Number(agreementId.split('-')[1]);

/** Allowed lifecycle moves: an expired agreement is history and stays so. */
const MOVES: Record<AgreementStatus, AgreementStatus[]> = {
  draft: ['active', 'expired'],
  active: ['expired'],
  expired: [],
};
export const canMove = (from: AgreementStatus, to: AgreementStatus) => from === to || MOVES[from].includes(to);

/**
 * Field problems of an agreement's state: each kind has its own parties (FitSM PR2.2: an SLA is
 * with a customer for services; PR2.4: an OLA with an internal group, a UA with a supplier).
 */
export function agreementProblems(a: AgreementState, prefix = 'body'): FieldError[] {
  const p: FieldError[] = [];
  const f = (field: string, message: string) => p.push({ field: `${prefix}.${field}`, message });
  if (a.kind === 'sla') {
    if (a.default) {
      if (a.customerId) f('customerId', 'a default SLA is for every customer without an SLA: leave customerId out');
      if (a.serviceIds.length) f('serviceIds', 'a default SLA covers every live service: leave serviceIds out');
    } else {
      if (!a.customerId) f('customerId', 'an SLA needs the customer it is agreed with');
      if (a.serviceIds.length === 0) f('serviceIds', 'an SLA needs at least one service');
    }
    if (a.supportingGroup) f('supportingGroup', 'only an OLA has a supporting group');
    if (a.supplierId) f('supplierId', 'only a UA has a supplier');
    if (a.supports.length) f('supports', 'only an OLA or UA supports other agreements');
  } else {
    if (a.default) f('default', 'only an SLA can be the default');
    if (a.customerId) f('customerId', 'only an SLA has a customer');
    if (a.kind === 'ola' && !a.supportingGroup) f('supportingGroup', 'an OLA needs the internal group that supports');
    if (a.kind === 'ola' && a.supplierId) f('supplierId', 'an OLA is agreed with an internal group, not a supplier');
    if (a.kind === 'ua' && !a.supplierId) f('supplierId', 'a UA needs the external supplier');
    if (a.kind === 'ua' && a.supportingGroup) f('supportingGroup', 'a UA is agreed with a supplier, not a group');
  }
  if (new Set(a.serviceIds).size !== a.serviceIds.length) f('serviceIds', 'lists a service twice');
  const priorities = Object.entries(a.targets);
  if (priorities.length === 0) f('targets', 'give targets for at least one priority');
  for (const [priority, t] of priorities) {
    if (t.firstResponseMinutes === undefined && t.resolutionMinutes === undefined)
      f(`targets.${priority}`, 'give firstResponseMinutes, resolutionMinutes or both');
    if (
      t.firstResponseMinutes !== undefined &&
      t.resolutionMinutes !== undefined &&
      t.firstResponseMinutes > t.resolutionMinutes
    )
      f(`targets.${priority}.firstResponseMinutes`, 'must not exceed resolutionMinutes');
  }
  if (a.validFrom && a.validTo && a.validFrom > a.validTo) f('validTo', 'must not be before validFrom');
  return p;
}

/**
 * Targets their calendar cannot reach within the horizon (ADR 20): a calendar open one minute a
 * week cannot give a 525,600-minute target a deadline, so such terms are refused when defined
 * rather than leaving every ticket under them without clocks. `at` is the targets' field path.
 */
export function unreachableTargets(
  targets: Record<string, SlaTarget>,
  calendar: BusinessCalendar,
  at: string,
): FieldError[] {
  const out: FieldError[] = [];
  for (const [priority, t] of Object.entries(targets)) {
    for (const name of ['firstResponseMinutes', 'resolutionMinutes'] as const) {
      const minutes = t[name];
      const why = minutes === undefined ? undefined : unreachableTarget(calendar, minutes);
      if (why) out.push({ field: `${at}.${priority}.${name}`, message: why });
    }
  }
  return out;
}

/**
 * The coverage keys an agreement holds while active: `<customerId>#<serviceId>` per covered
 * service, or `DEFAULT` for the default SLA. OLAs and UAs cover no ticket directly.
 */
export function coverageOf(a: Pick<AgreementState, 'kind' | 'status' | 'default' | 'customerId' | 'serviceIds'>) {
  if (a.kind !== 'sla' || a.status !== 'active') return [];
  if (a.default) return ['DEFAULT'];
  return a.serviceIds.map((s) => `${a.customerId}#${s}`);
}

/** True when a change alters what clocks measure (so a new immutable terms snapshot is needed). */
export const termsChanged = (
  before: Pick<AgreementState, 'calendarId' | 'targets' | 'warningShare'>,
  after: Pick<AgreementState, 'calendarId' | 'targets' | 'warningShare'>,
) =>
  before.calendarId !== after.calendarId ||
  before.warningShare !== after.warningShare ||
  canonical(before.targets) !== canonical(after.targets);

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
