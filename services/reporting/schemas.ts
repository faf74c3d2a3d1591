import * as z from 'zod/mini';
import { instant } from '../../shared/contracts/limits';
import { ListQuery } from '../../shared/kit/paging';

/** API schemas of the reporting service; validation and the OpenAPI document derive from them. */
/** PostgreSQL text cannot hold a NUL character: refused here with the field, never a 500 from the database. */
const noNul = () =>
  z.refine((v: unknown) => typeof v !== 'string' || !v.includes('\0'), 'must not contain a NUL character');
const Text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max), noNul());
const Id = Text(200);
const Instant = instant({ offset: true });
/** A comma-separated list of codes (`status=new,assigned`), at most 10. */
const CodeList = z
  .string()
  .check(
    z.maxLength(400),
    z.regex(/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+){0,9}$/, 'must be a comma-separated list of at most 10 codes'),
  );
const Bool = z.enum(['true', 'false']);
const Keyword = z.string().check(z.minLength(1), z.maxLength(200), noNul());

export const TICKET_SORTS = ['created', 'updated', 'priority', 'deadline'] as const;
export const SLA_STATES = ['breached', 'warning'] as const;

/** The ticket filters; a saved search or an export keeps exactly these. */
export const TicketFilters = z.strictObject({
  type: z.optional(z.enum(['incident', 'request'])),
  status: z.optional(CodeList),
  priority: z.optional(CodeList),
  assignmentGroup: z.optional(Id),
  /** A user id, or `me` for the caller. */
  assigneeId: z.optional(Id),
  callerId: z.optional(Id),
  customerId: z.optional(Id),
  serviceId: z.optional(Id),
  ciId: z.optional(Id),
  category: z.optional(Id),
  major: z.optional(Bool),
  sla: z.optional(z.enum(SLA_STATES)),
  createdFrom: z.optional(Instant),
  createdTo: z.optional(Instant),
  updatedFrom: z.optional(Instant),
  updatedTo: z.optional(Instant),
  resolvedFrom: z.optional(Instant),
  resolvedTo: z.optional(Instant),
  /** Keywords over number, title, description and comments (web-search syntax: "quoted phrase", or, -not). */
  q: z.optional(Keyword),
  sort: z.optional(z.enum(TICKET_SORTS)),
  order: z.optional(z.enum(['asc', 'desc'])),
});
export type TicketFilters = z.infer<typeof TicketFilters>;

export const TicketSearchQuery = z.extend(ListQuery, TicketFilters.shape);

export const RECORD_SEARCH_KINDS = ['cis', 'services', 'agreements', 'customers', 'complaints'] as const;
export type RecordSearchKind = (typeof RECORD_SEARCH_KINDS)[number];

/** Filters of `GET /v1/search/{kind}`; each kind accepts the ones its records have. */
export const RecordFilters = z.strictObject({
  q: z.optional(Keyword),
  status: z.optional(CodeList),
  customerId: z.optional(Id),
  serviceId: z.optional(Id),
  /** CIs: their type; agreements: their kind (SLA, OLA, UA). */
  type: z.optional(Id),
  owner: z.optional(Id),
  sort: z.optional(z.enum(['name', 'updated'])),
  order: z.optional(z.enum(['asc', 'desc'])),
});
export type RecordFilters = z.infer<typeof RecordFilters>;
export const RecordSearchQuery = z.extend(ListQuery, RecordFilters.shape);

export const PICKER_KINDS = ['tickets', 'cis', 'services', 'users', 'groups', 'customers'] as const;
export type PickerKind = (typeof PICKER_KINDS)[number];
export const PickerQuery = z.strictObject({
  /** What the person typed so far (1-100 characters); `%` and `_` are matched literally. */
  prefix: Text(100),
  limit: z.optional(
    z.string().check(z.maxLength(2), z.regex(/^(?:[1-9]|1\d|20)$/, 'must be a whole number from 1 to 20')),
  ),
});

// ---- Responses ----

const SlaView = z.object({
  state: z.enum(['breached', 'warning', 'ok', 'none']),
  deadline: z.optional(z.string()),
  warnAt: z.optional(z.string()),
  agreementId: z.optional(z.string()),
});

export const TicketLine = z.object({
  ticketId: z.string(),
  number: z.string(),
  type: z.string(),
  title: z.string(),
  status: z.string(),
  priority: z.string(),
  category: z.optional(z.string()),
  callerId: z.string(),
  customerId: z.optional(z.string()),
  serviceId: z.optional(z.string()),
  assignmentGroup: z.optional(z.string()),
  assigneeId: z.optional(z.string()),
  major: z.boolean(),
  ciIds: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.optional(z.string()),
  closedAt: z.optional(z.string()),
  version: z.number(),
  sla: z.optional(SlaView),
});
export type TicketLine = z.infer<typeof TicketLine>;

export const Total = z.object({
  value: z.number(),
  /** `eq`: exact; `gte`: at least this many (counting stops at 10,000). */
  relation: z.enum(['eq', 'gte']),
});

const AsOf = z.nullable(z.string());

export const TicketPage = z.object({
  items: z.array(TicketLine),
  total: Total,
  nextCursor: z.optional(z.string()),
  /** The newest change the read model reflects; later changes may not show yet (seconds). */
  asOf: AsOf,
});

export const RecordLine = z.object({
  kind: z.string(),
  id: z.string(),
  number: z.optional(z.string()),
  name: z.string(),
  status: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  version: z.number(),
  /** The record as its owner published it. */
  record: z.record(z.string(), z.unknown()),
});
export const RecordPage = z.object({
  items: z.array(RecordLine),
  total: Total,
  nextCursor: z.optional(z.string()),
  asOf: AsOf,
});

export const PickerAnswer = z.object({
  items: z.array(z.object({ id: z.string(), label: z.string(), detail: z.optional(z.string()) })),
  asOf: AsOf,
});

export const EXPORT_FORMATS = ['csv', 'json'] as const;
/** An export: a search (tickets or another register) with its filters, and a format. */
export const CreateExportBody = z.union([
  z.strictObject({
    search: z.literal('tickets'),
    filters: z.optional(TicketFilters),
    format: z.enum(EXPORT_FORMATS),
  }),
  z.strictObject({
    search: z.enum(RECORD_SEARCH_KINDS),
    filters: z.optional(RecordFilters),
    format: z.enum(EXPORT_FORMATS),
  }),
]);
export type CreateExportBody = z.infer<typeof CreateExportBody>;

export const ExportView = z.object({
  exportId: z.string(),
  search: z.string(),
  format: z.enum(EXPORT_FORMATS),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  createdAt: z.string(),
  finishedAt: z.optional(z.string()),
  rows: z.optional(z.number()),
  bytes: z.optional(z.number()),
  /** True when the export stopped at the row limit. */
  truncated: z.optional(z.boolean()),
  failure: z.optional(z.string()),
  /** Once succeeded: a link for the requester, valid for 5 minutes (ask again for a fresh one). */
  download: z.optional(z.object({ url: z.string(), expiresAt: z.string() })),
});
export const ExportList = z.object({ items: z.array(ExportView), nextCursor: z.optional(z.string()) });

export const RebuildBody = z.strictObject({
  /** Owning services to resync; all when absent. */
  services: z.optional(
    z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.minLength(1), z.maxLength(10)),
  ),
});
export const RebuildView = z.object({
  rebuildId: z.string(),
  status: z.enum(['requested', 'completed']),
  services: z.array(z.string()),
  startedAt: z.string(),
  completedAt: z.optional(z.string()),
  /** Rows removed at the end: held by the read model but by no owner any more. */
  swept: z.optional(z.number()),
  progress: z.array(
    z.object({
      service: z.string(),
      recordType: z.string(),
      pagesReceived: z.number(),
      pages: z.optional(z.number()),
    }),
  ),
});
export const ReadModelStatus = z.object({
  migrations: z.array(z.string()),
  counts: z.record(z.string(), z.number()),
  sources: z.array(z.object({ source: z.string(), newestChange: z.string(), appliedAt: z.string() })),
  asOf: z.nullable(z.string()),
});

// ---- Reports (FitSM PR3.1-PR3.3) and KPIs (GR6.1) ----

export const AGGREGATES = [
  'ticket-counts',
  'backlog',
  'mean-time-to-resolve',
  'sla-compliance',
  'reopen-rate',
  'first-contact-resolution',
  'satisfaction',
] as const;
export type AggregateName = (typeof AGGREGATES)[number];
export const DIMENSIONS = ['status', 'priority', 'group', 'service', 'customer', 'category', 'type'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** A built-in aggregate's parameters: choices among fixed columns, never SQL. */
const AggregateParamsShape = {
  /** `ticket-counts`: what to count by (default `status`). */
  dimension: z.optional(z.enum(DIMENSIONS)),
  /** Only this ticket type. */
  type: z.optional(z.enum(['incident', 'request'])),
  /** Only these priorities (`P1,P2`). */
  priority: z.optional(CodeList),
};
export const AggregateParams = z.strictObject(AggregateParamsShape);
export type AggregateParams = z.infer<typeof AggregateParams>;

export const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const TimeOfDay = z
  .string()
  .check(z.maxLength(5), z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day, HH:MM (24 h)'));
/** An IANA time zone the runtime knows (`Europe/Berlin`, `UTC`). */
const TimeZone = z.string().check(
  z.maxLength(64),
  z.refine((v) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: v });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/Berlin'),
);

/** When a report or KPI is produced (PR3.1: frequency). */
export const Frequency = z.discriminatedUnion('every', [
  z.strictObject({ every: z.literal('daily'), at: TimeOfDay, timeZone: TimeZone }),
  z.strictObject({ every: z.literal('weekly'), weekday: z.enum(WEEKDAY_NAMES), at: TimeOfDay, timeZone: TimeZone }),
  /** `day` past a month's end means its last day. */
  z.strictObject({
    every: z.literal('monthly'),
    day: z.number().check(z.int(), z.gte(1), z.lte(31)),
    at: TimeOfDay,
    timeZone: TimeZone,
  }),
]);

/** What a report contains: a saved ticket search or a built-in aggregate (PR3.2), scoped to a customer if agreed so. */
export const ReportContent = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('search'),
    filters: TicketFilters,
    /** Restrict this date of the tickets to the report's period (`created`: tickets opened in it). */
    periodField: z.optional(z.enum(['created', 'updated', 'resolved'])),
    customerId: z.optional(Id),
  }),
  z.strictObject({
    kind: z.literal('aggregate'),
    aggregate: z.enum(AGGREGATES),
    ...AggregateParamsShape,
    customerId: z.optional(Id),
  }),
]);
export type ReportContent = z.infer<typeof ReportContent>;

export const CONTENT_TYPES = ['performance', 'significant-events', 'nonconformities', 'other'] as const;
export const REPORT_FORMATS = ['csv', 'html'] as const;
export const REPORT_STATUSES = ['draft', 'active', 'retired'] as const;
const Email = z.email().check(z.maxLength(254));

const ReportFields = {
  title: Text(200),
  purpose: Text(2000),
  audience: Text(500),
  contentType: z.enum(CONTENT_TYPES),
  frequency: Frequency,
  content: ReportContent,
  /** CSV (attached data) and/or an HTML summary in the mail; at least one. */
  formats: z.array(z.enum(REPORT_FORMATS)).check(z.minLength(1), z.maxLength(2)),
  /** Recipients besides the owner, who always gets the report. */
  recipients: z.array(Email).check(z.maxLength(20)),
  /** The owner's user id and e-mail address. */
  owner: z.strictObject({ id: Id, email: Email }),
  /** Who the report was agreed with (a customer id or a named party) and when (PR3.1). */
  agreedWith: z.optional(Text(200)),
  agreedOn: z.optional(z.iso.date().check(z.maxLength(10))),
};

export const CreateReportBody = z.strictObject({ ...ReportFields, status: z.optional(z.enum(['draft', 'active'])) });
export const UpdateReportBody = z.strictObject({
  title: z.optional(ReportFields.title),
  purpose: z.optional(ReportFields.purpose),
  audience: z.optional(ReportFields.audience),
  contentType: z.optional(ReportFields.contentType),
  frequency: z.optional(ReportFields.frequency),
  content: z.optional(ReportFields.content),
  formats: z.optional(ReportFields.formats),
  recipients: z.optional(ReportFields.recipients),
  owner: z.optional(ReportFields.owner),
  agreedWith: z.optional(ReportFields.agreedWith),
  agreedOn: z.optional(ReportFields.agreedOn),
  status: z.optional(z.enum(REPORT_STATUSES)),
});
export const ListReportsQuery = z.extend(ListQuery, {
  /** The register by content type (PR3.1). */
  contentType: z.optional(z.enum(CONTENT_TYPES)),
});

export const Report = z.object({
  reportId: z.string(),
  number: z.string(),
  ...ReportFields,
  status: z.enum(REPORT_STATUSES),
  /** The next scheduled run while active. */
  nextRunAt: z.optional(z.string()),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const ReportPage = z.object({ items: z.array(Report), nextCursor: z.optional(z.string()) });

export const HistoryPage = z.object({
  items: z.array(
    z.object({
      at: z.string(),
      actor: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
      action: z.string(),
      changes: z.optional(
        z.record(z.string(), z.object({ from: z.optional(z.unknown()), to: z.optional(z.unknown()) })),
      ),
      reason: z.optional(z.string()),
      correlationId: z.string(),
    }),
  ),
  nextCursor: z.optional(z.string()),
});

export const Delivery = z.object({
  recipient: z.string(),
  at: z.string(),
  outcome: z.enum(['sent', 'failed']),
  messageId: z.optional(z.string()),
  error: z.optional(z.string()),
});

export const ReportRun = z.object({
  runId: z.string(),
  reportId: z.string(),
  number: z.string(),
  /** The scheduled instant this run is for (absent for "run now"). */
  scheduledFor: z.optional(z.string()),
  trigger: z.enum(['schedule', 'manual']),
  period: z.object({ from: z.string(), to: z.string(), label: z.string() }),
  status: z.enum(['succeeded', 'failed']),
  /** Produced after its window (PR3.3: a late report is raised as ReportDelayed). */
  late: z.boolean(),
  rows: z.number(),
  value: z.optional(z.nullable(z.number())),
  startedAt: z.string(),
  durationMs: z.number(),
  error: z.optional(z.string()),
  /** The CSV in the service's bucket (download it through `.../runs/{runId}/csv`). */
  csv: z.optional(z.object({ key: z.string(), bytes: z.number(), rows: z.number() })),
  deliveries: z.array(Delivery),
  nextRunAt: z.optional(z.string()),
});
export const CsvLink = z.object({
  url: z.string(),
  expiresAt: z.string(),
  bytes: z.number(),
});
export const ReportRunPage = z.object({ items: z.array(ReportRun), nextCursor: z.optional(z.string()) });

// ---- KPIs (GR6.1) ----

export const KPI_DIRECTIONS = ['at-least', 'at-most'] as const;
export const KPI_FREQUENCIES = ['daily', 'weekly', 'monthly'] as const;

const KpiFields = {
  name: Text(200),
  description: z.optional(Text(2000)),
  /** A built-in aggregate, or the count of a saved ticket search per period. */
  measure: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('aggregate'),
      aggregate: z.enum(AGGREGATES),
      ...AggregateParamsShape,
      customerId: z.optional(Id),
    }),
    z.strictObject({
      kind: z.literal('search'),
      filters: TicketFilters,
      customerId: z.optional(Id),
    }),
  ]),
  target: z.number(),
  direction: z.enum(KPI_DIRECTIONS),
  frequency: z.enum(KPI_FREQUENCIES),
  timeZone: TimeZone,
  /** Who answers for the KPI; the built-ins name the reporting process until a person is set. */
  owner: z.strictObject({ id: Id, email: z.optional(Email) }),
};
export const KpiMeasure = KpiFields.measure;
export type KpiMeasure = z.infer<typeof KpiMeasure>;

export const CreateKpiBody = z.strictObject({
  /** Readable id (`backlog`, `p1-mttr`). */
  kpiId: z
    .string()
    .check(z.maxLength(40), z.regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be 2-40 lower-case letters, digits and -')),
  ...KpiFields,
});
export const UpdateKpiBody = z.strictObject({
  name: z.optional(KpiFields.name),
  description: z.optional(Text(2000)),
  target: z.optional(KpiFields.target),
  direction: z.optional(KpiFields.direction),
  frequency: z.optional(KpiFields.frequency),
  timeZone: z.optional(KpiFields.timeZone),
  owner: z.optional(KpiFields.owner),
  active: z.optional(z.boolean()),
});

export const Kpi = z.object({
  kpiId: z.string(),
  ...KpiFields,
  builtIn: z.boolean(),
  active: z.boolean(),
  unit: z.string(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const KpiPage = z.object({ items: z.array(Kpi), nextCursor: z.optional(z.string()) });

export const KpiValue = z.object({
  kpiId: z.string(),
  period: z.object({ from: z.string(), to: z.string(), label: z.string() }),
  value: z.nullable(z.number()),
  unit: z.string(),
  basis: z.number(),
  target: z.number(),
  direction: z.enum(KPI_DIRECTIONS),
  met: z.nullable(z.boolean()),
  /** Change against the previous period's value (null when either is missing). */
  change: z.nullable(z.number()),
  trend: z.enum(['better', 'worse', 'same', 'unknown']),
  computedAt: z.string(),
});
export const KpiValuePage = z.object({ items: z.array(KpiValue), nextCursor: z.optional(z.string()) });
export const KpiValuesQuery = z.extend(ListQuery, {});
