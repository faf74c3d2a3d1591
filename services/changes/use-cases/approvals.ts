import {
  ChangeApprovalRequested,
  ChangeApproved,
  ChangeRejected,
  ChangeRescheduled,
  ChangeSubmitted,
} from '../../../shared/contracts/changes/v1';
import type { EventContract } from '../../../shared/contracts/envelope';
import { hasAnyRole, type Principal } from '../../../shared/kit/auth';
import { now } from '../../../shared/kit/clock';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, DomainError, ForbiddenError } from '../../../shared/kit/errors';
import { buildEvent, type OutgoingEvent } from '../../../shared/kit/events';
import { completeTaskIfWaiting, startFlow } from '../../../shared/kit/flows';
import { logger } from '../../../shared/kit/logger';
import type { Write } from '../../../shared/kit/store';
import {
  type ApprovalLevel,
  type ApproverSpec,
  approvalOutcome,
  currentLevel,
  LevelProblem,
  type LevelSpec,
  levelOutcome,
  levelRoles,
  matchRule,
  resolveLevel,
  type Vote,
  voteProblem,
} from '../domain/approval';
import { type Change, readinessProblems } from '../domain/change';
import { inboxOf, keys, roleInbox, table } from '../store';
import { loadPolicy } from './policy';
import { loadChange, MANAGERS, saveChange } from './record';
import { findConflicts } from './schedule';

/**
 * Approval (FitSM PR12.4) and the flow's tasks (flows/change.ts). Every decision is a vote item
 * (one per person per level, a conditional create) written in the same transaction as the change
 * and its events; the level's outcome is computed from the votes (domain/approval.ts), and the
 * flow's task token for the level is completed only once that outcome is decided.
 */
const iso = (ms: number) => new Date(ms).toISOString();
const tokenKey = (changeId: string, what: string) => ({ pk: `CHG#${changeId}`, sk: `TOKEN#${what}` });
const levelToken = (n: number) => `level#${n}`;
/** The longest single wait for a window; longer waits loop through NextStep. */
const MAX_WAIT_SECONDS = 7 * 86_400;

class NotReadyError extends DomainError {
  constructor(message: string, code: string, fields?: { field: string; message: string }[]) {
    super(code, 409, message, fields);
  }
}

/** Who a spec names: users, CAB members, the requester's manager. */
async function namedApprovers(spec: ApproverSpec, requesterId: string, levelName: string): Promise<string[]> {
  const users = [...(spec.users ?? [])];
  if (spec.cabId) {
    const cab = await table().get(keys.cab(spec.cabId));
    if (!cab) throw new LevelProblem(levelName, `level "${levelName}" names CAB ${spec.cabId}, which does not exist`);
    users.push(...(cab.members as string[]));
  }
  if (spec.requesterManager) {
    const person = await table().get(keys.person(requesterId));
    if (!person?.managerId)
      throw new LevelProblem(
        levelName,
        `level "${levelName}" asks for the requester's manager, and none is recorded for ${requesterId}`,
      );
    users.push(String(person.managerId));
  }
  return users;
}

async function resolveLevels(c: Change, specs: { spec: LevelSpec; because: string }[]): Promise<ApprovalLevel[]> {
  const exclude = [c.requesterId, ...(c.implementerId ? [c.implementerId] : [])];
  const levels: ApprovalLevel[] = [];
  for (const [i, { spec, because }] of specs.entries()) {
    const users = await namedApprovers(spec.approvers, c.requesterId, spec.name);
    levels.push(resolveLevel(spec, i, because, { users }, exclude));
  }
  return levels;
}

const canSubmit = (p: Principal, c: Change) =>
  p.id === c.requesterId || p.id === c.implementerId || hasAnyRole(p, MANAGERS);

/**
 * Submit an assessed change for approval: the matrix picks the levels by type, risk and impact;
 * a window that meets a blackout is refused or gets the policy's extra level; conflicts found
 * are recorded for the approvers to see; then the change's flow starts (one per change).
 */
export async function submitChange(ctx: OperationContext, p: Principal, idOrNumber: string, ifMatch: number) {
  const before = await loadChange(idOrNumber, true);
  if (!canSubmit(p, before))
    throw new ForbiddenError('Only the requester, the implementer or a change manager may submit this change.');
  if (before.version !== ifMatch)
    throw new ConflictError('The change was changed by someone else. Read it again and retry with its new version.');
  const problems = readinessProblems(before);
  if (problems.length) throw new NotReadyError('The change is not ready for approval.', 'change-not-ready', problems);
  const policy = await loadPolicy();
  const conflicts = await findConflicts(before);
  const blackouts = conflicts.filter((c) => c.kind === 'blackout');
  if (blackouts.length && policy.blackout.policy === 'refuse')
    throw new NotReadyError(
      `The window meets a blackout window (${blackouts.map((b) => b.title ?? b.number).join(', ')}); choose another window.`,
      'blackout-window',
      [{ field: 'plannedStart', message: 'falls in a blackout window' }],
    );
  const a = before.assessment!;
  const rule = matchRule(policy.matrix, { type: before.type as 'normal', risk: a.risk, impact: a.impact });
  if (!rule)
    throw new NotReadyError(
      `No rule of the approval matrix covers a ${before.type} change of ${a.risk} risk and ${a.impact} impact.`,
      'no-approval-rule',
    );
  const specs = rule.levels.map((spec) => ({ spec, because: `matrix rule "${rule.name}"` }));
  if (blackouts.length)
    specs.push({
      spec: policy.blackout.level,
      because: `blackout window ${blackouts.map((b) => b.title ?? b.number).join(', ')}`,
    });
  let levels: ApprovalLevel[];
  try {
    levels = await resolveLevels(before, specs);
  } catch (err) {
    if (!(err instanceof LevelProblem)) throw err;
    throw new NotReadyError(err.message, 'approval-unsatisfiable', [{ field: 'approvers', message: err.message }]);
  }
  const after = await saveChange(
    ctx,
    before,
    { ...before, status: 'approval', approval: { levels, submittedAt: iso(now()) }, conflicts: conflicts.slice(0, 50) },
    { action: `submitted for approval: ${levels.length} level(s) by ${rule.name}`, events: [ChangeSubmitted] },
  );
  return startChangeFlow(ctx, after);
}

/** Start the change's flow; the execution is named by the change, so a repeat cannot start two. */
export async function startChangeFlow(ctx: OperationContext, c: Change): Promise<Change> {
  const executionArn = await startFlow('change', c.changeId, {
    changeId: c.changeId,
    correlationId: ctx.correlationId,
  });
  // Not a new version: the flow's first step may already be writing the change.
  await table().commit(ctx, {
    writes: [{ kind: 'update', key: keys.change(c.changeId), set: { executionArn }, mustExist: true }],
  });
  return { ...c, executionArn };
}

const asks = (c: Change, level: ApprovalLevel, opened: string): Write[] => {
  const who = [
    ...level.approverIds.map((u) => ({ id: u, as: 'user' })),
    ...levelRoles(level).map((r) => ({ id: roleInbox(r), as: 'role' })),
  ];
  return who.map(
    (w): Write => ({
      kind: 'upsert',
      item: {
        ...keys.ask(c.changeId, level.level, w.id),
        type: 'approval-ask',
        gsi1pk: inboxOf(w.id),
        gsi1sk: `${opened}#${c.changeId}`,
        changeId: c.changeId,
        number: c.number,
        title: c.title,
        changeType: c.type,
        level: level.level,
        levelName: level.name,
        openedAt: level.openedAt ?? opened,
        ...(level.dueAt ? { dueAt: level.dueAt } : {}),
        ...(c.plannedStart ? { plannedStart: c.plannedStart } : {}),
        requesterId: c.requesterId,
        ...(c.implementerId ? { implementerId: c.implementerId } : {}),
        askedAs: w.as,
      },
    }),
  );
};

const clearAsks = (c: Change, level: ApprovalLevel): Write[] =>
  [...level.approverIds, ...levelRoles(level).map(roleInbox)].map(
    (w): Write => ({ kind: 'delete', key: keys.ask(c.changeId, level.level, w) }),
  );

function approvalRequested(c: Change, level: ApprovalLevel, escalated: boolean, ctx: OperationContext): OutgoingEvent {
  return buildEvent(
    ChangeApprovalRequested,
    {
      changeId: c.changeId,
      number: c.number,
      title: c.title,
      level: level.level,
      levelName: level.name,
      approverIds: level.approverIds,
      ...(level.role ? { role: level.role } : {}),
      escalated,
      ...(level.dueAt ? { dueAt: level.dueAt } : {}),
    },
    ctx,
  );
}

/**
 * Record votes on the open level and everything they decide, in one transaction: the level's
 * outcome, and the change's when it is rejected or its last level approved. Then complete the
 * level's task token so the flow goes on. Returns the change as saved.
 */
async function applyVotes(
  ctx: OperationContext,
  c: Change,
  level: ApprovalLevel,
  votes: Vote[],
  extra: { writes?: Write[]; action: string },
): Promise<Change> {
  // The change keeps who decided what and when; each rationale stays in the vote's own item, so a
  // level's votes cannot outgrow the change's item (ADR 20).
  const decided: ApprovalLevel = { ...level, votes: [...level.votes, ...votes.map(({ rationale: _r, ...v }) => v)] };
  const automatic = votes.length === 1 && votes[0]!.kind === 'system';
  const outcome = automatic ? (votes[0]!.decision === 'approve' ? 'approved' : 'rejected') : levelOutcome(decided);
  const at = iso(now());
  if (outcome !== 'open') {
    decided.status = outcome;
    decided.decidedAt = at;
  }
  const levels = c.approval!.levels.map((l) => (l.level === level.level ? decided : l));
  const overall = approvalOutcome(levels);
  const next: Change = { ...c, approval: { ...c.approval!, levels } };
  let events: EventContract[] = [];
  if (overall === 'rejected') {
    next.status = 'rejected';
    next.closureCode = 'rejected';
    next.approval = { ...next.approval!, decidedAt: at, basis: `rejected at level ${level.level} (${level.name})` };
    events = [ChangeRejected];
  } else if (overall === 'approved') {
    next.status = 'approved';
    next.approval = { ...next.approval!, decidedAt: at, basis: `approved by all ${levels.length} level(s)` };
    events = [ChangeApproved];
  }
  const writes: Write[] = [
    // A system decision (timeout) keeps its reason in a vote item too.
    ...votes.map(
      (v): Write => ({
        kind: 'create',
        item: { ...keys.vote(c.changeId, level.level, v.userId), type: 'vote', ...v },
      }),
    ),
    ...(outcome !== 'open'
      ? clearAsks(c, level)
      : votes.map((v): Write => ({ kind: 'delete', key: keys.ask(c.changeId, level.level, v.userId) }))),
    ...(extra.writes ?? []),
  ];
  const after = await saveChange(ctx, c, next, {
    action: `${extra.action}${outcome !== 'open' ? `; level ${level.level} ${outcome}` : ''}`,
    ...(votes[0]
      ? {
          reason: votes
            .map((v) => `${v.userId}: ${v.decision}: ${v.rationale}`)
            .join('\n')
            .slice(0, 1000),
        }
      : {}),
    events,
    writes,
  });
  if (outcome !== 'open') await wake(c.changeId, levelToken(level.level), { level: level.level, outcome });
  return after;
}

/** The change with each vote's rationale, read from the vote items (one query). */
export async function withRationales(c: Change): Promise<Change> {
  if (!c.approval?.levels.some((l) => l.votes.length > 0)) return c;
  const items = await table().all({ pk: keys.change(c.changeId).pk, skBeginsWith: 'VOTE#' });
  // sk is VOTE#<level>#<userId>
  const why = new Map(items.map((i) => [String(i.sk).slice('VOTE#'.length), String(i.rationale)]));
  const levels = c.approval.levels.map((l) => ({
    ...l,
    votes: l.votes.map((v) => {
      const r = why.get(`${l.level}#${v.userId}`);
      return r ? { ...v, rationale: r } : v;
    }),
  }));
  return { ...c, approval: { ...c.approval, levels } };
}

/** Complete the flow's token for `what` if it waits on it (it re-reads the change either way). */
async function wake(changeId: string, what: string, output: unknown): Promise<void> {
  const t = await table().get(tokenKey(changeId, what), true);
  if (t && !(await completeTaskIfWaiting(String(t.token), output)))
    logger.info('change flow was not waiting on this token', { changeId, what });
}

/** Wake every wait of a change's flow (cancelled, rescheduled, implementation recorded). */
export async function wakeFlow(c: Pick<Change, 'changeId'>): Promise<void> {
  const tokens = await table().all({ pk: `CHG#${c.changeId}`, skBeginsWith: 'TOKEN#' });
  for (const t of tokens) await completeTaskIfWaiting(String(t.token), { woken: true });
}

/** A person decides on the open level of a change (approve or reject, with rationale). */
export async function decide(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: { decision: 'approve' | 'reject'; rationale: string; level?: number | undefined },
): Promise<Change> {
  const c = await loadChange(idOrNumber, true);
  if (c.status !== 'approval')
    throw new ConflictError(`The change is ${c.status}; it is not waiting for approval.`, 'not-in-approval');
  const level = currentLevel(c.approval!.levels)!;
  if (input.level !== undefined && input.level !== level.level)
    throw new ConflictError(`Level ${input.level} is not the open level (level ${level.level} is).`, 'level-not-open');
  const problem = voteProblem(level, p, c);
  if (problem) {
    if (problem.startsWith('you have already') || problem.startsWith('this approval level'))
      throw new ConflictError(problem, problem.startsWith('you have') ? 'already-decided' : 'level-not-open');
    throw new ForbiddenError(problem.charAt(0).toUpperCase() + problem.slice(1) + '.');
  }
  const vote: Vote = {
    userId: p.id,
    decision: input.decision,
    rationale: input.rationale,
    at: iso(now()),
    kind: 'user',
  };
  return applyVotes(ctx, c, level, [vote], {
    action: `${input.decision === 'approve' ? 'approved' : 'rejected'} by ${p.id} at level ${level.level}`,
  });
}

/** A CAB meeting records its decision on a change: one vote per member present who voted so. */
export async function decideInMeeting(
  ctx: OperationContext,
  p: Principal,
  meeting: { meetingId: string; cabId: string },
  input: { changeId: string; decision: 'approve' | 'reject'; rationale: string; voters: string[] },
  meetingWrites: (c: Change) => Write[],
): Promise<Change> {
  const c = await loadChange(input.changeId, true);
  if (c.status !== 'approval')
    throw new ConflictError(`The change is ${c.status}; it is not waiting for approval.`, 'not-in-approval');
  const level = currentLevel(c.approval!.levels)!;
  if (level.cabId !== meeting.cabId)
    throw new ConflictError(
      `${c.number} is not waiting on this meeting's CAB (level ${level.level} is "${level.name}").`,
      'not-on-agenda',
    );
  const at = iso(now());
  const votes: Vote[] = [];
  for (const voter of [...new Set(input.voters)]) {
    const problem = voteProblem({ ...level, votes: [...level.votes, ...votes] }, { id: voter, roles: [] }, c);
    if (problem) throw new ConflictError(`${voter}: ${problem}.`, 'invalid-vote');
    votes.push({
      userId: voter,
      decision: input.decision,
      rationale: input.rationale,
      at,
      meetingId: meeting.meetingId,
      kind: 'user',
    });
  }
  return applyVotes(ctx, c, level, votes, {
    action: `CAB meeting ${meeting.meetingId} recorded ${input.decision} by ${votes.length} member(s) (recorded by ${p.id})`,
    writes: meetingWrites(c),
  });
}

export interface Step {
  action: 'await-level' | 'await-window' | 'await-implementation' | 'done';
  level: number;
  timeoutSeconds: number;
}

/** Flow task: what the change waits for now. Opens the next approval level when it is its turn. */
export async function nextStep(ctx: OperationContext, changeId: string): Promise<Step> {
  const c = await loadChange(changeId, true);
  const t = now();
  if (c.status === 'approval') {
    const level = currentLevel(c.approval!.levels)!;
    if (level.status === 'pending') {
      const opened: ApprovalLevel = {
        ...level,
        status: 'open',
        openedAt: iso(t),
        dueAt: iso(t + level.timeoutSeconds * 1000),
      };
      const levels = c.approval!.levels.map((l) => (l.level === level.level ? opened : l));
      const next = { ...c, approval: { ...c.approval!, levels } };
      await saveChange(ctx, c, next, {
        action: `approval level ${level.level} (${level.name}) opened`,
        writes: asks(c, opened, opened.openedAt!),
        extraEvents: [approvalRequested(c, opened, false, ctx)],
      });
      return { action: 'await-level', level: level.level, timeoutSeconds: level.timeoutSeconds };
    }
    const left = Math.ceil((Date.parse(level.dueAt!) - t) / 1000);
    return { action: 'await-level', level: level.level, timeoutSeconds: Math.max(1, left) };
  }
  if (c.status === 'approved') {
    const left = Math.ceil((Date.parse(c.plannedStart!) - t) / 1000);
    if (left > 0) return { action: 'await-window', level: 0, timeoutSeconds: Math.min(left, MAX_WAIT_SECONDS) };
    return { action: 'await-implementation', level: 0, timeoutSeconds: 1 };
  }
  if (c.status === 'implementing') return { action: 'await-implementation', level: 0, timeoutSeconds: 1 };
  return { action: 'done', level: 0, timeoutSeconds: 1 };
}

/** Keep a wait's token, then release it at once if what it waits for already happened. */
async function holdToken(
  ctx: OperationContext,
  changeId: string,
  what: string,
  token: string,
  stillWaiting: (c: Change) => boolean,
) {
  await table().commit(ctx, {
    writes: [{ kind: 'upsert', item: { ...tokenKey(changeId, what), type: 'flow-token', token } }],
  });
  // A decision committed before the token was stored could not complete it: look again.
  const c = await loadChange(changeId, true);
  if (!stillWaiting(c)) await completeTaskIfWaiting(token, { already: true });
}

/** Flow task (callback): the open level's token, completed when the level decides. */
export function openLevel(ctx: OperationContext, changeId: string, level: number, token: string) {
  return holdToken(
    ctx,
    changeId,
    levelToken(level),
    token,
    (c) => c.status === 'approval' && c.approval!.levels.find((l) => l.level === level)?.status === 'open',
  );
}

/** Flow task (callback): waiting for the window; completed early on a reschedule or cancellation. */
export function awaitWindow(ctx: OperationContext, changeId: string, token: string) {
  return holdToken(
    ctx,
    changeId,
    'window',
    token,
    (c) => c.status === 'approved' && Date.parse(c.plannedStart!) > now(),
  );
}

/** Flow task (callback): waiting for the implementation's outcome. */
export function awaitImplementation(ctx: OperationContext, changeId: string, token: string) {
  return holdToken(
    ctx,
    changeId,
    'implementation',
    token,
    (c) => c.status === 'approved' || c.status === 'implementing',
  );
}

/**
 * Flow task: the open level's timeout passed with no decision. Its rule applies: an automatic
 * decision recorded as such (by the system, with the reason), or an escalation that adds the
 * escalation approvers, asks everyone again and restarts the level's clock.
 */
export async function levelTimedOut(ctx: OperationContext, changeId: string, levelNo: number): Promise<void> {
  const c = await loadChange(changeId, true);
  const level = c.approval?.levels.find((l) => l.level === levelNo);
  if (c.status !== 'approval' || level?.status !== 'open') return; // decided meanwhile
  if (level.onTimeout !== 'escalate') {
    const decision = level.onTimeout === 'approve' ? 'approve' : 'reject';
    await applyVotes(
      ctx,
      c,
      level,
      [
        {
          userId: 'system:timeout',
          decision,
          rationale: `No decision within ${level.timeoutSeconds} s: automatic ${decision === 'approve' ? 'approval' : 'rejection'} by the approval matrix.`,
          at: iso(now()),
          kind: 'system',
        },
      ],
      { action: `level ${level.level} timed out: automatic ${decision}` },
    );
    return;
  }
  const t = now();
  const added = level.escalateTo
    ? await namedApprovers(level.escalateTo, c.requesterId, level.name).catch((err) => {
        if (err instanceof LevelProblem) return [] as string[];
        throw err;
      })
    : [];
  const exclude = [c.requesterId, c.implementerId];
  const escalated: ApprovalLevel = {
    ...level,
    approverIds: [...new Set([...level.approverIds, ...added.filter((u) => !exclude.includes(u))])].sort(),
    ...(level.escalateTo?.role && level.escalateTo.role !== level.role
      ? { escalationRole: level.escalateTo.role }
      : {}),
    dueAt: iso(t + level.timeoutSeconds * 1000),
    escalations: level.escalations + 1,
  };
  const levels = c.approval!.levels.map((l) => (l.level === level.level ? escalated : l));
  await saveChange(
    ctx,
    c,
    { ...c, approval: { ...c.approval!, levels } },
    {
      action: `level ${level.level} (${level.name}) timed out: escalated${added.length ? ` to ${added.join(', ')}` : ''}${level.escalateTo?.role ? ` and ${level.escalateTo.role}` : ''}`,
      writes: asks(c, escalated, iso(t)),
      extraEvents: [approvalRequested(c, escalated, true, ctx)],
    },
  );
}

/** Move an approved change's window: conflicts checked again, customers told, the flow woken. */
export async function reschedule(
  ctx: OperationContext,
  before: Change,
  start: string,
  end: string,
  note?: string,
  /** Written in the same transaction (a release's schedule version the change followed). */
  writes?: Write[],
) {
  const moved: Change = { ...before, plannedStart: start, plannedEnd: end };
  const conflicts = await findConflicts(moved);
  if (conflicts.some((c) => c.kind === 'blackout'))
    throw new NotReadyError(
      'The new window meets a blackout window; an approved change cannot move into one (raise the exception as a new change).',
      'blackout-window',
      [{ field: 'body.plannedStart', message: 'falls in a blackout window' }],
    );
  const after = await saveChange(
    ctx,
    before,
    { ...moved, conflicts },
    {
      action: 'rescheduled',
      ...(note ? { reason: note } : {}),
      events: [ChangeRescheduled],
      ...(writes ? { writes } : {}),
    },
  );
  await wake(before.changeId, 'window', { rescheduled: true });
  return after;
}

/** The caller's approval inbox: levels waiting on them by name or through one of their roles. */
export async function inbox(p: Principal) {
  const partitions = [inboxOf(p.id), ...p.roles.map((r) => inboxOf(roleInbox(r)))];
  const pages = await Promise.all(
    partitions.map((pk) => table().page({ index: 'gsi1', pk, limit: 100, descending: false })),
  );
  const asked = pages.flatMap((pg) => pg.items).filter((i) => i.requesterId !== p.id && i.implementerId !== p.id);
  // A role's ask stays for the role's other holders once the caller has voted: drop the caller's own.
  const voted = new Set(
    (await table().batchGet(asked.map((i) => keys.vote(String(i.changeId), Number(i.level), p.id)))).map(
      (v) => `${String(v.pk).slice(4)}#${String(v.sk).split('#')[1]}`,
    ),
  );
  const seen = new Set<string>(voted);
  const items = asked
    .filter((i) => {
      const k = `${i.changeId}#${i.level}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => String(a.openedAt).localeCompare(String(b.openedAt)))
    .map((i) => ({
      changeId: String(i.changeId),
      number: String(i.number),
      title: String(i.title),
      type: i.changeType as Change['type'],
      level: Number(i.level),
      levelName: String(i.levelName),
      openedAt: String(i.openedAt),
      ...(i.dueAt ? { dueAt: String(i.dueAt) } : {}),
      ...(i.plannedStart ? { plannedStart: String(i.plannedStart) } : {}),
      askedAs: i.askedAs as 'user' | 'role',
    }));
  return { items };
}
