import { describe, expect, it } from 'vitest';
import * as contract from '../../../shared/contracts/changes/v1';
import { levelOutcome, matchRule, resolveLevel, voteProblem } from '../domain/approval';
import { reviewReasons } from '../domain/change';
import * as kinds from '../domain/kinds';
import { assessImpactLevel, assessRisk, DEFAULT_POLICY } from '../domain/policy';

describe('the domain lists', () => {
  it('are the event contract lists', () => {
    expect([...kinds.CHANGE_TYPES]).toEqual([...contract.CHANGE_TYPES]);
    expect([...kinds.CHANGE_STATUSES]).toEqual([...contract.CHANGE_STATUSES]);
    expect([...kinds.OUTCOMES]).toEqual([...contract.OUTCOMES]);
    expect([...kinds.RISK_LEVELS]).toEqual([...contract.RISK_LEVELS]);
    expect([...kinds.IMPACT_LEVELS]).toEqual([...contract.IMPACT_LEVELS]);
  });
});

describe('approval rules (FitSM PR12.4)', () => {
  const spec = {
    name: 'L',
    approvers: { users: ['a', 'b', 'c', 'req'] },
    mode: 'quorum' as const,
    quorum: 2,
    timeoutSeconds: 60,
    onTimeout: 'reject' as const,
  };
  const change = { requesterId: 'req' };

  it('never lets the requester approve, and refuses a quorum that cannot be reached', () => {
    const level = resolveLevel(spec, 0, 'test', { users: spec.approvers.users }, ['req']);
    expect(level.approverIds).toEqual(['a', 'b', 'c']);
    expect(() => resolveLevel({ ...spec, quorum: 4 }, 0, 'test', { users: spec.approvers.users }, ['req'])).toThrow(
      /needs 4 approvals/,
    );
    expect(voteProblem({ ...level, status: 'open' }, { id: 'req', roles: [] }, change)).toMatch(/requester/);
  });

  it('decides a quorum on enough approvals and rejects on the first rejection, whatever came before', () => {
    const v = (userId: string, decision: 'approve' | 'reject') => ({
      userId,
      decision,
      at: 'x',
      kind: 'user' as const,
    });
    expect(levelOutcome({ required: 2, votes: [v('a', 'approve')] })).toBe('open');
    expect(levelOutcome({ required: 2, votes: [v('a', 'approve'), v('b', 'approve')] })).toBe('approved');
    expect(levelOutcome({ required: 1, votes: [v('a', 'approve'), v('b', 'reject')] })).toBe('rejected');
  });

  it('picks the first matching rule of the matrix', () => {
    expect(matchRule(DEFAULT_POLICY.matrix, { type: 'normal', risk: 'low', impact: 'minor' })?.name).toMatch(
      /low risk/,
    );
    expect(matchRule(DEFAULT_POLICY.matrix, { type: 'normal', risk: 'high', impact: 'minor' })?.levels).toHaveLength(2);
    expect(matchRule(DEFAULT_POLICY.matrix, { type: 'emergency', risk: 'low', impact: 'minor' })?.name).toMatch(
      /emergency/,
    );
  });
});

describe('assessment (FitSM PR12.3)', () => {
  const facts = {
    affectedCis: 1,
    affectedServices: 0,
    affectedCustomers: 0,
    affectedAgreements: 0,
    noTestPlan: false,
    noBackoutPlan: false,
    outsideMaintenanceWindow: false,
  };
  it('takes the higher of the conditions and the weighted questionnaire; an unanswered question counts its worst', () => {
    const good = { tested: 'yes', 'done-before': 'often', downtime: 'none' };
    expect(assessRisk(DEFAULT_POLICY, facts, good).risk).toBe('low');
    expect(assessRisk(DEFAULT_POLICY, { ...facts, noBackoutPlan: true }, good).risk).toBe('very-high');
    expect(assessRisk(DEFAULT_POLICY, facts, {}).score).toBe(25);
  });
  it("raises the graph impact on the assessor's word but never lowers it", () => {
    expect(assessImpactLevel(DEFAULT_POLICY, { cis: 60, services: 0, customers: 0 }).impact).toBe('major');
    expect(assessImpactLevel(DEFAULT_POLICY, { cis: 60, services: 0, customers: 0 }, 'minor').impact).toBe('major');
    expect(assessImpactLevel(DEFAULT_POLICY, { cis: 1, services: 0, customers: 0 }, 'extensive').impact).toBe(
      'extensive',
    );
  });
  it('requires a review for emergency, major, failed and incident-causing changes (FitSM PR12.5)', () => {
    expect(reviewReasons({ type: 'normal', outcome: 'successful', incidentIds: [] })).toEqual([]);
    expect(reviewReasons({ type: 'emergency', outcome: 'successful', incidentIds: [] })).toHaveLength(1);
    expect(reviewReasons({ type: 'normal', outcome: 'backed-out', incidentIds: ['INC-1'] })).toHaveLength(2);
  });
});
