import { CustomerRegistered, CustomerUpdated } from '../../../shared/contracts/customers/v1';
import { SlaBreached, SlaClocksChanged, SlaWarningReached } from '../../../shared/contracts/service-level/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { CHANGE_EVENTS } from '../service';
import { applyChangeEvent } from '../use-cases/changes';
import { applyCustomerEvent } from '../use-cases/customers';
import { applySlaClocks, onSlaMoment } from '../use-cases/escalations';

/**
 * Consumer of other services' events: service-level clocks for the breaching-soon queue and
 * automatic escalation (PR9.3); customers' organisations for the services a customer may name;
 * changes raised from tickets (PR12.1), linked to their ticket.
 */
export const handler = eventConsumer(
  'service-desk',
  [SlaClocksChanged, SlaWarningReached, SlaBreached, CustomerRegistered, CustomerUpdated, ...CHANGE_EVENTS],
  {
    // The ticket's clocks, written only while the ticket version they describe is newer (ifBelow).
    SlaClocksChanged: { idempotency: 'by-version', handle: applySlaClocks },
    // Escalations change the ticket and write history: a second run would escalate again.
    SlaWarningReached: { idempotency: 'inbox', handle: onSlaMoment },
    SlaBreached: { idempotency: 'inbox', handle: onSlaMoment },
    // A copy written only while the customer's version is newer.
    CustomerRegistered: { idempotency: 'by-version', handle: applyCustomerEvent },
    CustomerUpdated: { idempotency: 'by-version', handle: applyCustomerEvent },
    // The ticket's copy of a change, written only while the change's version is newer.
    ...Object.fromEntries(
      CHANGE_EVENTS.map((e) => [e.detailType, { idempotency: 'by-version' as const, handle: applyChangeEvent }]),
    ),
  },
);
