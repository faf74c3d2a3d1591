import { describe, expect, it } from 'vitest';
import {
  type BlackoutWindow,
  blackoutConflicts,
  changeConflicts,
  daysCovered,
  type MaintenanceWindow,
  maintenanceConflicts,
  occurrences,
  overlaps,
  type ScheduledChange,
  windowProblem,
  withinRecurrence,
  zonedToInstant,
} from '../domain/schedule';

const change = (over: Partial<ScheduledChange> = {}): ScheduledChange => ({
  changeId: 'c1',
  number: 'CHG-1',
  start: '2026-12-10T20:00:00Z',
  end: '2026-12-10T22:00:00Z',
  ciIds: ['switch'],
  serviceIds: ['network'],
  ...over,
});

describe('windows', () => {
  it('overlap is half-open: touching windows do not overlap', () => {
    const a = { start: '2026-12-10T20:00:00Z', end: '2026-12-10T22:00:00Z' };

    expect(overlaps(a, { start: '2026-12-10T22:00:00Z', end: '2026-12-10T23:00:00Z' })).toBe(false);
    expect(overlaps(a, { start: '2026-12-10T19:00:00Z', end: '2026-12-10T20:00:00Z' })).toBe(false);
    expect(overlaps(a, { start: '2026-12-10T21:59:59Z', end: '2026-12-10T23:00:00Z' })).toBe(true);
    expect(overlaps(a, { start: '2026-12-10T20:30:00Z', end: '2026-12-10T21:00:00Z' })).toBe(true);
    expect(overlaps({ start: '2026-12-10T20:30:00Z', end: '2026-12-10T21:00:00Z' }, a)).toBe(true);
  });

  it('covers the UTC days from its start to its last instant, whatever the offset it was written in', () => {
    expect(daysCovered({ start: '2026-12-10T20:00:00Z', end: '2026-12-10T22:00:00Z' })).toEqual(['2026-12-10']);
    expect(daysCovered({ start: '2026-12-10T22:00:00Z', end: '2026-12-11T00:00:00Z' })).toEqual(['2026-12-10']);
    expect(daysCovered({ start: '2026-12-10T23:00:00Z', end: '2026-12-11T00:00:01Z' })).toEqual([
      '2026-12-10',
      '2026-12-11',
    ]);
    // 00:30 in Berlin on the 11th is 23:30 UTC on the 10th.
    expect(daysCovered({ start: '2026-12-11T00:30:00+01:00', end: '2026-12-11T02:00:00+01:00' })).toEqual([
      '2026-12-10',
      '2026-12-11',
    ]);
    expect(daysCovered({ start: '2026-12-30T12:00:00Z', end: '2027-01-02T12:00:00Z' })).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
  });

  it('refuses empty, reversed and over-long windows; 14 days is the most', () => {
    expect(windowProblem({ start: '2026-12-10T20:00:00Z', end: '2026-12-10T20:00:00Z' })).toMatch(/after/);
    expect(windowProblem({ start: '2026-12-10T20:00:00Z', end: '2026-12-10T19:00:00Z' })).toMatch(/after/);
    expect(windowProblem({ start: 'soon', end: '2026-12-10T19:00:00Z' })).toMatch(/ISO/);
    const fourteen = { start: '2026-12-01T00:00:00Z', end: '2026-12-15T00:00:00Z' };
    expect(windowProblem(fourteen)).toBeUndefined();
    expect(daysCovered(fourteen)).toHaveLength(14);
    expect(windowProblem({ start: '2026-12-01T00:00:00Z', end: '2026-12-15T00:00:01Z' })).toMatch(/14 days/);
    expect(daysCovered({ start: '2026-12-01T00:30:00Z', end: '2026-12-15T00:30:00Z' })).toHaveLength(15);
  });
});

describe('weekly maintenance windows across daylight saving time (Europe/Berlin)', () => {
  const berlin = (days: MaintenanceWindow['days'], start: string, durationMinutes: number) => ({
    days,
    start,
    durationMinutes,
    timeZone: 'Europe/Berlin',
  });
  const local = (s: string) => Date.parse(`${s}Z`);

  it('turns local times into instants with the offset in force, and resolves gaps and repeats', () => {
    expect(new Date(zonedToInstant(local('2026-01-15T22:00:00'), 'Europe/Berlin')).toISOString()).toBe(
      '2026-01-15T21:00:00.000Z',
    );
    expect(new Date(zonedToInstant(local('2026-07-15T22:00:00'), 'Europe/Berlin')).toISOString()).toBe(
      '2026-07-15T20:00:00.000Z',
    );
    // 2026-03-29 02:30 does not exist in Berlin (02:00 CET -> 03:00 CEST): it becomes 03:30 CEST.
    expect(new Date(zonedToInstant(local('2026-03-29T02:30:00'), 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    // 2026-10-25 02:30 happens twice (03:00 CEST -> 02:00 CET): the first one, in CEST.
    expect(new Date(zonedToInstant(local('2026-10-25T02:30:00'), 'Europe/Berlin')).toISOString()).toBe(
      '2026-10-25T00:30:00.000Z',
    );
  });

  it('every night of the week of the spring change starts at 22:00 local time', () => {
    const nightly = berlin(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], '22:00', 240);

    const week = occurrences(nightly, Date.parse('2026-03-25T12:00:00Z'), Date.parse('2026-04-01T12:00:00Z'));

    expect(week.map((o) => o.start)).toEqual([
      '2026-03-25T21:00:00.000Z',
      '2026-03-26T21:00:00.000Z',
      '2026-03-27T21:00:00.000Z',
      '2026-03-28T21:00:00.000Z',
      // From Sunday the 29th, CEST: 22:00 is 20:00 UTC.
      '2026-03-29T20:00:00.000Z',
      '2026-03-30T20:00:00.000Z',
      '2026-03-31T20:00:00.000Z',
    ]);
    expect(week.every((o) => Date.parse(o.end) - Date.parse(o.start) === 240 * 60_000)).toBe(true);
  });

  it('every night of the week of the autumn change starts at 22:00 local time', () => {
    const nightly = berlin(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], '22:00', 240);

    const week = occurrences(nightly, Date.parse('2026-10-21T12:00:00Z'), Date.parse('2026-10-28T12:00:00Z'));

    expect(week.map((o) => o.start)).toEqual([
      '2026-10-21T20:00:00.000Z',
      '2026-10-22T20:00:00.000Z',
      '2026-10-23T20:00:00.000Z',
      '2026-10-24T20:00:00.000Z',
      // From Sunday the 25th, CET: 22:00 is 21:00 UTC.
      '2026-10-25T21:00:00.000Z',
      '2026-10-26T21:00:00.000Z',
      '2026-10-27T21:00:00.000Z',
    ]);
  });

  it('contains a change only inside one occurrence, before and after each change of the clocks', () => {
    const sundays = berlin(['sun'], '01:00', 240);
    // Spring: Sunday 2026-03-29 01:00 CET = 00:00 UTC, 4 elapsed hours to 04:00 UTC (06:00 CEST).
    expect(withinRecurrence(sundays, { start: '2026-03-29T00:00:00Z', end: '2026-03-29T04:00:00Z' })).toBe(true);
    expect(withinRecurrence(sundays, { start: '2026-03-29T00:00:00Z', end: '2026-03-29T04:00:01Z' })).toBe(false);
    // A week before, still CET: the same local time.
    expect(withinRecurrence(sundays, { start: '2026-03-22T00:00:00Z', end: '2026-03-22T04:00:00Z' })).toBe(true);
    // A week after, CEST: 01:00 local is 23:00 UTC on Saturday.
    expect(withinRecurrence(sundays, { start: '2026-04-04T23:00:00Z', end: '2026-04-05T03:00:00Z' })).toBe(true);
    expect(withinRecurrence(sundays, { start: '2026-04-05T00:00:00Z', end: '2026-04-05T03:30:00Z' })).toBe(false);
    // Autumn: Sunday 2026-10-25 01:00 CEST = 23:00 UTC on the 24th.
    expect(withinRecurrence(sundays, { start: '2026-10-24T23:00:00Z', end: '2026-10-25T03:00:00Z' })).toBe(true);
    expect(withinRecurrence(sundays, { start: '2026-10-24T22:59:00Z', end: '2026-10-25T01:00:00Z' })).toBe(false);
    // The week after, CET: 01:00 local is 00:00 UTC.
    expect(withinRecurrence(sundays, { start: '2026-11-01T00:00:00Z', end: '2026-11-01T04:00:00Z' })).toBe(true);
    expect(withinRecurrence(sundays, { start: '2026-10-31T23:30:00Z', end: '2026-11-01T01:00:00Z' })).toBe(false);
    // Not on another day.
    expect(withinRecurrence(sundays, { start: '2026-10-27T00:00:00Z', end: '2026-10-27T01:00:00Z' })).toBe(false);
  });

  it('holds a window that began the local day before (past midnight)', () => {
    const saturdayNight = berlin(['sat'], '23:00', 300);

    expect(withinRecurrence(saturdayNight, { start: '2026-12-13T01:00:00Z', end: '2026-12-13T03:00:00Z' })).toBe(true);
    expect(withinRecurrence(saturdayNight, { start: '2026-12-13T03:00:00Z', end: '2026-12-13T04:30:00Z' })).toBe(false);
  });
});

describe('conflicts', () => {
  it('finds the same CI, a related CI with its depth and the same service only when windows overlap', () => {
    const mine = change({ ciIds: ['switch'], serviceIds: ['network'] });
    const other = change({
      changeId: 'c2',
      number: 'CHG-2',
      start: '2026-12-10T21:00:00Z',
      end: '2026-12-10T23:00:00Z',
      ciIds: ['switch', 'server-7', 'printer'],
      serviceIds: ['network', 'mail'],
    });
    const related = new Map([['server-7', 2]]);

    const found = changeConflicts(mine, other, related);

    expect(found).toEqual([
      {
        kind: 'same-ci',
        changeId: 'c2',
        number: 'CHG-2',
        ciId: 'switch',
        depth: 0,
        start: other.start,
        end: other.end,
      },
      {
        kind: 'related-ci',
        changeId: 'c2',
        number: 'CHG-2',
        ciId: 'server-7',
        depth: 2,
        start: other.start,
        end: other.end,
      },
      {
        kind: 'same-service',
        changeId: 'c2',
        number: 'CHG-2',
        serviceId: 'network',
        start: other.start,
        end: other.end,
      },
    ]);
    expect(changeConflicts(mine, { ...other, start: '2026-12-10T22:00:00Z' }, related)).toEqual([]);
    expect(changeConflicts(mine, { ...mine }, related)).toEqual([]);
  });

  it('meets a global blackout, and a scoped one only on its own services or CIs', () => {
    const mine = change();
    const freeze: BlackoutWindow = {
      windowId: 'b1',
      name: 'Year-end freeze',
      start: '2026-12-10T00:00:00Z',
      end: '2026-12-11T00:00:00Z',
      serviceIds: [],
      ciIds: [],
    };

    expect(blackoutConflicts(mine, freeze)).toEqual([
      { kind: 'blackout', windowId: 'b1', title: 'Year-end freeze', start: freeze.start, end: freeze.end },
    ]);
    expect(blackoutConflicts(mine, { ...freeze, serviceIds: ['mail'] })).toEqual([]);
    expect(blackoutConflicts(mine, { ...freeze, ciIds: ['switch'] })).toMatchObject([
      { kind: 'blackout', ciId: 'switch' },
    ]);
    expect(blackoutConflicts(mine, { ...freeze, serviceIds: ['network'] })).toMatchObject([
      { kind: 'blackout', serviceId: 'network' },
    ]);
    expect(blackoutConflicts(mine, { ...freeze, end: '2026-12-10T20:00:00Z' })).toEqual([]);
  });

  it('is outside the maintenance windows of a CI or service only when it has some and none holds the change', () => {
    const mine = change({ start: '2026-12-12T22:00:00Z', end: '2026-12-13T00:00:00Z' }); // Saturday 23:00-01:00 CET
    const saturday: MaintenanceWindow = {
      windowId: 'm1',
      name: 'Saturday night',
      ciId: 'switch',
      days: ['sat'],
      start: '23:00',
      durationMinutes: 180,
      timeZone: 'Europe/Berlin',
    };
    const tuesday: MaintenanceWindow = { ...saturday, windowId: 'm2', name: 'Tuesday', days: ['tue'] };

    expect(maintenanceConflicts(mine, [saturday])).toEqual([]);
    expect(maintenanceConflicts(mine, [])).toEqual([]);
    expect(maintenanceConflicts(mine, [tuesday, saturday])).toEqual([]);
    expect(maintenanceConflicts(mine, [tuesday])).toEqual([
      {
        kind: 'outside-maintenance-window',
        ciId: 'switch',
        windowId: 'm2',
        title: 'Tuesday',
        start: mine.start,
        end: mine.end,
      },
    ]);
    const forService = { ...tuesday, ciId: undefined, serviceId: 'network' };
    expect(maintenanceConflicts(mine, [forService])).toMatchObject([
      { kind: 'outside-maintenance-window', serviceId: 'network' },
    ]);
    expect(maintenanceConflicts(mine, [{ ...forService, serviceId: 'mail' }])).toEqual([]);
  });
});
