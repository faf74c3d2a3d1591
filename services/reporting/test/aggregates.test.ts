import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadModel } from '../db/schema';
import { runAggregate } from '../use-cases/aggregates';
import { applyEvent } from '../use-cases/apply-event';
import { produceContent, render } from '../use-cases/produce';
import { applyClocks, applyTickets, type TicketRecord } from '../use-cases/project';
import { testReadModel } from './support';

/**
 * The built-in aggregates on real PostgreSQL (PGlite), over rows written by the projection itself.
 * The period is December 2026; tickets outside it must not count.
 */
let db: Kysely<ReadModel>;
const from = new Date('2026-12-01T00:00:00Z');
const to = new Date('2027-01-01T00:00:00Z');

let n = 0;
function ticket(over: Partial<TicketRecord>): TicketRecord {
  n++;
  return {
    ticketId: `t${n}`,
    number: `INC-${1000 + n}`,
    type: 'incident',
    version: 1,
    title: `Ticket ${n}`,
    status: 'new',
    priority: 'P3',
    callerId: 'caller-1',
    major: false,
    createdAt: '2026-12-02T10:00:00Z',
    changedAt: '2026-12-02T10:00:00Z',
    reopenCount: 0,
    ...over,
  };
}

beforeAll(async () => {
  db = await testReadModel();
  const resolved = (id: string, createdAt: string, resolvedAt: string, extra: Partial<TicketRecord> = {}) =>
    ticket({ ticketId: id, status: 'resolved', createdAt, changedAt: resolvedAt, resolvedAt, ...extra });
  await applyTickets(db, [
    // Open, created in the period (ages at period end: 29 days, 0.5 days).
    ticket({ ticketId: 'open-old', priority: 'P1', assignmentGroup: 'network', customerId: 'acme' }),
    ticket({ ticketId: 'open-new', createdAt: '2026-12-31T12:00:00Z', changedAt: '2026-12-31T12:00:00Z' }),
    // Created before the period and still open: backlog, but not a December ticket count.
    ticket({ ticketId: 'open-nov', createdAt: '2026-11-01T00:00:00Z', changedAt: '2026-11-01T00:00:00Z' }),
    // Resolved in December: 2 h (P1, first-contact), 10 h (P1, reopened once), 4 h (P2, replied first).
    resolved('r1', '2026-12-05T08:00:00Z', '2026-12-05T10:00:00Z', { priority: 'P1', customerId: 'acme' }),
    resolved('r2', '2026-12-06T00:00:00Z', '2026-12-06T10:00:00Z', { priority: 'P1', reopenCount: 1 }),
    resolved('r3', '2026-12-07T00:00:00Z', '2026-12-07T04:00:00Z', {
      priority: 'P2',
      firstRespondedAt: '2026-12-07T01:00:00Z',
    }),
    // Resolved in November: outside every period measure.
    resolved('r-nov', '2026-11-05T00:00:00Z', '2026-11-06T00:00:00Z', { priority: 'P1' }),
    // Resolved after the period: still open at its end.
    resolved('r-jan', '2026-12-20T00:00:00Z', '2027-01-02T00:00:00Z'),
  ]);
  // SLA clocks: r1 met, r2 breached, r3 has no clocks (not measured by an agreement).
  await applyClocks(db, [
    { ticketId: 'r1', ticketVersion: 1, agreementId: 'sla-1', clocks: [{ state: 'stopped-met' }] },
    { ticketId: 'r2', ticketVersion: 1, agreementId: 'sla-1', clocks: [{ state: 'breached' }] },
  ]);
  for (const [id, score, answeredAt, customerId] of [
    ['s1', 5, '2026-12-05T12:00:00Z', 'acme'],
    ['s2', 4, '2026-12-06T12:00:00Z', 'acme'],
    ['s3', 1, '2026-12-07T12:00:00Z', 'other'],
    ['s4', 2, '2026-11-07T12:00:00Z', 'acme'],
  ] as const) {
    await applyEvent(db, 'SurveyAnswered', {
      surveyId: id,
      ticketId: `t-${id}`,
      number: `INC-${id}`,
      customerId,
      score,
      low: score <= 2,
      answeredAt,
    });
  }
});

afterAll(async () => {
  await db?.destroy();
});

describe('built-in aggregates', () => {
  it('counts tickets created in the period by a dimension, most first', async () => {
    // Act
    const byPriority = await runAggregate(db, { aggregate: 'ticket-counts', dimension: 'priority' }, from, to);
    const byGroup = await runAggregate(db, { aggregate: 'ticket-counts', dimension: 'group' }, from, to);
    // Assess: r-nov and open-nov were created in November.
    expect(byPriority.value).toBe(6);
    expect(byPriority.table.rows).toEqual([
      ['P1', 3],
      ['P3', 2],
      ['P2', 1],
    ]);
    expect(byGroup.table.rows).toContainEqual(['network', 1]);
    expect(byGroup.table.rows).toContainEqual(['(none)', 5]);
  });

  it('scopes to the agreed customer', async () => {
    const counts = await runAggregate(db, { aggregate: 'ticket-counts', customerId: 'acme' }, from, to);
    expect(counts.value).toBe(2);
  });

  it('measures the backlog at the period end by age', async () => {
    // Act
    const b = await runAggregate(db, { aggregate: 'backlog' }, from, to);
    // Assess: open-old (29.6 days), open-new (0.5 days), open-nov (61 days), r-jan (12 days at period end).
    expect(b.value).toBe(4);
    expect(b.table.rows).toEqual([
      ['under 1 day', 1],
      ['1-3 days', 0],
      ['3-7 days', 0],
      ['7-30 days', 2],
      ['30 days or more', 1],
    ]);
  });

  it('averages the time to resolve by priority over tickets resolved in the period', async () => {
    const m = await runAggregate(db, { aggregate: 'mean-time-to-resolve' }, from, to);
    expect(m.table.rows).toEqual([
      ['P1', 2, 6],
      ['P2', 1, 4],
    ]);
    // (2 + 10 + 4) / 3
    expect(m.value).toBe(5.33);
    expect(m.basis).toBe(3);
  });

  it('computes SLA compliance over tickets with clocks only', async () => {
    const s = await runAggregate(db, { aggregate: 'sla-compliance' }, from, to);
    expect(s.basis).toBe(2);
    expect(s.value).toBe(50);
  });

  it('computes the reopen rate and first-contact resolution over tickets resolved in the period', async () => {
    const reopen = await runAggregate(db, { aggregate: 'reopen-rate' }, from, to);
    const fcr = await runAggregate(db, { aggregate: 'first-contact-resolution' }, from, to);
    expect(reopen.value).toBe(33.3);
    // Only r1: r2 was reopened, r3 had an earlier reply.
    expect(fcr.value).toBe(33.3);
    expect(fcr.table.rows).toEqual([
      ['P1', 2, 1, 50],
      ['P2', 1, 0, 0],
    ]);
  });

  it('averages satisfaction from survey answers in the period, per customer when scoped', async () => {
    const all = await runAggregate(db, { aggregate: 'satisfaction' }, from, to);
    const acme = await runAggregate(db, { aggregate: 'satisfaction', customerId: 'acme' }, from, to);
    expect(all.value).toBe(3.33);
    expect(all.basis).toBe(3);
    expect(acme.value).toBe(4.5);
    expect(all.table.rows[0]).toEqual([1, 1, 33.3]);
  });

  it('answers null, not zero, for a period with nothing to measure', async () => {
    const empty = await runAggregate(
      db,
      { aggregate: 'sla-compliance' },
      new Date('2025-01-01T00:00:00Z'),
      new Date('2025-02-01T00:00:00Z'),
    );
    expect(empty.value).toBeNull();
    expect(empty.basis).toBe(0);
  });
});

describe('report content', () => {
  const december = { from: from.getTime(), to: to.getTime(), label: '2026-12' };

  it('runs a saved search over the period, with the agreed customer scope winning over the filters', async () => {
    // Act: the filters ask for another customer; the report is agreed with acme.
    const scoped = await produceContent(
      db,
      { kind: 'search', filters: { customerId: 'globex' }, periodField: 'created', customerId: 'acme' },
      december,
    );
    const resolvedInPeriod = await produceContent(
      db,
      { kind: 'search', filters: { priority: 'P1' }, periodField: 'resolved' },
      december,
    );
    // Assess: acme's December tickets (open-old, r1); P1 resolved in December (r1, r2; not r-nov).
    expect(scoped.table.rows.map((r) => r[0]).sort()).toEqual(['INC-1001', 'INC-1004'].sort());
    expect(resolvedInPeriod.table.rows.map((r) => r[0]).sort()).toEqual(['INC-1004', 'INC-1005']);
    expect(scoped.truncated).toBe(false);
  });

  it('renders an aggregate with its figure, and CSV only when the format asks for it', async () => {
    // Act
    const produced = await produceContent(db, { kind: 'aggregate', aggregate: 'sla-compliance' }, december);
    const both = render('RPT-1 SLA', december, produced, ['csv', 'html'], '/v1/reports/RPT-1/runs/x/csv');
    const htmlOnly = render('RPT-1 SLA', december, produced, ['html']);
    // Assess
    expect(produced.value).toBe(50);
    expect(both.csv?.split('\r\n')[0]).toBe('priority,resolved,met SLA,percent');
    expect(both.html).toContain('50 percent');
    expect(both.text).toContain('CSV: /v1/reports/RPT-1/runs/x/csv');
    expect(htmlOnly.csv).toBeUndefined();
  });
});
