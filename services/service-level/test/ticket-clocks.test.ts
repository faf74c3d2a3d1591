import { describe, expect, it } from 'vitest';
import { agreementProblems, coverageOf } from '../domain/agreement';
import { evaluateClocks } from '../domain/clock';
import { buildTimeline, outcomesOf, pendingMoments, type TicketVersion } from '../domain/ticket-clocks';
import { DEFAULT_CLOCKS } from '../use-cases/evaluate';

/** Pure rules of ticket timelines and agreements (FitSM PR2.2, PR2.3). */
const v = (version: number, fields: Partial<TicketVersion>): TicketVersion => ({
  version,
  status: 'new',
  priority: 'P3',
  createdAt: '2026-11-02T09:00:00.000Z',
  changedAt: '2026-11-02T09:00:00.000Z',
  slaRef: 'SLA-1@1',
  ...fields,
});
const always = { timeZone: 'UTC', twentyFourSeven: true as const, holidays: [] };
const slas = {
  'SLA-1@1': {
    slaId: 'SLA-1@1',
    calendar: always,
    targets: { P3: { firstResponseMinutes: 60, resolutionMinutes: 240 } },
  },
  'SLA-1@2': {
    slaId: 'SLA-1@2',
    calendar: always,
    targets: { P3: { firstResponseMinutes: 30, resolutionMinutes: 120 } },
  },
};

describe('buildTimeline', () => {
  it('is the same whatever order the versions arrive in, and clamps skewed instants to creation', () => {
    const versions = [
      v(3, {
        status: 'pending',
        changedAt: '2026-11-02T10:00:00.000Z',
        firstRespondedAt: '2026-11-02T09:20:00.000Z',
        slaRef: 'SLA-1@2',
      }),
      v(1, {}),
      v(2, { status: 'assigned', changedAt: '2026-11-02T08:59:59.000Z', slaRef: 'SLA-1@2' }),
    ];
    const timeline = buildTimeline(versions);
    expect(timeline).toEqual(buildTimeline([...versions].reverse()));
    expect(timeline).toEqual([
      { at: '2026-11-02T09:00:00.000Z', kind: 'created', status: 'new', priority: 'P3', slaId: 'SLA-1@1' },
      { at: '2026-11-02T09:00:00.000Z', kind: 'status', status: 'assigned' },
      { at: '2026-11-02T09:00:00.000Z', kind: 'sla', slaId: 'SLA-1@2' },
      { at: '2026-11-02T10:00:00.000Z', kind: 'status', status: 'pending' },
      { at: '2026-11-02T09:20:00.000Z', kind: 'first-response' },
    ]);
  });
});

describe('pendingMoments and outcomesOf', () => {
  const evaluate = (versions: TicketVersion[], now: string) =>
    evaluateClocks({ timeline: buildTimeline(versions), slas, config: DEFAULT_CLOCKS, now });

  it('lists unannounced warnings and breaches, dropping a warning once breached', () => {
    const e = evaluate([v(1, {})], '2026-11-02T10:30:00.000Z');
    expect(pendingMoments(e, new Set())).toEqual([
      { clock: 'first-response', kind: 'breach', at: '2026-11-02T10:00:00.000Z' },
      { clock: 'resolution', kind: 'warning', at: '2026-11-02T12:00:00.000Z' },
      { clock: 'resolution', kind: 'breach', at: '2026-11-02T13:00:00.000Z' },
    ]);
    expect(pendingMoments(e, new Set(['first-response:breach', 'resolution:warning']))).toEqual([
      { clock: 'resolution', kind: 'breach', at: '2026-11-02T13:00:00.000Z' },
    ]);
  });

  it('gives outcomes only for stopped clocks, in the month they stopped', () => {
    const e = evaluate(
      [v(1, {}), v(2, { status: 'resolved', changedAt: '2026-11-02T10:00:00.000Z' })],
      '2026-11-03T00:00:00.000Z',
    );
    expect(outcomesOf(e, 'SLA-1')).toEqual([
      expect.objectContaining({ clock: 'first-response', outcome: 'unmet', period: '2026-11' }),
      expect.objectContaining({ clock: 'resolution', outcome: 'met', stoppedAt: '2026-11-02T10:00:00.000Z' }),
    ]);
    expect(outcomesOf(e, undefined)).toEqual([]);
  });
});

describe('agreement rules', () => {
  const base = {
    kind: 'sla' as const,
    name: 'x',
    serviceIds: ['s1'],
    customerId: 'acme',
    default: false,
    supports: [],
    calendarId: 'always',
    targets: { P1: { resolutionMinutes: 60 } },
    warningShare: 0.75,
    reviewDate: '2027-01-01',
    status: 'active' as const,
  };
  it('covers (customer, service) pairs while active, the default key for the default SLA', () => {
    expect(coverageOf(base)).toEqual(['acme#s1']);
    expect(coverageOf({ ...base, status: 'draft' })).toEqual([]);
    expect(coverageOf({ ...base, default: true, customerId: undefined, serviceIds: [] })).toEqual(['DEFAULT']);
    expect(coverageOf({ ...base, kind: 'ola' })).toEqual([]);
  });
  it('asks each kind for its own parties', () => {
    expect(agreementProblems({ ...base, kind: 'ua', customerId: undefined }).map((p) => p.field)).toEqual([
      'body.supplierId',
    ]);
    expect(
      agreementProblems({ ...base, targets: { P1: { firstResponseMinutes: 90, resolutionMinutes: 60 } } }),
    ).toEqual([{ field: 'body.targets.P1.firstResponseMinutes', message: 'must not exceed resolutionMinutes' }]);
  });
});
