import { taskHandler } from '../../../shared/kit/handlers';
import { requestMajorUpdate } from '../use-cases/major';

/** Tasks of the major incident flow (flows/major-incident.ts). */
export const handler = taskHandler('service-desk', {
  RequestUpdate: (p, ctx) => requestMajorUpdate(ctx, String(p.ticketId)),
});
