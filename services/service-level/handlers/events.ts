import { serviceEvents } from '../../../shared/contracts/portfolio/v1';
import { serviceDeskEvents } from '../../../shared/contracts/service-desk/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { TICKET_EVENTS } from '../service';
import { applyServiceEvent } from '../use-cases/services';
import { applyTicketEvent } from '../use-cases/ticket-clocks';

/** Consumer of ticket events (clocks, FitSM PR2.3) and portfolio events (which services are live, PR2.2). */
export const handler = eventConsumer(
  'service-level',
  [...serviceDeskEvents.filter((e) => TICKET_EVENTS.includes(e.detailType)), ...serviceEvents],
  {
    // Each ticket version is stored once in the clocks record's version map, which the clocks are
    // computed from whatever the order; moments are announced once (`announced`): no marker needed.
    ...Object.fromEntries(
      TICKET_EVENTS.map((t) => [t, { idempotency: 'by-version', handle: applyTicketEvent } as const]),
    ),
    // A copy written only while the portfolio's version is newer.
    ServiceRegistered: { idempotency: 'by-version', handle: applyServiceEvent },
    ServiceUpdated: { idempotency: 'by-version', handle: applyServiceEvent },
    ServiceRetired: { idempotency: 'by-version', handle: applyServiceEvent },
  },
);
