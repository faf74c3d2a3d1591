import type * as z from 'zod/mini';
import {
  MajorIncidentDeclared,
  MajorIncidentUpdateRequested,
  TicketChanged,
} from '../../../shared/contracts/service-desk/v1';
import { hasAnyRole, type Principal } from '../../../shared/kit/auth';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, DomainError, NotFoundError } from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import { assertCanLeadMajor, assertCanSee } from '../access';
import { majorCriteriaMet } from '../domain/settings';
import { isOpenWork } from '../domain/ticket';
import type { DeclareMajorBody, MajorReviewBody, MajorUpdateBody } from '../schemas';
import { ADMINS } from '../service';
import { keys, snapshot, type TicketState, table } from '../store';
import { publicComment } from './comments';
import { loadSettings } from './settings';
import { commitChange, loadTicket, stateOf, withTicket } from './ticket-work';
import { startCadence } from './tickets';

/**
 * Major incidents (FitSM PR9.6): identified by configured criteria, led by a coordinator, kept
 * to a stakeholder-update cadence by a flow, and closed only after a review.
 */
export async function declareMajor(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  body: z.infer<typeof DeclareMajorBody>,
) {
  const input = body ?? {};
  return withTicket(idOrNumber, undefined, async (before) => {
    assertCanSee(p, before, idOrNumber);
    if (before.type !== 'incident')
      throw new DomainError('not-an-incident', 422, 'Only incidents can be declared major.');
    if (!isOpenWork(before.status))
      throw new ConflictError(`Ticket ${before.number} is ${before.status}.`, 'ticket-not-open');
    if (before.major) throw new ConflictError(`${before.number} is already a major incident.`, 'already-major');
    const { settings } = await loadSettings();
    const criteria = majorCriteriaMet(settings.majorIncident.criteria, before);
    // Declaring outside the criteria is a manager's override, logged with its reason (GR5.2).
    if (criteria.length === 0) {
      if (!hasAnyRole(p, ADMINS))
        throw new ConflictError(
          `${before.number} meets no major-incident criterion; a service desk manager may declare it with a reason.`,
          'criteria-not-met',
        );
      if (!input.reason)
        throw new DomainError(
          'override-reason-required',
          422,
          'Say why this incident is major although it meets no criterion.',
          [{ field: 'body.reason', message: 'is required to declare outside the criteria' }],
        );
    }
    const coordinatorId = input.coordinatorId ?? p.id;
    const coordinatorEmail = input.coordinatorEmail ?? (coordinatorId === p.id ? p.email : undefined);
    const now = new Date().toISOString();
    const after: TicketState = {
      ...stateOf(before),
      major: true,
      majorDeclaredAt: now,
      coordinatorId,
      ...(coordinatorEmail ? { coordinatorEmail } : {}),
      majorCriteria: criteria,
      changedAt: now,
    };
    // The cadence starts first: if the declaration then fails, the flow finds no major incident and ends.
    await startCadence({ ...before, ...after }, ctx, settings);
    return commitChange(ctx, before, after, {
      event: TicketChanged,
      action: 'declared major incident',
      reason: input.reason ?? `criteria met: ${criteria.join(', ')}`,
      events: (t, changes) => [
        buildEvent(MajorIncidentDeclared, { ticket: snapshot(t, t.version), changes, coordinatorId, criteria }, ctx),
      ],
    });
  });
}

/** Stakeholder update: a public comment the caller and the stakeholders receive. */
export async function majorUpdate(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof MajorUpdateBody>,
) {
  return withTicket(idOrNumber, undefined, async (before) => {
    if (!before.major) throw new ConflictError(`${before.number} is not a major incident.`, 'not-major');
    assertCanLeadMajor(p, before);
    return (await publicComment(ctx, p, before, input.summary, 'stakeholder-update')).comment;
  });
}

/** The major incident review (PR9.6); closure waits for it. */
export async function majorReview(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof MajorReviewBody>,
) {
  return withTicket(idOrNumber, undefined, async (before) => {
    if (!before.major) throw new ConflictError(`${before.number} is not a major incident.`, 'not-major');
    assertCanLeadMajor(p, before);
    const now = new Date().toISOString();
    const after: TicketState = {
      ...stateOf(before),
      majorReview: {
        findings: input.findings,
        ...(input.rootCause ? { rootCause: input.rootCause } : {}),
        actions: input.actions.map((a) => ({
          title: a.title,
          ...(a.owner ? { owner: a.owner } : {}),
          ...(a.dueAt ? { dueAt: a.dueAt } : {}),
        })),
        reviewedBy: p.id,
        reviewedAt: now,
      },
      changedAt: now,
    };
    return commitChange(ctx, before, after, { event: TicketChanged, action: 'major incident review recorded' });
  });
}

/**
 * Flow task: while the major incident is open, record a reminder and ask the coordinator for a
 * stakeholder update (MajorIncidentUpdateRequested); tell the flow whether to go on.
 */
export async function requestMajorUpdate(ctx: OperationContext, ticketId: string) {
  const { settings } = await loadSettings();
  const cadenceSeconds = settings.majorIncident.cadenceSeconds;
  const t = await loadTicket(ticketId, true).catch((err) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (!t?.major || !isOpenWork(t.status)) return { open: false, cadenceSeconds };
  const reminder = t.majorReminders + 1;
  // A reminder is bookkeeping, not a change of the ticket: counted without a new version.
  await table().commit(ctx, {
    writes: [{ kind: 'update', key: keys.ticket(t.ticketId), increment: { majorReminders: 1 }, mustExist: true }],
    history: [
      {
        pk: keys.ticket(t.ticketId).pk,
        entityType: 'ticket',
        entityId: t.ticketId,
        action: `stakeholder update reminder ${reminder}`,
      },
    ],
    events: [
      buildEvent(
        MajorIncidentUpdateRequested,
        {
          ticketId: t.ticketId,
          number: t.number,
          coordinatorId: t.coordinatorId ?? '',
          dueAt: new Date().toISOString(),
          reminder,
        },
        ctx,
      ),
    ],
  });
  return { open: true, cadenceSeconds };
}
