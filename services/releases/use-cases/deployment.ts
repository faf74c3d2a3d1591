import type { BaselineCaptured } from '../../../shared/contracts/configuration/v1';
import type { EventData } from '../../../shared/contracts/envelope';
import {
  BaselineRequested,
  ReleaseConfigurationMismatched,
  ReleaseDeploymentEnded,
  ReleaseDeploymentStarted,
  ReleaseUpdated,
} from '../../../shared/contracts/releases/v1';
import { now } from '../../../shared/kit/clock';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { flowArnEnv } from '../../../shared/kit/definition';
import { requireEnv } from '../../../shared/kit/env';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { buildEvent } from '../../../shared/kit/events';
import { completeTaskIfWaiting, startFlow } from '../../../shared/kit/flows';
import { logger } from '../../../shared/kit/logger';
import { handled, type Write } from '../../../shared/kit/store';
import {
  compareWithPackage,
  type Deployment,
  nextStep as decideNext,
  evaluateGate,
  outcomeOf,
  type Release,
  readinessProblems,
  statusAfter,
} from '../domain/release';
import { keys, table } from '../store';
import { changeCopies } from './copies';
import { verifyPackage } from './packages';
import { deploymentSummary, loadRelease, releaseOfDeployment, saveRelease } from './record';
import { getStrategy } from './strategies';

/**
 * Deployments (FitSM PR13.5, PR13.6): started through the gate, run by the deployment flow
 * (flows/deployment.ts): the baseline first, then each wave and its verification, the back-out
 * path when a wave fails, the CMDB's result compared with the package, then the outcome.
 *
 * The flow waits on one task token at a time, kept in the release's `TOKEN` item (not on the
 * release, so storing it is no new version). Whatever answers the wait (a person, CI/CD, the CMDB)
 * writes the release first and then completes the token; the flow's `NextStep` reads the release
 * again and decides. A token stored after its answer is completed at once (`holdToken`).
 */
const iso = (t: number) => new Date(t).toISOString();
/** How long the flow waits for the CMDB's baseline before it gives up (the CMDB answers in seconds). */
export const BASELINE_TIMEOUT_SECONDS = 900;

/** An execution's ARN is its state machine's with `execution` and the execution's name (Step Functions API reference). */
const executionArnOf = (stateMachineArn: string, name: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/** The same input for the same deployment, so that starting it again is idempotent. */
const flowInput = (r: Release, d: Deployment) => ({
  releaseId: r.releaseId,
  deploymentId: d.deploymentId,
  correlationId: d.deploymentId,
});

const baselineRequestId = (d: Deployment, phase: 'before' | 'after') => `${d.deploymentId}.${phase}`;

/**
 * Start a deployment (FitSM PR13.4-PR13.5): only through the gate (passed criteria or waivers),
 * for an accepted release whose changes are all still approved, with a back-out plan, and with
 * its package's artifacts verified against the definitive media library.
 */
export async function startDeployment(
  ctx: OperationContext,
  actor: { id: string },
  idOrNumber: string,
  trigger: { kind: 'manual' | 'pipeline'; ref: string },
): Promise<Release> {
  const before = await loadRelease(idOrNumber, true);
  if (before.status === 'deploying' && before.deployment) {
    // The same start again (a retry after a crash between the commit and the flow's start): the
    // flow is started by its deployment's name, which Step Functions makes idempotent.
    if (before.deployment.trigger.kind === trigger.kind && before.deployment.trigger.ref === trigger.ref) {
      await startFlow('deployment', before.deployment.deploymentId, flowInput(before, before.deployment));
      return before;
    }
    throw new ConflictError(`${before.number} is already deploying.`, 'deployment-running');
  }
  const gate = evaluateGate(before);
  if (!gate.passed)
    throw new DomainError(
      'release-gate-not-passed',
      409,
      `${before.number} may not deploy: ${gate.blocking.map((b) => b.message).join('; ')}.`,
      gate.blocking,
    );
  if (before.status !== 'accepted')
    throw new ConflictError(
      `${before.number} is ${before.status}; a release deploys once it is accepted for deployment.`,
      'release-not-accepted',
    );
  const problems = readinessProblems(before);
  const copies = await changeCopies(before.changeIds);
  before.changeIds.forEach((id, i) => {
    const c = copies.get(id);
    if (c?.status !== 'approved')
      problems.push({
        field: `changeIds.${i}`,
        message: `${c?.number ?? id} is ${c?.status ?? 'unknown'}, not approved`,
      });
  });
  const strategy = before.strategyId ? await getStrategy(before.strategyId) : undefined;
  const packageRequired = (strategy?.packageRequiredFor ?? ['major']).includes(before.type);
  if (packageRequired && !before.package)
    problems.push({
      field: 'package',
      message: `a ${before.type} release deploys from a package in the definitive media library`,
    });
  if (problems.length)
    throw new DomainError(
      'release-not-ready',
      409,
      `${before.number} may not deploy: ${problems.map((p) => p.message).join('; ')}.`,
      problems,
    );
  // Every artifact must still be what the package recorded, before anything starts.
  await verifyPackage(before);
  const at = iso(now());
  const deploymentId = newId();
  const deployment: Deployment = {
    deploymentId,
    // Known before the start, so the release names its execution from its first version.
    executionArn: executionArnOf(requireEnv(flowArnEnv('deployment')), deploymentId),
    trigger,
    phase: 'baseline',
    startedAt: at,
    startedBy: actor.id,
    waves: before.plan.waves.map((w) => ({ name: w.name, status: 'pending', verification: w.verification })),
  };
  const next: Release = {
    ...before,
    status: 'deploying',
    deployment,
    deployments: [...before.deployments, { deploymentId: deployment.deploymentId, trigger, startedAt: at }].slice(-20),
  };
  const saved = await saveRelease(ctx, before, next, {
    action: `deployment started (${trigger.kind} ${trigger.ref})`,
    events: [ReleaseUpdated],
    extraEvents: [buildEvent(ReleaseDeploymentStarted, deploymentSummary(next, deployment), ctx)],
    writes: [
      {
        kind: 'create',
        item: { ...keys.deployment(deployment.deploymentId), type: 'deployment', releaseId: before.releaseId },
      },
    ],
  });
  await startFlow('deployment', deployment.deploymentId, flowInput(saved, deployment));
  logger.info('deployment flow started', { number: saved.number, executionArn: deployment.executionArn });
  return saved;
}

/** Complete the flow's current wait, if it waits (it reads the release again either way). */
export async function wake(releaseId: string): Promise<void> {
  const t = await table().get(keys.flowToken(releaseId), true);
  if (t && !(await completeTaskIfWaiting(String(t.token), { woken: true })))
    logger.info('deployment flow was not waiting on this token', { releaseId, what: t.what });
}

async function holdToken(
  ctx: OperationContext,
  releaseId: string,
  what: string,
  token: string,
  stillWaiting: (r: Release) => boolean,
) {
  await table().commit(ctx, {
    writes: [{ kind: 'upsert', item: { ...keys.flowToken(releaseId), type: 'flow-token', what, token } }],
  });
  // An answer committed before the token was stored could not complete it: look again.
  const r = await loadRelease(releaseId, true);
  if (!stillWaiting(r)) await completeTaskIfWaiting(token, { already: true });
}

const current = (r: Release, deploymentId: string) => {
  if (r.deployment?.deploymentId !== deploymentId)
    throw new NotFoundError('Not the current deployment.', 'deployment-not-found');
  return r.deployment;
};

export interface Step {
  action: 'await-baseline' | 'await-wave' | 'await-backout' | 'await-verification' | 'finish' | 'done';
  wave: number;
  phase: 'before' | 'after';
}

/** Flow task: what the deployment waits for now; opens the next wave when it is its turn. */
export async function nextStep(ctx: OperationContext, releaseId: string, deploymentId: string): Promise<Step> {
  const r = await loadRelease(releaseId, true);
  if (r.deployment?.deploymentId !== deploymentId) return { action: 'done', wave: 0, phase: 'before' };
  const d = r.deployment;
  const step = decideNext(d);
  if (step.action === 'await-wave') {
    const wave = d.waves[step.wave]!;
    if (wave.status === 'pending') {
      const waves = d.waves.map((w, i) =>
        i === step.wave ? { ...w, status: 'deploying' as const, startedAt: iso(now()) } : w,
      );
      await saveRelease(
        ctx,
        r,
        { ...r, deployment: { ...d, waves } },
        { action: `wave ${wave.name} deploying`, events: [ReleaseUpdated] },
      );
    }
    return { action: 'await-wave', wave: step.wave, phase: 'before' };
  }
  if (step.action === 'await-verification' && d.phase === 'waves') {
    await saveRelease(
      ctx,
      r,
      { ...r, deployment: { ...d, phase: 'verifying' } },
      { action: 'every wave passed: verifying the configuration' },
    );
  }
  if (step.action === 'await-backout' && d.phase === 'waves') {
    await saveRelease(
      ctx,
      r,
      { ...r, deployment: { ...d, phase: 'backing-out', backout: { status: 'open' } } },
      {
        action: `wave ${d.failedWave} failed: back-out plan runs`,
        events: [ReleaseUpdated],
      },
    );
  }
  return { action: step.action, wave: 0, phase: step.action === 'await-verification' ? 'after' : 'before' };
}

/** Flow task (callback): ask the CMDB for a baseline of the release's CIs, by event. */
export async function requestBaseline(
  ctx: OperationContext,
  releaseId: string,
  deploymentId: string,
  phase: 'before' | 'after',
  token: string,
) {
  const r = await loadRelease(releaseId, true);
  const d = current(r, deploymentId);
  const ciIds = r.ciIds.slice(0, 100);
  const waiting = (x: Release) =>
    x.deployment?.deploymentId === deploymentId &&
    (phase === 'before' ? x.deployment.phase === 'baseline' : x.deployment.phase === 'verifying');
  if (ciIds.length === 0) {
    // Nothing to capture: the deployment goes on without a baseline, and says so.
    await answerBaseline(ctx, r, phase, undefined, [], [], 'the release names no CI, so there is no baseline');
    await completeTaskIfWaiting(token, { noCis: true });
    return;
  }
  await table().commit(ctx, {
    writes: [
      { kind: 'upsert', item: { ...keys.flowToken(releaseId), type: 'flow-token', what: `baseline-${phase}`, token } },
    ],
    events: [
      buildEvent(
        BaselineRequested,
        {
          requestId: baselineRequestId(d, phase),
          name: `${r.number} ${phase === 'before' ? 'before' : 'after'} deployment`.slice(0, 200),
          ciIds,
        },
        ctx,
      ),
    ],
  });
  const again = await loadRelease(releaseId, true);
  if (!waiting(again)) await completeTaskIfWaiting(token, { already: true });
}

/** The CMDB answered a baseline request: before the waves, or after them (compared with the package). */
export async function baselineCaptured(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const b = event.data as EventData<typeof BaselineCaptured>;
  if (b.request?.source !== 'itsm.releases') return table().recordHandled(ctx);
  const [deploymentId, phase] = b.request.requestId.split('.') as [string, 'before' | 'after'];
  let r: Release;
  try {
    r = await releaseOfDeployment(deploymentId);
  } catch (err) {
    if (err instanceof NotFoundError) return table().recordHandled(ctx);
    throw err;
  }
  await answerBaseline(ctx, r, phase, b.baselineId, b.members ?? [], b.missingCiIds ?? [], undefined, handled(ctx));
  await wake(r.releaseId);
}

async function answerBaseline(
  ctx: OperationContext,
  r: Release,
  phase: 'before' | 'after',
  baselineId: string | undefined,
  members: { ciId: string; version?: string | undefined; status: string }[],
  missing: string[],
  note?: string,
  handles?: string,
) {
  const d = r.deployment;
  const expected = phase === 'before' ? 'baseline' : 'verifying';
  if (!d || d.phase !== expected) {
    // Late or repeated answer: nothing moves, but the event is handled.
    if (handles) await table().recordHandled(ctx);
    return;
  }
  if (phase === 'before') {
    await saveRelease(
      ctx,
      r,
      { ...r, deployment: { ...d, phase: 'waves', ...(baselineId ? { baselineId } : {}) } },
      {
        action: baselineId
          ? `baseline ${baselineId} captured before deployment`
          : `deployment goes on without a baseline: ${note}`,
        events: [ReleaseUpdated],
        ...(handles ? { handles } : {}),
      },
    );
    return;
  }
  const mismatches = compareWithPackage(r.package, members, missing);
  const verification = {
    ...(baselineId ? { baselineId } : {}),
    mismatches,
    ...(note ? { note } : !r.package ? { note: 'no package: nothing to compare' } : {}),
  };
  await saveRelease(
    ctx,
    r,
    { ...r, deployment: { ...d, phase: 'finishing', verification } },
    {
      action: mismatches.length
        ? `configuration after deployment differs from the package on ${mismatches.length} CI(s)`
        : 'configuration after deployment verified',
      events: [ReleaseUpdated],
      ...(mismatches.length && baselineId
        ? {
            extraEvents: [
              buildEvent(
                ReleaseConfigurationMismatched,
                { releaseId: r.releaseId, number: r.number, deploymentId: d.deploymentId, baselineId, mismatches },
                ctx,
              ),
            ],
          }
        : {}),
      ...(handles ? { handles } : {}),
    },
  );
}

/** Flow task: the CMDB did not answer in time. Before the waves nothing deploys; after, it goes unverified. */
export async function baselineTimedOut(
  ctx: OperationContext,
  releaseId: string,
  deploymentId: string,
  phase: 'before' | 'after',
) {
  const r = await loadRelease(releaseId, true);
  const d = current(r, deploymentId);
  if (phase === 'before' && d.phase === 'baseline') {
    await saveRelease(
      ctx,
      r,
      {
        ...r,
        deployment: {
          ...d,
          phase: 'finishing',
          outcome: 'failure',
          reason: 'The CMDB did not capture the baseline in time: no wave was deployed.',
        },
      },
      { action: 'no baseline: deployment failed before its first wave', events: [ReleaseUpdated] },
    );
  } else if (phase === 'after' && d.phase === 'verifying') {
    await answerBaseline(
      ctx,
      r,
      'after',
      undefined,
      [],
      [],
      'the CMDB did not capture the baseline after deployment in time: not verified',
    );
  }
}

/** Flow task (callback): wait for the open wave's verification. */
export function awaitWave(ctx: OperationContext, releaseId: string, deploymentId: string, wave: number, token: string) {
  return holdToken(
    ctx,
    releaseId,
    `wave-${wave}`,
    token,
    (r) => r.deployment?.deploymentId === deploymentId && r.deployment.waves[wave]?.status === 'deploying',
  );
}

/** Flow task (callback): wait for the back-out's result. */
export function awaitBackout(ctx: OperationContext, releaseId: string, deploymentId: string, token: string) {
  return holdToken(
    ctx,
    releaseId,
    'backout',
    token,
    (r) => r.deployment?.deploymentId === deploymentId && r.deployment.backout?.status === 'open',
  );
}

/**
 * A wave's verification (FitSM PR13.5): a person's check, or CI/CD's result for an automatic wave.
 * A failed wave sends the deployment down the back-out path.
 */
export async function decideWave(
  ctx: OperationContext,
  actor: { id: string },
  idOrNumber: string,
  input: {
    wave: string | number;
    result: 'passed' | 'failed';
    notes?: string | undefined;
    source: 'manual' | 'automatic';
  },
  opts: { handles?: string } = {},
): Promise<Release> {
  const before = await loadRelease(idOrNumber, true);
  const d = before.deployment;
  if (before.status !== 'deploying' || !d || d.phase !== 'waves')
    throw new ConflictError(`${before.number} has no wave waiting for verification.`, 'no-wave-open');
  const i = typeof input.wave === 'number' ? input.wave : d.waves.findIndex((w) => w.name === input.wave);
  const wave = d.waves[i];
  if (!wave) throw new NotFoundError(`No wave ${input.wave} in this deployment.`, 'wave-not-found');
  if (wave.status !== 'deploying')
    throw new ConflictError(
      `Wave ${wave.name} is ${wave.status}; only the deploying wave is verified.`,
      'wave-not-open',
    );
  if (input.source === 'manual' && wave.verification === 'automatic' && input.result === 'passed')
    throw new ValidationError(`Wave ${wave.name} is verified automatically from CI/CD; a person may only fail it.`, [
      { field: 'result', message: 'an automatic wave passes on its CI/CD result' },
    ]);
  const decided = {
    ...wave,
    status: input.result,
    decidedAt: iso(now()),
    decidedBy: actor.id,
    source: input.source,
    ...(input.notes ? { notes: input.notes } : {}),
  };
  const waves = d.waves.map((w, j) => (j === i ? decided : w));
  const failed = input.result === 'failed';
  const next: Release = {
    ...before,
    deployment: {
      ...d,
      waves,
      ...(failed
        ? {
            failedWave: wave.name,
            reason: `Wave ${wave.name} failed its verification${input.notes ? `: ${input.notes}` : '.'}`,
          }
        : {}),
    },
  };
  const saved = await saveRelease(ctx, before, next, {
    action: `wave ${wave.name} verification: ${input.result}`,
    ...(input.notes ? { reason: input.notes } : {}),
    events: [ReleaseUpdated],
    ...(opts.handles ? { handles: opts.handles } : {}),
  });
  await wake(saved.releaseId);
  return saved;
}

/** The back-out plan ran (FitSM PR13.5): completed leaves the release rolled back; failed, failed. */
export async function confirmBackout(
  ctx: OperationContext,
  actor: { id: string },
  idOrNumber: string,
  input: { result: 'completed' | 'failed'; notes?: string | undefined },
  opts: { handles?: string } = {},
): Promise<Release> {
  const before = await loadRelease(idOrNumber, true);
  const d = before.deployment;
  if (d?.phase !== 'backing-out' || d.backout?.status !== 'open')
    throw new ConflictError(`${before.number} is not backing out a deployment.`, 'no-backout-open');
  const next: Release = {
    ...before,
    deployment: {
      ...d,
      phase: 'finishing',
      backout: {
        status: input.result,
        decidedBy: actor.id,
        at: iso(now()),
        ...(input.notes ? { notes: input.notes } : {}),
      },
      outcome: input.result === 'completed' ? 'rolled-back' : 'failure',
      reason: `${d.reason ?? 'A wave failed.'} Back-out ${input.result}${input.notes ? `: ${input.notes}` : '.'}`,
    },
  };
  const saved = await saveRelease(ctx, before, next, {
    action: `back-out ${input.result}`,
    ...(input.notes ? { reason: input.notes } : {}),
    events: [ReleaseUpdated],
    ...(opts.handles ? { handles: opts.handles } : {}),
  });
  await wake(saved.releaseId);
  return saved;
}

/**
 * Flow task: the outcome (FitSM PR13.6). Success opens early-life support on the released CIs;
 * `ReleaseDeploymentEnded` tells the changes service (implementation results, reviews) and the
 * stakeholders (mail).
 */
export async function finish(ctx: OperationContext, releaseId: string, deploymentId: string) {
  const r = await loadRelease(releaseId, true);
  const d = r.deployment;
  if (d?.deploymentId !== deploymentId || d.phase === 'ended') return { outcome: r.outcome ?? 'unknown' };
  const t = now();
  const outcome = outcomeOf(d);
  const ended: Deployment = { ...d, phase: 'ended', outcome, endedAt: iso(t) };
  const next: Release = {
    ...r,
    status: statusAfter(outcome),
    outcome,
    deployment: ended,
    deployments: r.deployments.map((x) =>
      x.deploymentId === d.deploymentId
        ? { ...x, outcome, endedAt: ended.endedAt!, ...(ended.failedWave ? { failedWave: ended.failedWave } : {}) }
        : x,
    ),
  };
  const writes: Write[] = [{ kind: 'delete', key: keys.flowToken(releaseId) }];
  if (outcome === 'success') {
    const rules = r.earlyLifeRules;
    const until = iso(t + rules.days * 86_400_000);
    next.deployedAt = ended.endedAt!;
    next.earlyLife = { ...rules, from: ended.endedAt!, until, incidents: [] };
    // Incidents on these CIs while early-life support lasts are linked to the release
    // (use-cases/early-life.ts). Up to 100 CIs do not fit the release's transaction: the markers
    // go first (a retry writes them again), expire after the period, and link only while the
    // release is in early-life support.
    const expiresAt = Math.floor((t + (rules.days + 7) * 86_400_000) / 1000);
    await table().batchPut(
      r.ciIds.map((ciId) => ({
        ...keys.earlyLife(ciId, releaseId),
        type: 'early-life',
        releaseId,
        from: ended.endedAt!,
        until,
        expiresAt,
      })),
    );
  }
  await saveRelease(ctx, r, next, {
    action: `deployment ended: ${outcome}`,
    ...(ended.reason ? { reason: ended.reason } : {}),
    events: [ReleaseUpdated],
    extraEvents: [buildEvent(ReleaseDeploymentEnded, deploymentSummary(next, ended), ctx)],
    writes,
  });
  return { outcome };
}
