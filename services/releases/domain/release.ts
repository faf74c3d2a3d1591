/**
 * The release record, its plan, gate and deployment (FitSM PR13). Pure: no I/O.
 *
 * The lists of kinds repeat the event contract's (shared/contracts/releases/v1.ts) on purpose:
 * domain code imports no contracts; test/domain.test.ts holds them equal.
 */
export const RELEASE_TYPES = ['major', 'minor', 'emergency'] as const;
export type ReleaseType = (typeof RELEASE_TYPES)[number];
export const RELEASE_STATUSES = [
  'planning',
  'accepted',
  'deploying',
  'early-life-support',
  'closed',
  'failed',
  'rolled-back',
  'cancelled',
] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];
export const DEPLOYMENT_OUTCOMES = ['success', 'failure', 'rolled-back'] as const;
export type DeploymentOutcome = (typeof DEPLOYMENT_OUTCOMES)[number];
/** Stages a release is accepted into, each by its authority (FitSM PR13.4). */
export const STAGES = ['test', 'deployment'] as const;
export type Stage = (typeof STAGES)[number];
/** The stage a criterion's evidence belongs to: built, tested, or ready to deploy. */
export const CRITERION_STAGES = ['build', 'test', 'deployment'] as const;
export type CriterionStage = (typeof CRITERION_STAGES)[number];

/** Where a release may still be edited: changes, plan, criteria, package. */
export const EDITABLE: readonly ReleaseStatus[] = ['planning', 'accepted'];
/** Where a release no longer moves. */
export const FINISHED: readonly ReleaseStatus[] = ['closed', 'failed', 'rolled-back', 'cancelled'];

export const releaseNumber = (n: number) => `REL-${n}`;

/** One acceptance criterion (FitSM PR13.3): the evidence the gate wants before the stage it names. */
export interface Criterion {
  criterionId: string;
  name: string;
  stage: CriterionStage;
  required: boolean;
  /** Set when the strategy's testing rules put it there (type and impact), so it cannot be dropped. */
  fromStrategy?: boolean;
}

export interface Evidence {
  evidenceId: string;
  criterionId: string;
  result: 'passed' | 'failed';
  summary: string;
  url?: string;
  /** Recorded by a person through the API, or from a pipeline's action (its execution id). */
  source: { kind: 'api' | 'pipeline'; ref: string };
  recordedBy: string;
  recordedAt: string;
}

export interface Waiver {
  criterionId: string;
  reason: string;
  approverId: string;
  at: string;
}

export interface Acceptance {
  stage: Stage;
  by: string;
  notes?: string;
  at: string;
}

export interface Wave {
  name: string;
  environment?: string;
  /** The CIs this wave deploys to (a subset of the release's), for the record and the console. */
  ciIds: string[];
  /** Who decides the wave's verification: a person (task token) or CI/CD events. */
  verification: 'manual' | 'automatic';
  /** Automatic verification: the CodePipeline stage whose Deploy action decides it. */
  pipelineStage?: string;
  /** Automatic verification: the CodeDeploy deployment group whose deployment decides it. */
  deploymentGroup?: string;
}

export interface Plan {
  plannedStart?: string;
  plannedEnd?: string;
  waves: Wave[];
  /** What to do when a wave fails (FitSM PR13.5): required before acceptance. */
  backoutPlan?: string;
  communication?: string;
  training?: string;
  /** Who is told the outcome (mail), besides the owner and the changes' requesters. */
  notify: string[];
}

export interface EarlyLifeRules {
  /** How long early-life support lasts after a successful deployment. */
  days: number;
  /** Exit criterion: no incident of these priorities on the released CIs for `quietDays`. */
  priorities: string[];
  quietDays: number;
}

export const DEFAULT_EARLY_LIFE: EarlyLifeRules = { days: 7, priorities: ['P1', 'P2'], quietDays: 3 };

export interface LinkedIncident {
  ticketId: string;
  number: string;
  priority: string;
  ciIds: string[];
  at: string;
}

export interface EarlyLife extends EarlyLifeRules {
  from: string;
  until: string;
  incidents: LinkedIncident[];
  handedOverAt?: string;
  handedOverBy?: string;
  /** Who in operations accepted the handover. */
  acceptedBy?: string;
  notes?: string;
}

export type WaveStatus = 'pending' | 'deploying' | 'passed' | 'failed';

export interface WaveRun {
  name: string;
  status: WaveStatus;
  verification: 'manual' | 'automatic';
  startedAt?: string;
  decidedAt?: string;
  decidedBy?: string;
  /** Manual: a person; automatic: a pipeline or CodeDeploy event. */
  source?: 'manual' | 'automatic';
  notes?: string;
}

export type DeploymentPhase = 'baseline' | 'waves' | 'backing-out' | 'verifying' | 'finishing' | 'ended';

export interface Mismatch {
  ciId: string;
  expected: string;
  found?: string;
  problem: string;
}

export interface Deployment {
  deploymentId: string;
  trigger: { kind: 'manual' | 'pipeline'; ref: string };
  phase: DeploymentPhase;
  startedAt: string;
  startedBy: string;
  /** The baseline of the affected CIs taken before the first wave (FitSM PR13.5). */
  baselineId?: string;
  waves: WaveRun[];
  backout?: { status: 'open' | 'completed' | 'failed'; notes?: string; decidedBy?: string; at?: string };
  /** The CMDB's baseline after the waves, compared with the package. */
  verification?: { baselineId?: string; mismatches: Mismatch[]; note?: string };
  outcome?: DeploymentOutcome;
  reason?: string;
  failedWave?: string;
  endedAt?: string;
  executionArn?: string;
}

export interface DeploymentRecord {
  deploymentId: string;
  trigger: { kind: 'manual' | 'pipeline'; ref: string };
  startedAt: string;
  endedAt?: string;
  outcome?: DeploymentOutcome;
  failedWave?: string;
}

export interface PackageItem {
  ciId: string;
  version: string;
  artifact: Record<string, unknown>;
  checksum: string;
}

export interface ReleasePackage {
  packageId: string;
  name: string;
  items: PackageItem[];
  recordedAt: string;
  recordedBy: string;
}

export interface Release {
  releaseId: string;
  number: string;
  title: string;
  description?: string;
  type: ReleaseType;
  status: ReleaseStatus;
  ownerId: string;
  strategyId?: string;
  changeIds: string[];
  ciIds: string[];
  serviceIds: string[];
  /** The CodePipeline pipeline whose executions deploy this release. */
  pipeline?: string;
  plan: Plan;
  criteria: Criterion[];
  evidence: Evidence[];
  waivers: Waiver[];
  acceptances: Acceptance[];
  earlyLifeRules: EarlyLifeRules;
  package?: ReleasePackage;
  deployment?: Deployment;
  deployments: DeploymentRecord[];
  earlyLife?: EarlyLife;
  outcome?: DeploymentOutcome;
  deployedAt?: string;
  cancelReason?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The most changes and CIs one release bundles (keeps the record and its events bounded). */
export const MAX_CHANGES = 50;
export const MAX_CIS = 100;
export const MAX_WAVES = 10;
export const MAX_EVIDENCE = 200;

export type CriterionState = 'passed' | 'failed' | 'waived' | 'missing';

/** A criterion's standing: its latest evidence decides; a waiver stands in for a missing or failed one. */
export function criterionState(r: Pick<Release, 'evidence' | 'waivers'>, criterionId: string): CriterionState {
  let latest: Evidence | undefined;
  for (const e of r.evidence)
    if (e.criterionId === criterionId && (!latest || e.recordedAt >= latest.recordedAt)) latest = e;
  if (latest?.result === 'passed') return 'passed';
  if (r.waivers.some((w) => w.criterionId === criterionId)) return 'waived';
  return latest ? 'failed' : 'missing';
}

export interface GateResult {
  passed: boolean;
  criteria: { criterionId: string; name: string; stage: CriterionStage; required: boolean; state: CriterionState }[];
  /** What stops the gate, one line each (the problem's fields). */
  blocking: { field: string; message: string }[];
}

/**
 * The gate before a stage (FitSM PR13.4): every required criterion of that stage and the stages
 * before it has passed evidence or a recorded waiver.
 */
export function evaluateGate(r: Release, stage: Stage = 'deployment'): GateResult {
  const upTo: CriterionStage[] = stage === 'test' ? ['build'] : ['build', 'test', 'deployment'];
  const criteria = r.criteria.map((c) => ({
    criterionId: c.criterionId,
    name: c.name,
    stage: c.stage,
    required: c.required,
    state: criterionState(r, c.criterionId),
  }));
  const blocking = criteria
    .filter((c) => c.required && upTo.includes(c.stage) && (c.state === 'failed' || c.state === 'missing'))
    .map((c) => ({
      field: `criteria.${c.criterionId}`,
      message:
        c.state === 'missing' ? `"${c.name}" has no evidence and no waiver` : `"${c.name}" failed and is not waived`,
    }));
  return { passed: blocking.length === 0, criteria, blocking };
}

/** What else a release needs before it may be accepted for deployment (FitSM PR13.3, PR13.5). */
export function readinessProblems(r: Release): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (r.changeIds.length === 0)
    out.push({ field: 'changeIds', message: 'a release bundles at least one approved change' });
  if (r.plan.waves.length === 0) out.push({ field: 'plan.waves', message: 'the plan has no deployment wave' });
  if (!r.plan.backoutPlan?.trim()) out.push({ field: 'plan.backoutPlan', message: 'a back-out plan is required' });
  return out;
}

/** The wave the deployment waits on, or the reason it waits on nothing. */
export function openWave(d: Deployment): number {
  return d.waves.findIndex((w) => w.status === 'pending' || w.status === 'deploying');
}

/**
 * What the deployment flow does next, from the deployment alone (the ASL only branches on it).
 * - `await-baseline`: ask the CMDB for the baseline before the first wave;
 * - `await-wave`: deploy and verify wave `wave`;
 * - `await-backout`: a wave failed: the back-out plan runs until someone (or CI/CD) says how it went;
 * - `await-verification`: every wave passed: compare the CMDB's baseline with the package;
 * - `finish`: record the outcome; `done`: nothing left.
 */
export function nextStep(
  d: Deployment,
):
  | { action: 'await-baseline' | 'await-backout' | 'await-verification' | 'finish' | 'done' }
  | { action: 'await-wave'; wave: number } {
  switch (d.phase) {
    case 'baseline':
      return { action: 'await-baseline' };
    case 'waves': {
      if (d.waves.some((w) => w.status === 'failed')) return { action: 'await-backout' };
      const i = openWave(d);
      return i >= 0 ? { action: 'await-wave', wave: i } : { action: 'await-verification' };
    }
    case 'backing-out':
      return d.backout && d.backout.status !== 'open' ? { action: 'finish' } : { action: 'await-backout' };
    case 'verifying':
      return { action: 'await-verification' };
    case 'finishing':
      return { action: 'finish' };
    case 'ended':
      return { action: 'done' };
  }
}

/** The outcome a finished deployment reports (FitSM PR13.6). */
export function outcomeOf(d: Deployment): DeploymentOutcome {
  if (d.outcome) return d.outcome;
  if (d.backout) return d.backout.status === 'completed' ? 'rolled-back' : 'failure';
  return d.waves.every((w) => w.status === 'passed') ? 'success' : 'failure';
}

/** The release status an outcome leads to. */
export const statusAfter = (o: DeploymentOutcome): ReleaseStatus =>
  o === 'success' ? 'early-life-support' : o === 'rolled-back' ? 'rolled-back' : 'failed';

/** Compare what the CMDB holds after deployment with the package's CI versions. */
export function compareWithPackage(
  pkg: ReleasePackage | undefined,
  members: { ciId: string; version?: string | undefined; status: string }[],
  missingCiIds: string[] = [],
): Mismatch[] {
  if (!pkg) return [];
  const byCi = new Map(members.map((m) => [m.ciId, m]));
  const out: Mismatch[] = [];
  for (const item of pkg.items) {
    const m = byCi.get(item.ciId);
    if (!m || missingCiIds.includes(item.ciId))
      out.push({ ciId: item.ciId, expected: item.version, problem: 'the CI is not in the CMDB' });
    else if (m.version === undefined)
      out.push({ ciId: item.ciId, expected: item.version, problem: 'the CI records no version' });
    else if (m.version !== item.version)
      out.push({ ciId: item.ciId, expected: item.version, found: m.version, problem: 'another version is recorded' });
  }
  return out;
}

/** Why early-life support may not end yet (FitSM PR13.6 and the handover to operations). */
export function earlyLifeExitProblems(e: EarlyLife, at: number): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (at < Date.parse(e.until))
    out.push({ field: 'earlyLife.until', message: `early-life support lasts until ${e.until}` });
  const quietSince = at - e.quietDays * 86_400_000;
  for (const i of e.incidents)
    if (e.priorities.includes(i.priority) && Date.parse(i.at) >= quietSince)
      out.push({
        field: 'earlyLife.incidents',
        message: `${i.number} (${i.priority}) on a released CI at ${i.at}: no ${e.priorities.join('/')} incident may be raised in the ${e.quietDays} days before the handover`,
      });
  return out;
}
