import { taskHandler } from '../../../shared/kit/handlers';
import { closeCampaign, registerWaitToken } from '../use-cases/verification';

/** Tasks of the verification campaign flow (flows/verification.ts). */
export const handler = taskHandler('configuration', {
  RegisterWaitToken: (p, ctx) => registerWaitToken(ctx, String(p.campaignId), String(p.taskToken)),
  CloseCampaign: (p, ctx) => closeCampaign(ctx, String(p.campaignId)),
});
