import { functionHandler } from '../../../shared/kit/handlers';
import { logger } from '../../../shared/kit/logger';
import { parse } from '../../../shared/kit/validation';
import { TimersInput } from '../schemas';
import { runDueTimers } from '../use-cases/ticket-clocks';

/**
 * The every-minute SLA timer (FitSM PR2.3). Scheduled events carry no input; operators and tests
 * may pass `{ "now": "<ISO instant>" }` to run it as of another moment (as the outbox relay takes
 * `{ "minAgeMs": 0 }`).
 */
const run = async (event: unknown) => {
  const input = parse(TimersInput, typeof event === 'object' && event && 'now' in event ? event : {}, 'input');
  const result = await runDueTimers(input.now ? Date.parse(input.now) : Date.now());
  if (result.announced > 0) logger.info('SLA moments announced', result);
  return result;
};

export const handler = functionHandler(run);
