import { Logger } from '@aws-lambda-powertools/logger';
import { optionalEnv } from './env';

/** One structured JSON logger per function; the service name comes from POWERTOOLS_SERVICE_NAME. */
export const logger = new Logger({
  serviceName: optionalEnv('POWERTOOLS_SERVICE_NAME') ?? 'itsm',
  logLevel: (optionalEnv('LOG_LEVEL') ?? 'INFO') as 'INFO',
});
