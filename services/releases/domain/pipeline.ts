/**
 * A registered CodePipeline pipeline (FitSM PR13.2, PR12 standard changes): what it deploys (CIs,
 * services), the standard change template its routine executions run under, which of its stages
 * is which wave of a release's plan (and the CodeDeploy deployment group that stage deploys to),
 * and which of its test actions is evidence for which acceptance criterion. Pure data and rules.
 */
export interface PipelineStageWave {
  /** The pipeline stage whose Deploy action deploys this wave. */
  stage: string;
  wave: string;
  /** The CodeDeploy deployment group (`application/group` or `group`) the stage deploys to, if any. */
  deploymentGroup?: string;
}

export interface PipelineTest {
  /** The Test action's name, and its stage when two stages hold an action of that name. */
  action: string;
  stage?: string;
  criterionId: string;
  /** The criterion's name on a release the pipeline creates; default the action's name. */
  name?: string;
}

export interface Pipeline {
  /** The CodePipeline name (1-100 of `[A-Za-z0-9.@\-_]`). */
  name: string;
  /** The changes service's standard change template routine executions are raised from (pre-approved). */
  templateId: string;
  title?: string;
  ciIds: string[];
  serviceIds: string[];
  stages: PipelineStageWave[];
  tests: PipelineTest[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** CodePipeline's naming rule for pipelines, stages and actions (API reference). */
export const PIPELINE_NAME = /^[A-Za-z0-9.@\-_]{1,100}$/;

/** What is wrong with a registration, field by field (names unique, every wave once). */
export function pipelineProblems(p: Pick<Pipeline, 'stages' | 'tests'>): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const stages = new Set<string>();
  const waves = new Set<string>();
  const groups = new Set<string>();
  p.stages.forEach((s, i) => {
    if (stages.has(s.stage)) problems.push({ field: `body.stages.${i}.stage`, message: 'names a stage twice' });
    if (waves.has(s.wave)) problems.push({ field: `body.stages.${i}.wave`, message: 'names a wave twice' });
    if (s.deploymentGroup && groups.has(s.deploymentGroup))
      problems.push({ field: `body.stages.${i}.deploymentGroup`, message: 'names a deployment group twice' });
    stages.add(s.stage);
    waves.add(s.wave);
    if (s.deploymentGroup) groups.add(s.deploymentGroup);
  });
  const tests = new Set<string>();
  p.tests.forEach((t, i) => {
    const key = `${t.stage ?? '*'}/${t.action}`;
    if (tests.has(key)) problems.push({ field: `body.tests.${i}.action`, message: 'maps a test action twice' });
    tests.add(key);
  });
  return problems;
}

/** The criterion a Test action is evidence for: the stage-specific mapping first, then the action's. */
export function criterionForTest(p: Pick<Pipeline, 'tests'>, stage: string, action: string): string | undefined {
  return (
    p.tests.find((t) => t.action === action && t.stage === stage)?.criterionId ??
    p.tests.find((t) => t.action === action && t.stage === undefined)?.criterionId
  );
}

/**
 * The plan and acceptance criteria of a release the pipeline creates for a routine execution:
 * one automatic wave per mapped stage, in the registration's order, and one required criterion
 * per test action (each criterion once).
 */
export function routinePlan(p: Pick<Pipeline, 'stages' | 'tests'>) {
  const criteria = new Map<string, { criterionId: string; name: string; required: boolean }>();
  for (const t of p.tests)
    if (!criteria.has(t.criterionId))
      criteria.set(t.criterionId, { criterionId: t.criterionId, name: t.name ?? t.action, required: true });
  return {
    waves: p.stages.map((s) => ({
      name: s.wave,
      verification: 'automatic' as const,
      pipelineStage: s.stage,
      ...(s.deploymentGroup ? { deploymentGroup: s.deploymentGroup } : {}),
    })),
    criteria: [...criteria.values()],
  };
}
