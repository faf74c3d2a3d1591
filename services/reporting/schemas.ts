import * as z from 'zod/mini';
import { instant } from '../../shared/contracts/limits';
import { ListQuery } from '../../shared/kit/paging';

/** API schemas of the reporting service; validation and the OpenAPI document derive from them. */
const Text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
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
const Keyword = z.string().check(z.minLength(1), z.maxLength(200));

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
