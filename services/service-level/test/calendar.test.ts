import { describe, expect, it } from 'vitest';
import {
  addBusinessMillis,
  type BusinessCalendar,
  businessMillisBetween,
  CalendarError,
  daysWorkedOut,
  nextBusinessInstant,
  validateCalendar,
  type WeeklyCalendar,
} from '../domain/calendar';
import { berlin24x7, berlinAllDays, berlinOffice, HOUR, ms, newYorkOffice, weekdays, z } from './fixtures';

describe('business time across days, weekends and holidays', () => {
  it('counts only the windows between Friday afternoon and Monday morning', () => {
    // Prepare
    const from = ms('2026-03-06T16:00:00+01:00');
    const to = ms('2026-03-09T10:00:00+01:00');
    // Act
    const business = businessMillisBetween(berlinOffice, from, to);
    // Assess
    expect(business).toBe(2 * HOUR);
  });

  it('skips a holiday in the middle (Good Friday)', () => {
    const business = businessMillisBetween(
      berlinOffice,
      ms('2026-04-02T16:00:00+02:00'),
      ms('2026-04-06T10:00:00+02:00'),
    );
    expect(business).toBe(2 * HOUR);
  });

  it('honours a lunch break between two windows', () => {
    const split: WeeklyCalendar = {
      ...weekdays('Europe/Berlin'),
      hours: {
        ...weekdays('Europe/Berlin').hours,
        mon: [
          { start: '13:00', end: '17:00' },
          { start: '08:00', end: '12:00' },
        ],
      },
    };
    expect(businessMillisBetween(split, ms('2026-03-02T11:00:00+01:00'), ms('2026-03-02T14:00:00+01:00'))).toBe(
      2 * HOUR,
    );
    expect(addBusinessMillis(split, ms('2026-03-02T11:00:00+01:00'), 2 * HOUR)).toBe(ms('2026-03-02T14:00:00+01:00'));
  });

  it('returns 0 for an empty or inverted range', () => {
    expect(businessMillisBetween(berlinOffice, ms('2026-03-02T10:00:00Z'), ms('2026-03-02T10:00:00Z'))).toBe(0);
    expect(businessMillisBetween(berlinOffice, ms('2026-03-02T11:00:00Z'), ms('2026-03-02T10:00:00Z'))).toBe(0);
  });
});

describe('deadlines', () => {
  it('lands exactly at the end of a window rather than at the next opening', () => {
    const deadline = addBusinessMillis(berlinOffice, ms('2026-03-02T09:00:00+01:00'), 8 * HOUR);
    expect(z(new Date(deadline).toISOString())).toBe(z('2026-03-02T17:00:00+01:00'));
  });

  it('carries over a weekend', () => {
    const deadline = addBusinessMillis(berlinOffice, ms('2026-03-06T16:00:00+01:00'), 2 * HOUR);
    expect(deadline).toBe(ms('2026-03-09T10:00:00+01:00'));
  });

  it('starts counting at the next opening when created outside hours', () => {
    expect(addBusinessMillis(berlinOffice, ms('2026-03-07T12:00:00+01:00'), HOUR)).toBe(
      ms('2026-03-09T10:00:00+01:00'),
    );
    expect(addBusinessMillis(berlinOffice, ms('2026-03-07T12:00:00+01:00'), 0)).toBe(ms('2026-03-07T12:00:00+01:00'));
  });

  it('finds the next business instant for reminders, never at night or at weekends (zammad #4432)', () => {
    expect(nextBusinessInstant(berlinOffice, ms('2026-03-07T00:00:00+01:00'))).toBe(ms('2026-03-09T09:00:00+01:00'));
    expect(nextBusinessInstant(berlinOffice, ms('2026-03-09T10:15:00+01:00'))).toBe(ms('2026-03-09T10:15:00+01:00'));
  });
});

describe('24x7 is really 24x7 (zammad #3180)', () => {
  it.each([
    ['flag', berlin24x7],
    ['weekly 00:00-24:00', berlinAllDays],
  ])('loses no time at midnight (%s)', (_name, cal) => {
    const from = ms('2026-03-02T23:59:30+01:00');
    expect(businessMillisBetween(cal, from, ms('2026-03-03T00:00:30+01:00'))).toBe(60_000);
    expect(addBusinessMillis(cal, from, 60_000)).toBe(ms('2026-03-03T00:00:30+01:00'));
    expect(businessMillisBetween(cal, ms('2026-03-02T00:00:00+01:00'), ms('2026-03-09T00:00:00+01:00'))).toBe(
      168 * HOUR,
    );
  });
});

describe('daylight saving', () => {
  it('keeps a 09:00-17:00 day at 8 hours on the Monday after each Berlin change', () => {
    expect(businessMillisBetween(berlinOffice, ms('2026-03-30T00:00:00+02:00'), ms('2026-03-31T00:00:00+02:00'))).toBe(
      8 * HOUR,
    );
    expect(businessMillisBetween(berlinOffice, ms('2026-10-26T00:00:00+01:00'), ms('2026-10-27T00:00:00+01:00'))).toBe(
      8 * HOUR,
    );
  });

  it('counts the real 23 and 25 hours of the change days in a 24x7 week', () => {
    expect(businessMillisBetween(berlinAllDays, ms('2026-03-29T00:00:00+01:00'), ms('2026-03-30T00:00:00+02:00'))).toBe(
      23 * HOUR,
    );
    expect(businessMillisBetween(berlinAllDays, ms('2026-10-25T00:00:00+02:00'), ms('2026-10-26T00:00:00+01:00'))).toBe(
      25 * HOUR,
    );
  });

  it('carries a Friday deadline over the change in Berlin and New York, on local wall time', () => {
    expect(addBusinessMillis(berlinOffice, ms('2026-03-27T16:00:00+01:00'), 2 * HOUR)).toBe(
      ms('2026-03-30T10:00:00+02:00'),
    );
    expect(addBusinessMillis(berlinOffice, ms('2026-10-23T16:00:00+02:00'), 2 * HOUR)).toBe(
      ms('2026-10-26T10:00:00+01:00'),
    );
    expect(addBusinessMillis(newYorkOffice, ms('2026-03-06T16:00:00-05:00'), 2 * HOUR)).toBe(
      ms('2026-03-09T10:00:00-04:00'),
    );
    expect(addBusinessMillis(newYorkOffice, ms('2026-10-30T16:00:00-04:00'), 2 * HOUR)).toBe(
      ms('2026-11-02T10:00:00-05:00'),
    );
  });

  it('places a window boundary that falls in the gap at the transition, and one in the overlap at its first occurrence', () => {
    const night: WeeklyCalendar = {
      ...weekdays('Europe/Berlin'),
      hours: { ...weekdays('Europe/Berlin').hours, sun: [{ start: '02:30', end: '04:00' }] },
    };
    // 02:30 does not exist on 29 March: the window opens at 03:00 CEST.
    expect(businessMillisBetween(night, ms('2026-03-29T00:00:00+01:00'), ms('2026-03-29T12:00:00+02:00'))).toBe(HOUR);
    // 02:30 happens twice on 25 October: the window opens at the first, so it lasts 2.5 real hours.
    expect(businessMillisBetween(night, ms('2026-10-25T00:00:00+02:00'), ms('2026-10-25T12:00:00+01:00'))).toBe(
      2.5 * HOUR,
    );
  });
});

// Santiago de Chile changes its clocks at midnight itself: the hardest case for day boundaries.
const santiagoOffice = weekdays('America/Santiago');
const santiagoAllDays: WeeklyCalendar = { ...berlinAllDays, timeZone: 'America/Santiago' };

/** Deterministic pseudo-random instant pairs over 2026, crossing every DST change of the year. */
function* instantPairs(count: number): Generator<[number, number]> {
  let seed = 42;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const base = ms('2026-01-01T00:00:00Z');
  for (let i = 0; i < count; i++) {
    const t = base + Math.floor(next() * 360 * 24 * HOUR);
    yield [t, t + Math.floor(next() * 40 * 24 * HOUR)];
  }
}

describe('round trip between the two operations (property check)', () => {
  const calendars: Array<[string, BusinessCalendar]> = [
    ['Berlin office', berlinOffice],
    ['New York office', newYorkOffice],
    ['Berlin all days', berlinAllDays],
    ['Santiago office', santiagoOffice],
    ['Santiago all days', santiagoAllDays],
  ];
  it.each(calendars)(
    'adding the business time between t and u lands on or before u, on the same business instant (%s)',
    (_n, cal) => {
      // Prepare: pairs crossing every DST change of 2026.
      for (const [t, u] of instantPairs(300)) {
        // Act
        const between = businessMillisBetween(cal, t, u);
        const landed = addBusinessMillis(cal, t, between);
        // Assess
        expect(landed).toBeLessThanOrEqual(u);
        expect(businessMillisBetween(cal, t, landed)).toBe(between);
        expect(businessMillisBetween(cal, landed, u)).toBe(0);
      }
    },
  );
});

describe('a calendar open every day counts real time, whatever the zone does at midnight (property check)', () => {
  it.each([
    ['Berlin', berlinAllDays],
    ['Santiago', santiagoAllDays],
  ])('%s', (_n, cal) => {
    for (const [t, u] of instantPairs(200)) {
      expect(businessMillisBetween(cal, t, u)).toBe(u - t);
      expect(addBusinessMillis(cal, t, u - t)).toBe(u);
    }
  });
});

describe('calendar validation', () => {
  it('accepts 24:00 as the end of a day and adjacent windows', () => {
    const cal = weekdays('Europe/Berlin');
    cal.hours.sat = [
      { start: '00:00', end: '12:00' },
      { start: '12:00', end: '24:00' },
    ];
    expect(validateCalendar(cal)).toEqual([]);
  });

  it('names every problem', () => {
    const cal = weekdays('Mars/Olympus_Mons', [{ date: '2026-02-30' }]);
    cal.hours.mon = [
      { start: '09:00', end: '12:00' },
      { start: '11:00', end: '13:00' },
    ];
    cal.hours.tue = [{ start: '17:00', end: '09:00' }];
    cal.hours.wed = [{ start: '24:00', end: '24:00' }];
    expect(validateCalendar(cal)).toEqual([
      { field: 'timeZone', message: 'must be an IANA time zone, e.g. Europe/Berlin' },
      { field: 'holidays.0.date', message: 'must be YYYY-MM-DD' },
      { field: 'hours.mon.1', message: 'overlaps window 0' },
      { field: 'hours.tue.0.end', message: 'must be after start' },
      { field: 'hours.wed.0.start', message: 'must be HH:MM (00:00-23:59)' },
    ]);
  });

  it('refuses a calendar that never opens, before any arithmetic', () => {
    const closed: WeeklyCalendar = {
      timeZone: 'UTC',
      hours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
      holidays: [],
    };
    expect(validateCalendar(closed)).toEqual([{ field: 'hours', message: 'must open at least once a week' }]);
    expect(() => addBusinessMillis(closed, 0, HOUR)).toThrow(CalendarError);
  });
});

describe('speed', () => {
  it('computes a 720-business-hour deadline (90 working days, 123 calendar days) by walking days, not minutes', () => {
    // Prepare: a fresh calendar, so nothing is memoised yet.
    const cal = weekdays('Europe/Berlin');
    const start = ms('2026-03-02T09:00:00+01:00');
    // Act
    const deadline = addBusinessMillis(cal, start, 720 * HOUR);
    // Assess: the work is counted, not timed (timed assertions flake on a loaded machine): the
    // calendar worked out the 124 days from 2 March to 3 July once each, nothing per minute.
    expect(deadline).toBe(ms('2026-07-03T17:00:00+02:00'));
    expect(daysWorkedOut(cal)).toBe(124);
  });
});
