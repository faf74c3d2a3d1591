import type * as z from 'zod/mini';
import { ReleaseHandoverAccepted, ReleaseUpdated } from '../../../shared/contracts/releases/v1';
import type { TicketSnapshot } from '../../../shared/contracts/service-desk/v1';
import type { Principal } from '../../../shared/kit/auth';
import { now } from '../../../shared/kit/clock';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, DomainError } from '../../../shared/kit/errors';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { handled } from '../../../shared/kit/store';
import { earlyLifeExitProblems } from '../domain/release';
import type { HandoverBody } from '../schemas';
import { table } from '../store';
import { loadRelease, saveRelease } from './record';

/**
 * Early-life support (FitSM PR13.6): for a period after a successful deployment, incidents on the
 * released CIs are linked to the release, and the handover to operations waits until no incident
 * of the exit criteria's priorities was raised for the quiet period.
 */

/** A desk incident on a CI in early-life support is linked to the release that deployed it. */
export async function linkIncident(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const t = (event.data as { ticket: TicketSnapshot }).ticket;
  if (t.type !== 'incident' || !t.ciIds?.length) return table().recordHandled(ctx);
  const found = (await Promise.all(t.ciIds.map((ci) => table().all({ pk: `ELS#${ci}` }))))
    .flat()
    .filter((i) => String(i.from) <= t.createdAt && t.createdAt < String(i.until));
  const releaseIds = [...new Set(found.map((i) => String(i.releaseId)))];
  if (releaseIds.length === 0) return table().recordHandled(ctx);
  for (const [n, releaseId] of releaseIds.entries()) {
    const before = await loadRelease(releaseId, true);
    const e = before.earlyLife;
    const last = n === releaseIds.length - 1;
    if (before.status !== 'early-life-support' || !e || e.incidents.some((i) => i.ticketId === t.ticketId)) {
      if (last) await table().recordHandled(ctx);
      continue;
    }
    const ciIds = t.ciIds.filter((c) => before.ciIds.includes(c));
    const incidents = [
      ...e.incidents,
      { ticketId: t.ticketId, number: t.number, priority: t.priority, ciIds, at: t.createdAt },
    ].slice(-50);
    // The inbox marker goes with the last release's write: a redelivery then skips the event.
    await saveRelease(
      ctx,
      before,
      { ...before, earlyLife: { ...e, incidents } },
      {
        action: `incident ${t.number} (${t.priority}) on a released CI linked during early-life support`,
        events: [ReleaseUpdated],
        ...(last ? { handles: handled(ctx) } : {}),
      },
    );
  }
  if (ctx.inbox && !ctx.inbox.recorded) await table().recordHandled(ctx);
}

/** The authorised handover to operations: refused while the exit criteria do not hold. */
export async function handOver(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof HandoverBody>,
) {
  const before = await loadRelease(idOrNumber, true);
  const e = before.earlyLife;
  if (before.status !== 'early-life-support' || !e)
    throw new ConflictError(
      `${before.number} is ${before.status}, not in early-life support.`,
      'not-in-early-life-support',
    );
  const t = now();
  const problems = earlyLifeExitProblems(e, t);
  if (problems.length)
    throw new DomainError(
      'early-life-exit-criteria-unmet',
      409,
      `${before.number} cannot be handed over yet: ${problems.map((x) => x.message).join('; ')}.`,
      problems,
    );
  const at = new Date(t).toISOString();
  return saveRelease(
    ctx,
    before,
    {
      ...before,
      status: 'closed',
      earlyLife: {
        ...e,
        handedOverAt: at,
        handedOverBy: p.id,
        acceptedBy: input.acceptedBy,
        ...(input.notes ? { notes: input.notes } : {}),
      },
    },
    {
      action: `handed over to operations (accepted by ${input.acceptedBy})`,
      ...(input.notes ? { reason: input.notes } : {}),
      // The CIs' early-life markers expire by themselves; a closed release links no more incidents.
      events: [ReleaseHandoverAccepted],
    },
  );
}
