import type { ApprovalLevel } from './approval';
import {
  CHANGE_STATUSES,
  CHANGE_TYPES,
  type ChangeStatus,
  type ChangeType,
  IMPACT_LEVELS,
  type Impact,
  OUTCOMES,
  type Outcome,
  RISK_LEVELS,
  type Risk,
} from './kinds';
import type { Conflict } from './schedule';

export type { ChangeStatus, ChangeType, Conflict, Impact, Outcome, Risk };
/** The change record and its lifecycle (FitSM PR12). Pure: no I/O. */
export { CHANGE_STATUSES, CHANGE_TYPES, IMPACT_LEVELS, OUTCOMES, RISK_LEVELS };

export const CLOSURE_CODES = [
  'successful',
  'partially-successful',
  'failed',
  'backed-out',
  'rejected',
  'cancelled',
] as const;
export type ClosureCode = (typeof CLOSURE_CODES)[number];

/** What the assessment records (FitSM PR12.3): all five before approval. */
export interface Assessment {
  benefit: string;
  effort: string;
  feasibility: string;
  risk: Risk;
  /** Why the risk is what it is: the condition or questionnaire score that set it. */
  riskBasis: string[];
  questionnaireScore: number;
  impact: Impact;
  impactBasis: string[];
  /** The impact found on the CI graph when assessed. */
  affected: {
    ciCount: number;
    serviceIds: string[];
    customerIds: string[];
    agreementIds: string[];
    truncated: boolean;
  };
  assessedBy: string;
  assessedAt: string;
}

export interface Review {
  summary: string;
  objectivesMet: boolean;
  lessons?: string;
  reviewedBy: string;
  reviewedAt: string;
}

export interface Change {
  changeId: string;
  number: string;
  type: ChangeType;
  status: ChangeStatus;
  title: string;
  description: string;
  reason?: string;
  requesterId: string;
  implementerId?: string;
  ciIds: string[];
  serviceIds: string[];
  /** Customers of the affected services (set by the assessment). */
  customerIds: string[];
  plannedStart?: string;
  plannedEnd?: string;
  implementationPlan?: string;
  testPlan?: string;
  backoutPlan?: string;
  templateId?: string;
  origin?: { source: string; ref: string };
  assessment?: Assessment;
  approval?: { levels: ApprovalLevel[]; submittedAt: string; decidedAt?: string; basis?: string };
  /** What the schedule showed when the change was last submitted or moved. */
  conflicts?: Conflict[];
  implementationStartedAt?: string;
  implementationEndedAt?: string;
  outcome?: Outcome;
  outcomeNotes?: string;
  /** Why a post-implementation review is required (empty: not required). */
  reviewReasons: string[];
  review?: Review;
  /** Desk tickets on the affected CIs raised soon after implementation (linked automatically). */
  incidentIds: string[];
  closureCode?: ClosureCode;
  closureNotes?: string;
  executionArn?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** `CHG-77` from the counter. */
export const changeNumber = (n: number) => `CHG-${n}`;

/** Statuses in which the change can still be edited (plans, CIs, window). */
export const EDITABLE: readonly ChangeStatus[] = ['new', 'assessed'];
/** Statuses that hold a slot on the forward schedule of change. */
export const SCHEDULED: readonly ChangeStatus[] = ['approval', 'approved', 'implementing'];
export const FINISHED: readonly ChangeStatus[] = ['rejected', 'closed', 'cancelled'];

const RANK =
  <T extends string>(list: readonly T[]) =>
  (v: T) =>
    list.indexOf(v);
export const riskRank = RANK(RISK_LEVELS);
export const impactRank = RANK(IMPACT_LEVELS);
export const maxRisk = (a: Risk, b: Risk): Risk => (riskRank(a) >= riskRank(b) ? a : b);
export const maxImpact = (a: Impact, b: Impact): Impact => (impactRank(a) >= impactRank(b) ? a : b);

/** What is missing before a change may enter approval (FitSM PR12.3, PR12.5 plans). */
export function readinessProblems(c: Change): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (c.status !== 'assessed') problems.push({ field: 'status', message: 'the change must be assessed first' });
  if (!c.plannedStart || !c.plannedEnd)
    problems.push({ field: 'plannedStart', message: 'a planned window is required' });
  if (!c.implementationPlan) problems.push({ field: 'implementationPlan', message: 'is required' });
  if (!c.backoutPlan) problems.push({ field: 'backoutPlan', message: 'is required' });
  if (!c.testPlan) problems.push({ field: 'testPlan', message: 'is required' });
  if (c.ciIds.length === 0 && c.serviceIds.length === 0)
    problems.push({ field: 'ciIds', message: 'name at least one CI or service the change affects' });
  return problems;
}

/**
 * When a post-implementation review is required (FitSM PR12.5): emergency changes (their
 * retrospective review), major changes, failed or backed-out ones, and those that caused incidents.
 */
export function reviewReasons(c: Pick<Change, 'type' | 'outcome' | 'incidentIds'>): string[] {
  const reasons: string[] = [];
  if (c.type === 'emergency') reasons.push('emergency change: retrospective review');
  if (c.type === 'major') reasons.push('major change');
  if (c.outcome === 'failed' || c.outcome === 'backed-out') reasons.push(`implementation ${c.outcome}`);
  if (c.incidentIds.length > 0) reasons.push(`caused ${c.incidentIds.length} incident(s)`);
  return reasons;
}

/** The closure code an outcome implies; a change closes with it unless cancelled or rejected. */
export const closureFor = (o: Outcome): ClosureCode => o;
