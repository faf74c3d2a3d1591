import { describe, expect, it } from 'vitest';
import {
  DEPLOYMENT_OUTCOMES as CONTRACT_OUTCOMES,
  RELEASE_STATUSES as CONTRACT_STATUSES,
  RELEASE_TYPES as CONTRACT_TYPES,
} from '../../../shared/contracts/releases/v1';
import {
  compareWithPackage,
  DEFAULT_EARLY_LIFE,
  DEPLOYMENT_OUTCOMES,
  type Deployment,
  earlyLifeExitProblems,
  evaluateGate,
  nextStep,
  outcomeOf,
  RELEASE_STATUSES,
  RELEASE_TYPES,
  type Release,
  readinessProblems,
} from '../domain/release';
import { highestImpact, inclusionProblem, requiredCriteria, type Strategy } from '../domain/strategy';

const release = (over: Partial<Release> = {}): Release => ({
  releaseId: 'r1',
  number: 'REL-1',
  title: 'Shop 2.0',
  type: 'minor',
  status: 'planning',
  ownerId: 'rita',
  changeIds: ['c1'],
  ciIds: ['ci1'],
  serviceIds: [],
  plan: { waves: [{ name: 'canary', ciIds: [], verification: 'manual' }], backoutPlan: 'Redeploy.', notify: [] },
  criteria: [
    { criterionId: 'unit', name: 'Unit', stage: 'build', required: true },
    { criterionId: 'e2e', name: 'E2E', stage: 'deployment', required: true },
    { criterionId: 'perf', name: 'Perf', stage: 'test', required: false },
  ],
  evidence: [],
  waivers: [],
  acceptances: [],
  earlyLifeRules: DEFAULT_EARLY_LIFE,
  deployments: [],
  version: 1,
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:00:00Z',
  ...over,
});
const ev = (criterionId: string, result: 'passed' | 'failed', recordedAt: string) => ({
  evidenceId: `${criterionId}-${recordedAt}`,
  criterionId,
  result,
  summary: 's',
  source: { kind: 'api' as const, ref: 'sam' },
  recordedBy: 'sam',
  recordedAt,
});

describe('the domain repeats the contract', () => {
  it('has the same types, statuses and outcomes as the event contract', () => {
    expect(RELEASE_TYPES).toEqual(CONTRACT_TYPES);
    expect(RELEASE_STATUSES).toEqual(CONTRACT_STATUSES);
    expect(DEPLOYMENT_OUTCOMES).toEqual(CONTRACT_OUTCOMES);
  });
});

describe('the gate (FitSM PR13.4)', () => {
  it('passes only when every required criterion up to the stage has passed evidence or a waiver', () => {
    const none = evaluateGate(release());
    expect(none.passed).toBe(false);
    expect(none.blocking.map((b) => b.field)).toEqual(['criteria.unit', 'criteria.e2e']);
    // The test stage only needs the build criteria.
    expect(evaluateGate(release({ evidence: [ev('unit', 'passed', '2026-12-01T01:00:00Z')] }), 'test').passed).toBe(
      true,
    );
    // The latest evidence decides: a later failure undoes an earlier pass, and a later pass a failure.
    const flip = release({
      evidence: [
        ev('unit', 'passed', '2026-12-01T01:00:00Z'),
        ev('unit', 'failed', '2026-12-01T02:00:00Z'),
        ev('e2e', 'passed', '2026-12-01T01:00:00Z'),
      ],
    });
    expect(evaluateGate(flip).passed).toBe(false);
    expect(evaluateGate(flip).criteria.find((c) => c.criterionId === 'unit')?.state).toBe('failed');
    flip.evidence.push(ev('unit', 'passed', '2026-12-01T03:00:00Z'));
    expect(evaluateGate(flip).passed).toBe(true);
    // A waiver stands in for missing or failed evidence; an optional criterion never blocks.
    const waived = release({
      evidence: [ev('unit', 'failed', '2026-12-01T01:00:00Z')],
      waivers: [
        { criterionId: 'unit', reason: 'r', approverId: 'remy', at: 'x' },
        { criterionId: 'e2e', reason: 'r', approverId: 'remy', at: 'x' },
      ],
    });
    expect(evaluateGate(waived)).toMatchObject({ passed: true, blocking: [] });
    expect(evaluateGate(waived).criteria.map((c) => c.state)).toEqual(['waived', 'waived', 'missing']);
  });

  it('wants changes, waves and a back-out plan before acceptance (PR13.3, PR13.5)', () => {
    expect(readinessProblems(release())).toEqual([]);
    expect(readinessProblems(release({ changeIds: [], plan: { waves: [], notify: [] } })).map((p) => p.field)).toEqual([
      'changeIds',
      'plan.waves',
      'plan.backoutPlan',
    ]);
  });
});

describe('the deployment flow steps', () => {
  const d = (over: Partial<Deployment>): Deployment => ({
    deploymentId: 'd1',
    trigger: { kind: 'manual', ref: 'sam' },
    phase: 'waves',
    startedAt: 'x',
    startedBy: 'sam',
    waves: [
      { name: 'a', status: 'passed', verification: 'manual' },
      { name: 'b', status: 'pending', verification: 'manual' },
    ],
    ...over,
  });
  it('goes baseline, each wave in order, verification, finish', () => {
    expect(nextStep(d({ phase: 'baseline' }))).toEqual({ action: 'await-baseline' });
    expect(nextStep(d({}))).toEqual({ action: 'await-wave', wave: 1 });
    const allPassed = d({ waves: [{ name: 'a', status: 'passed', verification: 'manual' }] });
    expect(nextStep(allPassed)).toEqual({ action: 'await-verification' });
    expect(nextStep({ ...allPassed, phase: 'finishing' })).toEqual({ action: 'finish' });
    expect(outcomeOf(allPassed)).toBe('success');
    expect(nextStep({ ...allPassed, phase: 'ended' })).toEqual({ action: 'done' });
  });
  it('takes the back-out path when a wave fails, and ends rolled back or failed by its result', () => {
    const failed = d({
      waves: [
        { name: 'a', status: 'passed', verification: 'manual' },
        { name: 'b', status: 'failed', verification: 'manual' },
      ],
    });
    expect(nextStep(failed)).toEqual({ action: 'await-backout' });
    expect(nextStep({ ...failed, phase: 'backing-out', backout: { status: 'open' } })).toEqual({
      action: 'await-backout',
    });
    expect(nextStep({ ...failed, phase: 'backing-out', backout: { status: 'completed' } })).toEqual({
      action: 'finish',
    });
    expect(outcomeOf({ ...failed, backout: { status: 'completed' } })).toBe('rolled-back');
    expect(outcomeOf({ ...failed, backout: { status: 'failed' } })).toBe('failure');
  });
});

describe('the configuration after deployment', () => {
  it('reports each CI whose recorded version differs from the package, or that records none', () => {
    const pkg = {
      packageId: 'p',
      name: 'p',
      recordedAt: 'x',
      recordedBy: 'x',
      items: [
        { ciId: 'a', version: '2.0.0', artifact: {}, checksum: 'c' },
        { ciId: 'b', version: '2.0.0', artifact: {}, checksum: 'c' },
        { ciId: 'c', version: '2.0.0', artifact: {}, checksum: 'c' },
        { ciId: 'd', version: '2.0.0', artifact: {}, checksum: 'c' },
      ],
    };
    const found = compareWithPackage(
      pkg,
      [
        { ciId: 'a', version: '2.0.0', status: 'active' },
        { ciId: 'b', version: '1.9.0', status: 'active' },
        { ciId: 'c', status: 'active' },
      ],
      ['d'],
    );
    expect(found).toEqual([
      { ciId: 'b', expected: '2.0.0', found: '1.9.0', problem: 'another version is recorded' },
      { ciId: 'c', expected: '2.0.0', problem: 'the CI records no version' },
      { ciId: 'd', expected: '2.0.0', problem: 'the CI is not in the CMDB' },
    ]);
    expect(compareWithPackage(undefined, [])).toEqual([]);
  });
});

describe('early-life support exit criteria', () => {
  const e = {
    ...DEFAULT_EARLY_LIFE,
    from: '2026-12-01T00:00:00Z',
    until: '2026-12-08T00:00:00Z',
    incidents: [{ ticketId: 't', number: 'INC-1', priority: 'P2', ciIds: ['a'], at: '2026-12-07T00:00:00Z' }],
  };
  it('holds the handover during the period and while a P1/P2 incident is within the quiet days', () => {
    expect(earlyLifeExitProblems(e, Date.parse('2026-12-05T00:00:00Z')).map((p) => p.field)).toEqual([
      'earlyLife.until',
      'earlyLife.incidents',
    ]);
    // After the period, the incident is 2 days old: the 3 quiet days are not over.
    expect(earlyLifeExitProblems(e, Date.parse('2026-12-09T00:00:00Z')).map((p) => p.field)).toEqual([
      'earlyLife.incidents',
    ]);
    expect(earlyLifeExitProblems(e, Date.parse('2026-12-10T00:00:01Z'))).toEqual([]);
    // A P3 does not hold it.
    const p3 = { ...e, incidents: [{ ...e.incidents[0]!, priority: 'P3' }] };
    expect(earlyLifeExitProblems(p3, Date.parse('2026-12-09T00:00:00Z'))).toEqual([]);
  });
});

describe('strategies (FitSM PR13.1-PR13.2)', () => {
  const s: Strategy = {
    strategyId: 's',
    name: 'Web shop',
    approach: 'fixed-cycle',
    ciIds: ['web'],
    serviceIds: ['shop'],
    releaseTypes: ['major', 'minor'],
    testing: [
      { releaseType: 'minor', criteria: [{ name: 'Unit tests', stage: 'build' }] },
      {
        releaseType: 'minor',
        minImpact: 'major',
        criteria: [
          { name: 'Load test', stage: 'test' },
          { name: 'unit tests', stage: 'build' },
        ],
      },
    ],
    changeTypes: ['standard', 'normal', 'major'],
    packageRequiredFor: ['major'],
    earlyLife: DEFAULT_EARLY_LIFE,
    version: 1,
    createdAt: 'x',
    updatedAt: 'x',
  };
  it('requires testing in proportion to type and impact', () => {
    expect(requiredCriteria(s, 'minor', 'minor').map((c) => c.name)).toEqual(['Unit tests']);
    expect(requiredCriteria(s, 'minor', 'extensive').map((c) => c.name)).toEqual(['Unit tests', 'Load test']);
    expect(requiredCriteria(s, 'major', 'extensive')).toEqual([]);
    expect(highestImpact([undefined, 'significant', 'minor'])).toBe('significant');
  });
  it('takes approved changes of its types on its CI group only', () => {
    const c = {
      changeId: 'c',
      number: 'CHG-1',
      type: 'normal' as const,
      status: 'approved',
      ciIds: ['web'],
      serviceIds: [],
    };
    expect(inclusionProblem(c, s)).toBeUndefined();
    expect(inclusionProblem({ ...c, status: 'approval' }, s)).toBe('CHG-1 is still in approval, not approved');
    expect(inclusionProblem({ ...c, status: 'implementing' }, undefined)).toContain('only approved changes');
    expect(inclusionProblem({ ...c, type: 'emergency' }, s)).toContain('takes standard, normal, major changes');
    expect(inclusionProblem({ ...c, ciIds: ['db'] }, s)).toContain('touches no CI or service');
    expect(inclusionProblem({ ...c, ciIds: ['db'], serviceIds: ['shop'] }, s)).toBeUndefined();
  });
});
