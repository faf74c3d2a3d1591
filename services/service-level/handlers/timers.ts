import { now } from '../../../shared/kit/clock';
import { functionHandler } from '../../../shared/kit/handlers';
import { logger } from '../../../shared/kit/logger';
import { runDueTimers } from '../use-cases/ticket-clocks';

/**
 * The every-minute SLA timer (FitSM PR2.3). It ignores its input and runs as of the clock: a
 * direct invocation cannot announce breaches or send customer notices for a future moment. Tests
 * move the clock through the local runtime (`Runtime.setTime`).
 */
const run = async () => {
  const result = await runDueTimers(now());
  if (result.announced > 0) logger.info('SLA moments announced', result);
  return result;
};

export const handler = functionHandler(run);
