import { systemContext } from '../../../shared/kit/context';
import { functionHandler } from '../../../shared/kit/handlers';
import { sweepAbandonedUploads } from '../use-cases/attachments';

/** The hourly sweep of uploads asked for and never completed: their objects and items go. */
export const handler = functionHandler(() => sweepAbandonedUploads(systemContext('service-desk-abandoned-uploads')));
