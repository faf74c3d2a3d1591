import { taskHandler } from '../../../shared/kit/handlers';
import { awaitImplementation, awaitWindow, levelTimedOut, nextStep, openLevel } from '../use-cases/approvals';

/** Tasks of the change flow (flows/change.ts). */
export const handler = taskHandler('changes', {
  NextStep: (p, ctx) => nextStep(ctx, String(p.changeId)),
  OpenLevel: (p, ctx) => openLevel(ctx, String(p.changeId), Number(p.level), String(p.taskToken)),
  LevelTimedOut: (p, ctx) => levelTimedOut(ctx, String(p.changeId), Number(p.level)),
  AwaitWindow: (p, ctx) => awaitWindow(ctx, String(p.changeId), String(p.taskToken)),
  AwaitImplementation: (p, ctx) => awaitImplementation(ctx, String(p.changeId), String(p.taskToken)),
});
