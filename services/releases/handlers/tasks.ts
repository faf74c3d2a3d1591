import { taskHandler } from '../../../shared/kit/handlers';
import { awaitBackout, awaitWave, baselineTimedOut, finish, nextStep, requestBaseline } from '../use-cases/deployment';

const phase = (v: unknown) => (v === 'after' ? 'after' : 'before');

/** Tasks of the deployment flow (flows/deployment.ts). */
export const handler = taskHandler('releases', {
  NextStep: (p, ctx) => nextStep(ctx, String(p.releaseId), String(p.deploymentId)),
  RequestBaseline: (p, ctx) =>
    requestBaseline(ctx, String(p.releaseId), String(p.deploymentId), phase(p.phase), String(p.taskToken)),
  BaselineTimedOut: (p, ctx) => baselineTimedOut(ctx, String(p.releaseId), String(p.deploymentId), phase(p.phase)),
  AwaitWave: (p, ctx) =>
    awaitWave(ctx, String(p.releaseId), String(p.deploymentId), Number(p.wave), String(p.taskToken)),
  AwaitBackout: (p, ctx) => awaitBackout(ctx, String(p.releaseId), String(p.deploymentId), String(p.taskToken)),
  Finish: (p, ctx) => finish(ctx, String(p.releaseId), String(p.deploymentId)),
});
