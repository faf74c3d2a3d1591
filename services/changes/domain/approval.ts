import type { Role } from '../../../shared/kit/roles';
import type { ChangeType, Impact, Risk } from './kinds';

/**
 * The approval matrix and the rule of each level (FitSM PR12.4). Pure: no I/O.
 *
 * What the anchors get wrong, and what this module answers (ANCHORS §2.3):
 * - a rejection recorded as "validated" (GLPI #24399): a level's outcome is only ever computed
 *   by `levelOutcome` from the votes; one rejection makes it `rejected`, never `approved`;
 * - multi-level step 2 never firing (GLPI #25571): levels are an ordered list, the flow opens the
 *   first undecided one, and a test walks two levels through the real Step Functions engine;
 * - one approver only (GLPI #11949): any one, all, or a quorum of n, within a level;
 * - no sequential or manager-of-requester levels (Formcreator #2537, #3599, #3536): levels run in
 *   order, and a level may ask for the requester's manager (kept by this service).
 */
export const APPROVAL_MODES = ['any', 'all', 'quorum'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];
export const TIMEOUT_ACTIONS = ['escalate', 'approve', 'reject'] as const;
export type TimeoutAction = (typeof TIMEOUT_ACTIONS)[number];

/** Who may decide a level. Several kinds may be combined; the named sets are merged. */
export interface ApproverSpec {
  users?: string[];
  /** Holders of this role (the JWT's groups) may decide; modes `any` and `quorum` only. */
  role?: Role;
  /** The members of a change advisory board. */
  cabId?: string;
  /** The requester's manager, as recorded with `PUT /v1/people/{userId}`. */
  requesterManager?: boolean;
}

export interface LevelSpec {
  name: string;
  approvers: ApproverSpec;
  mode: ApprovalMode;
  /** Approvals needed in `quorum` mode. */
  quorum?: number;
  timeoutSeconds: number;
  onTimeout: TimeoutAction;
  /** Who is added when the level escalates (`onTimeout: escalate`). */
  escalateTo?: ApproverSpec;
}

/** One row of the matrix: when it matches (absent = any value), the levels it requires, in order. */
export interface MatrixRule {
  name: string;
  types?: ChangeType[];
  risks?: Risk[];
  impacts?: Impact[];
  levels: LevelSpec[];
}

export interface Vote {
  userId: string;
  decision: 'approve' | 'reject';
  /** Kept with the vote's own item (one per person per level), merged in when the change is shown. */
  rationale?: string;
  at: string;
  /** A CAB meeting that recorded it, when decided in one. */
  meetingId?: string;
  /** `user` for a person, `system` for an automatic decision on timeout. */
  kind: 'user' | 'system';
}

export type LevelStatus = 'pending' | 'open' | 'approved' | 'rejected';

/** The roles whose holders may decide a level (its own, and one added by escalation). */
export const levelRoles = (l: Pick<ApprovalLevel, 'role' | 'escalationRole'>): Role[] =>
  [l.role, l.escalationRole].filter((r): r is Role => r !== undefined);

/** A level as resolved for one change at submission: who exactly, how many. */
export interface ApprovalLevel {
  level: number;
  name: string;
  mode: ApprovalMode;
  /** Approvals needed to approve the level. */
  required: number;
  approverIds: string[];
  role?: Role;
  /** A role added by an escalation; its holders may decide too. */
  escalationRole?: Role;
  cabId?: string;
  timeoutSeconds: number;
  onTimeout: TimeoutAction;
  escalateTo?: ApproverSpec;
  /** Why the level is there (the matrix rule, or the blackout window that added it). */
  because: string;
  status: LevelStatus;
  votes: Vote[];
  openedAt?: string;
  dueAt?: string;
  decidedAt?: string;
  escalations: number;
}

/** The first rule that matches a change's type, risk and impact. */
export function matchRule(
  rules: readonly MatrixRule[],
  c: { type: ChangeType; risk: Risk; impact: Impact },
): MatrixRule | undefined {
  return rules.find(
    (r) =>
      (!r.types || r.types.includes(c.type)) &&
      (!r.risks || r.risks.includes(c.risk)) &&
      (!r.impacts || r.impacts.includes(c.impact)),
  );
}

export class LevelProblem extends Error {
  constructor(
    readonly level: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Resolve a level for one change: the named approvers (users, CAB members, the manager), minus the
 * requester and the implementer, who never approve their own change, and the approvals needed.
 * Throws LevelProblem when the level could never decide (too few eligible approvers).
 */
export function resolveLevel(
  spec: LevelSpec,
  index: number,
  because: string,
  named: { users: string[] },
  exclude: readonly string[],
): ApprovalLevel {
  const approverIds = [...new Set(named.users)].filter((u) => !exclude.includes(u)).sort();
  const role = spec.approvers.role;
  if (approverIds.length === 0 && !role)
    throw new LevelProblem(
      spec.name,
      `level "${spec.name}" has no eligible approver (the requester and implementer cannot approve)`,
    );
  let required: number;
  if (spec.mode === 'any') required = 1;
  else if (spec.mode === 'all') {
    if (role) throw new LevelProblem(spec.name, `level "${spec.name}": mode "all" needs named approvers, not a role`);
    required = approverIds.length;
  } else {
    required = spec.quorum ?? 1;
    if (!role && required > approverIds.length)
      throw new LevelProblem(
        spec.name,
        `level "${spec.name}" needs ${required} approvals but only ${approverIds.length} eligible approvers remain`,
      );
  }
  return {
    level: index + 1,
    name: spec.name,
    mode: spec.mode,
    required,
    approverIds,
    ...(role ? { role } : {}),
    ...(spec.approvers.cabId ? { cabId: spec.approvers.cabId } : {}),
    timeoutSeconds: spec.timeoutSeconds,
    onTimeout: spec.onTimeout,
    ...(spec.escalateTo ? { escalateTo: spec.escalateTo } : {}),
    because,
    status: 'pending',
    votes: [],
    escalations: 0,
  };
}

/**
 * Whether a person may vote on a level: named on it, or holding its role; never the requester or
 * the implementer (even when they hold the role); once per level.
 */
export function voteProblem(
  level: ApprovalLevel,
  voter: { id: string; roles: readonly string[] },
  change: { requesterId: string; implementerId?: string },
): string | undefined {
  if (level.status !== 'open') return 'this approval level is not open';
  if (voter.id === change.requesterId || voter.id === change.implementerId)
    return 'the requester and the implementer cannot approve their own change';
  if (level.votes.some((v) => v.userId === voter.id)) return 'you have already decided on this level';
  const named = level.approverIds.includes(voter.id);
  const byRole = [level.role, level.escalationRole].some((r) => r !== undefined && voter.roles.includes(r));
  if (!named && !byRole) return 'you are not an approver of this level';
  return undefined;
}

/**
 * A level's outcome from its votes: the first rejection rejects (any mode: a rejection is never
 * counted toward approval); enough approvals approve; otherwise it stays open.
 */
export function levelOutcome(level: Pick<ApprovalLevel, 'votes' | 'required'>): 'approved' | 'rejected' | 'open' {
  if (level.votes.some((v) => v.decision === 'reject')) return 'rejected';
  const approvals = level.votes.filter((v) => v.decision === 'approve').length;
  return approvals >= level.required ? 'approved' : 'open';
}

/** The level the flow works on: the first one not yet approved (undefined when all are). */
export const currentLevel = (levels: readonly ApprovalLevel[]) => levels.find((l) => l.status !== 'approved');

/** The overall outcome: rejected as soon as any level is, approved only when every level is. */
export function approvalOutcome(levels: readonly ApprovalLevel[]): 'approved' | 'rejected' | 'pending' {
  if (levels.some((l) => l.status === 'rejected')) return 'rejected';
  return levels.every((l) => l.status === 'approved') ? 'approved' : 'pending';
}
