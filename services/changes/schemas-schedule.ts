import * as z from 'zod/mini';
import { CHANGE_STATUSES, CHANGE_TYPES, RISK_LEVELS } from './domain/change';
import { CONFLICT_KINDS, isTimeZone, WEEKDAYS } from './domain/schedule';

/** API schemas of the forward schedule, blackout and maintenance windows and calendar feeds (FitSM PR12.6). */

const Id = z.string().check(z.minLength(1), z.maxLength(100));
const Name = z.string().check(z.minLength(1), z.maxLength(200));
const Instant = z.iso.datetime({ offset: true }).check(z.maxLength(40));
const Day = z.iso.date().check(z.maxLength(10));
const Ids = (max: number) => z.array(Id).check(z.maxLength(max));

// ---- Schedule and conflicts

export const ScheduleQuery = z.strictObject({
  /** First UTC day (`yyyy-mm-dd`); today when absent. */
  from: z.optional(Day),
  /** Last UTC day, at most 62 days after `from`; `from` + 27 when absent. */
  to: z.optional(Day),
  serviceId: z.optional(Id),
  ciId: z.optional(Id),
  customerId: z.optional(Id),
});

export const ScheduleEntryView = z.object({
  changeId: z.string(),
  number: z.string(),
  title: z.string(),
  type: z.enum(CHANGE_TYPES),
  status: z.enum(CHANGE_STATUSES),
  risk: z.optional(z.enum(RISK_LEVELS)),
  start: z.string(),
  end: z.string(),
  /** Staff only: a customer user sees the services, not the CIs or other customers. */
  ciIds: z.optional(z.array(z.string())),
  serviceIds: z.array(z.string()),
  customerIds: z.optional(z.array(z.string())),
  version: z.number(),
});
z.globalRegistry.add(ScheduleEntryView, { id: 'ScheduleEntry' });

export const BlackoutView = z.object({
  windowId: z.string(),
  name: z.string(),
  start: z.string(),
  end: z.string(),
  reason: z.optional(z.string()),
  /** Both empty: the blackout holds for every service and CI. */
  serviceIds: z.array(z.string()),
  ciIds: z.array(z.string()),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
z.globalRegistry.add(BlackoutView, { id: 'BlackoutWindow' });

export const ScheduleView = z.object({
  from: z.string(),
  to: z.string(),
  items: z.array(ScheduleEntryView),
  /** Staff only (empty for customer users). */
  blackouts: z.array(BlackoutView),
});
z.globalRegistry.add(ScheduleView, { id: 'ChangeSchedule' });

export const ConflictView = z.object({
  kind: z.enum(CONFLICT_KINDS),
  changeId: z.optional(z.string()),
  number: z.optional(z.string()),
  /** The other change's title, or the window's name. */
  title: z.optional(z.string()),
  windowId: z.optional(z.string()),
  ciId: z.optional(z.string()),
  serviceId: z.optional(z.string()),
  depth: z.optional(z.number()),
  start: z.string(),
  end: z.string(),
});
z.globalRegistry.add(ConflictView, { id: 'ChangeConflict' });

export const ConflictsView = z.object({ changeId: z.string(), number: z.string(), items: z.array(ConflictView) });

// ---- Blackout windows

const windowCheck = (ctx: z.core.ParsePayload<{ start?: string | undefined; end?: string | undefined }>) => {
  const { start, end } = ctx.value;
  if (start !== undefined && end !== undefined && !(Date.parse(end) > Date.parse(start)))
    ctx.issues.push({ code: 'custom', input: ctx.value, path: ['end'], message: 'must be after start' });
};

export const BlackoutBody = z
  .strictObject({
    name: Name,
    start: Instant,
    end: Instant,
    reason: z.optional(z.string().check(z.maxLength(1000))),
    /** Scope: none at all is a global freeze. */
    serviceIds: z.optional(Ids(40)),
    ciIds: z.optional(Ids(50)),
  })
  .check(windowCheck);

export const BlackoutPatch = z
  .strictObject({
    name: z.optional(Name),
    start: z.optional(Instant),
    end: z.optional(Instant),
    reason: z.optional(z.string().check(z.maxLength(1000))),
    serviceIds: z.optional(Ids(40)),
    ciIds: z.optional(Ids(50)),
  })
  .check(windowCheck);

export const BlackoutsQuery = z.strictObject({
  /** Blackouts still to end after this instant; now when absent. */
  from: z.optional(Instant),
});
export const BlackoutList = z.object({ items: z.array(BlackoutView) });

// ---- Maintenance windows

const Recurrence = {
  days: z.array(z.enum(WEEKDAYS)).check(z.minLength(1), z.maxLength(7)),
  /** Local time `HH:MM` in `timeZone`. */
  start: z.string().check(z.maxLength(5), z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00 to 23:59)')),
  /** Up to a week. */
  durationMinutes: z.number().check(z.int(), z.gte(1), z.lte(7 * 24 * 60)),
  /** IANA zone, e.g. `Europe/Berlin`: the window follows its daylight saving time. */
  timeZone: z.string().check(
    z.maxLength(64),
    z.refine((tz) => isTimeZone(tz), 'must be an IANA time zone, e.g. Europe/Berlin'),
  ),
};

export const MaintenanceBody = z.strictObject({
  name: Name,
  /** One of serviceId or ciId. */
  serviceId: z.optional(Id),
  ciId: z.optional(Id),
  ...Recurrence,
});

export const MaintenancePatch = z.strictObject({
  name: z.optional(Name),
  days: z.optional(Recurrence.days),
  start: z.optional(Recurrence.start),
  durationMinutes: z.optional(Recurrence.durationMinutes),
  timeZone: z.optional(Recurrence.timeZone),
});

export const MaintenanceQuery = z.strictObject({ serviceId: z.optional(Id), ciId: z.optional(Id) });

export const MaintenanceView = z.object({
  windowId: z.string(),
  /** `MW-n`: the number customer notices carry. */
  number: z.string(),
  name: z.string(),
  serviceId: z.optional(z.string()),
  ciId: z.optional(z.string()),
  days: z.array(z.enum(WEEKDAYS)),
  start: z.string(),
  durationMinutes: z.number(),
  timeZone: z.string(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
z.globalRegistry.add(MaintenanceView, { id: 'MaintenanceWindow' });
export const MaintenanceList = z.object({ items: z.array(MaintenanceView) });

// ---- Calendar feeds

export const FeedBody = z.strictObject({
  name: z.optional(Name),
  serviceId: z.optional(Id),
  ciId: z.optional(Id),
  /** Staff may filter by customer; a customer user's feed is always their organisation's. */
  customerId: z.optional(Id),
});

export const FeedView = z.object({
  feedId: z.string(),
  name: z.string(),
  ownerId: z.string(),
  serviceId: z.optional(z.string()),
  ciId: z.optional(z.string()),
  customerId: z.optional(z.string()),
  createdAt: z.string(),
});
z.globalRegistry.add(FeedView, { id: 'CalendarFeed' });

export const CreatedFeedView = z.object({
  ...FeedView.shape,
  /** The feed's secret URL path (under the API's base URL); answered this once, never again. */
  path: z.string(),
});
export const FeedList = z.object({ items: z.array(FeedView) });
