import * as z from 'zod/mini';
import { CHANGE_STATUSES, CHANGE_TYPES } from '../../shared/contracts/changes/v1';
import { boundedRecord, boundedTree, fanOut } from '../../shared/contracts/limits';
import { TICKET_STATUSES } from '../../shared/contracts/service-desk/v1';
import { ClockSummary } from '../../shared/contracts/service-level/v1';
import { HistoryPage, ListQuery, pageOf } from '../../shared/kit/paging';
import { MAX_ATTACHMENT_BYTES } from './domain/attachment';
import { FIELD_TYPES } from './domain/request-model';
import { CHANNELS, PENDING_REASONS, RESOLUTION_CODES, TICKET_TYPES } from './domain/ticket';

/** API request schemas of the service desk; validation and the OpenAPI document derive from them. */
const Id = z.string().check(z.minLength(1), z.maxLength(100));
const Slug = z
  .string()
  .check(z.maxLength(63), z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'));
const Text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const Email = z.string().check(z.regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address'), z.maxLength(320));
const Level = z
  .string()
  .check(z.maxLength(32), z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be a short level name'));
const Reason = z.optional(z.string().check(z.maxLength(1000)));

export { HistoryPage, ListQuery };

export const CallerSchema = z.strictObject({ id: Id, name: Text(200), email: z.optional(Email) });

const TicketFields = {
  title: Text(200),
  description: z.optional(z.string().check(z.maxLength(10_000))),
  channel: z._default(z.enum(CHANNELS), 'portal'),
  /** Required when staff record a ticket; a customer user is always the caller. */
  caller: z.optional(CallerSchema),
  customerId: z.optional(Id),
  /** Portfolio service id (`SVC-12`). */
  serviceId: z.optional(Id),
  ciIds: z._default(z.array(Id).check(z.maxLength(50)), []),
  /** Category path of ids from the root of the configured tree, e.g. `["hardware", "laptop"]`. */
  category: z.optional(z.array(Slug).check(z.minLength(1), z.maxLength(6))),
  impact: z.optional(Level),
  urgency: z.optional(Level),
  assignmentGroup: z.optional(Slug),
  assigneeId: z.optional(Id),
  parentId: z.optional(Id),
  relatedIds: z._default(z.array(Id).check(z.maxLength(20)), []),
};

export const CreateIncidentBody = z.strictObject(TicketFields);

export const CreateRequestBody = z.strictObject({
  ...TicketFields,
  title: z.optional(Text(200)),
  /** A standard request from the catalogue: its form is validated against the model. */
  modelId: z.optional(Slug),
  /** Answers to the model's fields (at most 30, as a model has): text, number, yes/no or a date. */
  form: z.optional(
    boundedRecord(
      z.string().check(z.maxLength(63)),
      z.union([z.string().check(z.maxLength(500)), z.number(), z.boolean(), z.null()]),
      30,
    ),
  ),
});

export const UpdateTicketBody = z.strictObject({
  title: z.optional(Text(200)),
  description: z.optional(z.string().check(z.maxLength(10_000))),
  category: z.optional(z.nullable(z.array(Slug).check(z.minLength(1), z.maxLength(6)))),
  impact: z.optional(Level),
  urgency: z.optional(Level),
  serviceId: z.optional(z.nullable(Id)),
  ciIds: z.optional(z.array(Id).check(z.maxLength(50))),
  assignmentGroup: z.optional(Slug),
  assigneeId: z.optional(z.nullable(Id)),
  /** Work statuses only; resolve, close, reopen and cancel are actions of their own. */
  status: z.optional(z.enum(['assigned', 'in-progress', 'pending'])),
  pendingReason: z.optional(z.enum(PENDING_REASONS)),
  parentId: z.optional(z.nullable(Id)),
  relatedIds: z.optional(z.array(Id).check(z.maxLength(20))),
  /** Why the change was made; kept in the history (FitSM GR2.3). */
  reason: Reason,
});

export const ResolveBody = z.strictObject({
  resolutionCode: z.enum(RESOLUTION_CODES),
  resolutionSummary: Text(4000),
});
export const CloseBody = z.optional(z.strictObject({ comment: z.optional(Text(2000)) }));
export const ReasonBody = z.strictObject({ reason: Text(1000) });

export const CommentBody = z.strictObject({
  text: Text(10_000),
  visibility: z._default(z.enum(['public', 'internal']), 'public'),
});

export const WorkLogBody = z.strictObject({
  minutes: z.number().check(z.int(), z.gte(1), z.lte(1440)),
  note: Text(4000),
});

/**
 * A request for change raised from a ticket (FitSM PR12.1). CIs and services default to the
 * ticket's; the limits are at most the `ChangeRequested` contract's (ADR 20).
 */
export const ChangeRequestBody = z.strictObject({
  title: Text(200),
  /** What should change. */
  description: Text(10_000),
  /** Why: what the incident showed. */
  reason: Text(10_000),
  /** A hint for change management's classification; a standard change is raised from its template instead. */
  suggestedType: z.optional(z.enum(['normal', 'major', 'emergency'])),
  ciIds: z.optional(z.array(Id).check(z.maxLength(50))),
  serviceIds: z.optional(z.array(Id).check(z.maxLength(40))),
});

export const EscalationBody = z.strictObject({
  kind: z.enum(['functional', 'hierarchical']),
  reason: Text(1000),
  /** Functional: the group the ticket moves to. */
  toGroup: z.optional(Slug),
});

export const GroupBody = z.strictObject({
  name: Text(200),
  managerId: z.optional(Id),
  managerEmail: z.optional(Email),
  members: z._default(z.array(Id).check(z.maxLength(200)), []),
});

export const DeclareMajorBody = z.optional(
  z.strictObject({
    /** Who leads the major incident; the declaring user when absent. */
    coordinatorId: z.optional(Id),
    coordinatorEmail: z.optional(Email),
    /** Needed when the ticket meets no configured criterion (a logged override). */
    reason: Reason,
  }),
);
export const MajorUpdateBody = z.strictObject({ summary: Text(4000) });
export const MajorReviewBody = z.strictObject({
  findings: Text(10_000),
  rootCause: z.optional(Text(4000)),
  actions: z
    .array(
      z.strictObject({
        title: Text(500),
        owner: z.optional(Id),
        dueAt: z.optional(z.iso.date().check(z.maxLength(10))),
      }),
    )
    .check(z.maxLength(20)),
});

export const ApprovalBody = z.strictObject({
  decision: z.enum(['approved', 'rejected']),
  comment: Reason,
});

export const RequestModelBody = z.strictObject({
  name: Text(200),
  description: z.optional(Text(4000)),
  serviceId: Id,
  fields: z
    .array(
      z.strictObject({
        name: z
          .string()
          .check(
            z.maxLength(63),
            z.regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'must be a letter then letters, digits or _'),
          ),
        label: z.optional(Text(200)),
        type: z.enum(FIELD_TYPES),
        required: z._default(z.boolean(), false),
        allowedValues: z.optional(z.array(Text(60)).check(z.minLength(1), z.maxLength(20))),
      }),
    )
    .check(z.maxLength(30)),
  /** Each task becomes a ticket item when a request is recorded from the model, in the same transaction. */
  tasks: z._default(
    fanOut(z.array(z.strictObject({ title: Text(200), group: z.optional(Slug) })).check(z.maxLength(40)), 1),
    [],
  ),
  approval: z.optional(z.strictObject({ role: z.optional(Id), userId: z.optional(Id) })),
  group: z.optional(Slug),
  active: z._default(z.boolean(), true),
});

interface CategoryInput {
  id: string;
  name: string;
  children?: CategoryInput[] | undefined;
}
const Category: z.ZodMiniType<CategoryInput> = z.strictObject({
  id: Slug,
  name: Text(60),
  get children() {
    return z.optional(z.array(Category).check(z.maxLength(100)));
  },
});

/** The whole category tree holds at most 200 nodes (at most 6 levels, as a category path), so settings fit one item with their history (ADR 20). */
const MAX_CATEGORY_NODES = 200;
const countNodes = (nodes: CategoryInput[], depth = 1): number =>
  depth > 6 ? Number.POSITIVE_INFINITY : nodes.reduce((n, c) => n + 1 + countNodes(c.children ?? [], depth + 1), 0);
const Categories = boundedTree(
  z.array(Category).check(
    z.maxLength(200),
    z.refine(
      (tree) => countNodes(tree) <= MAX_CATEGORY_NODES,
      `must hold at most ${MAX_CATEGORY_NODES} categories, at most 6 levels deep`,
    ),
  ),
  MAX_CATEGORY_NODES,
);

const Rule = z.strictObject({
  notify: z.enum(['none', 'group-manager', 'duty-manager', 'both']),
  reassignToGroup: z.optional(Slug),
});

export const SettingsBody = z.strictObject({
  priority: z.strictObject({
    impacts: z.array(Level).check(z.minLength(1), z.maxLength(10)),
    urgencies: z.array(Level).check(z.minLength(1), z.maxLength(10)),
    priorities: z.array(Level).check(z.minLength(1), z.maxLength(10)),
    matrix: boundedRecord(Level, boundedRecord(Level, Level, 10), 10),
    defaultImpact: Level,
    defaultUrgency: Level,
  }),
  categories: Categories,
  defaultGroup: Slug,
  autoCloseDays: z.number().check(z.int(), z.gte(1), z.lte(90)),
  reopenWindowDays: z.number().check(z.int(), z.gte(1), z.lte(365)),
  majorIncident: z.strictObject({
    criteria: z
      .array(
        z.strictObject({
          id: Slug,
          description: z.optional(Text(200)),
          priorities: z.optional(z.array(Level).check(z.maxLength(10))),
          impacts: z.optional(z.array(Level).check(z.maxLength(10))),
          serviceIds: z.optional(z.array(Id).check(z.maxLength(10))),
        }),
      )
      .check(z.maxLength(10)),
    cadenceSeconds: z.number().check(z.int(), z.gte(60), z.lte(86_400)),
    stakeholderEmails: z._default(z.array(Email).check(z.maxLength(20)), []),
  }),
  escalation: z.strictObject({
    onWarning: Rule,
    onBreach: Rule,
    dutyManager: z.optional(z.strictObject({ id: Id, name: z.optional(Text(200)), email: z.optional(Email) })),
  }),
});

export const CustomerQueueQuery = z.extend(ListQuery, { customerId: z.optional(Id) });

// ---- Responses (documentation and the console's types; they validate nothing) ----

const Person = z.object({ id: z.string(), name: z.string() });
const Caller = z.object({ id: z.string(), name: z.string(), email: z.optional(z.string()) });
const TicketType = z.enum(TICKET_TYPES);
const TicketStatus = z.enum(TICKET_STATUSES);
/** Answers to a request model's form, by field name: text or a date (`YYYY-MM-DD`), number, yes/no, or null when left empty. */
const Form = z.record(z.string(), z.nullable(z.union([z.string(), z.number(), z.boolean()])));

const Escalation = z.object({
  at: z.string(),
  kind: z.enum(['functional', 'hierarchical']),
  trigger: z.enum(['manual', 'sla-warning', 'sla-breach']),
  reason: z.string(),
  /** Functional: the group the ticket left. */
  from: z.optional(z.string()),
  /** The group it moved to, or whom was notified. */
  to: z.string(),
  by: z.string(),
});
const Approval = z.object({
  role: z.optional(z.string()),
  userId: z.optional(z.string()),
  status: z.enum(['pending', 'approved', 'rejected']),
  decidedBy: z.optional(z.string()),
  decidedAt: z.optional(z.string()),
  comment: z.optional(z.string()),
});
const MajorReview = z.object({
  findings: z.string(),
  rootCause: z.optional(z.string()),
  actions: z.array(z.object({ title: z.string(), owner: z.optional(z.string()), dueAt: z.optional(z.string()) })),
  reviewedBy: z.string(),
  reviewedAt: z.string(),
});
/** The desk's copy of the service-level clocks (newest ticket version wins). */
const SlaCopy = z.object({
  ticketVersion: z.number(),
  agreementId: z.optional(z.string()),
  clocks: z.array(ClockSummary),
  /** The nearest deadline of a running clock. */
  deadline: z.optional(z.string()),
});

/** A ticket as staff see it (PR9); its version is also the ETag. */
export const Ticket = z.object({
  ticketId: z.string(),
  number: z.string(),
  type: TicketType,
  title: z.string(),
  description: z.optional(z.string()),
  channel: z.enum(CHANNELS),
  caller: Caller,
  customerId: z.optional(z.string()),
  serviceId: z.optional(z.string()),
  ciIds: z.array(z.string()),
  /** Category path from the root of the tree, e.g. `["hardware", "laptop"]`. */
  category: z.optional(z.array(z.string())),
  impact: z.string(),
  urgency: z.string(),
  priority: z.string(),
  /** Position of the priority in the configured list (0 = most urgent): the queue order. */
  priorityRank: z.number(),
  status: TicketStatus,
  pendingReason: z.optional(z.enum(PENDING_REASONS)),
  assignmentGroup: z.string(),
  assigneeId: z.optional(z.string()),
  parentId: z.optional(z.string()),
  relatedIds: z.array(z.string()),
  resolutionCode: z.optional(z.enum(RESOLUTION_CODES)),
  resolutionSummary: z.optional(z.string()),
  resolvedAt: z.optional(z.string()),
  closedAt: z.optional(z.string()),
  closedBy: z.optional(z.string()),
  cancelReason: z.optional(z.string()),
  autoCloseAt: z.optional(z.string()),
  firstRespondedAt: z.optional(z.string()),
  reopenCount: z.number(),
  changedAt: z.string(),
  escalations: z.array(Escalation),
  /** Configured major-incident criteria the ticket meets now (PR9.6). */
  majorCriteria: z.array(z.string()),
  major: z.boolean(),
  majorDeclaredAt: z.optional(z.string()),
  coordinatorId: z.optional(z.string()),
  coordinatorEmail: z.optional(z.string()),
  majorReminders: z.number(),
  majorUpdates: z.number(),
  majorReview: z.optional(MajorReview),
  modelId: z.optional(z.string()),
  form: z.optional(Form),
  approval: z.optional(Approval),
  publicComments: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
  sla: z.optional(SlaCopy),
});

/** A ticket as a customer user sees it (PR9.4): no assignee, escalations, coordinator, review, approval or SLA internals. */
export const CustomerTicket = z.pick(Ticket, {
  ticketId: true,
  number: true,
  type: true,
  title: true,
  description: true,
  channel: true,
  caller: true,
  customerId: true,
  serviceId: true,
  category: true,
  impact: true,
  urgency: true,
  priority: true,
  status: true,
  pendingReason: true,
  resolutionCode: true,
  resolutionSummary: true,
  resolvedAt: true,
  closedAt: true,
  firstRespondedAt: true,
  modelId: true,
  form: true,
  major: true,
  reopenCount: true,
  createdAt: true,
  updatedAt: true,
  version: true,
});

/** What a ticket route answers: the staff view, or the customer view to a customer user. */
export const TicketView = z.union([Ticket, CustomerTicket]);

/** A ticket's line in a work queue, from the queue index alone. */
export const QueueLine = z.object({
  ticketId: z.string(),
  number: z.string(),
  type: TicketType,
  title: z.string(),
  status: TicketStatus,
  pendingReason: z.optional(z.string()),
  priority: z.string(),
  assignmentGroup: z.string(),
  assigneeId: z.optional(z.string()),
  customerId: z.optional(z.string()),
  major: z.boolean(),
  /** The nearest SLA deadline of a running clock. */
  slaDeadline: z.optional(z.string()),
  createdAt: z.string(),
  version: z.number(),
});
export const QueuePage = pageOf(QueueLine);

/** A ticket's line in its organisation's queue as a customer user sees it (no free text: read the ticket). */
export const CustomerQueueLine = z.object({
  ticketId: z.string(),
  number: z.string(),
  type: TicketType,
  title: z.string(),
  channel: z.string(),
  caller: Caller,
  customerId: z.optional(z.string()),
  serviceId: z.optional(z.string()),
  category: z.optional(z.array(z.string())),
  impact: z.string(),
  urgency: z.string(),
  priority: z.string(),
  status: TicketStatus,
  pendingReason: z.optional(z.string()),
  resolutionCode: z.optional(z.string()),
  resolvedAt: z.optional(z.string()),
  closedAt: z.optional(z.string()),
  firstRespondedAt: z.optional(z.string()),
  modelId: z.optional(z.string()),
  major: z.boolean(),
  reopenCount: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
/** An organisation's tickets: queue lines to staff, customer lines to a customer user. */
export const CustomerQueuePage = pageOf(z.union([QueueLine, CustomerQueueLine]));

export const ChildPage = pageOf(z.object({ ticketId: z.string(), number: z.string(), title: z.string() }));

/** The answer to a request for change: accepted, raised asynchronously by the changes service. */
export const ChangeRequestAccepted = z.object({
  /** The request's id: the changes service raises one change per request id. */
  requestId: z.string(),
  ticketId: z.string(),
  /** The ticket's number: the `origin.ref` of the change raised. */
  number: z.string(),
});

/** A change raised from a ticket, as the desk last heard of it from the changes service. */
export const TicketChange = z.object({
  changeId: z.string(),
  /** `CHG-77`. */
  number: z.string(),
  title: z.string(),
  type: z.enum(CHANGE_TYPES),
  status: z.enum(CHANGE_STATUSES),
  plannedStart: z.optional(z.string()),
  plannedEnd: z.optional(z.string()),
  /** The change's version this copy reflects. */
  changeVersion: z.number(),
  /** When the change was last updated, as its event says. */
  updatedAt: z.string(),
});
export const TicketChangePage = pageOf(TicketChange);

export const Comment = z.object({
  commentId: z.string(),
  visibility: z.enum(['public', 'internal']),
  kind: z.enum(['comment', 'stakeholder-update']),
  text: z.string(),
  author: Person,
  /** True when the caller wrote it (a reply from the portal or by mail). */
  byCaller: z.boolean(),
  createdAt: z.string(),
});
export const CommentPage = pageOf(Comment);

export const WorkLogEntry = z.object({
  entryId: z.string(),
  minutes: z.number(),
  note: z.string(),
  by: Person,
  at: z.string(),
});
export const WorkLogPage = pageOf(WorkLogEntry);

export const FulfilmentTask = z.object({
  /** `T01`, `T02`, ... in the model's order. */
  taskId: z.string(),
  title: z.string(),
  group: z.optional(z.string()),
  status: z.enum(['open', 'done']),
  doneBy: z.optional(z.string()),
  doneAt: z.optional(z.string()),
  version: z.number(),
});
/** Every task of a request (at most 40, so never more than one page). */
export const FulfilmentTaskList = z.object({ items: z.array(FulfilmentTask) });

export const Group = z.object({
  group: z.string(),
  name: z.string(),
  managerId: z.optional(z.string()),
  managerEmail: z.optional(z.string()),
  members: z.array(z.string()),
  version: z.number(),
});

export const RequestModel = z.object({
  modelId: z.string(),
  name: z.string(),
  description: z.optional(z.string()),
  serviceId: z.string(),
  fields: z.array(
    z.object({
      name: z.string(),
      label: z.optional(z.string()),
      type: z.enum(FIELD_TYPES),
      required: z.boolean(),
      allowedValues: z.optional(z.array(z.string())),
    }),
  ),
  tasks: z.array(z.object({ title: z.string(), group: z.optional(z.string()) })),
  approval: z.optional(z.object({ role: z.optional(z.string()), userId: z.optional(z.string()) })),
  group: z.optional(z.string()),
  active: z.boolean(),
  version: z.number(),
});
export const RequestModelPage = pageOf(RequestModel);

interface CategoryOutput {
  id: string;
  name: string;
  children?: CategoryOutput[] | undefined;
}
const CategoryNode: z.ZodMiniType<CategoryOutput> = z.object({
  id: z.string(),
  name: z.string(),
  get children() {
    return z.optional(z.array(CategoryNode));
  },
});
const EscalationRule = z.object({
  notify: z.enum(['none', 'group-manager', 'duty-manager', 'both']),
  reassignToGroup: z.optional(z.string()),
});

/** The desk settings (PR9.1, PR9.3, PR9.5, PR9.6); the defaults at version 0 until first replaced. */
export const Settings = z.object({
  priority: z.object({
    impacts: z.array(z.string()),
    urgencies: z.array(z.string()),
    priorities: z.array(z.string()),
    /** `matrix[impact][urgency]` is the priority label. */
    matrix: z.record(z.string(), z.record(z.string(), z.string())),
    defaultImpact: z.string(),
    defaultUrgency: z.string(),
  }),
  categories: z.array(CategoryNode),
  defaultGroup: z.string(),
  autoCloseDays: z.number(),
  reopenWindowDays: z.number(),
  majorIncident: z.object({
    criteria: z.array(
      z.object({
        id: z.string(),
        description: z.optional(z.string()),
        priorities: z.optional(z.array(z.string())),
        impacts: z.optional(z.array(z.string())),
        serviceIds: z.optional(z.array(z.string())),
      }),
    ),
    cadenceSeconds: z.number(),
    stakeholderEmails: z.array(z.string()),
  }),
  escalation: z.object({
    onWarning: EscalationRule,
    onBreach: EscalationRule,
    dutyManager: z.optional(z.object({ id: z.string(), name: z.optional(z.string()), email: z.optional(z.string()) })),
  }),
});

/** Names in the OpenAPI document (`components.schemas`), so the console's generated client has them by name. */
for (const [id, schema] of Object.entries({
  Ticket,
  CustomerTicket,
  TicketView,
  QueueLine,
  QueuePage,
  CustomerQueueLine,
  CustomerQueuePage,
  ChildPage,
  Comment,
  CommentPage,
  WorkLogEntry,
  WorkLogPage,
  FulfilmentTask,
  FulfilmentTaskList,
  SupportGroup: Group,
  RequestModel,
  RequestModelPage,
  CategoryNode,
  DeskSettings: Settings,
})) {
  z.globalRegistry.add(schema, { id });
}
// ---- Attachments (issue 10) ----

/** A file's own name: no path, no control characters (it reaches a Content-Disposition header). */
const FileName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(255),
    z.regex(/^[^\p{Cc}/\\]+$/u, 'must be a file name without slashes or control characters'),
  );

export const AttachmentBody = z.strictObject({
  fileName: FileName,
  /** The file's media type; the accepted ones are listed in the service README. */
  contentType: z.string().check(z.minLength(1), z.maxLength(127)),
  /** Bytes; at most 10 MiB. */
  size: z.number().check(z.int(), z.gte(1), z.lte(MAX_ATTACHMENT_BYTES)),
  /** Attach to this comment of the ticket (public comments only, for customer users). */
  commentId: z.optional(Id),
});

export const AttachmentView = z.object({
  attachmentId: z.string(),
  ticketId: z.string(),
  commentId: z.optional(z.string()),
  fileName: z.string(),
  contentType: z.string(),
  size: z.number(),
  /** `public`: the ticket's customer users see it too; `internal`: staff only. */
  visibility: z.enum(['public', 'internal']),
  /** `pending` until the upload is completed, then `available`. */
  status: z.enum(['pending', 'available']),
  uploadedBy: z.object({ id: z.string(), name: z.string() }),
  createdAt: z.string(),
});

/** A requested upload: the pending attachment and where to PUT the file (within 5 minutes). */
export const AttachmentUpload = z.object({
  attachment: AttachmentView,
  upload: z.object({
    method: z.literal('PUT'),
    url: z.string(),
    /** Send exactly these headers (the browser adds Content-Length itself); both are signed. */
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  }),
});

export const AttachmentPage = z.object({ items: z.array(AttachmentView), nextCursor: z.optional(z.string()) });

/** A download link on the bucket's own domain, valid 5 minutes (ask again for a fresh one). */
export const AttachmentLink = z.object({ url: z.string(), expiresAt: z.string() });
