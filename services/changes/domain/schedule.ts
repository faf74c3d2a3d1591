/**
 * The forward schedule of change (FitSM PR12.6): windows, the UTC days they cover, weekly
 * maintenance windows in their own time zone, and how a change conflicts with other scheduled
 * changes, blackout (freeze) windows and maintenance windows. Pure: no I/O.
 */
import { isTimeZone, localMs, zonedToInstant } from '../../../shared/kit/zones';

export { isTimeZone, zonedToInstant };

/** A planned window, half-open: [start, end). ISO 8601 instants. */
export interface Window {
  start: string;
  end: string;
}

/** The longest change window: a window covers at most this many days (and so day partitions). */
export const MAX_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;

const ms = (iso: string) => Date.parse(iso);

/** Half-open overlap: a window ending when another starts does not overlap it. */
export function overlaps(a: Window, b: Window): boolean {
  return ms(a.start) < ms(b.end) && ms(b.start) < ms(a.end);
}

/** Whether `inner` lies wholly within `outer` (both half-open). */
export function contains(outer: Window, inner: Window): boolean {
  return ms(outer.start) <= ms(inner.start) && ms(inner.end) <= ms(outer.end);
}

/** What is wrong with a window, if anything: unparsable, empty or reversed, or longer than {@link MAX_WINDOW_DAYS}. */
export function windowProblem(w: Window): string | undefined {
  const s = ms(w.start);
  const e = ms(w.end);
  if (Number.isNaN(s) || Number.isNaN(e)) return 'start and end must be ISO 8601 instants';
  if (e <= s) return 'the window must end after it starts';
  if (e - s > MAX_WINDOW_DAYS * DAY_MS) return `a window lasts at most ${MAX_WINDOW_DAYS} days`;
  return undefined;
}

/** `yyyy-mm-dd` of an instant, in UTC. */
export const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * The UTC days a window touches, in order: the day of its start through the day of its last
 * instant (the end is excluded, so a window ending at midnight does not touch the next day).
 */
export function daysCovered(w: Window): string[] {
  const s = ms(w.start);
  const last = Math.max(s, ms(w.end) - 1);
  const days: string[] = [];
  for (let t = Date.UTC(...ymd(s)); t <= last; t += DAY_MS) days.push(utcDay(t));
  return days;
}

function ymd(t: number): [number, number, number] {
  const d = new Date(t);
  return [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
}

/** The UTC days from `from` to `to` (both `yyyy-mm-dd`, inclusive). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) days.push(utcDay(t));
  return days;
}

// ---------------------------------------------------------------------------------------------
// Maintenance windows: weekly, in a time zone

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A weekly maintenance window: on these local days, from `start` local time, for `durationMinutes`. */
export interface Recurrence {
  days: Weekday[];
  /** Local wall-clock time `HH:MM` in `timeZone`. */
  start: string;
  /** Elapsed minutes: a 4-hour window lasts 4 hours even on the night the clocks change. */
  durationMinutes: number;
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timeZone: string;
}

/** The occurrences of a weekly window that could hold any part of [from, to). */
export function occurrences(r: Recurrence, from: number, to: number): Window[] {
  const [h, m] = r.start.split(':').map(Number) as [number, number];
  const lookBack = Math.ceil(r.durationMinutes / 1440) + 1;
  const firstDay = localMs(from, r.timeZone) - (localMs(from, r.timeZone) % DAY_MS) - lookBack * DAY_MS;
  const lastDay = localMs(to, r.timeZone) - (localMs(to, r.timeZone) % DAY_MS) + DAY_MS;
  const out: Window[] = [];
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    if (!r.days.includes(WEEKDAYS[new Date(day).getUTCDay()]!)) continue;
    const start = zonedToInstant(day + (h * 60 + m) * 60_000, r.timeZone);
    const end = start + r.durationMinutes * 60_000;
    if (end > from && start < to) out.push({ start: new Date(start).toISOString(), end: new Date(end).toISOString() });
  }
  return out;
}

/** Whether the whole window falls inside one occurrence of the weekly maintenance window. */
export function withinRecurrence(r: Recurrence, w: Window): boolean {
  return occurrences(r, ms(w.start), ms(w.end)).some((o) => contains(o, w));
}

// ---------------------------------------------------------------------------------------------
// Conflicts

export const CONFLICT_KINDS = [
  'same-ci',
  'related-ci',
  'same-service',
  'blackout',
  'outside-maintenance-window',
] as const;
export type ConflictKind = (typeof CONFLICT_KINDS)[number];

/** What the conflict check needs of a change (the one checked, or another on the schedule). */
export interface ScheduledChange extends Window {
  changeId: string;
  number: string;
  title?: string;
  ciIds: readonly string[];
  serviceIds: readonly string[];
}

/** A blackout (freeze) window: global when it names no service and no CI. */
export interface BlackoutWindow extends Window {
  windowId: string;
  name: string;
  serviceIds: readonly string[];
  ciIds: readonly string[];
}

/** A weekly maintenance window of one service or one CI. */
export interface MaintenanceWindow extends Recurrence {
  windowId: string;
  name: string;
  serviceId?: string;
  ciId?: string;
}

export interface Conflict {
  kind: ConflictKind;
  /** The other change, for change conflicts. */
  changeId?: string;
  number?: string;
  /** The other change's title, or the name(s) of the blackout or maintenance window(s). */
  title?: string;
  /** The blackout or maintenance window(s), for window conflicts. */
  windowId?: string;
  /** The CI or service concerned (the other change's CI for `related-ci`). */
  ciId?: string;
  serviceId?: string;
  /** Hops on the CI graph between the change's CIs and `ciId` (0 for the same CI). */
  depth?: number;
  /** The other window, as planned. */
  start: string;
  end: string;
}

/** CIs related to the change's CIs, in either direction, at their shortest depth (the graph copy). */
export type RelatedCis = ReadonlyMap<string, number>;

/**
 * How another scheduled change conflicts with this one (FitSM PR12.6): only when their windows
 * overlap, then once per shared CI (`same-ci`), per CI of the other change related to one of this
 * change's CIs within the policy's depth (`related-ci`), and per shared service (`same-service`).
 */
export function changeConflicts(change: ScheduledChange, other: ScheduledChange, related: RelatedCis): Conflict[] {
  if (other.changeId === change.changeId || !overlaps(change, other)) return [];
  const base = {
    changeId: other.changeId,
    number: other.number,
    ...(other.title !== undefined ? { title: other.title } : {}),
    start: other.start,
    end: other.end,
  };
  const mine = new Set(change.ciIds);
  const out: Conflict[] = [];
  for (const ciId of other.ciIds) {
    if (mine.has(ciId)) out.push({ ...base, kind: 'same-ci', ciId, depth: 0 });
    else {
      const depth = related.get(ciId);
      if (depth !== undefined) out.push({ ...base, kind: 'related-ci', ciId, depth });
    }
  }
  const services = new Set(change.serviceIds);
  for (const serviceId of other.serviceIds) {
    if (services.has(serviceId)) out.push({ ...base, kind: 'same-service', serviceId });
  }
  return out;
}

/** A blackout window the change's window meets: global, or scoped to one of its services or CIs. */
export function blackoutConflicts(change: ScheduledChange, blackout: BlackoutWindow): Conflict[] {
  if (!overlaps(change, blackout)) return [];
  const base = {
    kind: 'blackout' as const,
    windowId: blackout.windowId,
    title: blackout.name,
    start: blackout.start,
    end: blackout.end,
  };
  if (blackout.serviceIds.length === 0 && blackout.ciIds.length === 0) return [base];
  const out: Conflict[] = [];
  for (const ciId of change.ciIds) if (blackout.ciIds.includes(ciId)) out.push({ ...base, ciId });
  for (const serviceId of change.serviceIds)
    if (blackout.serviceIds.includes(serviceId)) out.push({ ...base, serviceId });
  return out;
}

/**
 * `outside-maintenance-window` once per CI or service of the change that has maintenance windows
 * when the change's window lies inside none of them (a CI or service without any is free).
 */
export function maintenanceConflicts(change: ScheduledChange, windows: readonly MaintenanceWindow[]): Conflict[] {
  const out: Conflict[] = [];
  const check = (target: { ciId: string } | { serviceId: string }, own: MaintenanceWindow[]) => {
    if (own.length === 0 || own.some((w) => withinRecurrence(w, change))) return;
    out.push({
      kind: 'outside-maintenance-window',
      ...target,
      windowId: own.map((w) => w.windowId).join(','),
      title: own.map((w) => w.name).join(', '),
      start: change.start,
      end: change.end,
    });
  };
  for (const ciId of change.ciIds)
    check(
      { ciId },
      windows.filter((w) => w.ciId === ciId),
    );
  for (const serviceId of change.serviceIds)
    check(
      { serviceId },
      windows.filter((w) => w.serviceId === serviceId),
    );
  return out;
}
