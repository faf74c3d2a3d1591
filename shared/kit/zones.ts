/**
 * Wall-clock time in IANA time zones, from the runtime's own zone rules (Intl): no fixed offsets,
 * so daylight saving time is always right. Pure; domain code may import it (report schedules,
 * maintenance windows). A wall time is given as a UTC-based millisecond count of its fields
 * (`Date.UTC(year, month - 1, day, hour, minute, second)`).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone (schemas check it before anything is stored). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface WallFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall clock's fields in `timeZone` at instant `t`. */
export function wallFieldsAt(t: number, timeZone: string): WallFields {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(t))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, second: p.second! };
}

/** The wall clock in `timeZone` at instant `t`, as a UTC-based millisecond count (whole seconds). */
export function localMs(t: number, timeZone: string): number {
  const w = wallFieldsAt(t, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** The zone's offset from UTC at instant `t`, in ms (CET: +3,600,000). */
const offsetAt = (t: number, timeZone: string) => {
  const whole = Math.floor(t / 1000) * 1000;
  return localMs(whole, timeZone) - whole;
};

/**
 * The instant of a wall time in a zone. A time that happens twice (clocks go back) is its first
 * occurrence; a time that does not exist (clocks go forward) keeps the offset before the change,
 * so it moves forward by the gap, as Temporal's `compatible` disambiguation does (02:30 on the
 * spring-forward night in Berlin is 03:30 CEST).
 */
export function zonedToInstant(local: number, timeZone: string): number {
  const day = 86_400_000;
  // The offsets a day either side bracket any single change (zones change at most twice a year).
  const before = local - offsetAt(local - day, timeZone);
  const after = local - offsetAt(local + day, timeZone);
  const valid = [before, after].filter((t) => localMs(t, timeZone) === local);
  return valid.length > 0 ? Math.min(...valid) : before;
}
