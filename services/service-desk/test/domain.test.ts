import { describe, expect, it } from 'vitest';
import { TICKET_STATUSES as CONTRACT_STATUSES } from '../../../shared/contracts/service-desk/v1';
import { checkModel, validateForm } from '../domain/request-model';
import { checkSettings, DEFAULT_SETTINGS, isCategoryPath, majorCriteriaMet, priorityOf } from '../domain/settings';
import {
  autoCloseAt,
  canTransition,
  refuseAction,
  refuseReopen,
  refuseTransition,
  resumeStatus,
  TICKET_STATUSES,
  ticketNumber,
} from '../domain/ticket';
import { PROJECTIONS } from '../projections';
import {
  customerSummaryOf,
  customerView,
  indexKeys,
  summaryOf,
  type TicketState,
  ticketItem,
  toTicket,
} from '../store';

const m = DEFAULT_SETTINGS.priority;

describe('priority matrix (FitSM PR9.1)', () => {
  it('maps impact x urgency to a priority and its queue rank', () => {
    expect(priorityOf(m, 'high', 'high')).toEqual({ priority: 'P1', rank: 0 });
    expect(priorityOf(m, 'medium', 'medium')).toEqual({ priority: 'P3', rank: 2 });
    expect(priorityOf(m, 'low', 'low')).toEqual({ priority: 'P4', rank: 3 });
  });

  it('refuses settings whose matrix has a gap or an unknown priority', () => {
    const broken = structuredClone(DEFAULT_SETTINGS);
    broken.priority.matrix.high = { high: 'P0', medium: 'P2' };
    expect(checkSettings(broken).map((f) => f.field)).toEqual([
      'body.priority.matrix.high.high',
      'body.priority.matrix.high.low',
    ]);
    expect(checkSettings(DEFAULT_SETTINGS)).toEqual([]);
  });

  it('refuses a reopen window shorter than the auto-close period', () => {
    expect(checkSettings({ ...DEFAULT_SETTINGS, autoCloseDays: 5, reopenWindowDays: 3 })[0]?.field).toBe(
      'body.reopenWindowDays',
    );
  });
});

describe('categories and major incident criteria', () => {
  it('accepts only paths of the tree', () => {
    expect(isCategoryPath(DEFAULT_SETTINGS.categories, ['hardware', 'laptop'])).toBe(true);
    expect(isCategoryPath(DEFAULT_SETTINGS.categories, ['hardware'])).toBe(true);
    expect(isCategoryPath(DEFAULT_SETTINGS.categories, ['laptop'])).toBe(false);
    expect(isCategoryPath(DEFAULT_SETTINGS.categories, [])).toBe(false);
  });

  it('matches a criterion only when all of its conditions hold, and incidents only (PR9.6)', () => {
    const criteria = [
      { id: 'p1', priorities: ['P1'] },
      { id: 'mail-high', impacts: ['high'], serviceIds: ['SVC-1'] },
    ];
    expect(
      majorCriteriaMet(criteria, { type: 'incident', priority: 'P1', impact: 'high', serviceId: 'SVC-1' }),
    ).toEqual(['p1', 'mail-high']);
    expect(majorCriteriaMet(criteria, { type: 'incident', priority: 'P2', impact: 'high' })).toEqual([]);
    expect(majorCriteriaMet(criteria, { type: 'request', priority: 'P1', impact: 'high' })).toEqual([]);
  });
});

describe('ticket lifecycle (PR9.2, PR9.5)', () => {
  it('has exactly the statuses the event contract publishes', () => {
    expect([...TICKET_STATUSES]).toEqual([...CONTRACT_STATUSES]);
  });

  it('allows the work path and refuses jumps out of it with 409', () => {
    expect(canTransition('new', 'assigned')).toBe(true);
    expect(canTransition('resolved', 'closed')).toBe(true);
    expect(canTransition('closed', 'resolved')).toBe(false);
    expect(refuseTransition({ from: 'new', to: 'closed' })).toMatchObject({ code: 'invalid-transition', status: 409 });
    expect(refuseTransition({ from: 'cancelled', to: 'assigned' })?.status).toBe(409);
  });

  it('requires a pending reason, an assignee for in-progress, and a resolution (422)', () => {
    expect(refuseTransition({ from: 'assigned', to: 'pending' })).toMatchObject({
      code: 'pending-reason-required',
      status: 422,
    });
    expect(refuseTransition({ from: 'assigned', to: 'in-progress' })?.code).toBe('assignee-required');
    expect(refuseTransition({ from: 'in-progress', to: 'resolved', resolutionCode: 'fixed' })).toMatchObject({
      code: 'resolution-required',
      fields: [{ field: 'body.resolutionSummary', message: 'is required to resolve' }],
    });
    expect(
      refuseTransition({ from: 'in-progress', to: 'resolved', resolutionCode: 'fixed', resolutionSummary: 'Rebooted' }),
    ).toBeUndefined();
  });

  it('refuses resolving a resolved ticket and cancelling a cancelled one (409), as actions change the status', () => {
    expect(refuseAction({ from: 'resolved', to: 'resolved', resolutionCode: 'fixed', resolutionSummary: 'x' })).toEqual(
      {
        code: 'invalid-transition',
        status: 409,
        message: 'The ticket is already resolved.',
      },
    );
    expect(refuseAction({ from: 'cancelled', to: 'cancelled' })).toMatchObject({
      code: 'invalid-transition',
      status: 409,
    });
    expect(refuseAction({ from: 'in-progress', to: 'resolved', resolutionCode: 'fixed', resolutionSummary: 'x' })).toBe(
      undefined,
    );
    expect(refuseAction({ from: 'new', to: 'cancelled' })).toBeUndefined();
  });

  it('holds a request waiting for approval until it is approved or cancelled', () => {
    expect(refuseTransition({ from: 'pending', to: 'assigned', approvalPending: true })?.code).toBe('approval-pending');
    expect(refuseTransition({ from: 'pending', to: 'cancelled', approvalPending: true })).toBeUndefined();
  });

  it('reopens only within the window after resolution, and resumes where work was', () => {
    const now = new Date('2026-11-20T12:00:00Z');
    expect(refuseReopen({ status: 'resolved', resolvedAt: '2026-11-15T12:00:00Z' }, 10, now)).toBeUndefined();
    expect(refuseReopen({ status: 'closed', resolvedAt: '2026-11-05T12:00:00Z' }, 10, now)?.code).toBe(
      'reopen-window-passed',
    );
    expect(refuseReopen({ status: 'in-progress' }, 10, now)?.code).toBe('invalid-transition');
    expect(resumeStatus('user-alice')).toBe('in-progress');
    expect(resumeStatus(undefined)).toBe('assigned');
    expect(autoCloseAt('2026-11-15T12:00:00.000Z', 5)).toBe('2026-11-20T12:00:00.000Z');
    expect(ticketNumber('incident', 1)).toBe('INC-1001');
  });
});

describe('queue index keys are sparse', () => {
  const t: TicketState = {
    ticketId: 'T1',
    number: 'INC-1001',
    type: 'incident',
    title: 'x',
    channel: 'portal',
    caller: { id: 'u', name: 'u' },
    customerId: 'acme',
    ciIds: [],
    impact: 'high',
    urgency: 'high',
    priority: 'P1',
    priorityRank: 0,
    status: 'in-progress',
    assignmentGroup: 'network',
    assigneeId: 'alice',
    relatedIds: [],
    reopenCount: 0,
    changedAt: '2026-01-01T00:00:00.000Z',
    escalations: [],
    majorCriteria: [],
    major: false,
    majorReminders: 0,
    majorUpdates: 0,
    publicComments: 0,
    createdAt: '2026-01-01T00:00:00.000Z',
  };

  it('puts open work in the agent, group and deadline queues', () => {
    expect(Object.keys(indexKeys(t, '2026-01-02T00:00:00.000Z')).sort()).toEqual(
      ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk'].sort(),
    );
    expect(indexKeys(t).gsi2sk).toBe('00#2026-01-01T00:00:00.000Z#T1');
  });

  it('takes closed tickets out of every work queue, keeping the customer view', () => {
    expect(Object.keys(indexKeys({ ...t, status: 'closed' }, '2026-01-02T00:00:00.000Z'))).toEqual([
      'gsi4pk',
      'gsi4sk',
    ]);
  });

  it('keeps a major incident without review out of the auto-close index', () => {
    const resolved = { ...t, status: 'resolved' as const, autoCloseAt: '2026-01-06T00:00:00.000Z' };
    expect(indexKeys(resolved).gsi5pk).toBe('AUTOCLOSE');
    expect(indexKeys({ ...resolved, major: true }).gsi5pk).toBeUndefined();
  });

  describe('queue readers need only their index projection', () => {
    const stored = {
      ...ticketItem({ ...t, description: 'long text', pendingReason: undefined, resolutionCode: 'fixed' }),
      resolutionSummary: 'Done',
      slaTicketVersion: 3,
      slaClocks: [{ clock: 'resolution', state: 'running', deadline: '2026-01-02T00:00:00.000Z' }],
      slaDeadline: '2026-01-02T00:00:00.000Z',
      version: 4,
      updatedAt: '2026-01-01T01:00:00.000Z',
      updatedBy: 'alice',
    };
    const projected = (attrs: readonly string[]) =>
      Object.fromEntries(
        Object.entries(stored).filter(([k]) => attrs.includes(k) || /^(pk|sk|gsi\dpk|gsi\dsk)$/.test(k)),
      );

    it('builds the same queue line from every queue index as from the whole item', () => {
      for (const ix of ['gsi1', 'gsi2', 'gsi3', 'gsi4'] as const)
        expect(summaryOf(projected(PROJECTIONS[ix]))).toEqual(summaryOf(stored));
      expect(summaryOf(stored)).toMatchObject({
        type: 'incident',
        slaDeadline: '2026-01-02T00:00:00.000Z',
        version: 4,
      });
    });

    it('gives customers the portal view without the unbounded free text, and nothing more', () => {
      const line = customerSummaryOf(projected(PROJECTIONS.gsi4));
      const { description: _d, resolutionSummary: _r, form: _f, ...view } = customerView(toTicket(stored));
      expect(line).toEqual(view);
    });

    it('projects no SLA clocks and stays within the 100 projected attributes of a table', () => {
      const lists = Object.values(PROJECTIONS).filter((p) => p !== 'keys-only');
      expect(lists.flat()).not.toContain('slaClocks');
      expect(lists.flat().length).toBeLessThanOrEqual(100);
      expect(PROJECTIONS.gsi5).toBe('keys-only');
    });
  });
});

describe('request model forms (PR9.2)', () => {
  const fields = [
    { name: 'laptop', type: 'choice' as const, required: true, allowedValues: ['standard', 'developer'] },
    { name: 'needed', type: 'date' as const, required: true },
    { name: 'monitors', type: 'number' as const, required: false },
  ];

  it('validates types, required fields, allowed values and unknown fields', () => {
    expect(validateForm(fields, { laptop: 'developer', needed: '2026-12-01', monitors: 2 })).toEqual([]);
    expect(validateForm(fields, { laptop: 'gaming', monitors: 'two', colour: 'red' })).toEqual([
      { field: 'body.form.colour', message: 'is not a field of this request model' },
      { field: 'body.form.laptop', message: 'must be one of standard, developer' },
      { field: 'body.form.needed', message: 'is required' },
      { field: 'body.form.monitors', message: 'must be a number' },
    ]);
  });

  it('needs allowed values for a choice and exactly one kind of approver', () => {
    expect(
      checkModel({
        fields: [{ name: 'x', type: 'choice', required: false }],
        approval: { role: 'a', userId: 'b' },
      }).map((f) => f.field),
    ).toEqual(['body.fields.0.allowedValues', 'body.approval']);
  });
});
