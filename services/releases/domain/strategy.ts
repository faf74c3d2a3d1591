import type { Criterion, CriterionStage, EarlyLifeRules, ReleaseType } from './release';

/**
 * Release and deployment strategies (FitSM PR13.1) and the inclusion rules they give releases
 * (PR13.2). Pure: no I/O.
 */
export const IMPACTS = ['minor', 'significant', 'major', 'extensive'] as const;
export type Impact = (typeof IMPACTS)[number];
export const CHANGE_TYPES = ['standard', 'normal', 'major', 'emergency'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** Testing a release of a type (and at least an impact) must show (PR13.4: proportional testing). */
export interface TestingRule {
  releaseType: ReleaseType;
  /** Applies when the highest impact among the release's changes is at least this. */
  minImpact?: Impact;
  criteria: { name: string; stage: CriterionStage }[];
}

export interface Strategy {
  strategyId: string;
  name: string;
  description?: string;
  /** Continuous delivery (deploy when ready) or a fixed cycle (releases on a calendar). */
  approach: 'continuous' | 'fixed-cycle';
  /** For a fixed cycle: how often, e.g. "every second Tuesday" (for people; dates are on the plan). */
  frequency?: string;
  /** The CI group the strategy applies to: these CIs and the CIs of these services. */
  ciIds: string[];
  serviceIds: string[];
  releaseTypes: ReleaseType[];
  testing: TestingRule[];
  /** Change types a release of this strategy may bundle (PR13.2). */
  changeTypes: ChangeType[];
  /** Release types that must deploy from a package out of the definitive media library. */
  packageRequiredFor: ReleaseType[];
  earlyLife: EarlyLifeRules;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const rank = (i: Impact) => IMPACTS.indexOf(i);

/** The highest impact among the changes' assessments (none assessed: minor). */
export function highestImpact(impacts: (Impact | undefined)[]): Impact {
  let best: Impact = 'minor';
  for (const i of impacts) if (i && rank(i) > rank(best)) best = i;
  return best;
}

/** The criteria the strategy's testing rules require of a release of this type and impact. */
export function requiredCriteria(
  s: Strategy | undefined,
  type: ReleaseType,
  impact: Impact,
): Omit<Criterion, 'criterionId'>[] {
  if (!s) return [];
  const seen = new Set<string>();
  const out: Omit<Criterion, 'criterionId'>[] = [];
  for (const rule of s.testing) {
    if (rule.releaseType !== type) continue;
    if (rule.minImpact && rank(impact) < rank(rule.minImpact)) continue;
    for (const c of rule.criteria) {
      const key = c.name.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ name: c.name, stage: c.stage, required: true, fromStrategy: true });
    }
  }
  return out;
}

/** A change as the inclusion rules see it (the service's copy of the changes service's record). */
export interface ChangeFacts {
  changeId: string;
  number: string;
  type: ChangeType;
  status: string;
  ciIds: string[];
  serviceIds: string[];
  impact?: Impact;
}

/**
 * Why a change may not go into a release (PR13.2), or nothing: only approved changes, of a type
 * the strategy allows, on CIs or services in the strategy's group (when it names one).
 */
export function inclusionProblem(c: ChangeFacts, s: Strategy | undefined): string | undefined {
  if (c.status !== 'approved')
    return c.status === 'implementing' || c.status === 'implemented' || c.status === 'closed'
      ? `${c.number} is ${c.status}: only approved changes that are not implemented yet go into a release`
      : `${c.number} is ${c.status === 'approval' ? 'still in approval' : c.status}, not approved`;
  if (!s) return undefined;
  if (!s.changeTypes.includes(c.type))
    return `${c.number} is a ${c.type} change; strategy "${s.name}" takes ${s.changeTypes.join(', ')} changes`;
  if (s.ciIds.length + s.serviceIds.length > 0) {
    const inGroup = c.ciIds.some((id) => s.ciIds.includes(id)) || c.serviceIds.some((id) => s.serviceIds.includes(id));
    if (!inGroup) return `${c.number} touches no CI or service of strategy "${s.name}"`;
  }
  return undefined;
}
