/**
 * Desk settings: the configurable rules of classification, prioritisation, closure, escalation
 * and major incidents (FitSM PR9.1, PR9.3, PR9.5, PR9.6). Pure: no I/O.
 */
import type { FieldError } from '../../../shared/kit/errors';

export interface CategoryNode {
  id: string;
  name: string;
  children?: CategoryNode[];
}

/** Impact x urgency -> priority (FitSM PR9.1: prioritised consistently). */
export interface PriorityMatrix {
  /** Levels, most severe first. */
  impacts: string[];
  urgencies: string[];
  /** Priority labels, most urgent first; their position is the queue order. */
  priorities: string[];
  /** matrix[impact][urgency] = priority label. */
  matrix: Record<string, Record<string, string>>;
  defaultImpact: string;
  defaultUrgency: string;
}

/** A major-incident criterion matches when every condition it names holds (FitSM PR9.6). */
export interface MajorCriterion {
  id: string;
  description?: string;
  priorities?: string[];
  impacts?: string[];
  serviceIds?: string[];
}

/** What an SLA moment (warning or breach) does to a ticket (FitSM PR9.3). */
export interface EscalationRule {
  /** Hierarchical escalation: whom to notify. */
  notify: 'none' | 'group-manager' | 'duty-manager' | 'both';
  /** Functional escalation: hand the ticket to this group. */
  reassignToGroup?: string;
}

export interface DutyManager {
  id: string;
  name?: string;
  email?: string;
}

export interface DeskSettings {
  priority: PriorityMatrix;
  categories: CategoryNode[];
  /** Group a ticket lands in when nobody chose one. */
  defaultGroup: string;
  /** Resolved tickets close by themselves after this many days without confirmation (PR9.5). */
  autoCloseDays: number;
  /** A resolved or closed ticket may be reopened this many days after its resolution (PR9.5). */
  reopenWindowDays: number;
  majorIncident: {
    criteria: MajorCriterion[];
    /** Stakeholder-update cadence: the coordinator is reminded this often while the incident is open. */
    cadenceSeconds: number;
    /** Who receives stakeholder updates besides the caller. */
    stakeholderEmails: string[];
  };
  escalation: {
    onWarning: EscalationRule;
    onBreach: EscalationRule;
    dutyManager?: DutyManager;
  };
}

const LEVELS = ['high', 'medium', 'low'];

export const DEFAULT_SETTINGS: DeskSettings = {
  priority: {
    impacts: LEVELS,
    urgencies: LEVELS,
    priorities: ['P1', 'P2', 'P3', 'P4'],
    matrix: {
      high: { high: 'P1', medium: 'P2', low: 'P3' },
      medium: { high: 'P2', medium: 'P3', low: 'P4' },
      low: { high: 'P3', medium: 'P4', low: 'P4' },
    },
    defaultImpact: 'medium',
    defaultUrgency: 'medium',
  },
  categories: [
    {
      id: 'hardware',
      name: 'Hardware',
      children: [
        { id: 'laptop', name: 'Laptop' },
        { id: 'printer', name: 'Printer' },
      ],
    },
    {
      id: 'software',
      name: 'Software',
      children: [
        { id: 'email', name: 'E-mail' },
        { id: 'office', name: 'Office' },
      ],
    },
    {
      id: 'network',
      name: 'Network',
      children: [
        { id: 'wifi', name: 'Wi-Fi' },
        { id: 'vpn', name: 'VPN' },
      ],
    },
    {
      id: 'access',
      name: 'Access',
      children: [
        { id: 'account', name: 'Account' },
        { id: 'password', name: 'Password' },
      ],
    },
  ],
  defaultGroup: 'service-desk',
  autoCloseDays: 5,
  reopenWindowDays: 10,
  majorIncident: {
    criteria: [{ id: 'p1', description: 'Every P1 incident', priorities: ['P1'] }],
    cadenceSeconds: 1800,
    stakeholderEmails: [],
  },
  escalation: {
    onWarning: { notify: 'group-manager' },
    onBreach: { notify: 'both' },
  },
};

/** The priority and its queue rank (0 = most urgent) for an impact and urgency. */
export function priorityOf(m: PriorityMatrix, impact: string, urgency: string): { priority: string; rank: number } {
  const priority = m.matrix[impact]?.[urgency];
  if (!priority) throw new Error(`no priority for impact ${impact} and urgency ${urgency}`);
  return { priority, rank: Math.max(0, m.priorities.indexOf(priority)) };
}

/** True when `path` (ids from the root) names a node of the category tree. */
export function isCategoryPath(tree: CategoryNode[], path: string[]): boolean {
  let level: CategoryNode[] | undefined = tree;
  for (const id of path) {
    const node: CategoryNode | undefined = level?.find((n) => n.id === id);
    if (!node) return false;
    level = node.children;
  }
  return path.length > 0;
}

/** The criteria a ticket meets (FitSM PR9.6: major incidents identified by defined criteria). */
export function majorCriteriaMet(
  criteria: MajorCriterion[],
  t: { type: string; priority: string; impact: string; serviceId?: string | undefined },
): string[] {
  if (t.type !== 'incident') return [];
  return criteria
    .filter(
      (c) =>
        (c.priorities?.length || c.impacts?.length || c.serviceIds?.length) &&
        (!c.priorities?.length || c.priorities.includes(t.priority)) &&
        (!c.impacts?.length || c.impacts.includes(t.impact)) &&
        (!c.serviceIds?.length || (t.serviceId !== undefined && c.serviceIds.includes(t.serviceId))),
    )
    .map((c) => c.id);
}

/** Consistency checks beyond the schema; returns failing fields (empty when the settings are usable). */
export function checkSettings(s: DeskSettings, prefix = 'body.'): FieldError[] {
  const out: FieldError[] = [];
  const m = s.priority;
  for (const impact of m.impacts) {
    for (const urgency of m.urgencies) {
      const p = m.matrix[impact]?.[urgency];
      if (!p) out.push({ field: `${prefix}priority.matrix.${impact}.${urgency}`, message: 'is required' });
      else if (!m.priorities.includes(p))
        out.push({
          field: `${prefix}priority.matrix.${impact}.${urgency}`,
          message: `must be one of ${m.priorities.join(', ')}`,
        });
    }
  }
  if (!m.impacts.includes(m.defaultImpact))
    out.push({ field: `${prefix}priority.defaultImpact`, message: `must be one of ${m.impacts.join(', ')}` });
  if (!m.urgencies.includes(m.defaultUrgency))
    out.push({ field: `${prefix}priority.defaultUrgency`, message: `must be one of ${m.urgencies.join(', ')}` });
  const seen = new Set<string>();
  const walk = (nodes: CategoryNode[], path: string) => {
    for (const n of nodes) {
      const key = `${path}/${n.id}`;
      if (seen.has(key)) out.push({ field: `${prefix}categories`, message: `category ${key} appears twice` });
      seen.add(key);
      walk(n.children ?? [], key);
    }
  };
  walk(s.categories, '');
  if (s.reopenWindowDays < s.autoCloseDays)
    out.push({ field: `${prefix}reopenWindowDays`, message: 'must be at least autoCloseDays' });
  s.majorIncident.criteria.forEach((c, i) => {
    if (!c.priorities?.length && !c.impacts?.length && !c.serviceIds?.length)
      out.push({ field: `${prefix}majorIncident.criteria.${i}`, message: 'must name at least one condition' });
    for (const p of c.priorities ?? [])
      if (!m.priorities.includes(p))
        out.push({ field: `${prefix}majorIncident.criteria.${i}.priorities`, message: `unknown priority ${p}` });
    for (const p of c.impacts ?? [])
      if (!m.impacts.includes(p))
        out.push({ field: `${prefix}majorIncident.criteria.${i}.impacts`, message: `unknown impact ${p}` });
  });
  const needsDuty = [s.escalation.onWarning, s.escalation.onBreach].some(
    (r) => r.notify === 'duty-manager' || r.notify === 'both',
  );
  if (
    needsDuty &&
    !s.escalation.dutyManager?.email &&
    (s.escalation.onBreach.notify === 'duty-manager' || s.escalation.onWarning.notify === 'duty-manager')
  )
    out.push({
      field: `${prefix}escalation.dutyManager`,
      message: 'is required when a rule notifies the duty manager',
    });
  return out;
}
