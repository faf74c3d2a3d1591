import type { LevelSpec, MatrixRule } from './approval';
import { IMPACT_LEVELS, type Impact, impactRank, maxImpact, maxRisk, RISK_LEVELS, type Risk } from './change';

/**
 * The change policy: the configuration change management runs on (FitSM PR12.1 classification,
 * PR12.3 risk and impact, PR12.4 approval matrix, PR12.6 blackout policy). One versioned document,
 * changed with If-Match and audited; `DEFAULT_POLICY` applies until a manager saves one. Pure.
 */

/** Facts a risk condition can test: counts from the impact on the CI graph, and the plans. */
export const RISK_FACTS = [
  'affectedCis',
  'affectedServices',
  'affectedCustomers',
  'affectedAgreements',
  'noTestPlan',
  'noBackoutPlan',
  'outsideMaintenanceWindow',
] as const;
export type RiskFact = (typeof RISK_FACTS)[number];

export interface RiskCondition {
  fact: RiskFact;
  /** For counts: the condition holds at this value or above; booleans hold when true. */
  atLeast?: number;
  risk: Risk;
}

export interface Question {
  id: string;
  text: string;
  weight: number;
  answers: { value: string; label: string; score: number }[];
}

export interface Policy {
  riskConditions: RiskCondition[];
  questionnaire: Question[];
  /** Weighted questionnaire score → risk: the highest threshold reached wins. */
  riskThresholds: { atLeast: number; risk: Risk }[];
  /** Impact from the graph: the highest level whose any threshold is reached. */
  impactThresholds: { impact: Impact; cis?: number; services?: number; customers?: number }[];
  /** A normal change assessed at or above these is classified major (FitSM PR12.1). */
  majorWhen: { risk?: Risk; impact?: Impact };
  matrix: MatrixRule[];
  /** A change whose window meets a blackout: refused, or approved only with `blackoutLevel` added. */
  blackout: { policy: 'refuse' | 'extra-level'; level: LevelSpec };
  /** Conflicts on CIs that depend on each other are looked for this many hops apart. */
  conflictDepth: number;
  /** Desk tickets on the affected CIs within this many hours after implementation are linked. */
  incidentLinkHours: number;
}

export const DEFAULT_POLICY: Policy = {
  riskConditions: [
    { fact: 'noBackoutPlan', risk: 'very-high' },
    { fact: 'affectedCustomers', atLeast: 5, risk: 'high' },
    { fact: 'affectedServices', atLeast: 3, risk: 'medium' },
    { fact: 'outsideMaintenanceWindow', risk: 'medium' },
  ],
  questionnaire: [
    {
      id: 'tested',
      text: 'Has the change been tested in a production-like environment?',
      weight: 2,
      answers: [
        { value: 'yes', label: 'Yes', score: 0 },
        { value: 'partly', label: 'Partly', score: 2 },
        { value: 'no', label: 'No', score: 5 },
      ],
    },
    {
      id: 'done-before',
      text: 'Has this kind of change been done here before?',
      weight: 1,
      answers: [
        { value: 'often', label: 'Often', score: 0 },
        { value: 'once', label: 'Once or twice', score: 2 },
        { value: 'never', label: 'Never', score: 5 },
      ],
    },
    {
      id: 'downtime',
      text: 'Does the change need downtime of a live service?',
      weight: 2,
      answers: [
        { value: 'none', label: 'None', score: 0 },
        { value: 'short', label: 'Under 15 minutes', score: 2 },
        { value: 'long', label: 'Longer', score: 5 },
      ],
    },
  ],
  riskThresholds: [
    { atLeast: 0, risk: 'low' },
    { atLeast: 6, risk: 'medium' },
    { atLeast: 12, risk: 'high' },
    { atLeast: 20, risk: 'very-high' },
  ],
  impactThresholds: [
    { impact: 'significant', cis: 10, services: 2, customers: 1 },
    { impact: 'major', cis: 50, services: 5, customers: 5 },
    { impact: 'extensive', cis: 200, services: 10, customers: 20 },
  ],
  majorWhen: { risk: 'very-high', impact: 'extensive' },
  matrix: [
    {
      name: 'emergency: emergency CAB',
      types: ['emergency'],
      levels: [
        {
          name: 'Emergency CAB',
          approvers: { role: 'changes-manager' },
          mode: 'any',
          timeoutSeconds: 1800,
          onTimeout: 'escalate',
          escalateTo: { role: 'sms-owner' },
        },
      ],
    },
    {
      name: 'low risk, minor impact: the change manager',
      types: ['normal'],
      risks: ['low'],
      impacts: ['minor'],
      levels: [
        {
          name: 'Change manager',
          approvers: { role: 'changes-manager' },
          mode: 'any',
          timeoutSeconds: 172_800,
          onTimeout: 'escalate',
          escalateTo: { role: 'changes-owner' },
        },
      ],
    },
    {
      name: 'normal and major: manager of the requester, then the change manager',
      types: ['normal', 'major'],
      levels: [
        {
          name: "Requester's manager",
          approvers: { requesterManager: true },
          mode: 'any',
          timeoutSeconds: 172_800,
          onTimeout: 'escalate',
          escalateTo: { role: 'changes-manager' },
        },
        {
          name: 'Change manager',
          approvers: { role: 'changes-manager' },
          mode: 'any',
          timeoutSeconds: 172_800,
          onTimeout: 'escalate',
          escalateTo: { role: 'changes-owner' },
        },
      ],
    },
  ],
  blackout: {
    policy: 'extra-level',
    level: {
      name: 'Blackout exception',
      approvers: { role: 'changes-owner' },
      mode: 'any',
      timeoutSeconds: 172_800,
      onTimeout: 'reject',
    },
  },
  conflictDepth: 2,
  incidentLinkHours: 48,
};

export interface ImpactFacts {
  affectedCis: number;
  affectedServices: number;
  affectedCustomers: number;
  affectedAgreements: number;
  noTestPlan: boolean;
  noBackoutPlan: boolean;
  outsideMaintenanceWindow: boolean;
}

/**
 * The risk (FitSM PR12.3): the higher of the conditions that hold and the weighted questionnaire,
 * with the reasons. Unanswered questions count their highest score: not knowing is a risk.
 */
export function assessRisk(
  policy: Pick<Policy, 'riskConditions' | 'questionnaire' | 'riskThresholds'>,
  facts: ImpactFacts,
  answers: Record<string, string>,
): { risk: Risk; basis: string[]; score: number } {
  let risk: Risk = 'low';
  const basis: string[] = [];
  for (const c of policy.riskConditions) {
    const v = facts[c.fact];
    const holds = typeof v === 'boolean' ? v : v >= (c.atLeast ?? 1);
    if (holds) {
      basis.push(`${c.fact}${typeof v === 'number' ? ` = ${v}` : ''}: ${c.risk}`);
      risk = maxRisk(risk, c.risk);
    }
  }
  let score = 0;
  for (const q of policy.questionnaire) {
    const answer = q.answers.find((a) => a.value === answers[q.id]);
    const s = answer ? answer.score : Math.max(0, ...q.answers.map((a) => a.score));
    score += s * q.weight;
  }
  let fromScore: Risk = 'low';
  for (const t of [...policy.riskThresholds].sort((a, b) => a.atLeast - b.atLeast)) {
    if (score >= t.atLeast) fromScore = t.risk;
  }
  basis.push(`questionnaire score ${score}: ${fromScore}`);
  return { risk: maxRisk(risk, fromScore), basis, score };
}

/** The impact from the graph's counts, raised (never lowered) by the assessor's own judgement. */
export function assessImpactLevel(
  policy: Pick<Policy, 'impactThresholds'>,
  counts: { cis: number; services: number; customers: number },
  stated?: Impact,
): { impact: Impact; basis: string[] } {
  let impact: Impact = 'minor';
  const basis: string[] = [];
  for (const t of policy.impactThresholds) {
    const hit =
      (t.cis !== undefined && counts.cis >= t.cis) ||
      (t.services !== undefined && counts.services >= t.services) ||
      (t.customers !== undefined && counts.customers >= t.customers);
    if (hit && impactRank(t.impact) > impactRank(impact)) impact = t.impact;
  }
  basis.push(`graph: ${counts.cis} CIs, ${counts.services} services, ${counts.customers} customers: ${impact}`);
  if (stated && impactRank(stated) > impactRank(impact)) basis.push(`raised by the assessor to ${stated}`);
  return { impact: stated ? maxImpact(impact, stated) : impact, basis };
}

/** A normal change at or above the policy's bar is major (FitSM PR12.1). */
export function classify(
  policy: Pick<Policy, 'majorWhen'>,
  type: string,
  risk: Risk,
  impact: Impact,
): 'major' | undefined {
  if (type !== 'normal') return undefined;
  const { risk: r, impact: i } = policy.majorWhen;
  const byRisk = r !== undefined && RISK_LEVELS.indexOf(risk) >= RISK_LEVELS.indexOf(r);
  const byImpact = i !== undefined && IMPACT_LEVELS.indexOf(impact) >= IMPACT_LEVELS.indexOf(i);
  return byRisk || byImpact ? 'major' : undefined;
}
