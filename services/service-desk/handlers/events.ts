import { CustomerRegistered, CustomerUpdated } from '../../../shared/contracts/customers/v1';
import { SlaBreached, SlaClocksChanged, SlaWarningReached } from '../../../shared/contracts/service-level/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { applyCustomerEvent } from '../use-cases/customers';
import { applySlaClocks, onSlaMoment } from '../use-cases/escalations';

/**
 * Consumer of other services' events: service-level clocks for the breaching-soon queue and
 * automatic escalation (PR9.3); customers' organisations for the services a customer may name.
 */
export const handler = eventConsumer(
  'service-desk',
  [SlaClocksChanged, SlaWarningReached, SlaBreached, CustomerRegistered, CustomerUpdated],
  {
    SlaClocksChanged: applySlaClocks,
    SlaWarningReached: onSlaMoment,
    SlaBreached: onSlaMoment,
    CustomerRegistered: applyCustomerEvent,
    CustomerUpdated: applyCustomerEvent,
  },
);
