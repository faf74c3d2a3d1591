import { serviceLevelResync } from '../../../shared/contracts/service-level/v1';
import { resyncConsumer } from '../../../shared/kit/resync';
import { readAgreements, readTicketClocks } from '../use-cases/resync';

/** Answers ResyncRequested with every agreement, then every ticket's clocks (ADR 28). */
export const handler = resyncConsumer('service-level', serviceLevelResync, {
  agreement: { read: readAgreements },
  'ticket-clocks': { read: readTicketClocks },
});
