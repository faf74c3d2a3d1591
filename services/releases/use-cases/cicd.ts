import type { DeploymentStateChange } from '../../../shared/contracts/aws/codedeploy';
import type {
  ActionExecutionStateChange,
  PipelineExecutionStateChange,
} from '../../../shared/contracts/aws/codepipeline';
import type { AwsEventDetail } from '../../../shared/contracts/aws/envelope';
import type { ChangeSnapshot } from '../../../shared/contracts/changes/v1';
import { ChangeRequested } from '../../../shared/contracts/releases/v1';
import type { Principal } from '../../../shared/kit/auth';
import type { AwsEvent } from '../../../shared/kit/aws-events';
import type { OperationContext } from '../../../shared/kit/context';
import { DomainError } from '../../../shared/kit/errors';
import { buildEvent, type ReceivedEvent } from '../../../shared/kit/events';
import { logger } from '../../../shared/kit/logger';
import { handled } from '../../../shared/kit/store';
import { type CicdDecision, type CicdRelease, onAction, onCodeDeploy, onExecution } from '../domain/cicd';
import { criterionForTest, type Pipeline, routinePlan } from '../domain/pipeline';
import { FINISHED, type Release } from '../domain/release';
import { table } from '../store';
import { decideWave, startDeployment } from './deployment';
import { findPipeline, pipelineOfDeploymentGroup } from './pipelines';
import { loadRelease, releaseByPipeline, saveRelease } from './record';
import { acceptRelease, createRelease, includeChange, recordEvidence } from './releases';

/**
 * Deployments fed by CI/CD (FitSM PR13.4-PR13.5): CodePipeline's and CodeDeploy's events on the
 * default bus (handlers/cicd.ts) applied to the release that names the pipeline, through the
 * release's own use cases. The rules are domain/cicd.ts; here they meet the records.
 *
 * Each event is handled once (the AWS event id in the inbox): the unit of work that applies it
 * carries the marker; an event that moves nothing is recorded as such (`CICD#<pipeline>` items,
 * kept 90 days) with the same marker. The platform cannot stop a pipeline: a deployment it refuses
 * (gate not passed) is recorded on the release while the execution runs on.
 */
const RECORD_DAYS = 90;
const actorOf = (ctx: OperationContext) => ({ id: ctx.actor.id });

/** Thrown when an event decides a wave the flow has not opened yet: Lambda's retries bring it back. */
export class WaveNotOpenError extends Error {
  constructor(wave: string) {
    super(`wave ${wave} is not open yet; retried once the deployment flow reaches it`);
    this.name = 'WaveNotOpenError';
  }
}

/** The release as the rules see it. */
export function cicdView(r: Release): CicdRelease {
  const d = r.deployment;
  return {
    releaseId: r.releaseId,
    status: r.status,
    ...(r.pipeline ? { pipeline: r.pipeline } : {}),
    waves: r.plan.waves.map((w) => ({
      name: w.name,
      verification: w.verification,
      ...(w.pipelineStage ? { pipelineStage: w.pipelineStage } : {}),
      ...(w.deploymentGroup ? { deploymentGroup: w.deploymentGroup } : {}),
    })),
    criteria: r.criteria.map((c) => ({ criterionId: c.criterionId, name: c.name, required: c.required })),
    ...(d
      ? {
          deployment: {
            trigger: d.trigger,
            startedAt: d.startedAt,
            ...(d.outcome || d.phase === 'ended' ? { outcome: d.outcome ?? 'ended' } : {}),
            decided: Object.fromEntries(
              d.waves.filter((w) => w.status === 'passed' || w.status === 'failed').map((w) => [w.name, w.status]),
            ) as Record<string, 'passed' | 'failed'>,
          },
        }
      : {}),
  };
}

/** Record an event that moved nothing, with why, and mark it handled. */
async function recordOnly(ctx: OperationContext, pipeline: string, event: AwsEvent, why: string, releaseId?: string) {
  logger.info('CI/CD event recorded, nothing moved', { detailType: event.detailType, why, releaseId });
  await table().commit(ctx, {
    writes: [
      {
        kind: 'upsert',
        item: {
          pk: `CICD#${pipeline}`,
          sk: `EVENT#${event.time}#${event.id}`,
          type: 'cicd-event',
          detailType: event.detailType,
          detail: event.detail as Record<string, unknown>,
          ...(releaseId ? { releaseId } : {}),
          note: why,
          expiresAt: Math.floor(Date.now() / 1000) + RECORD_DAYS * 86_400,
        },
      },
    ],
    handles: handled(ctx),
  });
}

/** Apply a decision to the release; the last write carries the inbox marker. */
async function apply(ctx: OperationContext, r: Release, pipeline: string, event: AwsEvent, d: CicdDecision) {
  const handles = handled(ctx);
  switch (d.kind) {
    case 'ignore':
      return recordOnly(ctx, pipeline, event, d.reason, r.releaseId);
    case 'start':
      try {
        await startDeployment(ctx, actorOf(ctx), r.releaseId, { kind: 'pipeline', ref: d.executionId });
      } catch (err) {
        if (!(err instanceof DomainError) || err.status !== 409) throw err;
        // FitSM PR13.4: no deployment without the gate. CodePipeline runs on regardless (the
        // platform has no say over it), so the refusal is what the release records.
        await saveRelease(ctx, r, r, {
          action: `deployment refused (pipeline execution ${d.executionId})`,
          reason: `${err.message} Pipeline ${pipeline} execution ${d.executionId} started anyway: the platform cannot stop a pipeline, so it is recorded here and not as a deployment of ${r.number}.`,
          events: [],
          handles,
        });
        return;
      }
      return recordOnly(ctx, pipeline, event, `deployment started for execution ${d.executionId}`, r.releaseId);
    case 'evidence':
      if (!['planning', 'accepted'].includes(r.status))
        return recordOnly(
          ctx,
          pipeline,
          event,
          `${r.number} is ${r.status}; evidence is recorded before deployment`,
          r.releaseId,
        );
      await recordEvidence(
        ctx,
        actorOf(ctx),
        r.releaseId,
        {
          criterionId: d.criterionId,
          result: d.result,
          summary: d.summary.slice(0, 2000),
          ...(d.url ? { url: d.url } : {}),
          source: { kind: 'pipeline', ref: String((event.detail as { 'execution-id'?: string })['execution-id']) },
        },
        { handles },
      );
      if (routineOf(r))
        await advanceRoutine(ctx, r.releaseId, String((event.detail as { 'execution-id'?: string })['execution-id']));
      return;
    case 'waves': {
      const deployment = r.deployment!;
      for (const [i, decision] of d.decisions.entries()) {
        const run = deployment.waves.find((w) => w.name === decision.wave);
        if (run?.status === 'pending') throw new WaveNotOpenError(decision.wave);
        const last = i === d.decisions.length - 1;
        await decideWave(
          ctx,
          actorOf(ctx),
          r.releaseId,
          { wave: decision.wave, result: decision.result, notes: decision.notes, source: 'automatic' },
          last ? { handles } : {},
        );
        if (!last) {
          // The flow opens the next wave after reading this decision: the rest waits for it.
          const next = await loadRelease(r.releaseId, true);
          const following = next.deployment?.waves.find((w) => w.name === d.decisions[i + 1]!.wave);
          if (following?.status !== 'deploying') throw new WaveNotOpenError(d.decisions[i + 1]!.wave);
        }
      }
      return;
    }
  }
}

/**
 * A registered pipeline's routine execution with no open release: the release it deploys (type
 * minor, owned by the pipeline, planned from the registration) and a request to the changes
 * service for a standard change from the pipeline's template, pre-approved (`ChangeRequested`,
 * request id = the execution id), in one transaction with the inbox marker.
 */
async function routineRelease(ctx: OperationContext, p: Pipeline, executionId: string, event: AwsEvent) {
  const owner = `pipeline:${p.name}`;
  const plan = routinePlan(p);
  const title = `${p.title ?? `${p.name} deployment`} (${executionId.slice(0, 8)})`.slice(0, 200);
  const release = await createRelease(
    ctx,
    { id: owner },
    {
      title,
      description: `Routine deployment by pipeline ${p.name}, execution ${executionId}, under standard change template ${p.templateId}.`,
      type: 'minor',
      ownerId: owner,
      pipeline: p.name,
      ciIds: p.ciIds,
      plan: {
        waves: plan.waves,
        backoutPlan: `Pipeline ${p.name} deploys the previous revision (standard change template ${p.templateId}).`,
      },
      criteria: plan.criteria.map((c) => ({ name: c.criterionId, stage: 'test' as const, required: c.required })),
    },
    {
      extraEvents: [
        buildEvent(
          ChangeRequested,
          {
            requestId: executionId,
            title,
            description: `Standard change for pipeline ${p.name} execution ${executionId}.`,
            requesterId: owner,
            ciIds: p.ciIds.slice(0, 50),
            serviceIds: p.serviceIds.slice(0, 40),
            origin: { source: 'releases', ref: `pipeline:${p.name}:${executionId}`.slice(0, 256) },
            templateId: p.templateId,
          },
          ctx,
        ),
      ],
      handles: handled(ctx),
      // Which execution the routine release is for (a repeated STARTED of it moves nothing).
      writes: [{ kind: 'create', item: { ...routineKey(p.name, executionId), type: 'routine-execution' } }],
    },
  );
  logger.info('routine release created from a pipeline execution', {
    number: release.number,
    pipeline: p.name,
    executionId,
    eventId: event.id,
  });
}

const routineKey = (pipeline: string, executionId: string) => ({ pk: `ROUTINE#${pipeline}`, sk: executionId });

type ExecutionDetail = AwsEventDetail<typeof PipelineExecutionStateChange>;
type ActionDetail = AwsEventDetail<typeof ActionExecutionStateChange>;
type DeployDetail = AwsEventDetail<typeof DeploymentStateChange>;

export async function applyPipelineExecution(event: AwsEvent<ExecutionDetail>, ctx: OperationContext) {
  const { pipeline, state } = event.detail;
  const executionId = event.detail['execution-id'];
  const release = await releaseByPipeline(pipeline);
  if (!release) {
    const registered = state === 'STARTED' ? await findPipeline(pipeline) : undefined;
    if (registered) return routineRelease(ctx, registered, executionId, event);
    return recordOnly(ctx, pipeline, event, `no open release names pipeline ${pipeline}`);
  }
  if (state === 'STARTED' && routineOf(release) && (await table().get(routineKey(pipeline, executionId), true))) {
    await advanceRoutine(ctx, release.releaseId, executionId);
    return recordOnly(ctx, pipeline, event, `${release.number} is this execution's routine release`, release.releaseId);
  }
  return apply(ctx, release, pipeline, event, onExecution(cicdView(release), { executionId, state }));
}

export async function applyActionExecution(event: AwsEvent<ActionDetail>, ctx: OperationContext) {
  const d = event.detail;
  const release = await releaseByPipeline(d.pipeline);
  if (!release) return recordOnly(ctx, d.pipeline, event, `no open release names pipeline ${d.pipeline}`);
  const registered = await findPipeline(d.pipeline);
  const view = cicdView(release);
  const result = d['execution-result'];
  const decision = onAction(
    view,
    {
      executionId: d['execution-id'],
      stage: d.stage,
      action: d.action,
      category: d.type.category,
      state: d.state,
      ...(result?.['external-execution-summary'] ? { summary: result['external-execution-summary'] } : {}),
      ...(result?.['external-execution-url'] ? { url: result['external-execution-url'] } : {}),
    },
    (stage, action) => {
      const id = registered ? criterionForTest(registered, stage, action) : undefined;
      // The release names its criteria by id or by name (a routine release's names are the registration's ids).
      return view.criteria.find((c) => c.criterionId === id || c.name === id)?.criterionId;
    },
  );
  return apply(ctx, release, d.pipeline, event, decision);
}

export async function applyCodeDeploy(event: AwsEvent<DeployDetail>, ctx: OperationContext) {
  const d = event.detail;
  const pipeline = await pipelineOfDeploymentGroup(d.application, d.deploymentGroup);
  const release = pipeline ? await releaseByPipeline(pipeline) : undefined;
  const where = pipeline ?? `codedeploy:${d.application}`;
  if (!release || FINISHED.includes(release.status))
    return recordOnly(ctx, where, event, `no open release deploys to ${d.application}/${d.deploymentGroup}`);
  return apply(
    ctx,
    release,
    where,
    event,
    onCodeDeploy(cicdView(release), {
      deploymentId: d.deploymentId,
      application: d.application,
      deploymentGroup: d.deploymentGroup,
      state: d.state,
      time: event.time,
    }),
  );
}

/** The pipeline that owns a routine release (one it created), if it is one. */
const routineOf = (r: Pick<Release, 'ownerId' | 'pipeline'>) =>
  r.pipeline && r.ownerId === `pipeline:${r.pipeline}` ? r.pipeline : undefined;

/**
 * A routine release moves on its own once it may: its standard change is approved and included
 * and its gate passed (the execution's Test actions), so it is accepted under the pre-approved
 * template and its deployment starts for the execution, with no manual step (FitSM PR12 standard
 * changes, PR13.4). Until then it waits; each step it takes again is refused or a no-op.
 */
async function advanceRoutine(ctx: OperationContext, releaseId: string, executionId: string) {
  const r = await loadRelease(releaseId, true);
  const owner = routineOf(r);
  if (!owner || r.changeIds.length === 0) return;
  try {
    if (r.status === 'planning')
      await acceptRelease(ctx, { id: `pipeline:${owner}`, name: owner, roles: [] } as unknown as Principal, releaseId, {
        stage: 'deployment',
        notes: 'Accepted under its pre-approved standard change: a routine pipeline deployment.',
      });
    if (r.status === 'planning' || r.status === 'accepted')
      await startDeployment(ctx, actorOf(ctx), releaseId, { kind: 'pipeline', ref: executionId });
  } catch (err) {
    // Not yet (gate, change) or already (deploying): the next event tries again.
    if (!(err instanceof DomainError) || err.status !== 409) throw err;
    logger.info('routine release does not move yet', { releaseId, why: err.message });
  }
}

/**
 * The changes service approved a routine release's standard change (`ChangeRequested` from
 * `routineRelease`, its origin naming the pipeline and execution): the release bundles it, and
 * moves on if it may. Runs after the copy of the change is kept (a by-version consumer: the
 * inclusion is idempotent, and so is each step `advanceRoutine` takes).
 */
export async function includeRoutineChange(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const c = event.data as ChangeSnapshot;
  if (c.status !== 'approved' || c.origin?.source !== 'releases') return;
  const m = /^pipeline:([^:]+):(.+)$/.exec(c.origin.ref);
  if (!m) return;
  const [, pipeline, executionId] = m as unknown as [string, string, string];
  const release = await releaseByPipeline(pipeline);
  if (!release || routineOf(release) !== pipeline) return;
  await includeChange(ctx, release.releaseId, undefined, c.changeId);
  await advanceRoutine(ctx, release.releaseId, executionId);
}
