import type * as z from 'zod/mini';
import type { ChangeRaised } from '../../../shared/contracts/changes/v1';
import type { EventData } from '../../../shared/contracts/envelope';
import { ChangeRequested } from '../../../shared/contracts/service-desk/v1';
import type { Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { keepCopy } from '../../../shared/kit/copies';
import { NotFoundError } from '../../../shared/kit/errors';
import { buildEvent, type ReceivedEvent } from '../../../shared/kit/events';
import { logger } from '../../../shared/kit/logger';
import type { PageRequest } from '../../../shared/kit/paging';
import type { Item } from '../../../shared/kit/store';
import type { ChangeRequestBody, TicketChange } from '../schemas';
import { keys, table } from '../store';
import { loadTicket, withTicket } from './ticket-work';

/** The `origin.source` of changes raised from desk tickets; `origin.ref` is the ticket's number. */
export const ORIGIN_SOURCE = 'service-desk';

/**
 * Raise a request for change from a ticket (FitSM PR12.1: the desk asks change management, it does
 * not record changes itself). The `ChangeRequested` event and the ticket's history entry commit in
 * one transaction, so the request is either on record and on its way, or neither; the changes
 * service raises the change once per request id, whenever the event arrives.
 */
export async function requestChange(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof ChangeRequestBody>,
) {
  return withTicket(idOrNumber, undefined, async (t) => {
    const requestId = newId();
    const ciIds = input.ciIds ?? t.ciIds;
    const serviceIds = input.serviceIds ?? (t.serviceId ? [t.serviceId] : []);
    const event = buildEvent(
      ChangeRequested,
      {
        requestId,
        title: input.title,
        description: input.description,
        reason: input.reason,
        requesterId: p.id,
        ciIds,
        serviceIds,
        origin: { source: ORIGIN_SOURCE, ref: t.number },
        ...(input.suggestedType ? { suggestedType: input.suggestedType } : {}),
      },
      ctx,
    );
    await table().commit(ctx, {
      writes: [],
      history: [
        {
          pk: keys.ticket(t.ticketId).pk,
          entityType: 'ticket',
          entityId: t.ticketId,
          action: 'change requested',
          changes: {
            changeRequest: {
              to: {
                requestId,
                title: input.title,
                description: input.description,
                ciIds,
                serviceIds,
                ...(input.suggestedType ? { suggestedType: input.suggestedType } : {}),
              },
            },
          },
          reason: input.reason,
        },
      ],
      events: [event],
    });
    return { requestId, ticketId: t.ticketId, number: t.number };
  });
}

type ChangeSnapshot = EventData<typeof ChangeRaised>;

/**
 * Event handler: a change announced by the changes service (`ChangeRaised` and every later change
 * event). A change raised from a desk ticket (`origin.source` `service-desk`) is linked to the
 * ticket its `origin.ref` names: a copy of its number, title, type, status and window, kept by the
 * change's version, so duplicates and reordering converge on the newest (`by-version`).
 */
export async function applyChangeEvent(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const c = event.data as ChangeSnapshot;
  if (c.origin?.source !== ORIGIN_SOURCE) return;
  let ticketId: string;
  try {
    ticketId = (await loadTicket(c.origin.ref)).ticketId;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    // The desk publishes a request only for a ticket it holds; an unknown one was never ours.
    logger.warn('change names a ticket the desk does not hold', { changeId: c.changeId, ref: c.origin.ref });
    return;
  }
  await keepCopy(
    table(),
    ctx,
    keys.changeLink(ticketId, c.changeId),
    c.version,
    {
      type: 'change-link',
      changeId: c.changeId,
      number: c.number,
      title: c.title,
      changeType: c.type,
      status: c.status,
      plannedStart: c.plannedStart ?? null,
      plannedEnd: c.plannedEnd ?? null,
      changeUpdatedAt: c.updatedAt,
    },
    'changeVersion',
  );
}

const toChange = (i: Item): z.infer<typeof TicketChange> => ({
  changeId: String(i.changeId),
  number: String(i.number),
  title: String(i.title),
  type: i.changeType as z.infer<typeof TicketChange>['type'],
  status: i.status as z.infer<typeof TicketChange>['status'],
  ...(i.plannedStart ? { plannedStart: String(i.plannedStart) } : {}),
  ...(i.plannedEnd ? { plannedEnd: String(i.plannedEnd) } : {}),
  changeVersion: Number(i.changeVersion),
  updatedAt: String(i.changeUpdatedAt),
});

/** The changes raised from a ticket, oldest first (change ids are ULIDs): one key query. */
export async function listTicketChanges(idOrNumber: string, q: PageRequest) {
  return withTicket(idOrNumber, undefined, (t) =>
    table().page({ pk: keys.ticket(t.ticketId).pk, skBeginsWith: 'CHANGE#', ...q }, toChange),
  );
}
