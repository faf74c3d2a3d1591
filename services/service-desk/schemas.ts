import * as z from 'zod/mini';
import { boundedRecord, boundedTree, fanOut } from '../../shared/contracts/limits';
import { ListQuery } from '../../shared/kit/paging';
import { MAX_ATTACHMENT_BYTES } from './domain/attachment';
import { FIELD_TYPES } from './domain/request-model';
import { CHANNELS, PENDING_REASONS, RESOLUTION_CODES } from './domain/ticket';

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

export { ListQuery };

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
