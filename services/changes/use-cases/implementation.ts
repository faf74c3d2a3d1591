import type * as z from 'zod/mini';
import {
  ChangeClosed,
  ChangeImplementationStarted,
  ChangeImplemented,
  ChangeUpdated,
} from '../../../shared/contracts/changes/v1';
import type { TicketSnapshot } from '../../../shared/contracts/service-desk/v1';
import { hasAnyRole, type Principal } from '../../../shared/kit/auth';
import { now } from '../../../shared/kit/clock';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, ForbiddenError } from '../../../shared/kit/errors';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { handled, type Write } from '../../../shared/kit/store';
import { type Change, type Outcome, reviewReasons } from '../domain/change';
import type { ImplementationBody, ReviewBody } from '../schemas';
import { keys, table } from '../store';
import { wakeFlow } from './approvals';
import { loadPolicy } from './policy';
import { loadChange, MANAGERS, saveChange } from './record';

/**
 * Implementation and closure (FitSM PR12.5): start within the window, the outcome, the
 * post-implementation review the rules require, closure. Desk incidents on the affected CIs
 * soon after implementation are linked to the change and make its review required.
 */
const iso = (ms: number) => new Date(ms).toISOString();
const mayImplement = (p: Principal, c: Change) =>
  p.id === c.implementerId || p.id === c.requesterId || hasAnyRole(p, MANAGERS);

export async function recordImplementation(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof ImplementationBody>,
): Promise<Change> {
  const before = await loadChange(idOrNumber, true);
  if (!mayImplement(p, before))
    throw new ForbiddenError('Only the implementer, the requester or a change manager may record implementation.');
  const t = now();
  if (input.event === 'started') {
    if (before.status !== 'approved')
      throw new ConflictError(`Only an approved change can start; this one is ${before.status}.`, 'invalid-transition');
    if (t < Date.parse(before.plannedStart!))
      throw new ConflictError(
        `The change's window opens at ${before.plannedStart}; reschedule it to start earlier.`,
        'window-not-open',
      );
    return startImplementation(ctx, before, {
      action: 'implementation started',
      ...(input.notes ? { reason: input.notes } : {}),
    });
  }
  if (before.status !== 'implementing')
    throw new ConflictError(
      `Only a change being implemented can end; this one is ${before.status}.`,
      'invalid-transition',
    );
  return endImplementation(ctx, before, {
    outcome: input.outcome,
    ...(input.notes ? { notes: input.notes } : {}),
    action: `implementation ended: ${input.outcome}`,
  });
}

/**
 * An approved change enters implementation; the flow waiting on its window or its implementation
 * is woken. Who may start it, and when, is the caller's to check (a person within the window, or
 * a release's deployment whose gate is the authority).
 */
export async function startImplementation(
  ctx: OperationContext,
  before: Change,
  opts: { action: string; reason?: string },
): Promise<Change> {
  const after = await saveChange(
    ctx,
    before,
    { ...before, status: 'implementing', implementationStartedAt: iso(now()) },
    { action: opts.action, ...(opts.reason ? { reason: opts.reason } : {}), events: [ChangeImplementationStarted] },
  );
  await wakeFlow(before);
  return after;
}

/**
 * A change being implemented gets its outcome: the review its rules require (FitSM PR12.5), the
 * CIs it touched remembered for incident links, and the flow waiting on it completed.
 */
export async function endImplementation(
  ctx: OperationContext,
  before: Change,
  opts: { outcome: Outcome; notes?: string; action: string },
): Promise<Change> {
  const t = now();
  const policy = await loadPolicy();
  const endedAt = iso(t);
  const next: Change = {
    ...before,
    status: 'implemented',
    implementationEndedAt: endedAt,
    outcome: opts.outcome,
    ...(opts.notes ? { outcomeNotes: opts.notes } : {}),
  };
  next.reviewReasons = reviewReasons(next);
  // Incidents on these CIs in the next hours are linked to this change (linkIncident below).
  const expiresAt = Math.floor(t / 1000) + policy.incidentLinkHours * 3600;
  const recent: Write[] = before.ciIds.map((ci) => ({
    kind: 'upsert',
    item: {
      ...keys.recent(ci, endedAt, before.changeId),
      type: 'recent-implementation',
      changeId: before.changeId,
      expiresAt,
    },
  }));
  const after = await saveChange(ctx, before, next, {
    action: opts.action,
    ...(opts.notes ? { reason: opts.notes.slice(0, 1000) } : {}),
    events: [ChangeImplemented],
    writes: recent,
  });
  await wakeFlow(before);
  return after;
}

/** The post-implementation review (for an emergency change, its retrospective review). */
export async function recordReview(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof ReviewBody>,
): Promise<Change> {
  const before = await loadChange(idOrNumber, true);
  if (!hasAnyRole(p, MANAGERS) && p.id !== before.requesterId)
    throw new ForbiddenError('Only a change manager or the requester may record the review.');
  if (before.status !== 'implemented' && before.status !== 'closed')
    throw new ConflictError('A change is reviewed after its implementation.', 'invalid-transition');
  if (before.review) throw new ConflictError('The change has been reviewed already.', 'already-reviewed');
  return saveChange(
    ctx,
    before,
    { ...before, review: { ...input, reviewedBy: p.id, reviewedAt: iso(now()) } },
    { action: 'reviewed', events: [ChangeUpdated] },
  );
}

/** Close an implemented change with the closure code its outcome gives; a required review must be done first. */
export async function closeChange(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  notes?: string,
): Promise<Change> {
  const before = await loadChange(idOrNumber, true);
  if (!hasAnyRole(p, MANAGERS) && p.id !== before.requesterId && p.id !== before.implementerId)
    throw new ForbiddenError('Only a change manager, the requester or the implementer may close this change.');
  if (before.status !== 'implemented')
    throw new ConflictError(
      `Only an implemented change can be closed; this one is ${before.status}.`,
      'invalid-transition',
    );
  if (before.reviewReasons.length > 0 && !before.review)
    throw new ConflictError(
      `A review is required before closure: ${before.reviewReasons.join('; ')}.`,
      'review-required',
    );
  return saveChange(
    ctx,
    before,
    { ...before, status: 'closed', closureCode: before.outcome!, ...(notes ? { closureNotes: notes } : {}) },
    { action: `closed: ${before.outcome}`, events: [ChangeClosed] },
  );
}

/**
 * Desk event: an incident was recorded on CIs. Each change implemented on one of them within the
 * policy's period before it is linked (FitSM PR12.5: changes that caused incidents are reviewed).
 */
export async function linkIncident(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const t = (event.data as { ticket: TicketSnapshot }).ticket;
  if (t.type !== 'incident' || !t.ciIds?.length) return table().recordHandled(ctx);
  const policy = await loadPolicy();
  const created = Date.parse(t.createdAt);
  const since = iso(created - policy.incidentLinkHours * 3_600_000);
  const recent = (
    await Promise.all(
      t.ciIds.map((ci) =>
        table()
          .page({ pk: `RECENT#${ci}`, skBetween: [since, `${t.createdAt}~`], limit: 50 })
          .then((pg) => pg.items),
      ),
    )
  ).flat();
  const changeIds = [...new Set(recent.map((r) => String(r.changeId)))];
  if (changeIds.length === 0) return table().recordHandled(ctx);
  for (const [i, id] of changeIds.entries()) {
    const before = await loadChange(id, true);
    if (before.incidentIds.includes(t.number)) continue;
    const next: Change = { ...before, incidentIds: [...before.incidentIds, t.number].slice(0, 50) };
    next.reviewReasons = reviewReasons(next);
    // The inbox marker goes with the last change's write: a redelivery then skips the event.
    await saveChange(ctx, before, next, {
      action: `incident ${t.number} on an affected CI linked`,
      events: [ChangeUpdated],
      ...(i === changeIds.length - 1 ? { handles: handled(ctx) } : {}),
    });
  }
  if (ctx.inbox && !ctx.inbox.recorded) await table().recordHandled(ctx);
}
