import { createHash, randomBytes } from 'node:crypto';
import { ChangeNoticeIssued } from '../../../shared/contracts/changes/v1';
import { hasAnyRole, isCustomerBound, type Principal } from '../../../shared/kit/auth';
import { now } from '../../../shared/kit/clock';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { optionalEnv } from '../../../shared/kit/env';
import { NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent, type OutgoingEvent } from '../../../shared/kit/events';
import type { Item, Key, Write } from '../../../shared/kit/store';
import { changeCalendar } from '../adapters/ical';
import { type Change, type Risk, SCHEDULED } from '../domain/change';
import {
  type BlackoutWindow,
  blackoutConflicts,
  type Conflict,
  changeConflicts,
  daysBetween,
  daysCovered,
  type MaintenanceWindow,
  maintenanceConflicts,
  occurrences,
  type ScheduledChange,
  utcDay,
  type Weekday,
} from '../domain/schedule';
import { table } from '../store';
import { assessImpact, relatedWithin } from './graph';
import { loadPolicy } from './policy';

/**
 * The forward schedule of change (FitSM PR12.6), blackout and maintenance windows, calendar feeds
 * and the notices to affected customers. Items (the rest of the table is in store.ts):
 *
 * | item                          | pk                            | sk                 | gsi1pk / gsi1sk                          |
 * |-------------------------------|-------------------------------|--------------------|------------------------------------------|
 * | a change on one UTC day       | DAY#<yyyy-mm-dd>              | CHG#<changeId>     |                                          |
 * | blackout (freeze) window      | BLACKOUT#<id>                 | BLACKOUT           | BLACKOUTS / <end, UTC ISO>#<id>          |
 * | maintenance window            | MAINT#<id>                    | MAINT              | MAINTFOR#ci#<ciId> or MAINTFOR#service#<serviceId> / <id>; gsi2 MAINTENANCE-WINDOWS / <id> |
 * | calendar feed                 | FEED#<feedId>                 | FEED               | FEEDS#<ownerId> / <feedId>               |
 * | calendar feed secret          | FEEDKEY#<sha-256 of secret>   | FEEDKEY            |                                          |
 *
 * A change is on the schedule while its status is one of `SCHEDULED`, once per day its window
 * covers (at most 14), so a conflict check reads only the days of its own window and the
 * schedule for a period reads only that period's days: never a scan, whatever the table holds.
 * Blackouts are read by their end (those still to end), maintenance windows by the CI or service.
 */

const dayKey = (day: string, changeId: string): Key => ({ pk: `DAY#${day}`, sk: `CHG#${changeId}` });
const blackoutKey = (id: string): Key => ({ pk: `BLACKOUT#${id}`, sk: 'BLACKOUT' });
const maintKey = (id: string): Key => ({ pk: `MAINT#${id}`, sk: 'MAINT' });
const maintFor = (t: { ciId?: string; serviceId?: string }) =>
  t.ciId !== undefined ? `MAINTFOR#ci#${t.ciId}` : `MAINTFOR#service#${t.serviceId}`;
const feedKey = (id: string): Key => ({ pk: `FEED#${id}`, sk: 'FEED' });
const feedSecretKey = (hash: string): Key => ({ pk: `FEEDKEY#${hash}`, sk: 'FEEDKEY' });

/** Instants are stored in UTC (`toISOString`), so they sort as text in index keys. */
const utc = (iso: string) => new Date(iso).toISOString();
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v instanceof Set ? [...v].map(String) : [];
const MANAGERS = ['changes-manager', 'changes-owner'] as const;

// ---------------------------------------------------------------------------------------------
// The change's own schedule items (in the change's transaction)

type OnSchedule = Change & { plannedStart: string; plannedEnd: string };
const onSchedule = (c: Change | undefined): c is OnSchedule =>
  !!c && SCHEDULED.includes(c.status) && !!c.plannedStart && !!c.plannedEnd;
const windowOf = (c: OnSchedule) => ({ start: c.plannedStart, end: c.plannedEnd });

/** A schedule entry as the schedule, the conflict check and the calendar read it. */
export interface ScheduleEntry {
  changeId: string;
  number: string;
  title: string;
  type: Change['type'];
  status: Change['status'];
  risk?: Risk;
  start: string;
  end: string;
  ciIds: string[];
  serviceIds: string[];
  customerIds: string[];
  version: number;
}

const toEntry = (i: Item): ScheduleEntry => ({
  changeId: String(i.changeId),
  number: String(i.number),
  title: String(i.title),
  type: i.changeType as Change['type'],
  status: i.status as Change['status'],
  ...(i.risk ? { risk: i.risk as Risk } : {}),
  start: String(i.start),
  end: String(i.end),
  ciIds: strings(i.ciIds),
  serviceIds: strings(i.serviceIds),
  customerIds: strings(i.customerIds),
  version: Number(i.version ?? 1),
});

/**
 * The writes that keep a change's schedule items in step with its window and status: one item per
 * UTC day its window covers while it is in a `SCHEDULED` status; the days it no longer covers (it
 * moved, or left the schedule) are deleted. At most 14 + 14 actions, in the change's transaction.
 */
export function scheduleWrites(before: Change | undefined, after: Change): Write[] {
  const was = onSchedule(before) ? daysCovered(windowOf(before)) : [];
  const is = onSchedule(after) ? daysCovered(windowOf(after)) : [];
  const writes: Write[] = was
    .filter((d) => !is.includes(d))
    .map((d): Write => ({ kind: 'delete', key: dayKey(d, after.changeId) }));
  if (!onSchedule(after)) return writes;
  const entry = {
    type: 'schedule-day',
    changeId: after.changeId,
    number: after.number,
    title: after.title,
    changeType: after.type,
    status: after.status,
    ...(after.assessment?.risk ? { risk: after.assessment.risk } : {}),
    start: utc(after.plannedStart),
    end: utc(after.plannedEnd),
    ciIds: after.ciIds,
    serviceIds: after.serviceIds,
    customerIds: after.customerIds,
    version: after.version,
  };
  for (const d of is) writes.push({ kind: 'upsert', item: { ...dayKey(d, after.changeId), ...entry } });
  return writes;
}

/** The changes on the schedule on these UTC days, each once (a change covers several days). */
async function entriesOn(days: readonly string[]): Promise<ScheduleEntry[]> {
  const pages = await Promise.all(days.map((d) => table().all({ pk: `DAY#${d}`, skBeginsWith: 'CHG#' }, toEntry)));
  const byId = new Map<string, ScheduleEntry>();
  for (const e of pages.flat()) byId.set(e.changeId, e);
  return [...byId.values()].sort((a, b) => a.start.localeCompare(b.start) || a.number.localeCompare(b.number));
}

// ---------------------------------------------------------------------------------------------
// Conflicts

/** Blackout windows still to end after `from` (few: freezes are planned one by one). */
async function blackoutsEndingAfter(from: string): Promise<BlackoutView[]> {
  const items = await table().all({ index: 'gsi1', pk: 'BLACKOUTS' });
  const since = utc(from);
  return items.map(toBlackout).filter((b) => b.end > since);
}

async function maintenanceOf(ciIds: readonly string[], serviceIds: readonly string[]): Promise<MaintenanceWindow[]> {
  const partitions = [
    ...ciIds.map((ciId) => maintFor({ ciId })),
    ...serviceIds.map((serviceId) => maintFor({ serviceId })),
  ];
  const pages = await Promise.all(partitions.map((pk) => table().all({ index: 'gsi1', pk }, toMaintenance)));
  return pages.flat();
}

/**
 * What the change's window meets now (FitSM PR12.6): other scheduled changes on the same CI, on a
 * CI related to one of its CIs within the policy's `conflictDepth` (the graph copy, either
 * direction), on the same service; blackout windows; and, for CIs and services that have
 * maintenance windows, a window outside all of them. Reads only the days of the window.
 */
export async function findConflicts(c: Change): Promise<Conflict[]> {
  if (!c.plannedStart || !c.plannedEnd) return [];
  const mine: ScheduledChange = {
    changeId: c.changeId,
    number: c.number,
    start: c.plannedStart,
    end: c.plannedEnd,
    ciIds: c.ciIds,
    serviceIds: c.serviceIds,
  };
  const policy = await loadPolicy();
  const [others, related, blackouts, maintenance] = await Promise.all([
    entriesOn(daysCovered(mine)),
    c.ciIds.length > 0 ? relatedWithin(c.ciIds, policy.conflictDepth) : new Map<string, number>(),
    blackoutsEndingAfter(mine.start),
    maintenanceOf(c.ciIds, c.serviceIds),
  ]);
  return [
    ...others.flatMap((o) => changeConflicts(mine, o, related)),
    ...blackouts.flatMap((b) => blackoutConflicts(mine, b)),
    ...maintenanceConflicts(mine, maintenance),
  ];
}

// ---------------------------------------------------------------------------------------------
// Notices to customers (CMMI-SVC SD SP 3.3)

const AUTHORISED: readonly Change['status'][] = ['approved', 'implementing'];

/**
 * One `ChangeNoticeIssued` per affected customer when an authorised change's window is set (on
 * approval), moved, or the change is cancelled after approval; nothing otherwise. In the change's
 * transaction, so a notice goes out exactly when the change it tells of is committed.
 */
export function noticeEvents(before: Change | undefined, after: Change, ctx: OperationContext): OutgoingEvent[] {
  const wasOn = !!before && AUTHORISED.includes(before.status);
  const isOn = AUTHORISED.includes(after.status);
  let kind: 'scheduled' | 'moved' | 'cancelled' | undefined;
  if (!wasOn && after.status === 'approved') kind = 'scheduled';
  else if (wasOn && isOn && (before.plannedStart !== after.plannedStart || before.plannedEnd !== after.plannedEnd))
    kind = 'moved';
  else if (wasOn && after.status === 'cancelled') kind = 'cancelled';
  if (!kind || !after.plannedStart || !after.plannedEnd) return [];
  const previous =
    kind === 'moved' && before?.plannedStart && before.plannedEnd
      ? { previousStart: before.plannedStart, previousEnd: before.plannedEnd }
      : {};
  return after.customerIds.map((customerId) =>
    buildEvent(
      ChangeNoticeIssued,
      {
        noticeId: newId(),
        customerId,
        kind: kind!,
        changeId: after.changeId,
        number: after.number,
        title: after.title,
        serviceIds: after.serviceIds,
        plannedStart: after.plannedStart!,
        plannedEnd: after.plannedEnd!,
        ...previous,
      },
      ctx,
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Blackout windows

export interface BlackoutInput {
  name: string;
  start: string;
  end: string;
  reason?: string | undefined;
  serviceIds?: readonly string[] | undefined;
  ciIds?: readonly string[] | undefined;
}

export interface BlackoutView extends BlackoutWindow {
  reason?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const toBlackout = (i: Item): BlackoutView => ({
  windowId: String(i.windowId),
  name: String(i.name),
  start: String(i.start),
  end: String(i.end),
  ...(i.reason ? { reason: String(i.reason) } : {}),
  serviceIds: strings(i.serviceIds),
  ciIds: strings(i.ciIds),
  version: Number(i.version),
  createdAt: String(i.createdAt),
  updatedAt: String(i.updatedAt),
});

function checkWindow(start: string, end: string) {
  if (!(Date.parse(end) > Date.parse(start)))
    throw new ValidationError('The window must end after it starts.', [
      { field: 'body.end', message: 'must be after start' },
    ]);
}

function blackoutItem(windowId: string, b: BlackoutInput): Item {
  const end = utc(b.end);
  return {
    ...blackoutKey(windowId),
    type: 'blackout-window',
    windowId,
    name: b.name,
    start: utc(b.start),
    end,
    ...(b.reason ? { reason: b.reason } : {}),
    serviceIds: b.serviceIds ?? [],
    ciIds: b.ciIds ?? [],
    gsi1pk: 'BLACKOUTS',
    gsi1sk: `${end}#${windowId}`,
  };
}

export async function createBlackout(ctx: OperationContext, input: BlackoutInput): Promise<BlackoutView> {
  checkWindow(input.start, input.end);
  const windowId = newId();
  const item = blackoutItem(windowId, input);
  await table().commit(ctx, {
    writes: [{ kind: 'create', item }],
    history: [{ pk: item.pk, entityType: 'blackout-window', entityId: windowId, action: 'created' }],
  });
  return getBlackout(windowId, true);
}

export async function getBlackout(windowId: string, consistent = false): Promise<BlackoutView> {
  const item = await table().get(blackoutKey(windowId), consistent);
  if (!item) throw new NotFoundError(`Blackout window ${windowId} was not found.`, 'blackout-window-not-found');
  return toBlackout(item);
}

/** Blackout windows still to end after `from` (default now), by end. */
export async function listBlackouts(from?: string): Promise<BlackoutView[]> {
  return blackoutsEndingAfter(from ?? new Date(now()).toISOString());
}

export async function updateBlackout(
  ctx: OperationContext,
  windowId: string,
  ifMatch: number,
  patch: Partial<BlackoutInput>,
): Promise<BlackoutView> {
  const before = await getBlackout(windowId, true);
  const next = { ...before, ...patch };
  checkWindow(next.start, next.end);
  const item = blackoutItem(windowId, next);
  await table().commit(ctx, {
    writes: [{ kind: 'replace', item: { ...item, createdAt: before.createdAt }, expectVersion: ifMatch }],
    history: [{ pk: item.pk, entityType: 'blackout-window', entityId: windowId, action: 'updated' }],
  });
  return getBlackout(windowId, true);
}

export async function deleteBlackout(ctx: OperationContext, windowId: string, ifMatch: number): Promise<void> {
  await getBlackout(windowId, true);
  await table().commit(ctx, {
    writes: [{ kind: 'delete', key: blackoutKey(windowId), expectVersion: ifMatch }],
    history: [{ pk: blackoutKey(windowId).pk, entityType: 'blackout-window', entityId: windowId, action: 'deleted' }],
  });
}

// ---------------------------------------------------------------------------------------------
// Maintenance windows (per service or per CI); customers are told like for a change

export interface MaintenanceInput {
  name: string;
  serviceId?: string | undefined;
  ciId?: string | undefined;
  days: Weekday[];
  start: string;
  durationMinutes: number;
  timeZone: string;
}

export interface MaintenanceView extends MaintenanceWindow {
  number: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const toMaintenance = (i: Item): MaintenanceView => ({
  windowId: String(i.windowId),
  number: String(i.number),
  name: String(i.name),
  ...(i.serviceId ? { serviceId: String(i.serviceId) } : {}),
  ...(i.ciId ? { ciId: String(i.ciId) } : {}),
  days: strings(i.days) as Weekday[],
  start: String(i.start),
  durationMinutes: Number(i.durationMinutes),
  timeZone: String(i.timeZone),
  version: Number(i.version),
  createdAt: String(i.createdAt),
  updatedAt: String(i.updatedAt),
});

function maintenanceItem(windowId: string, number: string, m: MaintenanceInput): Item {
  return {
    ...maintKey(windowId),
    type: 'maintenance-window',
    windowId,
    number,
    name: m.name,
    ...(m.serviceId ? { serviceId: m.serviceId } : {}),
    ...(m.ciId ? { ciId: m.ciId } : {}),
    days: m.days,
    start: m.start,
    durationMinutes: m.durationMinutes,
    timeZone: m.timeZone,
    gsi1pk: maintFor(m),
    gsi1sk: windowId,
    gsi2pk: 'MAINTENANCE-WINDOWS',
    gsi2sk: windowId,
  };
}

/** The next occurrence of a weekly window from now (within the coming 8 days), for a notice. */
function nextOccurrence(m: MaintenanceWindow): { start: string; end: string } | undefined {
  const from = now();
  return occurrences(m, from, from + 8 * 86_400_000).find((o) => Date.parse(o.end) > from);
}

/**
 * Notices for a maintenance window created, moved or removed: one per customer of its service, or
 * of the services its CI (and what depends on it) supports, from the graph copy.
 */
async function maintenanceNotices(
  ctx: OperationContext,
  kind: 'scheduled' | 'moved' | 'cancelled',
  m: MaintenanceView,
  previous?: MaintenanceView,
): Promise<OutgoingEvent[]> {
  const next = nextOccurrence(m);
  if (!next) return [];
  const impact = await assessImpact(m.ciId ? [m.ciId] : [], m.serviceId ? [m.serviceId] : []);
  const was = previous ? nextOccurrence(previous) : undefined;
  return impact.customerIds.map((customerId) =>
    buildEvent(
      ChangeNoticeIssued,
      {
        noticeId: newId(),
        customerId,
        kind,
        changeId: m.windowId,
        number: m.number,
        title: `Maintenance: ${m.name}`,
        serviceIds: impact.services.map((s) => s.serviceId).slice(0, 100),
        plannedStart: next.start,
        plannedEnd: next.end,
        ...(was ? { previousStart: was.start, previousEnd: was.end } : {}),
      },
      ctx,
    ),
  );
}

function checkTarget(m: Pick<MaintenanceInput, 'ciId' | 'serviceId'>) {
  if ((m.ciId === undefined) === (m.serviceId === undefined))
    throw new ValidationError('A maintenance window belongs to one service or one CI.', [
      { field: 'body.serviceId', message: 'give either serviceId or ciId' },
    ]);
}

export async function createMaintenance(ctx: OperationContext, input: MaintenanceInput): Promise<MaintenanceView> {
  checkTarget(input);
  const windowId = newId();
  const number = `MW-${await table().nextNumber('MW')}`;
  const item = maintenanceItem(windowId, number, input);
  const at = new Date(now()).toISOString();
  const view = toMaintenance({ ...item, version: 1, createdAt: at, updatedAt: at });
  await table().commit(ctx, {
    writes: [{ kind: 'create', item }],
    history: [{ pk: item.pk, entityType: 'maintenance-window', entityId: windowId, action: 'created' }],
    events: await maintenanceNotices(ctx, 'scheduled', view),
    at,
  });
  return view;
}

export async function getMaintenance(windowId: string, consistent = false): Promise<MaintenanceView> {
  const item = await table().get(maintKey(windowId), consistent);
  if (!item) throw new NotFoundError(`Maintenance window ${windowId} was not found.`, 'maintenance-window-not-found');
  return toMaintenance(item);
}

/** The maintenance windows of a service or a CI, or all of them (few: one or two per service or CI). */
export async function listMaintenance(target: { serviceId?: string; ciId?: string }): Promise<MaintenanceView[]> {
  if (target.serviceId === undefined && target.ciId === undefined)
    return table().all({ index: 'gsi2', pk: 'MAINTENANCE-WINDOWS' }, toMaintenance);
  checkTarget(target);
  return table().all({ index: 'gsi1', pk: maintFor(target) }, toMaintenance);
}

export async function updateMaintenance(
  ctx: OperationContext,
  windowId: string,
  ifMatch: number,
  patch: Partial<Omit<MaintenanceInput, 'serviceId' | 'ciId'>>,
): Promise<MaintenanceView> {
  const before = await getMaintenance(windowId, true);
  const next: MaintenanceView = { ...before, ...patch };
  const item = maintenanceItem(windowId, before.number, next);
  const at = new Date(now()).toISOString();
  const moved = ['days', 'start', 'durationMinutes', 'timeZone'].some(
    (f) => JSON.stringify(before[f as keyof MaintenanceView]) !== JSON.stringify(next[f as keyof MaintenanceView]),
  );
  await table().commit(ctx, {
    writes: [{ kind: 'replace', item: { ...item, createdAt: before.createdAt }, expectVersion: ifMatch }],
    history: [{ pk: item.pk, entityType: 'maintenance-window', entityId: windowId, action: 'updated' }],
    events: moved ? await maintenanceNotices(ctx, 'moved', next, before) : [],
    at,
  });
  return { ...next, version: ifMatch + 1, updatedAt: at };
}

export async function deleteMaintenance(ctx: OperationContext, windowId: string, ifMatch: number): Promise<void> {
  const before = await getMaintenance(windowId, true);
  await table().commit(ctx, {
    writes: [{ kind: 'delete', key: maintKey(windowId), expectVersion: ifMatch }],
    history: [{ pk: maintKey(windowId).pk, entityType: 'maintenance-window', entityId: windowId, action: 'deleted' }],
    events: await maintenanceNotices(ctx, 'cancelled', before),
  });
}

// ---------------------------------------------------------------------------------------------
// The forward schedule

/** The longest period one schedule read covers (its cost is a query per day). */
export const MAX_SCHEDULE_DAYS = 62;

export interface ScheduleFilter {
  serviceId?: string | undefined;
  ciId?: string | undefined;
  customerId?: string | undefined;
}

const matches = (e: ScheduleEntry, f: ScheduleFilter) =>
  (f.serviceId === undefined || e.serviceIds.includes(f.serviceId)) &&
  (f.ciId === undefined || e.ciIds.includes(f.ciId)) &&
  (f.customerId === undefined || e.customerIds.includes(f.customerId));

/** A customer user sees a change to their organisation's services, not its CIs or other customers. */
const customerView = (e: ScheduleEntry) => {
  const { ciIds: _c, customerIds: _k, ...rest } = e;
  return rest;
};

/**
 * The schedule for the UTC days `from` to `to` (at most {@link MAX_SCHEDULE_DAYS}): the changes on
 * it, filtered; a customer user's view is bound to their organisation (per item, whatever the
 * query asks) and shows no blackouts; staff also get the blackout windows of the period.
 */
export async function readSchedule(p: Principal, q: ScheduleFilter & { from?: string; to?: string }) {
  const from = q.from ?? utcDay(now());
  const to = q.to ?? utcDay(Date.parse(`${from}T00:00:00Z`) + 27 * 86_400_000);
  const days = daysBetween(from, to);
  if (days.length === 0)
    throw new ValidationError('The period ends before it starts.', [
      { field: 'query.to', message: 'must not be before from' },
    ]);
  if (days.length > MAX_SCHEDULE_DAYS)
    throw new ValidationError(`The schedule is read ${MAX_SCHEDULE_DAYS} days at most at a time.`, [
      { field: 'query.to', message: `at most ${MAX_SCHEDULE_DAYS} days after from` },
    ]);
  const customer = isCustomerBound(p);
  const filter = customer ? { ...q, customerId: p.customerId } : q;
  const entries = (await entriesOn(days)).filter((e) => matches(e, filter));
  const periodEnd = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString();
  const blackouts = customer
    ? []
    : (await blackoutsEndingAfter(`${from}T00:00:00Z`)).filter((b) => b.start < periodEnd);
  return { from, to, items: customer ? entries.map(customerView) : entries, blackouts };
}

export async function conflictsOf(c: Change) {
  return { changeId: c.changeId, number: c.number, items: await findConflicts(c) };
}

// ---------------------------------------------------------------------------------------------
// Calendar feeds: a secret URL per feed (calendar applications send no bearer token)

export interface FeedInput {
  name?: string | undefined;
  serviceId?: string | undefined;
  ciId?: string | undefined;
  customerId?: string | undefined;
}

export interface FeedView {
  feedId: string;
  name: string;
  ownerId: string;
  serviceId?: string;
  ciId?: string;
  customerId?: string;
  createdAt: string;
}

const FEED_FIELDS = ['feedId', 'name', 'ownerId', 'serviceId', 'ciId', 'customerId', 'createdAt'] as const;
const toFeed = (i: Item): FeedView => {
  const out: Record<string, string> = {};
  for (const f of FEED_FIELDS) if (i[f] !== undefined) out[f] = String(i[f]);
  return out as unknown as FeedView;
};

/**
 * 32 random bytes (256 bits, base64url): not guessable. Only its SHA-256 is stored, and the
 * feed is found by that hash, so neither a table read nor a comparison's timing reveals a secret.
 */
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const hashOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');
export const feedPath = (secret: string) => `/v1/change-calendars/${secret}`;

/** A new feed; its secret URL is answered this once. A customer user's feed is bound to their organisation. */
export async function createFeed(ctx: OperationContext, p: Principal, input: FeedInput) {
  let customerId = input.customerId;
  if (isCustomerBound(p)) {
    if (customerId !== undefined && customerId !== p.customerId)
      throw new NotFoundError(`Customer ${customerId} was not found.`, 'customer-not-found');
    customerId = p.customerId;
  }
  const feedId = newId();
  const secret = randomBytes(32).toString('base64url');
  const hash = hashOf(secret);
  const at = new Date(now()).toISOString();
  const feed = {
    feedId,
    name: input.name ?? 'Changes',
    ownerId: p.id,
    ...(input.serviceId ? { serviceId: input.serviceId } : {}),
    ...(input.ciId ? { ciId: input.ciId } : {}),
    ...(customerId ? { customerId } : {}),
    createdAt: at,
  };
  await table().commit(ctx, {
    writes: [
      {
        kind: 'create',
        item: {
          ...feedKey(feedId),
          type: 'calendar-feed',
          ...feed,
          secretHash: hash,
          gsi1pk: `FEEDS#${p.id}`,
          gsi1sk: feedId,
        },
      },
      { kind: 'create', item: { ...feedSecretKey(hash), type: 'calendar-feed-key', ...feed } },
    ],
    at,
  });
  return { ...feed, path: feedPath(secret) };
}

export async function listFeeds(p: Principal): Promise<FeedView[]> {
  return table().all({ index: 'gsi1', pk: `FEEDS#${p.id}` }, toFeed);
}

/** Revoke a feed: its owner or a change manager. Its URL answers 404 from then on. */
export async function revokeFeed(ctx: OperationContext, p: Principal, feedId: string): Promise<void> {
  const item = await table().get(feedKey(feedId), true);
  // Another person's feed is as missing as an unknown one to a caller who may not revoke it.
  if (!item || (item.ownerId !== p.id && (isCustomerBound(p) || !hasAnyRole(p, MANAGERS))))
    throw new NotFoundError(`Calendar feed ${feedId} was not found.`, 'calendar-feed-not-found');
  await table().commit(ctx, {
    writes: [
      { kind: 'delete', key: feedKey(feedId) },
      { kind: 'delete', key: feedSecretKey(String(item.secretHash)) },
    ],
  });
}

/** How far the feed looks back and ahead, in days (a query per day: a bounded read per poll). */
export const FEED_DAYS_BACK = 7;
export const FEED_DAYS_AHEAD = 62;

/** The feed behind a secret as RFC 5545; 404 for an unknown or revoked secret. */
export async function feedCalendar(secret: string): Promise<string> {
  const item = SECRET.test(secret) ? await table().get(feedSecretKey(hashOf(secret))) : undefined;
  if (!item) throw new NotFoundError('This calendar feed does not exist or was revoked.', 'calendar-feed-not-found');
  const feed = toFeed(item);
  const today = now();
  const from = utcDay(today - FEED_DAYS_BACK * 86_400_000);
  const to = utcDay(today + FEED_DAYS_AHEAD * 86_400_000);
  const entries = (await entriesOn(daysBetween(from, to))).filter((e) => matches(e, feed));
  // Blackouts are internal: a customer's feed shows only its changes.
  const blackouts = feed.customerId ? [] : await blackoutsEndingAfter(`${from}T00:00:00Z`);
  return changeCalendar({
    name: feed.name,
    consoleUrl: optionalEnv('CONSOLE_URL') ?? '',
    changes: entries,
    blackouts: blackouts.filter((b) => b.start < `${to}T23:59:59.999Z`),
    stamp: new Date(today),
  });
}
