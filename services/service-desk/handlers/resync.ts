import { serviceDeskResync } from '../../../shared/contracts/service-desk/v1';
import { resyncConsumer } from '../../../shared/kit/resync';
import { readComments, readTickets } from '../use-cases/resync';

/** Answers ResyncRequested with every ticket, then every comment (ADR 28). */
export const handler = resyncConsumer('service-desk', serviceDeskResync, {
  ticket: { read: readTickets },
  'ticket-comment': { read: readComments },
});
