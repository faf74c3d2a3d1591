import { describe, expect, it } from 'vitest';
import { changeNoticeMail } from '../domain/communication';
import { type ComplaintAction, canClose, complaintNumber, mergeActions } from '../domain/complaint';
import { customerView, diff, duplicateServices, isCustomerId } from '../domain/customer';
import { canRecordOutcome, upcomingKey } from '../domain/review';
import {
  aggregateCells,
  answerable,
  expiry,
  increments,
  isLow,
  isTokenShaped,
  periodsOf,
  surveyLink,
  toResult,
  wantsSurvey,
} from '../domain/survey';
import { hashToken, newToken } from '../use-cases/tokens';

describe('customer ids', () => {
  it('accepts slugs and refuses anything else', () => {
    for (const ok of ['acme', 'uni-lab', 'a', 'x1', 'acme-2026']) expect(isCustomerId(ok), ok).toBe(true);
    for (const bad of ['Acme', '-acme', 'acme-', 'ac me', 'ac--me', 'acme_1', '', 'a'.repeat(64)]) {
      expect(isCustomerId(bad), bad).toBe(false);
    }
  });
});

describe('customer records', () => {
  it('diffs only the fields that changed', () => {
    const before = { name: 'Acme', status: 'active', services: [{ serviceId: 'SVC-1', since: '2026-01-01' }] };
    const after = { ...before, status: 'inactive' };
    expect(diff(before, after, ['name', 'status', 'services'])).toEqual({
      status: { from: 'active', to: 'inactive' },
    });
  });
  it('refuses a service listed twice', () => {
    const uses = [
      { serviceId: 'SVC-1', since: '2026-01-01' },
      { serviceId: 'SVC-2', since: '2026-01-01' },
      { serviceId: 'SVC-1', since: '2026-02-01' },
    ];
    expect(duplicateServices(uses, 'body.services')).toEqual([
      { field: 'body.services.2.serviceId', message: 'lists service SVC-1 twice' },
    ]);
  });
  it('hides internal notes from the customer view', () => {
    expect(customerView({ customerId: 'acme', notes: 'difficult' })).toEqual({ customerId: 'acme' });
  });
});

describe('survey tokens', () => {
  it('are 256-bit random base64url strings, stored only as a SHA-256', () => {
    const a = newToken();
    const b = newToken();
    expect(a).not.toBe(b);
    expect(isTokenShaped(a)).toBe(true);
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(a)).toBe(hashToken(a));
    expect(hashToken(a)).not.toContain(a);
    expect(isTokenShaped('short')).toBe(false);
    expect(isTokenShaped(`${a.slice(0, 42)}!`)).toBe(false);
  });
  it('builds the link from the configured base, or the API path alone', () => {
    expect(surveyLink('http://127.0.0.1:8080', 'tok')).toBe('http://127.0.0.1:8080/survey/tok');
    expect(surveyLink('https://itsm.example.org/', 'tok')).toBe('https://itsm.example.org/survey/tok');
  });
});

describe('survey rules', () => {
  const now = new Date('2026-11-10T12:00:00Z');
  it('surveys closed tickets with a caller address, never cancelled ones', () => {
    expect(wantsSurvey({ status: 'closed', callerEmail: 'a@b.org' })).toBe(true);
    expect(wantsSurvey({ status: 'cancelled', callerEmail: 'a@b.org' })).toBe(false);
    expect(wantsSurvey({ status: 'closed' })).toBe(false);
    expect(wantsSurvey({ status: 'closed', callerEmail: 'nobody' })).toBe(false);
  });
  it('is answered once and never after expiry', () => {
    const dueBy = expiry(new Date('2026-11-01T12:00:00Z'), 14).toISOString();
    expect(dueBy).toBe('2026-11-15T12:00:00.000Z');
    expect(answerable({ dueBy }, now)).toEqual({ ok: true });
    expect(answerable({ dueBy, answeredAt: '2026-11-02T00:00:00Z' }, now)).toEqual({ ok: false, reason: 'answered' });
    expect(answerable({ dueBy: '2026-11-10T12:00:00Z' }, now)).toEqual({ ok: false, reason: 'expired' });
  });
  it('calls a score low at or below the threshold', () => {
    expect(isLow(2, { lowScoreThreshold: 2 })).toBe(true);
    expect(isLow(3, { lowScoreThreshold: 2 })).toBe(false);
    expect(isLow(3, { lowScoreThreshold: 3 })).toBe(true);
  });
});

describe('survey aggregates', () => {
  it('counts an answer in its month and year, per dimension present', () => {
    expect(periodsOf('2026-11-10T12:00:00Z')).toEqual(['2026-11', '2026']);
    const cells = aggregateCells({ serviceId: 'SVC-1', assignmentGroup: 'network', at: '2026-11-10T12:00:00Z' });
    expect(cells.map((c) => `${c.dimension}:${c.key}:${c.period}`)).toEqual([
      'service:SVC-1:2026-11',
      'service:SVC-1:2026',
      'group:network:2026-11',
      'group:network:2026',
      'all:all:2026-11',
      'all:all:2026',
    ]);
  });
  it('turns increments into averages and a distribution', () => {
    expect(increments(2, true)).toEqual({ count: 1, sum: 2, s2: 1, low: 1 });
    const cell = {
      dimension: 'service',
      key: 'SVC-1',
      period: '2026-11',
      count: 3,
      sum: 10,
      s5: 1,
      s4: 1,
      s1: 1,
      low: 1,
    };
    expect(toResult(cell)).toEqual({
      dimension: 'service',
      key: 'SVC-1',
      period: '2026-11',
      count: 3,
      average: 3.33,
      distribution: { '1': 1, '2': 0, '3': 0, '4': 1, '5': 1 },
      low: 1,
    });
    expect(toResult({ dimension: 'all', key: 'all', period: '2026' }).average).toBeNull();
  });
});

describe('complaints', () => {
  const action = (id: string, done: boolean): ComplaintAction => ({ id, text: id, owner: 'user-sam', done });
  it('closes only after a response and with every action done', () => {
    expect(canClose({ status: 'registered', actions: [] })).toEqual({ ok: false, reason: 'not-responded' });
    expect(canClose({ status: 'responded', actions: [action('a', true), action('b', false)] })).toEqual({
      ok: false,
      reason: 'open-actions',
      openActions: ['b'],
    });
    expect(canClose({ status: 'responded', actions: [action('a', true)] })).toEqual({ ok: true });
    expect(canClose({ status: 'closed', actions: [] })).toEqual({ ok: false, reason: 'closed' });
  });
  it('stamps an action when it is first done and keeps the stamp', () => {
    const first = mergeActions([], [{ id: 'a', text: 'call back', owner: 'u', done: true }], 't1');
    expect(first).toEqual([{ id: 'a', text: 'call back', owner: 'u', done: true, doneAt: 't1' }]);
    const again = mergeActions(first, [{ id: 'a', text: 'call back', owner: 'u' }], 't2');
    expect(again[0]?.doneAt).toBe('t1');
    const undone = mergeActions(first, [{ id: 'a', text: 'call back', owner: 'u', done: false }], 't3');
    expect(undone[0]).toEqual({ id: 'a', text: 'call back', owner: 'u', done: false });
  });
  it('numbers complaints from CMP-101', () => {
    expect(complaintNumber(1)).toBe('CMP-101');
  });
});

describe('service reviews', () => {
  it('records an outcome once, on a planned review', () => {
    expect(canRecordOutcome('planned')).toEqual({ ok: true });
    expect(canRecordOutcome('held')).toEqual({ ok: false, reason: 'held' });
  });
  it('orders upcoming reviews by date', () => {
    expect(upcomingKey('2026-12-01T10:00:00.000Z', '01J') < upcomingKey('2027-01-01T10:00:00.000Z', '00A')).toBe(true);
  });
});

describe('change notices', () => {
  const base = {
    customerName: 'ACME',
    number: 'CHG-77',
    title: 'Replace sw-core-1',
    serviceIds: ['SVC-7'],
    plannedStart: '2026-12-10T22:00:00.000Z',
    plannedEnd: '2026-12-11T02:00:00+00:00',
  };

  it('says what, which services and when, and that a scheduled change may still move or be cancelled', () => {
    // Act
    const mail = changeNoticeMail({ ...base, kind: 'scheduled' });
    // Assess
    expect(mail.subject).toBe('Change notice (scheduled): CHG-77 Replace sw-core-1');
    expect(mail.summary).toBe(
      'Change CHG-77 "Replace sw-core-1" is scheduled from 2026-12-10 22:00 UTC to 2026-12-11 02:00 UTC.',
    );
    expect(mail.text).toContain('Services affected: SVC-7.');
    expect(mail.text).toContain('may still be moved or cancelled');
  });

  it('gives the window in UTC whatever the offset, and a move without the old window still reads', () => {
    // Act
    const moved = changeNoticeMail({ ...base, kind: 'moved', plannedStart: '2026-12-11T00:30:00+02:00' });
    // Assess
    expect(moved.summary).toBe(
      'Change CHG-77 "Replace sw-core-1" has moved: it is now planned from 2026-12-10 22:30 UTC to 2026-12-11 02:00 UTC.',
    );
  });

  it('tells that a cancelled change will not take place and names no later move', () => {
    // Act
    const mail = changeNoticeMail({ ...base, kind: 'cancelled', serviceIds: [] });
    // Assess
    expect(mail.summary).toMatch(/is cancelled: it will not take place\.$/);
    expect(mail.text).toContain('Services affected: none named.');
    expect(mail.text).not.toContain('may still be moved');
  });
});
