import { BaselineCaptured } from '../../../shared/contracts/configuration/v1';
import { TicketCreated } from '../../../shared/contracts/service-desk/v1';
import { type EventHandling, eventConsumer } from '../../../shared/kit/handlers';
import { CHANGE_COPY_EVENTS } from '../service';
import { includeRoutineChange } from '../use-cases/cicd';
import { applyChange } from '../use-cases/copies';
import { baselineCaptured } from '../use-cases/deployment';
import { linkIncident } from '../use-cases/early-life';

/**
 * The releases service's consumer: its copy of changes (only approved ones may be bundled), the
 * CMDB's answers to its baseline requests, and desk incidents on CIs in early-life support.
 */
export const handler = eventConsumer('releases', [...CHANGE_COPY_EVENTS, BaselineCaptured, TicketCreated], {
  ...Object.fromEntries(
    CHANGE_COPY_EVENTS.map((e): [string, EventHandling] => [
      e.detailType,
      { idempotency: 'by-version', handle: applyChange },
    ]),
  ),
  // A routine release's standard change, once approved, goes into it (use-cases/cicd.ts).
  ChangeApproved: {
    idempotency: 'by-version',
    handle: async (event, ctx) => {
      await applyChange(event, ctx);
      await includeRoutineChange(event, ctx);
    },
  },
  // Writes the release (baseline id, or the comparison with the package) with the inbox marker.
  BaselineCaptured: { idempotency: 'inbox', handle: baselineCaptured },
  TicketCreated: { idempotency: 'inbox', handle: linkIncident },
});
