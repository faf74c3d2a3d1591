/**
 * Business calendars and business-time arithmetic for SLA clocks (FitSM PR2.3: service targets are
 * evaluated against agreed service hours). Pure: no I/O, no clock; instants are epoch milliseconds.
 *
 * Model: a calendar lists, per weekday, wall-clock windows in its IANA time zone, plus whole-day
 * holidays. Business time is the real time (milliseconds) that falls inside those windows. A window
 * boundary that falls in a daylight-saving gap or overlap is the first instant at which the local
 * clock reads that time or later, so windows never invert and `24:00` of one day is exactly `00:00`
 * of the next (no minute lost at midnight, zammad #3180).
 */
import type { FieldError } from '../../../shared/kit/errors';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A business window within one local day: `start` `HH:MM`, `end` `HH:MM` or `24:00`. */
export interface TimeWindow {
  start: string;
  end: string;
}

export interface Holiday {
  /** Local date in the calendar's zone, `YYYY-MM-DD`; the whole day is closed. */
  date: string;
  name?: string;
}

export interface WeeklyCalendar {
  timeZone: string;
  hours: Record<Weekday, TimeWindow[]>;
  holidays: Holiday[];
}

/** Open every millisecond except on holidays: a true 24x7 (zammad #3180). */
export interface AlwaysOpenCalendar {
  timeZone: string;
  twentyFourSeven: true;
  holidays?: Holiday[];
}

/**
 * A business calendar. Treat it as an immutable value: its compiled form is memoised per object,
 * so build a new object to change it.
 */
export type BusinessCalendar = WeeklyCalendar | AlwaysOpenCalendar;

/** Raised when arithmetic is asked of an invalid calendar; `fields` says what is wrong. */
export class CalendarError extends Error {
  readonly code = 'invalid-calendar';
  constructor(
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'CalendarError';
  }
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Longest walk before we give up: a valid calendar always has a window within a week of any holiday run. */
const MAX_DAYS = 366 * 50;

const START_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const END_RE = /^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

const isAlwaysOpen = (cal: BusinessCalendar): cal is AlwaysOpenCalendar =>
  (cal as AlwaysOpenCalendar).twentyFourSeven === true;

const minutesOf = (hhmm: string) => (hhmm === '24:00' ? 1440 : Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));

/** Local calendar date as a day number (days since 1970-01-01), or undefined when not a real date. */
function dayNumber(date: string): number | undefined {
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / DAY;
}

/** Every problem with a calendar, empty when it is usable. */
export function validateCalendar(cal: BusinessCalendar): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof cal.timeZone !== 'string' || formatterFor(cal.timeZone) === undefined) {
    errors.push({ field: 'timeZone', message: 'must be an IANA time zone, e.g. Europe/Berlin' });
  }
  (cal.holidays ?? []).forEach((h, i) => {
    if (dayNumber(h.date) === undefined) errors.push({ field: `holidays.${i}.date`, message: 'must be YYYY-MM-DD' });
  });
  if (isAlwaysOpen(cal)) return errors;
  if (typeof cal.hours !== 'object' || cal.hours === null) {
    errors.push({ field: 'hours', message: 'must list windows for every weekday' });
    return errors;
  }
  let total = 0;
  for (const day of WEEKDAYS) {
    const windows = cal.hours[day];
    if (!Array.isArray(windows)) {
      errors.push({ field: `hours.${day}`, message: 'must be a list (empty when closed)' });
      continue;
    }
    const spans: Array<{ start: number; end: number; i: number }> = [];
    windows.forEach((w, i) => {
      const at = `hours.${day}.${i}`;
      if (!START_RE.test(w.start)) errors.push({ field: `${at}.start`, message: 'must be HH:MM (00:00-23:59)' });
      else if (!END_RE.test(w.end)) errors.push({ field: `${at}.end`, message: 'must be HH:MM or 24:00' });
      else if (minutesOf(w.end) <= minutesOf(w.start))
        errors.push({ field: `${at}.end`, message: 'must be after start' });
      else spans.push({ start: minutesOf(w.start), end: minutesOf(w.end), i });
    });
    spans.sort((a, b) => a.start - b.start);
    for (let k = 1; k < spans.length; k++) {
      const prev = spans[k - 1]!;
      const cur = spans[k]!;
      if (cur.start < prev.end) errors.push({ field: `hours.${day}.${cur.i}`, message: `overlaps window ${prev.i}` });
    }
    total += spans.reduce((sum, s) => sum + s.end - s.start, 0);
  }
  if (total === 0) errors.push({ field: 'hours', message: 'must open at least once a week' });
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Time-zone arithmetic on Intl. Caches are memoisation only: results never depend on them.

const formatters = new Map<string, Intl.DateTimeFormat | undefined>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | undefined {
  if (!formatters.has(timeZone)) {
    try {
      formatters.set(timeZone, new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }));
    } catch {
      formatters.set(timeZone, undefined);
    }
  }
  return formatters.get(timeZone);
}

const OFFSET_RE = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Offset of the zone from UTC at instant `t`, in ms (local = t + offset). */
function offsetAt(f: Intl.DateTimeFormat, t: number): number {
  const m = OFFSET_RE.exec(f.format(t));
  if (!m?.[1]) return 0;
  const ms = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * 1000;
  return m[1] === '-' ? -ms : ms;
}

/**
 * First instant at which the local wall clock reads `wall` (local ms since epoch) or later.
 * In a DST gap that is the transition instant; in an overlap, the earlier occurrence.
 */
function wallToInstant(f: Intl.DateTimeFormat, wall: number, hint?: number): number {
  // The hint is the offset in force a day earlier, so a valid answer with it is also the first
  // occurrence (an overlap's earlier instant carries exactly that pre-transition offset).
  if (hint !== undefined && offsetAt(f, wall - hint) === hint) return wall - hint;
  const oA = offsetAt(f, wall - DAY);
  const oB = offsetAt(f, wall + DAY);
  const tA = wall - oA;
  const tB = wall - oB;
  const okA = offsetAt(f, tA) === oA;
  const okB = offsetAt(f, tB) === oB;
  if (okA && okB) return Math.min(tA, tB);
  if (okA) return tA;
  if (okB) return tB;
  // Gap: find the transition instant, the first whose local time passes `wall`.
  let lo = Math.min(tA, tB);
  let hi = Math.max(tA, tB);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid + offsetAt(f, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

interface Compiled {
  f: Intl.DateTimeFormat;
  alwaysOpen: boolean;
  /** Minutes from local midnight, per weekday (index as WEEKDAYS). */
  weekly: Array<Array<[number, number]>>;
  holidays: Set<number>;
  /** Memo: local day number -> its business windows as instants. */
  days: Map<number, Array<[number, number]>>;
  /** Memo: local day number -> instant of its local midnight. */
  starts: Map<number, number>;
  /** Last offset seen, a first guess for `dayOf`; always verified. */
  guess?: number;
}

const compiledCache = new WeakMap<BusinessCalendar, Compiled>();

/**
 * How many days this calendar has worked out so far (its memo). Says how much work a deadline
 * took, independent of the machine's speed: walking days, not minutes.
 */
export const daysWorkedOut = (cal: BusinessCalendar): number => compiledCache.get(cal)?.days.size ?? 0;
const MEMO_LIMIT = 20_000;

function compile(cal: BusinessCalendar): Compiled {
  const hit = compiledCache.get(cal);
  if (hit) return hit;
  const errors = validateCalendar(cal);
  if (errors.length > 0) throw new CalendarError('invalid business calendar', errors);
  const weekly = WEEKDAYS.map(
    (day): Array<[number, number]> =>
      isAlwaysOpen(cal)
        ? [[0, 1440]]
        : cal.hours[day]
            .map((w): [number, number] => [minutesOf(w.start), minutesOf(w.end)])
            .sort((a, b) => a[0] - b[0]),
  );
  const compiled: Compiled = {
    f: formatterFor(cal.timeZone)!,
    alwaysOpen: isAlwaysOpen(cal),
    weekly,
    holidays: new Set((cal.holidays ?? []).map((h) => dayNumber(h.date)!)),
    days: new Map(),
    starts: new Map(),
  };
  compiledCache.set(cal, compiled);
  return compiled;
}

function dayStart(c: Compiled, day: number): number {
  const hit = c.starts.get(day);
  if (hit !== undefined) return hit;
  // A midnight known within the past week gives the likely offset: one zone lookup confirms it.
  let hint: number | undefined;
  for (let back = 1; back <= 7 && hint === undefined; back++) {
    const prev = c.starts.get(day - back);
    if (prev !== undefined) hint = (day - back) * DAY - prev;
  }
  const start = wallToInstant(c.f, day * DAY, hint);
  c.guess = day * DAY - start;
  if (c.starts.size > MEMO_LIMIT) c.starts.clear();
  c.starts.set(day, start);
  return start;
}

/** The business windows of one local day, as instants, sorted and disjoint. */
function windowsOf(c: Compiled, day: number): Array<[number, number]> {
  const hit = c.days.get(day);
  if (hit) return hit;
  let result: Array<[number, number]> = [];
  if (!c.holidays.has(day)) {
    const windows = c.weekly[(((day + 4) % 7) + 7) % 7]!; // 1970-01-01 was a Thursday
    if (windows.length > 0) {
      const start = dayStart(c, day);
      const end = dayStart(c, day + 1);
      // A plain 24-hour day has one offset throughout: boundaries are simple sums. Only the few
      // DST days pay for a per-boundary zone lookup.
      const plain = end - start === DAY;
      const at = (min: number) =>
        min === 0
          ? start
          : min === 1440
            ? end
            : plain
              ? start + min * MINUTE
              : wallToInstant(c.f, day * DAY + min * MINUTE);
      result = windows.map(([s, e]): [number, number] => [at(s), at(e)]).filter(([s, e]) => e > s);
    }
  }
  if (c.days.size > MEMO_LIMIT) c.days.clear();
  c.days.set(day, result);
  return result;
}

/** Local day whose windows may contain `t` (the day of its local date). */
/** The local day whose span `[midnight, next midnight)` holds `t`; no zone lookup once its midnights are known. */
function dayOf(c: Compiled, t: number): number {
  c.guess ??= offsetAt(c.f, t);
  let day = Math.floor((t + c.guess) / DAY);
  while (dayStart(c, day) > t) day--;
  while (dayStart(c, day + 1) <= t) day++;
  return day;
}

const assertInstant = (name: string, t: number) => {
  if (!Number.isFinite(t)) throw new RangeError(`${name} must be a finite epoch millisecond value`);
};

/**
 * Business milliseconds in `[fromMs, toMs)`; 0 when `toMs <= fromMs`.
 * @example businessMillisBetween(officeBerlin, Date.parse('2026-03-27T16:00:00Z'), Date.parse('2026-03-30T08:00:00Z'))
 */
export function businessMillisBetween(cal: BusinessCalendar, fromMs: number, toMs: number): number {
  assertInstant('fromMs', fromMs);
  assertInstant('toMs', toMs);
  const c = compile(cal);
  if (toMs <= fromMs) return 0;
  if (c.alwaysOpen && c.holidays.size === 0) return toMs - fromMs;
  let total = 0;
  const last = dayOf(c, toMs);
  for (let day = dayOf(c, fromMs); day <= last; day++) {
    for (const [s, e] of windowsOf(c, day)) {
      const a = Math.max(s, fromMs);
      const b = Math.min(e, toMs);
      if (b > a) total += b - a;
    }
  }
  return total;
}

/**
 * The earliest instant at which `ms` business milliseconds have passed since `fromMs`: the deadline.
 * `ms = 0` returns `fromMs` itself. Never returns a point outside business time unless `ms = 0`.
 * @example addBusinessMillis(officeBerlin, Date.parse('2026-03-27T15:00:00Z'), 4 * 3_600_000)
 */
export function addBusinessMillis(cal: BusinessCalendar, fromMs: number, ms: number): number {
  assertInstant('fromMs', fromMs);
  if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('ms must be a finite, non-negative duration');
  const c = compile(cal);
  if (ms === 0) return fromMs;
  if (c.alwaysOpen && c.holidays.size === 0) return fromMs + ms;
  let remaining = ms;
  const first = dayOf(c, fromMs);
  for (let day = first; day < first + MAX_DAYS; day++) {
    for (const [s, e] of windowsOf(c, day)) {
      if (e <= fromMs) continue;
      const a = Math.max(s, fromMs);
      if (remaining <= e - a) return a + remaining;
      remaining -= e - a;
    }
  }
  throw new CalendarError('no business time within 50 years');
}

/**
 * The first instant at or after `t` that lies in business time, so reminders are not sent at
 * midnight or at weekends (zammad #4432).
 */
export function nextBusinessInstant(cal: BusinessCalendar, t: number): number {
  assertInstant('t', t);
  const c = compile(cal);
  if (c.alwaysOpen && c.holidays.size === 0) return t;
  const first = dayOf(c, t);
  for (let day = first; day < first + MAX_DAYS; day++) {
    for (const [s, e] of windowsOf(c, day)) if (e > t) return Math.max(s, t);
  }
  throw new CalendarError('no business time within 50 years');
}

// ---------------------------------------------------------------------------------------------
// Bounds (ADR 20): what a calendar can reach, so a target it cannot meet is refused when defined
// instead of failing every clock that uses it.

/** A target's deadline must fall within this many years of the clock's start, on its calendar. */
export const TARGET_HORIZON_YEARS = 5;
/** An evaluation covers at most this many years, from the created event to `now`. */
export const MAX_EVALUATION_YEARS = 10;

/**
 * The least business time, in minutes, that any stretch of `years` years of the calendar holds,
 * whatever its start: whole weeks (52 a year) of the weekly hours, less every holiday as a whole
 * longest day, less an hour a year (at most a day's hours) for a daylight-saving day an hour short. A target up to
 * this is always reached within the stretch.
 */
export function guaranteedBusinessMinutes(cal: BusinessCalendar, years: number): number {
  const days = isAlwaysOpen(cal)
    ? WEEKDAYS.map(() => 1440)
    : WEEKDAYS.map((d) => (cal.hours[d] ?? []).reduce((sum, w) => sum + minutesOf(w.end) - minutesOf(w.start), 0));
  const perWeek = days.reduce((a, b) => a + b, 0);
  const longestDay = Math.max(...days);
  const holidays = (cal.holidays ?? []).length;
  return Math.max(0, perWeek * Math.floor(52 * years) - holidays * longestDay - Math.min(60, longestDay) * years);
}

/** Why a target of `minutes` business minutes is out of the calendar's reach, or undefined when it is reachable. */
export function unreachableTarget(cal: BusinessCalendar, minutes: number): string | undefined {
  const reach = guaranteedBusinessMinutes(cal, TARGET_HORIZON_YEARS);
  if (minutes <= reach) return undefined;
  return `cannot be reached within ${TARGET_HORIZON_YEARS} years on this calendar (at most ${reach} business minutes are sure to be open in that time)`;
}
