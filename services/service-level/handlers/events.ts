import { portfolioEvents } from '../../../shared/contracts/portfolio/v1';
import { serviceDeskEvents } from '../../../shared/contracts/service-desk/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { TICKET_EVENTS } from '../service';
import { applyServiceEvent } from '../use-cases/services';
import { applyTicketEvent } from '../use-cases/ticket-clocks';

/** Consumer of ticket events (clocks, FitSM PR2.3) and portfolio events (which services are live, PR2.2). */
export const handler = eventConsumer(
  'service-level',
  [...serviceDeskEvents.filter((e) => TICKET_EVENTS.includes(e.detailType)), ...portfolioEvents],
  {
    ...Object.fromEntries(TICKET_EVENTS.map((t) => [t, applyTicketEvent])),
    ServiceRegistered: applyServiceEvent,
    ServiceUpdated: applyServiceEvent,
    ServiceRetired: applyServiceEvent,
  },
);
