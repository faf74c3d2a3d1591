import { serviceEvents } from '../../../shared/contracts/portfolio/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { applyServiceEvent } from '../use-cases/services';

// A copy written only while the portfolio's version is newer: duplicates and older events change nothing.
const copy = { idempotency: 'by-version', handle: applyServiceEvent } as const;

/** Consumer of portfolio events: keeps the copy of services that CIs link to. */
export const handler = eventConsumer('configuration', serviceEvents, {
  ServiceRegistered: copy,
  ServiceUpdated: copy,
  ServiceRetired: copy,
});
