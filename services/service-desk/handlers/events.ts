import { SlaBreached, SlaClocksChanged, SlaWarningReached } from '../../../shared/contracts/service-level/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { applySlaClocks, onSlaMoment } from '../use-cases/escalations';

/** Consumer of service-level events: clocks for the breaching-soon queue, automatic escalation (PR9.3). */
export const handler = eventConsumer('service-desk', [SlaClocksChanged, SlaWarningReached, SlaBreached], {
  SlaClocksChanged: applySlaClocks,
  SlaWarningReached: onSlaMoment,
  SlaBreached: onSlaMoment,
});
