import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { systemContext } from '../../../shared/kit/context';
import { logger } from '../../../shared/kit/logger';
import { withUsage } from '../../../shared/kit/usage';
import { autoClose } from '../use-cases/closure';

/** The hourly auto-close schedule (FitSM PR9.5). */
const run = () => withUsage(() => autoClose(systemContext('service-desk-auto-close')));

export const handler = middy<unknown, { closed: number; skipped: number }, Error, Context>()
  .use(injectLambdaContext(logger))
  .handler(run);
