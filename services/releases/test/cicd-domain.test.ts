import { describe, expect, it } from 'vitest';
import { type CicdRelease, onAction, onCodeDeploy, onExecution } from '../domain/cicd';
import { criterionForTest, pipelineProblems, routinePlan } from '../domain/pipeline';

/** The CI/CD rules, pure: one AWS event and the release as it stands to one decision. */
const release = (over: Partial<CicdRelease> = {}): CicdRelease => ({
  releaseId: 'r1',
  status: 'deploying',
  pipeline: 'shop-web',
  waves: [
    { name: 'canary', verification: 'automatic', pipelineStage: 'DeployCanary', deploymentGroup: 'shop/canary' },
    { name: 'fleet', verification: 'automatic', pipelineStage: 'DeployFleet', deploymentGroup: 'fleet' },
  ],
  criteria: [{ criterionId: 'c-unit', name: 'unit tests', required: true }],
  deployment: {
    trigger: { kind: 'pipeline', ref: 'exec-2' },
    startedAt: '2026-12-03T15:00:00.500Z',
    decided: {},
  },
  ...over,
});
const none = () => undefined;

describe('a pipeline execution', () => {
  it('starts the deployment of a release not deploying, once per execution', () => {
    // Act + Assess
    expect(
      onExecution(release({ status: 'accepted', deployment: undefined }), { executionId: 'e', state: 'STARTED' }),
    ).toEqual({ kind: 'start', executionId: 'e' });
    expect(onExecution(release(), { executionId: 'exec-2', state: 'STARTED' }).kind).toBe('ignore');
    expect(onExecution(release(), { executionId: 'exec-3', state: 'STARTED' })).toMatchObject({
      kind: 'ignore',
      reason: expect.stringMatching(/running/),
    });
  });

  it('passes every open automatic wave when it succeeded, and fails the open wave otherwise', () => {
    // Prepare
    const r = release({
      deployment: { ...release().deployment!, decided: { canary: 'passed' } },
    });

    // Act + Assess
    expect(onExecution(r, { executionId: 'exec-2', state: 'SUCCEEDED' })).toEqual({
      kind: 'waves',
      decisions: [{ wave: 'fleet', result: 'passed', notes: 'Pipeline execution exec-2 SUCCEEDED.' }],
    });
    for (const state of ['FAILED', 'STOPPED', 'SUPERSEDED'])
      expect(onExecution(r, { executionId: 'exec-2', state })).toMatchObject({
        kind: 'waves',
        decisions: [{ wave: 'fleet', result: 'failed' }],
      });
    expect(onExecution(r, { executionId: 'exec-2', state: 'STOPPING' }).kind).toBe('ignore');
  });

  it('moves nothing for an older execution or an ended deployment', () => {
    // Act + Assess
    expect(onExecution(release(), { executionId: 'exec-1', state: 'FAILED' })).toMatchObject({
      kind: 'ignore',
      reason: expect.stringMatching(/not the one the current deployment runs/),
    });
    const ended = release({ deployment: { ...release().deployment!, outcome: 'success' } });
    expect(onExecution(ended, { executionId: 'exec-2', state: 'FAILED' }).kind).toBe('ignore');
  });
});

describe('an action execution', () => {
  const action = (over: Record<string, string>) => ({
    executionId: 'exec-2',
    stage: 'Test',
    action: 'unit',
    category: 'Test',
    state: 'SUCCEEDED',
    ...over,
  });

  it('makes a Test result evidence for the criterion the pipeline maps it to, or a criterion of its name', () => {
    // Act + Assess
    expect(onAction(release(), action({ state: 'FAILED' }), () => 'c-unit')).toMatchObject({
      kind: 'evidence',
      criterionId: 'c-unit',
      result: 'failed',
    });
    expect(onAction(release(), action({ action: 'unit tests' }), none)).toMatchObject({ criterionId: 'c-unit' });
    expect(onAction(release(), action({ action: 'lint' }), none).kind).toBe('ignore');
    expect(onAction(release(), action({ executionId: 'exec-1' }), () => 'c-unit').kind).toBe('ignore');
  });

  it("verifies the wave of a Deploy action's stage, once", () => {
    // Act + Assess
    expect(
      onAction(release(), action({ category: 'Deploy', stage: 'DeployCanary', state: 'FAILED' }), none),
    ).toMatchObject({
      kind: 'waves',
      decisions: [{ wave: 'canary', result: 'failed' }],
    });
    const decided = release({ deployment: { ...release().deployment!, decided: { canary: 'passed' } } });
    expect(onAction(decided, action({ category: 'Deploy', stage: 'DeployCanary' }), none).kind).toBe('ignore');
    expect(onAction(release(), action({ category: 'Deploy', stage: 'Elsewhere' }), none).kind).toBe('ignore');
    expect(
      onAction(release(), action({ category: 'Deploy', stage: 'DeployCanary', state: 'STARTED' }), none).kind,
    ).toBe('ignore');
  });
});

describe('a CodeDeploy deployment', () => {
  const deployment = (over: Record<string, string>) => ({
    deploymentId: 'd-1',
    application: 'shop',
    deploymentGroup: 'canary',
    state: 'SUCCESS',
    time: '2026-12-03T15:00:02Z',
    ...over,
  });

  it('verifies the wave of its deployment group, and not from an older deployment', () => {
    // Act + Assess
    expect(onCodeDeploy(release(), deployment({}))).toMatchObject({
      decisions: [{ wave: 'canary', result: 'passed' }],
    });
    expect(
      onCodeDeploy(release(), deployment({ application: 'x', deploymentGroup: 'fleet', state: 'STOP' })),
    ).toMatchObject({ decisions: [{ wave: 'fleet', result: 'failed' }] });
    expect(onCodeDeploy(release(), deployment({ time: '2026-12-03T14:59:59Z' })).kind).toBe('ignore');
    expect(onCodeDeploy(release(), deployment({ state: 'START' })).kind).toBe('ignore');
  });
});

describe('a pipeline registration', () => {
  it('plans one automatic wave per stage and one required criterion per mapped test', () => {
    // Prepare
    const p = {
      stages: [
        { stage: 'DeployCanary', wave: 'canary', deploymentGroup: 'shop/canary' },
        { stage: 'DeployFleet', wave: 'fleet' },
      ],
      tests: [
        { action: 'unit', criterionId: 'c-unit' },
        { action: 'e2e', stage: 'Staging', criterionId: 'c-e2e', name: 'end to end' },
      ],
    };

    // Act + Assess
    expect(routinePlan(p)).toEqual({
      waves: [
        { name: 'canary', verification: 'automatic', pipelineStage: 'DeployCanary', deploymentGroup: 'shop/canary' },
        { name: 'fleet', verification: 'automatic', pipelineStage: 'DeployFleet' },
      ],
      criteria: [
        { criterionId: 'c-unit', name: 'unit', required: true },
        { criterionId: 'c-e2e', name: 'end to end', required: true },
      ],
    });
    expect(criterionForTest(p, 'Staging', 'e2e')).toBe('c-e2e');
    expect(criterionForTest(p, 'Other', 'e2e')).toBeUndefined();
    expect(criterionForTest(p, 'Any', 'unit')).toBe('c-unit');
    expect(pipelineProblems({ stages: [...p.stages, { stage: 'DeployCanary', wave: 'x' }], tests: p.tests })).toEqual([
      { field: 'body.stages.2.stage', message: 'names a stage twice' },
    ]);
  });
});
