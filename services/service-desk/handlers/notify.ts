import { ticketEvents } from '../../../shared/contracts/service-desk/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { notify } from '../use-cases/notifications';

/** Consumer of this service's own ticket events: e-mails callers, coordinators and managers (PR9.4). */
export const handler = eventConsumer(
  'service-desk-notifications',
  ticketEvents,
  // Mail sent and logged on the ticket: a second run would mail again, so the inbox is the guard.
  Object.fromEntries(ticketEvents.map((e) => [e.detailType, { idempotency: 'inbox', handle: notify } as const])),
);
