import * as z from 'zod/mini';
import { boundedRecord } from '../../shared/contracts/limits';
import { HistoryPage, ListQuery, pageOf } from '../../shared/kit/paging';
import { ALL_ROLES, type Role } from '../../shared/kit/roles';
import { APPROVAL_MODES, TIMEOUT_ACTIONS } from './domain/approval';
import { CHANGE_STATUSES, CHANGE_TYPES, CLOSURE_CODES, IMPACT_LEVELS, OUTCOMES, RISK_LEVELS } from './domain/change';
import { RISK_FACTS } from './domain/policy';
import { MAX_WINDOW_DAYS } from './domain/schedule';
import { ConflictView } from './schemas-schedule';

/** API schemas of the changes service; validation and the OpenAPI document derive from them. */
export { HistoryPage, ListQuery };

const Id = z.string().check(z.minLength(1), z.maxLength(100));
const Name = z.string().check(z.minLength(1), z.maxLength(200));
/** Texts are bounded so the largest change (its plans, assessment, review and notes) and its history entry fit one item (ADR 20). */
const Text = z.string().check(z.minLength(1), z.maxLength(4000));
const Short = z.string().check(z.minLength(1), z.maxLength(2000));
/** Ids in the policy: its matrix names users and boards (at most 64 characters each). */
const PolicyId = z.string().check(z.minLength(1), z.maxLength(64));
const Reason = z.string().check(z.minLength(1), z.maxLength(1000));
/** A decision's rationale: kept with the vote, one item per vote. */
const Rationale = z.string().check(z.minLength(1), z.maxLength(2000));
const Instant = z.iso.datetime({ offset: true }).check(z.maxLength(40));
const CiIds = z.array(Id).check(z.maxLength(50));
const ServiceIds = z.array(Id).check(z.maxLength(40));
const RoleName = z.enum(ALL_ROLES as unknown as [Role, ...Role[]]);

const windowCheck = <T extends { plannedStart?: string | undefined; plannedEnd?: string | undefined }>(
  ctx: z.core.ParsePayload<T>,
) => {
  const { plannedStart, plannedEnd } = ctx.value;
  if ((plannedStart === undefined) !== (plannedEnd === undefined)) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      path: ['plannedEnd'],
      message: 'give both ends of the window',
    });
    return;
  }
  if (plannedStart && plannedEnd) {
    const ms = Date.parse(plannedEnd) - Date.parse(plannedStart);
    if (!(ms > 0))
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['plannedEnd'],
        message: 'must be after plannedStart',
      });
    else if (ms > MAX_WINDOW_DAYS * 86_400_000)
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['plannedEnd'],
        message: `a change window is at most ${MAX_WINDOW_DAYS} days`,
      });
  }
};

const ChangeFields = {
  title: Name,
  description: Text,
  reason: z.optional(Short),
  implementerId: z.optional(Id),
  ciIds: z.optional(CiIds),
  serviceIds: z.optional(ServiceIds),
  plannedStart: z.optional(Instant),
  plannedEnd: z.optional(Instant),
  implementationPlan: z.optional(Text),
  testPlan: z.optional(Text),
  backoutPlan: z.optional(Text),
};

export const CreateChangeBody = z
  .strictObject({
    ...ChangeFields,
    /** normal, major or emergency; a standard change is made from a template (`templateId`). */
    type: z.optional(z.enum(['normal', 'major', 'emergency'])),
    templateId: z.optional(Id),
    /** Values of the template's own fields. */
    fields: z.optional(boundedRecord(z.string().check(z.maxLength(63)), z.string().check(z.maxLength(500)), 30)),
  })
  .check(windowCheck);

export const UpdateChangeBody = z
  .strictObject({
    title: z.optional(Name),
    description: z.optional(Text),
    reason: z.optional(Short),
    type: z.optional(z.enum(['normal', 'major', 'emergency'])),
    implementerId: z.optional(Id),
    ciIds: z.optional(CiIds),
    serviceIds: z.optional(ServiceIds),
    plannedStart: z.optional(Instant),
    plannedEnd: z.optional(Instant),
    implementationPlan: z.optional(Text),
    testPlan: z.optional(Text),
    backoutPlan: z.optional(Text),
    /** Why: recorded in the history. */
    note: z.optional(Reason),
  })
  .check(windowCheck);

export const ListChangesQuery = z.strictObject({
  ...ListQuery.shape,
  status: z.optional(z.enum(CHANGE_STATUSES)),
});

export const AssessBody = z.strictObject({
  benefit: Short,
  effort: Short,
  feasibility: Short,
  /** The assessor may raise the impact the graph gives, never lower it. */
  impact: z.optional(z.enum(IMPACT_LEVELS)),
  /** Questionnaire answers by question id. */
  answers: z._default(boundedRecord(z.string().check(z.maxLength(63)), z.string().check(z.maxLength(63)), 50), {}),
});

export const ImpactBody = z.strictObject({
  ciIds: z._default(CiIds, []),
  serviceIds: z._default(ServiceIds, []),
});

export const DecisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  rationale: Rationale,
  /** The level decided on; defaults to the open one (a check against deciding a level you did not see). */
  level: z.optional(z.number().check(z.int(), z.gte(1), z.lte(20))),
});

export const ImplementationBody = z.discriminatedUnion('event', [
  z.strictObject({ event: z.literal('started'), notes: z.optional(Reason) }),
  z.strictObject({ event: z.literal('ended'), outcome: z.enum(OUTCOMES), notes: z.optional(Short) }),
]);

export const ReviewBody = z.strictObject({
  summary: Short,
  objectivesMet: z.boolean(),
  lessons: z.optional(Short),
});

export const ClosureBody = z.strictObject({
  notes: z.optional(Short),
});

export const CancelBody = z.strictObject({ reason: Reason });

const ApproverSpecSchema = z
  .strictObject({
    /** At most 5 named users: a larger group is a CAB. */
    users: z.optional(z.array(PolicyId).check(z.maxLength(5))),
    role: z.optional(RoleName),
    cabId: z.optional(PolicyId),
    requesterManager: z.optional(z.boolean()),
  })
  .check((ctx) => {
    const a = ctx.value;
    if (!a.users?.length && !a.role && !a.cabId && !a.requesterManager)
      ctx.issues.push({ code: 'custom', input: a, message: 'name at least one kind of approver', path: [] });
  });

const LevelSpecSchema = z
  .strictObject({
    name: Name,
    approvers: ApproverSpecSchema,
    mode: z.enum(APPROVAL_MODES),
    quorum: z.optional(z.number().check(z.int(), z.gte(1), z.lte(10))),
    /** 60 s to 30 days. */
    timeoutSeconds: z.number().check(z.int(), z.gte(1), z.lte(2_592_000)),
    onTimeout: z.enum(TIMEOUT_ACTIONS),
    escalateTo: z.optional(ApproverSpecSchema),
  })
  .check((ctx) => {
    const l = ctx.value;
    if (l.mode === 'quorum' && l.quorum === undefined)
      ctx.issues.push({ code: 'custom', input: l, path: ['quorum'], message: 'is required in quorum mode' });
    if (l.onTimeout === 'escalate' && !l.escalateTo)
      ctx.issues.push({ code: 'custom', input: l, path: ['escalateTo'], message: 'is required to escalate' });
  });

export const PolicyBody = z.strictObject({
  riskConditions: z
    .array(
      z.strictObject({
        fact: z.enum(RISK_FACTS),
        atLeast: z.optional(z.number().check(z.int(), z.gte(0), z.lte(1_000_000))),
        risk: z.enum(RISK_LEVELS),
      }),
    )
    .check(z.maxLength(20)),
  questionnaire: z
    .array(
      z.strictObject({
        id: z
          .string()
          .check(z.maxLength(63), z.regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes')),
        text: Name,
        weight: z.number().check(z.gte(0), z.lte(100)),
        answers: z
          .array(
            z.strictObject({
              value: z.string().check(z.minLength(1), z.maxLength(63)),
              label: z.string().check(z.minLength(1), z.maxLength(100)),
              score: z.number().check(z.gte(0), z.lte(100)),
            }),
          )
          .check(z.minLength(2), z.maxLength(5)),
      }),
    )
    .check(z.maxLength(10)),
  riskThresholds: z
    .array(z.strictObject({ atLeast: z.number().check(z.gte(0), z.lte(100_000)), risk: z.enum(RISK_LEVELS) }))
    .check(z.minLength(1), z.maxLength(10)),
  impactThresholds: z
    .array(
      z.strictObject({
        impact: z.enum(IMPACT_LEVELS),
        cis: z.optional(z.number().check(z.int(), z.gte(1), z.lte(1_000_000))),
        services: z.optional(z.number().check(z.int(), z.gte(1), z.lte(1_000_000))),
        customers: z.optional(z.number().check(z.int(), z.gte(1), z.lte(1_000_000))),
      }),
    )
    .check(z.maxLength(10)),
  majorWhen: z.strictObject({ risk: z.optional(z.enum(RISK_LEVELS)), impact: z.optional(z.enum(IMPACT_LEVELS)) }),
  matrix: z
    .array(
      z.strictObject({
        name: Name,
        types: z.optional(z.array(z.enum(['normal', 'major', 'emergency'])).check(z.minLength(1), z.maxLength(3))),
        risks: z.optional(z.array(z.enum(RISK_LEVELS)).check(z.minLength(1), z.maxLength(4))),
        impacts: z.optional(z.array(z.enum(IMPACT_LEVELS)).check(z.minLength(1), z.maxLength(4))),
        levels: z.array(LevelSpecSchema).check(z.minLength(1), z.maxLength(4)),
      }),
    )
    .check(z.minLength(1), z.maxLength(8)),
  blackout: z.strictObject({ policy: z.enum(['refuse', 'extra-level']), level: LevelSpecSchema }),
  conflictDepth: z.number().check(z.int(), z.gte(0), z.lte(5)),
  incidentLinkHours: z.number().check(z.int(), z.gte(0), z.lte(720)),
});

export const PersonBody = z.strictObject({
  name: z.optional(Name),
  email: z.optional(z.email().check(z.maxLength(320))),
  managerId: z.optional(Id),
});

export const CabBody = z.strictObject({
  name: Name,
  /** At most 20 members: every member's vote on a level is kept on the change (ADR 20). */
  members: z.array(Id).check(z.minLength(1), z.maxLength(20)),
  emergency: z._default(z.boolean(), false),
});

export const MeetingBody = z.strictObject({
  cabId: Id,
  title: Name,
  startsAt: Instant,
});

export const MeetingDecisionBody = z.strictObject({
  changeId: Id,
  decision: z.enum(['approve', 'reject']),
  rationale: Rationale,
  /** CAB members present who voted so; each counts as their own vote on the open level. */
  voters: z.array(Id).check(z.minLength(1), z.maxLength(20)),
});

export const TemplateBody = z.strictObject({
  name: Name,
  description: Text,
  ciIds: z._default(CiIds, []),
  serviceIds: z._default(ServiceIds, []),
  implementationPlan: Text,
  testPlan: Text,
  backoutPlan: Text,
  /** Fields the requester fills when making a change from the template. */
  fields: z._default(
    z
      .array(
        z.strictObject({
          name: z
            .string()
            .check(
              z.maxLength(63),
              z.regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'must be a letter then letters, digits or _'),
            ),
          label: z.string().check(z.minLength(1), z.maxLength(100)),
          required: z._default(z.boolean(), true),
        }),
      )
      .check(z.maxLength(30)),
    [],
  ),
});

// ---- responses ----

const VoteView = z.object({
  userId: z.string(),
  decision: z.enum(['approve', 'reject']),
  /** Kept with the vote item; absent in list pages. */
  rationale: z.optional(z.string()),
  at: z.string(),
  meetingId: z.optional(z.string()),
  kind: z.enum(['user', 'system']),
});

export const ApprovalLevelView = z.object({
  level: z.number(),
  name: z.string(),
  mode: z.enum(APPROVAL_MODES),
  required: z.number(),
  approverIds: z.array(z.string()),
  role: z.optional(z.string()),
  cabId: z.optional(z.string()),
  timeoutSeconds: z.number(),
  onTimeout: z.enum(TIMEOUT_ACTIONS),
  escalateTo: z.optional(
    z.object({
      users: z.optional(z.array(z.string())),
      role: z.optional(z.string()),
      cabId: z.optional(z.string()),
      requesterManager: z.optional(z.boolean()),
    }),
  ),
  because: z.string(),
  status: z.enum(['pending', 'open', 'approved', 'rejected']),
  votes: z.array(VoteView),
  openedAt: z.optional(z.string()),
  dueAt: z.optional(z.string()),
  decidedAt: z.optional(z.string()),
  escalations: z.number(),
});

const AffectedView = z.object({
  ciCount: z.number(),
  serviceIds: z.array(z.string()),
  customerIds: z.array(z.string()),
  agreementIds: z.array(z.string()),
  truncated: z.boolean(),
});

export const ChangeView = z.object({
  changeId: z.string(),
  number: z.string(),
  type: z.enum(CHANGE_TYPES),
  status: z.enum(CHANGE_STATUSES),
  title: z.string(),
  description: z.string(),
  reason: z.optional(z.string()),
  requesterId: z.string(),
  implementerId: z.optional(z.string()),
  ciIds: z.array(z.string()),
  serviceIds: z.array(z.string()),
  customerIds: z.array(z.string()),
  plannedStart: z.optional(z.string()),
  plannedEnd: z.optional(z.string()),
  implementationPlan: z.optional(z.string()),
  testPlan: z.optional(z.string()),
  backoutPlan: z.optional(z.string()),
  templateId: z.optional(z.string()),
  origin: z.optional(z.object({ source: z.string(), ref: z.string() })),
  assessment: z.optional(
    z.object({
      benefit: z.string(),
      effort: z.string(),
      feasibility: z.string(),
      risk: z.enum(RISK_LEVELS),
      riskBasis: z.array(z.string()),
      questionnaireScore: z.number(),
      impact: z.enum(IMPACT_LEVELS),
      impactBasis: z.array(z.string()),
      affected: AffectedView,
      assessedBy: z.string(),
      assessedAt: z.string(),
    }),
  ),
  approval: z.optional(
    z.object({
      levels: z.array(ApprovalLevelView),
      submittedAt: z.string(),
      decidedAt: z.optional(z.string()),
      basis: z.optional(z.string()),
    }),
  ),
  /** What the schedule showed when the change was last submitted or moved (FitSM PR12.6). */
  conflicts: z.optional(z.array(ConflictView)),
  implementationStartedAt: z.optional(z.string()),
  implementationEndedAt: z.optional(z.string()),
  outcome: z.optional(z.enum(OUTCOMES)),
  outcomeNotes: z.optional(z.string()),
  reviewReasons: z.array(z.string()),
  review: z.optional(
    z.object({
      summary: z.string(),
      objectivesMet: z.boolean(),
      lessons: z.optional(z.string()),
      reviewedBy: z.string(),
      reviewedAt: z.string(),
    }),
  ),
  incidentIds: z.array(z.string()),
  closureCode: z.optional(z.enum(CLOSURE_CODES)),
  closureNotes: z.optional(z.string()),
  executionArn: z.optional(z.string()),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
z.globalRegistry.add(ChangeView, { id: 'Change' });

export const ChangePage = pageOf(ChangeView);

export const ImpactView = z.object({
  cis: z.array(
    z.object({
      ciId: z.string(),
      number: z.optional(z.string()),
      name: z.optional(z.string()),
      depth: z.number(),
      via: z.optional(z.string()),
    }),
  ),
  ciCount: z.number(),
  services: z.array(z.object({ serviceId: z.string(), name: z.optional(z.string()) })),
  customerIds: z.array(z.string()),
  agreements: z.array(
    z.object({
      agreementId: z.string(),
      kind: z.string(),
      name: z.optional(z.string()),
      customerId: z.optional(z.string()),
    }),
  ),
  truncated: z.boolean(),
  /** What the policy makes of it: the impact level, and the risk conditions that hold. */
  impact: z.enum(IMPACT_LEVELS),
  impactBasis: z.array(z.string()),
  tookMs: z.number(),
});

export const ApprovalsView = z.object({
  number: z.string(),
  status: z.enum(CHANGE_STATUSES),
  levels: z.array(ApprovalLevelView),
});

export const InboxView = z.object({
  /** At most 100 per inbox (the caller's own and one per role); a level leaves it when decided. */
  items: z.array(
    z.object({
      changeId: z.string(),
      number: z.string(),
      title: z.string(),
      type: z.enum(CHANGE_TYPES),
      level: z.number(),
      levelName: z.string(),
      openedAt: z.string(),
      dueAt: z.optional(z.string()),
      plannedStart: z.optional(z.string()),
      /** `user` when asked by name, `role` when asked as a holder of a role. */
      askedAs: z.enum(['user', 'role']),
    }),
  ),
});

export const PolicyView = z.object({ ...PolicyBody.shape, version: z.number(), default: z.boolean() });

export const PersonView = z.object({
  userId: z.string(),
  name: z.optional(z.string()),
  email: z.optional(z.string()),
  managerId: z.optional(z.string()),
  version: z.number(),
});

export const CabView = z.object({
  cabId: z.string(),
  name: z.string(),
  members: z.array(z.string()),
  emergency: z.boolean(),
  version: z.number(),
});
export const CabPage = pageOf(CabView);

export const MeetingView = z.object({
  meetingId: z.string(),
  cabId: z.string(),
  title: z.string(),
  startsAt: z.string(),
  decisions: z.array(
    z.object({
      changeId: z.string(),
      number: z.string(),
      decision: z.enum(['approve', 'reject']),
      rationale: z.string(),
      voters: z.array(z.string()),
      recordedBy: z.string(),
      at: z.string(),
    }),
  ),
  /** Changes waiting on this CAB now: the meeting's agenda. */
  agenda: z.array(
    z.object({
      changeId: z.string(),
      number: z.string(),
      title: z.string(),
      type: z.enum(CHANGE_TYPES),
      level: z.number(),
      levelName: z.string(),
      plannedStart: z.optional(z.string()),
      risk: z.optional(z.enum(RISK_LEVELS)),
      impact: z.optional(z.enum(IMPACT_LEVELS)),
      votes: z.number(),
      required: z.number(),
    }),
  ),
  version: z.number(),
});
export const MeetingPage = pageOf(
  z.pick(MeetingView, { meetingId: true, cabId: true, title: true, startsAt: true, version: true }),
);

export const TemplateView = z.object({
  templateId: z.string(),
  ...TemplateBody.shape,
  fields: z.array(z.object({ name: z.string(), label: z.string(), required: z.boolean() })),
  version: z.number(),
});
export const TemplatePage = pageOf(TemplateView);
