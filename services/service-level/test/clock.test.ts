import { describe, expect, it } from 'vitest';
import { ClockError, evaluateClocks, type TimelineEvent, validateClockConfig } from '../domain/clock';
import { nextDueMoment } from '../domain/next-due';
import { outcomesOf } from '../domain/ticket-clocks';
import { config, created, priority, responded, sla, slas, status, z } from './fixtures';

const evaluate = (timeline: TimelineEvent[], now: string) => evaluateClocks({ timeline, slas, config, now });

describe('pending (glpi #1912, #17186, #10594)', () => {
  it('never counts pending time and reports it apart', () => {
    // Prepare
    const timeline = [
      created('2026-03-02T09:00:00+01:00', 'P2', 'office'),
      status('2026-03-02T10:00:00+01:00', 'pending'),
      status('2026-03-02T13:00:00+01:00', 'in-progress'),
    ];
    // Act
    const { resolution } = evaluate(timeline, '2026-03-02T15:00:00+01:00').clocks;
    // Assess
    expect(resolution).toMatchObject({ state: 'running', targetMinutes: 480, elapsedMinutes: 180, pausedMinutes: 180 });
    expect(resolution.remainingMinutes).toBe(300);
    expect(resolution.deadline).toBe(z('2026-03-03T12:00:00+01:00'));
    expect(resolution.explanation.map((e) => [e.status, e.counted, e.businessMinutes])).toEqual([
      ['in-progress', true, 60],
      ['pending', false, 180],
      ['in-progress', true, 120],
    ]);
  });

  it('counts pending over a weekend as paused business time only', () => {
    const timeline = [
      created('2026-03-06T15:00:00+01:00', 'P2', 'office'),
      status('2026-03-06T16:00:00+01:00', 'pending'),
      status('2026-03-09T10:00:00+01:00', 'in-progress'),
    ];
    const { resolution } = evaluate(timeline, '2026-03-09T11:00:00+01:00').clocks;
    expect(resolution).toMatchObject({ elapsedMinutes: 120, pausedMinutes: 120 });
    expect(resolution.deadline).toBe(z('2026-03-09T17:00:00+01:00'));
  });

  it('keeps deadline and timer apart: no deadline while paused, the timer frozen, the deadline moved on resume', () => {
    const start = [created('2026-03-02T09:00:00+01:00', 'P2', 'office')];
    const before = evaluate(start, '2026-03-02T10:00:00+01:00').clocks.resolution;
    const paused = [...start, status('2026-03-02T10:00:00+01:00', 'pending')];
    const during = evaluate(paused, '2026-03-02T12:00:00+01:00').clocks.resolution;
    const after = evaluate([...paused, status('2026-03-02T12:00:00+01:00', 'in-progress')], '2026-03-02T12:00:00+01:00')
      .clocks.resolution;

    expect(before.deadline).toBe(z('2026-03-02T17:00:00+01:00'));
    expect(during).toMatchObject({ state: 'paused', remainingMinutes: 420, elapsedMinutes: 60 });
    expect(during.deadline).toBeUndefined();
    expect(after.remainingMinutes).toBe(420);
    expect(after.deadline).toBe(z('2026-03-03T11:00:00+01:00'));
  });
});

describe('priority and SLA changes (glpi #6902, #15605)', () => {
  it('keeps a breach counted when the priority is later lowered to one without a target (issue 7 §4)', () => {
    // Prepare: P1 breaches both clocks (first response 09:30, resolution 13:00), then the
    // priority drops to P5, which has no target, and the ticket is resolved.
    const timeline = [
      created('2026-03-02T09:00:00+01:00', 'P1', 'office'),
      priority('2026-03-02T14:00:00+01:00', 'P5'),
      status('2026-03-02T15:00:00+01:00', 'resolved'),
    ];
    // Act
    const evaluation = evaluate(timeline, '2026-03-02T16:00:00+01:00');
    // Assess: both clocks stay breached, and the compliance outcomes count them.
    expect(evaluation.clocks['first-response']).toMatchObject({
      state: 'breached',
      breachedAt: z('2026-03-02T09:30:00+01:00'),
    });
    expect(evaluation.clocks.resolution).toMatchObject({
      state: 'breached',
      breachedAt: z('2026-03-02T13:00:00+01:00'),
    });
    expect(outcomesOf(evaluation, 'SLA-1').map((o) => [o.clock, o.outcome, o.period])).toEqual([
      ['first-response', 'breached', '2026-03'],
      ['resolution', 'breached', '2026-03'],
    ]);
  });

  it('recomputes targets from a priority raised while pending, keeping elapsed and paused time', () => {
    const timeline = [
      created('2026-03-02T09:00:00+01:00', 'P3', 'office'),
      status('2026-03-02T11:00:00+01:00', 'pending'),
      priority('2026-03-02T12:00:00+01:00', 'P1'),
      status('2026-03-02T14:00:00+01:00', 'in-progress'),
    ];
    const { resolution } = evaluate(timeline, '2026-03-02T14:30:00+01:00').clocks;
    expect(resolution).toMatchObject({ state: 'running', targetMinutes: 240, elapsedMinutes: 150, pausedMinutes: 180 });
    expect(resolution.deadline).toBe(z('2026-03-02T16:00:00+01:00'));
    expect(resolution.warnAt).toBe(z('2026-03-02T15:00:00+01:00'));
  });

  it('breaches at the resume, not retroactively, when the raised target is already used up', () => {
    const timeline = [
      created('2026-03-02T09:00:00+01:00', 'P3', 'office'),
      status('2026-03-02T14:00:00+01:00', 'pending'),
      priority('2026-03-02T15:00:00+01:00', 'P1'),
      status('2026-03-02T16:00:00+01:00', 'in-progress'),
    ];
    const { resolution } = evaluate(timeline, '2026-03-02T16:30:00+01:00').clocks;
    expect(resolution).toMatchObject({ state: 'breached', elapsedMinutes: 330, remainingMinutes: -90 });
    expect(resolution.breachedAt).toBe(z('2026-03-02T16:00:00+01:00'));
  });

  it('applies a replacing SLA from the change onward; time before it stays measured in the old calendar', () => {
    const timeline = [
      created('2026-03-06T16:00:00+01:00', 'P3', 'office'),
      sla('2026-03-09T10:00:00+01:00', 'round-the-clock'),
    ];
    const { resolution } = evaluate(timeline, '2026-03-09T13:00:00+01:00').clocks;
    // Friday 16-17 and Monday 9-10 in office hours (not the 66 wall-clock hours), then 3 hours 24x7.
    expect(resolution).toMatchObject({ state: 'running', targetMinutes: 480, elapsedMinutes: 300 });
    expect(resolution.deadline).toBe(z('2026-03-09T16:00:00+01:00'));
    expect(resolution.explanation.map((e) => [e.slaId, e.businessMinutes])).toEqual([
      ['office', 120],
      ['round-the-clock', 180],
    ]);
  });

  it('counts nothing while no SLA is in force and says so', () => {
    const timeline: TimelineEvent[] = [{ at: '2026-03-02T09:00:00+01:00', kind: 'created', priority: 'P2' }];
    const { resolution } = evaluate(timeline, '2026-03-02T12:00:00+01:00').clocks;
    expect(resolution).toMatchObject({ state: 'not-applicable', elapsedMinutes: 0 });
    expect(resolution.explanation[0]).toMatchObject({ phase: 'no-sla', counted: false });
  });
});

describe('reopen (glpi #23359)', () => {
  it('continues the clock after a reopen; resolved time counts neither as elapsed nor as pending', () => {
    const timeline = [
      created('2026-03-02T09:00:00+01:00', 'P2', 'office'),
      status('2026-03-02T11:00:00+01:00', 'resolved'),
      status('2026-03-03T10:00:00+01:00', 'in-progress'),
    ];
    const whileResolved = evaluate(timeline.slice(0, 2), '2026-03-02T12:00:00+01:00').clocks.resolution;
    const reopened = evaluate(timeline, '2026-03-03T12:00:00+01:00').clocks.resolution;

    expect(whileResolved).toMatchObject({ state: 'met', metAt: z('2026-03-02T11:00:00+01:00'), elapsedMinutes: 120 });
    expect(reopened).toMatchObject({ state: 'running', elapsedMinutes: 240, pausedMinutes: 0 });
    expect(reopened.metAt).toBeUndefined();
    expect(reopened.deadline).toBe(z('2026-03-03T16:00:00+01:00'));
    expect(reopened.explanation[1]).toMatchObject({
      status: 'resolved',
      phase: 'stopped',
      counted: false,
      businessMinutes: 420,
    });
  });

  it('keeps the first response met after a reopen', () => {
    const timeline = [
      created('2026-03-02T09:00:00+01:00', 'P2', 'office'),
      responded('2026-03-02T09:20:00+01:00'),
      status('2026-03-02T11:00:00+01:00', 'resolved'),
      status('2026-03-03T10:00:00+01:00', 'in-progress'),
    ];
    const clock = evaluate(timeline, '2026-03-03T12:00:00+01:00').clocks['first-response'];
    expect(clock).toMatchObject({ state: 'met', metAt: z('2026-03-02T09:20:00+01:00'), elapsedMinutes: 20 });
  });
});

describe('calendar edges inside the clock', () => {
  it.each(['round-the-clock', 'all-days'])(
    'runs across midnight on a 24x7 SLA without losing a minute (%s)',
    (slaId) => {
      const timeline = [created('2026-03-02T23:50:00+01:00', 'P1', slaId)];
      const { resolution, 'first-response': first } = evaluate(timeline, '2026-03-03T00:10:00+01:00').clocks;
      expect(resolution.elapsedMinutes).toBe(20);
      expect(first).toMatchObject({ state: 'breached', breachedAt: z('2026-03-03T00:05:00+01:00') });
    },
  );

  it('skips a holiday in the middle', () => {
    const timeline = [created('2026-04-02T15:00:00+02:00', 'P2', 'office')];
    const { resolution } = evaluate(timeline, '2026-04-02T15:00:00+02:00').clocks;
    expect(resolution.deadline).toBe(z('2026-04-06T15:00:00+02:00'));
    const later = evaluate(timeline, '2026-04-06T10:00:00+02:00').clocks.resolution;
    expect(later.elapsedMinutes).toBe(180);
  });

  it.each([
    ['Berlin spring, 24x7', 'round-the-clock', '2026-03-29T00:00:00+01:00', 'P3', '2026-03-29T09:00:00+02:00'],
    ['Berlin autumn, 24x7', 'round-the-clock', '2026-10-25T00:00:00+02:00', 'P3', '2026-10-25T07:00:00+01:00'],
    ['Berlin spring, office', 'office', '2026-03-27T17:00:00+01:00', 'P2', '2026-03-30T17:00:00+02:00'],
    ['Berlin autumn, office', 'office', '2026-10-23T17:00:00+02:00', 'P2', '2026-10-26T17:00:00+01:00'],
    ['New York spring, office', 'office-ny', '2026-03-06T16:00:00-05:00', 'P2', '2026-03-09T16:00:00-04:00'],
    ['New York autumn, office', 'office-ny', '2026-10-30T16:00:00-04:00', 'P2', '2026-11-02T16:00:00-05:00'],
  ])('puts the deadline right across the daylight-saving change (%s)', (_name, slaId, at, p, deadline) => {
    const { resolution } = evaluate([created(at, p, slaId)], at).clocks;
    expect(resolution.deadline).toBe(z(deadline));
  });
});

describe('breach and warning moments', () => {
  const timeline = [created('2026-03-02T10:00:00.000Z', 'P1', 'round-the-clock')];

  it('detects the breach to the millisecond', () => {
    const before = evaluate(timeline, '2026-03-02T11:59:59.999Z').clocks.resolution;
    const at = evaluate(timeline, '2026-03-02T12:00:00.000Z').clocks.resolution;
    expect(before).toMatchObject({ state: 'running', deadline: '2026-03-02T12:00:00.000Z' });
    expect(before.remainingMinutes).toBeCloseTo(1 / 60_000, 12);
    expect(at).toMatchObject({ state: 'breached', breachedAt: '2026-03-02T12:00:00.000Z', remainingMinutes: 0 });
  });

  it('counts a resolution stamped exactly at the deadline as met, one millisecond later as breached', () => {
    const onTime = evaluate([...timeline, status('2026-03-02T12:00:00.000Z', 'resolved')], '2026-03-02T13:00:00Z');
    const late = evaluate([...timeline, status('2026-03-02T12:00:00.001Z', 'resolved')], '2026-03-02T13:00:00Z');
    expect(onTime.clocks.resolution).toMatchObject({ state: 'met', metAt: '2026-03-02T12:00:00.000Z' });
    expect(late.clocks.resolution).toMatchObject({
      state: 'breached',
      breachedAt: '2026-03-02T12:00:00.000Z',
      stoppedAt: '2026-03-02T12:00:00.001Z',
    });
  });

  it('warns at the default share (75%) and at a configured one, inside business hours', () => {
    const byDefault = evaluate(timeline, '2026-03-02T10:00:00Z').clocks.resolution;
    const half = evaluate([created('2026-03-02T16:00:00+01:00', 'P2', 'office-half')], '2026-03-02T16:00:00+01:00')
      .clocks.resolution;
    expect(byDefault.warnAt).toBe('2026-03-02T11:30:00.000Z');
    expect(half.warnAt).toBe(z('2026-03-03T12:00:00+01:00'));
  });

  it('ends a clock unmet when it stops without fulfilment, and marks a priority without target not applicable', () => {
    const cancelled = [
      created('2026-03-02T09:00:00+01:00', 'P2', 'office'),
      status('2026-03-02T09:10:00+01:00', 'cancelled'),
    ];
    const noTarget = [created('2026-03-02T09:00:00+01:00', 'P4', 'office')];
    expect(evaluate(cancelled, '2026-03-02T12:00:00+01:00').clocks['first-response']).toMatchObject({
      state: 'stopped-unmet',
      stoppedAt: z('2026-03-02T09:10:00+01:00'),
    });
    expect(evaluate(noTarget, '2026-03-02T12:00:00+01:00').clocks['first-response'].state).toBe('not-applicable');
  });
});

describe('next due moment (schedule, never scan)', () => {
  const start = created('2026-03-02T09:00:00+01:00', 'P2', 'office');

  it('is the earliest warning or breach of the running clocks', () => {
    const fresh = nextDueMoment(evaluate([start], '2026-03-02T09:00:00+01:00'));
    const answered = nextDueMoment(
      evaluate([start, responded('2026-03-02T09:30:00+01:00')], '2026-03-02T09:30:00+01:00'),
    );
    const warned = nextDueMoment(evaluate([start], '2026-03-02T09:50:00+01:00'));
    expect(fresh).toEqual({ at: z('2026-03-02T09:45:00+01:00'), clock: 'first-response', kind: 'warning' });
    expect(answered).toEqual({ at: z('2026-03-02T15:00:00+01:00'), clock: 'resolution', kind: 'warning' });
    expect(warned).toEqual({ at: z('2026-03-02T10:00:00+01:00'), clock: 'first-response', kind: 'breach' });
  });

  it('is none while every clock is paused or done', () => {
    const pending = [start, responded('2026-03-02T09:10:00+01:00'), status('2026-03-02T09:20:00+01:00', 'pending')];
    expect(nextDueMoment(evaluate(pending, '2026-03-02T10:00:00+01:00'))).toBeUndefined();
  });

  it('falls inside business hours, never at midnight or at the weekend (zammad #4432)', () => {
    const friday = [created('2026-03-06T16:30:00+01:00', 'P2', 'office'), responded('2026-03-06T16:35:00+01:00')];
    expect(nextDueMoment(evaluate(friday, '2026-03-06T16:40:00+01:00'))).toEqual({
      at: z('2026-03-09T14:30:00+01:00'),
      clock: 'resolution',
      kind: 'warning',
    });
  });
});

describe('input checks', () => {
  it('rejects a timeline without a created event and an unknown SLA, with stable codes', () => {
    expect(() => evaluate([status('2026-03-02T09:00:00Z', 'new')], '2026-03-02T10:00:00Z')).toThrow(
      expect.objectContaining({ code: 'invalid-timeline' }),
    );
    expect(() => evaluate([created('2026-03-02T09:00:00Z', 'P2', 'gold')], '2026-03-02T10:00:00Z')).toThrow(ClockError);
  });

  it('reports status sets that overlap and completions that do not stop', () => {
    const bad = {
      ...config,
      resolution: { running: ['new'], paused: ['new'], stopped: ['closed'], completes: ['resolved'] },
    };
    expect(validateClockConfig(config)).toEqual([]);
    expect(validateClockConfig(bad)).toEqual([
      { field: 'resolution.paused', message: 'status new is also in running' },
      { field: 'resolution.completes', message: 'status resolved is not a stopped status' },
    ]);
  });
});

describe('changes judged at the moment they happen', () => {
  it('breaches at the change when a priority raised while running leaves no time', () => {
    // Prepare: 5 business hours on P3 (24 h target), then raised to P1 (4 h target) while running.
    const timeline = [
      created('2026-03-02T09:00:00+01:00', 'P3', 'office'),
      priority('2026-03-02T14:00:00+01:00', 'P1'),
    ];
    // Act
    const { resolution } = evaluate(timeline, '2026-03-02T14:01:00+01:00').clocks;
    // Assess
    expect(resolution).toMatchObject({
      state: 'breached',
      breachedAt: z('2026-03-02T14:00:00+01:00'),
      targetMinutes: 240,
    });
  });

  it('keeps a breach on record when the priority is lowered afterwards', () => {
    const timeline = [
      created('2026-03-02T09:00:00+01:00', 'P1', 'office'),
      priority('2026-03-02T14:00:00+01:00', 'P3'),
      status('2026-03-02T15:00:00+01:00', 'resolved'),
    ];
    const { resolution } = evaluate(timeline, '2026-03-02T16:00:00+01:00').clocks;
    expect(resolution).toMatchObject({
      state: 'breached',
      breachedAt: z('2026-03-02T13:00:00+01:00'),
      stoppedAt: z('2026-03-02T15:00:00+01:00'),
      remainingMinutes: 1080,
    });
  });

  it('dates a first response given before the SLA was attached at the response itself', () => {
    const timeline: TimelineEvent[] = [
      { at: '2026-03-02T09:00:00+01:00', kind: 'created', status: 'new', priority: 'P2' },
      responded('2026-03-02T09:10:00+01:00'),
      sla('2026-03-02T09:30:00+01:00', 'office'),
    ];
    const first = evaluate(timeline, '2026-03-02T10:00:00+01:00').clocks['first-response'];
    expect(first).toMatchObject({ state: 'met', metAt: z('2026-03-02T09:10:00+01:00'), elapsedMinutes: 0 });
  });
});
