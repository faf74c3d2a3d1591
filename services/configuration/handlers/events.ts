import { portfolioEvents } from '../../../shared/contracts/portfolio/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { applyServiceEvent } from '../use-cases/services';

/** Consumer of portfolio events: keeps the copy of services that CIs link to. */
export const handler = eventConsumer('configuration', portfolioEvents, {
  ServiceRegistered: applyServiceEvent,
  ServiceUpdated: applyServiceEvent,
  ServiceRetired: applyServiceEvent,
});
