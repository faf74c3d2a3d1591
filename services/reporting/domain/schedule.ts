/**
 * When a report or KPI runs and which period it covers (FitSM PR3.1: a report's frequency is part
 * of its specification). A frequency is a wall-clock time in an IANA time zone, so "every Monday at
 * 08:00 Europe/Berlin" stays at 08:00 local across daylight-saving changes; the arithmetic below
 * turns it into UTC instants with the runtime's own time zone data (Intl), no library.
 *
 * Wall times that do not exist (the hour skipped when clocks go forward) run at the same wall
 * time under the offset before the change (02:30 becomes 03:30); wall times that happen twice
 * (clocks going back) run at the first of the two. Monthly days past a month's end run on its
 * last day (31 in February is the 28th or 29th).
 */
import { isTimeZone, wallFieldsAt, zonedToInstant } from '../../../shared/kit/zones';

export { isTimeZone };
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type Frequency =
  | { every: 'daily'; at: string; timeZone: string }
  | { every: 'weekly'; weekday: Weekday; at: string; timeZone: string }
  | { every: 'monthly'; day: number; at: string; timeZone: string };

/** A reporting period: from (inclusive) to (exclusive), UTC instants in ms. */
export interface Period {
  from: number;
  to: number;
  /** A readable label: `2026-12-02`, `2026-W48` (the week's Monday), `2026-11`. */
  label: string;
}

interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

/** The wall clock in `timeZone` at instant `t`. */
export const wallAt = (t: number, timeZone: string): Wall & { second: number } => wallFieldsAt(t, timeZone);

const wallMs = (w: Wall) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);

/** The UTC instant of a wall time in `timeZone` (see the module comment for gaps and overlaps). */
export const instantOf = (w: Wall, timeZone: string): number => zonedToInstant(wallMs(w), timeZone);

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Calendar arithmetic on a date (no time zone involved). */
function addDays(w: Wall, n: number): Wall {
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + n));
  return { ...w, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
function addMonths(w: Wall, n: number): Wall {
  const index = w.year * 12 + (w.month - 1) + n;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { ...w, year, month, day: Math.min(w.day, daysInMonth(year, month)) };
}
/** 0 = Monday ... 6 = Sunday, of a calendar date. */
const weekdayOf = (w: Wall) => (new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7;

function timeOf(at: string): { hour: number; minute: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (!m) throw new Error(`not a time of day: ${at}`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** The wall date of the scheduled run on or after the calendar date `w` (not before it). */
function candidateOnOrAfter(f: Frequency, w: Wall): Wall {
  const time = timeOf(f.at);
  switch (f.every) {
    case 'daily':
      return { ...w, ...time };
    case 'weekly': {
      const shift = (WEEKDAYS.indexOf(f.weekday) - weekdayOf(w) + 7) % 7;
      return { ...addDays(w, shift), ...time };
    }
    case 'monthly': {
      const thisMonth = { ...w, day: Math.min(f.day, daysInMonth(w.year, w.month)), ...time };
      if (thisMonth.day >= w.day) return thisMonth;
      const next = addMonths({ ...w, day: 1 }, 1);
      return { ...next, day: Math.min(f.day, daysInMonth(next.year, next.month)), ...time };
    }
  }
}

/** The first scheduled run strictly after instant `after` (ms). */
export function nextRun(f: Frequency, after: number): number {
  let date: Wall = { ...wallAt(after, f.timeZone), hour: 0, minute: 0 };
  // At most two candidates: today's (or this month's) may already have passed.
  for (let i = 0; i < 3; i++) {
    const candidate = candidateOnOrAfter(f, date);
    const t = instantOf(candidate, f.timeZone);
    if (t > after) return t;
    date = f.every === 'monthly' ? addMonths({ ...candidate, day: 1 }, 1) : addDays(candidate, 1);
  }
  throw new Error('no next run found');
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const dateLabel = (w: Wall) => `${w.year}-${pad(w.month)}-${pad(w.day)}`;
const midnight = (w: Wall): Wall => ({ ...w, hour: 0, minute: 0 });

/** ISO 8601 week label of a Monday's date. */
function isoWeekLabel(monday: Wall): string {
  const thursday = addDays(monday, 3);
  const jan1 = Date.UTC(thursday.year, 0, 1);
  const week = Math.floor((Date.UTC(thursday.year, thursday.month - 1, thursday.day) - jan1) / 86_400_000 / 7) + 1;
  return `${thursday.year}-W${pad(week)}`;
}

/**
 * The period a run at instant `runAt` reports on: the last complete local day, ISO week (Monday
 * to Monday) or calendar month before the run, in the frequency's time zone. A day across a
 * daylight-saving change is 23 or 25 hours long, as the people reading the report lived it.
 */
export function periodBefore(every: Frequency['every'], runAt: number, timeZone: string): Period {
  const today = midnight(wallAt(runAt, timeZone));
  switch (every) {
    case 'daily': {
      const start = addDays(today, -1);
      return { from: instantOf(start, timeZone), to: instantOf(today, timeZone), label: dateLabel(start) };
    }
    case 'weekly': {
      const thisMonday = addDays(today, -weekdayOf(today));
      const start = addDays(thisMonday, -7);
      return { from: instantOf(start, timeZone), to: instantOf(thisMonday, timeZone), label: isoWeekLabel(start) };
    }
    case 'monthly': {
      const first = { ...today, day: 1 };
      const start = addMonths(first, -1);
      return {
        from: instantOf(start, timeZone),
        to: instantOf(first, timeZone),
        label: `${start.year}-${pad(start.month)}`,
      };
    }
  }
}

/** The `n` periods before the one containing `at` (oldest first), for trends. */
export function periodsBefore(every: Frequency['every'], at: number, timeZone: string, n: number): Period[] {
  const out: Period[] = [];
  let cursor = at;
  for (let i = 0; i < n; i++) {
    const p = periodBefore(every, cursor, timeZone);
    out.unshift(p);
    cursor = p.from;
  }
  return out;
}
