/**
 * What CodePipeline and CodeDeploy say about a release's deployment (FitSM PR13.4, PR13.5): pure
 * rules from one AWS event and the release as it stands to one decision. The consumer
 * (handlers/cicd.ts, use-cases/cicd.ts) applies it through the release's own use cases.
 *
 * Every rule is idempotent and tolerant of reordering: a decision already taken is not taken
 * again (the same event twice is one effect), and an event of another pipeline execution than the
 * one the current deployment runs (an older one, superseded or refused) is recorded, never applied.
 */

/** A wave of a release's plan, as the consumer needs it. */
export interface CicdWave {
  name: string;
  verification: 'manual' | 'automatic';
  pipelineStage?: string;
  deploymentGroup?: string;
}

/** The release as the consumer needs it. */
export interface CicdRelease {
  releaseId: string;
  status: string;
  pipeline?: string;
  waves: CicdWave[];
  criteria: { criterionId: string; name: string; required: boolean }[];
  /** The current (latest) deployment, if one was started. */
  deployment?: {
    trigger: { kind: 'manual' | 'pipeline'; ref: string };
    startedAt: string;
    /** Set once it ended. */
    outcome?: string;
    /** Verification decisions so far, by wave name. */
    decided: Record<string, 'passed' | 'failed'>;
  };
}

export type CicdDecision =
  /** Start the release's deployment for this execution (the gate decides whether it may). */
  | { kind: 'start'; executionId: string }
  /** Record a Test action's result as evidence for a criterion. */
  | { kind: 'evidence'; criterionId: string; result: 'passed' | 'failed'; summary: string; url?: string }
  /** Decide waves' automatic verification, in plan order. */
  | { kind: 'waves'; decisions: { wave: string; result: 'passed' | 'failed'; notes: string }[] }
  /** Nothing moves; the reason is recorded with the event. */
  | { kind: 'ignore'; reason: string };

/** Pipeline execution states that end an execution without success (the open wave fails). */
const EXECUTION_FAILED = new Set(['FAILED', 'STOPPED', 'SUPERSEDED', 'CANCELED']);
const ignore = (reason: string): CicdDecision => ({ kind: 'ignore', reason });

/** Why an event of `executionId` may not move the current deployment, or undefined when it may. */
function notCurrent(release: CicdRelease, executionId: string): string | undefined {
  const d = release.deployment;
  if (!d) return `no deployment of ${release.releaseId} runs`;
  if (d.trigger.kind !== 'pipeline' || d.trigger.ref !== executionId)
    return `execution ${executionId} is not the one the current deployment runs (${d.trigger.kind} ${d.trigger.ref})`;
  if (d.outcome) return `the deployment of execution ${executionId} already ended (${d.outcome})`;
  return undefined;
}

const open = (release: CicdRelease) => release.waves.filter((w) => !release.deployment?.decided[w.name]);

/** A pipeline execution's state change. */
export function onExecution(release: CicdRelease, e: { executionId: string; state: string }): CicdDecision {
  if (e.state === 'STARTED') {
    const d = release.deployment;
    if (d?.trigger.kind === 'pipeline' && d.trigger.ref === e.executionId)
      return ignore(`execution ${e.executionId} already started the deployment`);
    if (release.status === 'deploying')
      return ignore(
        `a deployment (${d?.trigger.kind} ${d?.trigger.ref}) is running; execution ${e.executionId} starts none`,
      );
    return { kind: 'start', executionId: e.executionId };
  }
  if (e.state !== 'SUCCEEDED' && !EXECUTION_FAILED.has(e.state))
    return ignore(`execution state ${e.state} moves no deployment`);
  const why = notCurrent(release, e.executionId);
  if (why) return ignore(why);
  const notes = `Pipeline execution ${e.executionId} ${e.state}.`;
  if (e.state === 'SUCCEEDED') {
    const automatic = open(release).filter((w) => w.verification === 'automatic');
    if (automatic.length === 0) return ignore('no automatic wave is open');
    return { kind: 'waves', decisions: automatic.map((w) => ({ wave: w.name, result: 'passed', notes })) };
  }
  const first = open(release)[0];
  if (!first) return ignore('no wave is open');
  return { kind: 'waves', decisions: [{ wave: first.name, result: 'failed', notes }] };
}

/** An action execution's state change; `criterionFor` maps a Test action to its criterion. */
export function onAction(
  release: CicdRelease,
  e: {
    executionId: string;
    stage: string;
    action: string;
    category: string;
    state: string;
    summary?: string;
    url?: string;
  },
  criterionFor: (stage: string, action: string) => string | undefined,
): CicdDecision {
  if (e.state !== 'SUCCEEDED' && e.state !== 'FAILED') return ignore(`action state ${e.state} decides nothing`);
  const result = e.state === 'SUCCEEDED' ? 'passed' : 'failed';
  if (e.category === 'Test') {
    // Evidence belongs to the build the current (or next) deployment runs, not to an older one.
    const d = release.deployment;
    if (d && !(d.trigger.kind === 'pipeline' && d.trigger.ref === e.executionId))
      return ignore(`execution ${e.executionId} is not the one the current deployment runs`);
    const criterionId =
      criterionFor(e.stage, e.action) ??
      release.criteria.find((c) => c.criterionId === e.action || c.name === e.action)?.criterionId;
    if (!criterionId) return ignore(`no acceptance criterion for test action ${e.stage}/${e.action}`);
    return {
      kind: 'evidence',
      criterionId,
      result,
      summary: e.summary ?? `${e.stage}/${e.action} ${e.state} in pipeline execution ${e.executionId}.`,
      ...(e.url ? { url: e.url } : {}),
    };
  }
  if (e.category !== 'Deploy') return ignore(`a ${e.category} action verifies nothing`);
  const wave = release.waves.find((w) => w.pipelineStage === e.stage);
  if (!wave) return ignore(`stage ${e.stage} is no wave of ${release.releaseId}`);
  return decideOne(release, e.executionId, wave, result, `Deploy action ${e.stage}/${e.action} ${e.state}.`);
}

/**
 * A CodeDeploy deployment's state change for a wave's deployment group. CodeDeploy names no
 * pipeline execution: a deployment that started before the current release deployment did is an
 * older one.
 */
export function onCodeDeploy(
  release: CicdRelease,
  e: { deploymentId: string; application: string; deploymentGroup: string; state: string; time: string },
): CicdDecision {
  const result = e.state === 'SUCCESS' ? 'passed' : e.state === 'FAILURE' || e.state === 'STOP' ? 'failed' : undefined;
  if (!result) return ignore(`CodeDeploy state ${e.state} decides nothing`);
  const wave = release.waves.find(
    (w) => w.deploymentGroup === e.deploymentGroup || w.deploymentGroup === `${e.application}/${e.deploymentGroup}`,
  );
  if (!wave) return ignore(`deployment group ${e.application}/${e.deploymentGroup} is no wave of ${release.releaseId}`);
  const d = release.deployment;
  if (!d || d.outcome) return ignore(`no deployment of ${release.releaseId} runs`);
  // Event times are to the second: compare with the deployment's start to the second.
  if (e.time && Date.parse(e.time) < Math.floor(Date.parse(d.startedAt) / 1000) * 1000)
    return ignore(`CodeDeploy deployment ${e.deploymentId} is older than the current deployment`);
  return decideOne(release, undefined, wave, result, `CodeDeploy deployment ${e.deploymentId} ${e.state}.`);
}

function decideOne(
  release: CicdRelease,
  executionId: string | undefined,
  wave: CicdWave,
  result: 'passed' | 'failed',
  notes: string,
): CicdDecision {
  if (executionId !== undefined) {
    const why = notCurrent(release, executionId);
    if (why) return ignore(why);
  }
  if (wave.verification !== 'automatic') return ignore(`wave ${wave.name} is verified by a person`);
  const decided = release.deployment?.decided[wave.name];
  if (decided) return ignore(`wave ${wave.name} was already verified (${decided})`);
  return { kind: 'waves', decisions: [{ wave: wave.name, result, notes }] };
}
