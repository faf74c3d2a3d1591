import * as z from 'zod/mini';
import { UNAUTHORISED_REASONS } from '../../shared/contracts/configuration/v1';
import { boundedRecord, fanOut, instant, limitsRegistry } from '../../shared/contracts/limits';
import { CI_STATUSES } from './domain/ci';
import { ATTRIBUTE_KINDS, DEPENDENCY_DIRECTIONS } from './domain/ci-types';
import { CAMPAIGN_STATUSES, VERIFICATION_RESULTS } from './domain/verification';

/** API schemas of the configuration service; validation and the OpenAPI document derive from them. */
const Slug = z
  .string()
  .check(z.maxLength(63), z.regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be lower-case letters, digits and dashes'));
const Name = z.string().check(z.minLength(1), z.maxLength(200));
const Id = z.string().check(z.minLength(1), z.maxLength(100));
const IdList = z.array(Id).check(z.maxLength(100));
/** A scope of up to 1000 CIs: each becomes its own snapshot or result item, written in batches; the record keeps a count. */
const ApartIds = () => {
  const schema = z.array(Id).check(z.minLength(1), z.maxLength(1000));
  limitsRegistry.add(schema, { notStored: true });
  return schema;
};
/** At most 40 customers: a change replacing all of them (40 links removed, 40 added) fits one transaction. */
const CustomerIdList = fanOut(z.array(Id).check(z.maxLength(40)), 2);
const AttributeName = z
  .string()
  .check(z.maxLength(63), z.regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'must be a letter then letters, digits or _'));
/** At most 30 attributes per type, 20 allowed values each: a type or CI changed all at once (old and new in its history) fits 400 KB. */
const MAX_ATTRIBUTES = 30;

export const AttributeSpecSchema = z.strictObject({
  name: AttributeName,
  type: z.enum(ATTRIBUTE_KINDS),
  required: z._default(z.boolean(), false),
  allowedValues: z.optional(
    z.array(z.string().check(z.minLength(1), z.maxLength(60))).check(z.minLength(1), z.maxLength(20)),
  ),
  description: z.optional(z.string().check(z.maxLength(200))),
});

export const CreateCiTypeBody = z.strictObject({
  typeId: Slug,
  name: Name,
  description: z.optional(z.string().check(z.maxLength(2000))),
  attributes: z._default(z.array(AttributeSpecSchema).check(z.maxLength(MAX_ATTRIBUTES)), []),
});

export const UpdateCiTypeBody = z.strictObject({
  name: z.optional(Name),
  description: z.optional(z.string().check(z.maxLength(2000))),
  attributes: z.optional(z.array(AttributeSpecSchema).check(z.maxLength(MAX_ATTRIBUTES))),
});

export const CreateRelationshipTypeBody = z.strictObject({
  typeId: Slug,
  name: Name,
  inverseName: Name,
  dependency: z.enum(DEPENDENCY_DIRECTIONS),
});

/** Attribute values: the kinds a CI type knows (string, date and enum are strings); null clears. */
const Attributes = boundedRecord(
  AttributeName,
  z.union([z.string().check(z.maxLength(500)), z.number(), z.boolean(), z.null()]),
  MAX_ATTRIBUTES,
);

/**
 * The change (RFC) authorising a CI change, by id or number (`CHG-77`); recorded in the history
 * and checked against the CMDB's copy of the change (FitSM PR11.4).
 */
const ChangeRef = Id;

export const CreateCiBody = z.strictObject({
  typeId: Slug,
  name: Name,
  attributes: z._default(Attributes, {}),
  owner: z.optional(Id),
  status: z._default(z.enum(CI_STATUSES), 'planned'),
  serviceIds: z._default(IdList, []),
  customerIds: z._default(CustomerIdList, []),
});

export const UpdateCiBody = z.strictObject({
  name: z.optional(Name),
  attributes: z.optional(Attributes),
  owner: z.optional(z.nullable(Id)),
  status: z.optional(z.enum(CI_STATUSES)),
  serviceIds: z.optional(IdList),
  customerIds: z.optional(CustomerIdList),
  /** Why the change was made; kept in the history (FitSM GR2.3). */
  reason: z.optional(z.string().check(z.maxLength(1000))),
  changeId: z.optional(ChangeRef),
});

export const AddRelationshipBody = z.strictObject({
  type: Slug,
  targetCiId: Id,
  reason: z.optional(z.string().check(z.maxLength(1000))),
  changeId: z.optional(ChangeRef),
});

export const RemoveRelationshipQuery = z.object({ changeId: z.optional(ChangeRef) });

import { ListQuery } from '../../shared/kit/paging';

export { ListQuery };

export const ListCisQuery = z.extend(ListQuery, {
  typeId: z.optional(Slug),
});

export const ImpactQuery = z.object({
  direction: z.optional(z.enum(['downstream', 'upstream'])),
  depth: z.optional(z.string().check(z.maxLength(2), z.regex(/^(10|[1-9])$/, 'must be a number from 1 to 10'))),
});

export const ImportRow = z.strictObject({
  sourceId: Id,
  typeId: Slug,
  name: Name,
  attributes: z._default(Attributes, {}),
  owner: z.optional(Id),
  status: z._default(z.enum(CI_STATUSES), 'active'),
  serviceIds: z._default(IdList, []),
  customerIds: z._default(CustomerIdList, []),
});

/** Rows are validated one by one (each row is accepted or rejected on its own), so `rows` is loose here. */
export const ImportBody = z.strictObject({
  source: z
    .string()
    .check(z.maxLength(63), z.regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be a short lower-case source name')),
  rows: z.array(z.unknown()).check(z.minLength(1), z.maxLength(1000)),
  /** The change authorising the updates this import makes (FitSM PR11.4); each updated CI is checked against it. */
  changeId: z.optional(ChangeRef),
});
// Each row becomes its own CI in its own transaction: bounded as a row, not kept in one record.
limitsRegistry.add(ImportBody.shape.rows, { elements: ImportRow, notStored: true });

export const CaptureBaselineBody = z.strictObject({
  name: Name,
  description: z.optional(z.string().check(z.maxLength(2000))),
  /** Either explicit CIs or every CI of a type. */
  ciIds: z.optional(ApartIds()),
  typeId: z.optional(Slug),
});

export const PlanCampaignBody = z.strictObject({
  name: Name,
  ciIds: z.optional(ApartIds()),
  typeId: z.optional(Slug),
  /** When the campaign closes by itself if not every CI was verified. */
  dueAt: instant(),
});

export const RecordResultBody = z.strictObject({
  ciId: Id,
  result: z.enum(VERIFICATION_RESULTS),
  notes: z.optional(z.string().check(z.maxLength(4000))),
});

export const CloseCampaignBody = z.optional(
  z.strictObject({ reason: z.optional(z.string().check(z.maxLength(1000))) }),
);

// ---- Responses ----
// What the routes answer, read from the use cases: the OpenAPI document (and so the console's
// generated client) types every success body with these. Objects are not strict: a field added
// later must not break an older client.

/** A page of a list: pass `nextCursor` as `cursor` for the next one; absent on the last page. */
const pageOf = <T extends z.core.$ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.optional(z.string()) });

/** Who did it: a person or API client (`user`), or a consumer, flow or schedule (`system`). */
const Actor = z.object({ id: z.string(), name: z.string(), kind: z.enum(['user', 'system']) });
/** A field's change: `from` is absent when it was set, `to` when it was cleared. */
const Changes = z.record(z.string(), z.object({ from: z.optional(z.unknown()), to: z.optional(z.unknown()) }));

export const HistoryPage = pageOf(
  z.object({
    at: z.string(),
    actor: Actor,
    action: z.string(),
    changes: z.optional(Changes),
    reason: z.optional(z.string()),
    /** The change (RFC) the CI was changed under, as the update named it (FitSM PR11.4). */
    changeId: z.optional(z.string()),
    correlationId: z.string(),
  }),
);

export const CiTypeView = z.object({
  typeId: z.string(),
  name: z.string(),
  description: z.optional(z.string()),
  attributes: z.array(
    z.object({
      name: z.string(),
      type: z.enum(ATTRIBUTE_KINDS),
      required: z.boolean(),
      allowedValues: z.optional(z.array(z.string())),
      description: z.optional(z.string()),
    }),
  ),
  version: z.number(),
});
export const CiTypePage = pageOf(CiTypeView);

export const RelationshipTypeView = z.object({
  typeId: z.string(),
  name: z.string(),
  /** Reading of the edge from the target's side (`is hosted by` for `hosts`). */
  inverseName: z.string(),
  dependency: z.enum(DEPENDENCY_DIRECTIONS),
  builtIn: z.boolean(),
});
/** Every relationship type at once, built-in first: the list is short and has no pages. */
export const RelationshipTypeList = z.object({ items: z.array(RelationshipTypeView) });

/** Attribute values by name, of the kinds the CI type declares (date and enum are strings). */
const AttributeValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const CiView = z.object({
  ciId: z.string(),
  /** `CI-1042`. */
  number: z.string(),
  typeId: z.string(),
  name: z.string(),
  attributes: AttributeValues,
  owner: z.optional(z.string()),
  status: z.enum(CI_STATUSES),
  serviceIds: z.array(z.string()),
  customerIds: z.array(z.string()),
  /** Set on CIs an import created: the external key they are reconciled by. */
  source: z.optional(z.string()),
  sourceId: z.optional(z.string()),
  lastVerifiedAt: z.optional(z.string()),
  lastVerificationResult: z.optional(z.enum(VERIFICATION_RESULTS)),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const CiPage = pageOf(CiView);

export const RelationshipList = z.object({
  items: z.array(
    z.object({
      direction: z.enum(['outgoing', 'incoming']),
      /** The relationship type id, read from the source's side. */
      type: z.string(),
      /** The CI at the other end. */
      ciId: z.string(),
      createdAt: z.string(),
    }),
  ),
});

export const RelationshipAdded = z.object({
  sourceCiId: z.string(),
  targetCiId: z.string(),
  type: z.string(),
  /** The type's dependency semantics, as the `RelationshipAdded` event carries them. */
  dependency: z.enum(DEPENDENCY_DIRECTIONS),
  relatedAt: z.string(),
});

export const ImpactView = z.object({
  root: z.object({ ciId: z.string(), number: z.string(), name: z.string() }),
  direction: z.enum(['downstream', 'upstream']),
  depth: z.number(),
  /** True when the node limit stopped the walk before the depth did. */
  truncated: z.boolean(),
  count: z.number(),
  cis: z.array(
    z.object({
      ciId: z.string(),
      number: z.optional(z.string()),
      name: z.optional(z.string()),
      typeId: z.optional(z.string()),
      status: z.optional(z.enum(CI_STATUSES)),
      depth: z.number(),
      /** The CI through which this one was reached. */
      via: z.string(),
    }),
  ),
  /** Services of the root and of the CIs reached; `name` null and status `unknown` when no copy is held yet. */
  services: z.array(z.object({ serviceId: z.string(), name: z.nullable(z.string()), status: z.string() })),
});

const FieldError = z.object({ field: z.string(), message: z.string() });

export const ImportReport = z.object({
  source: z.string(),
  summary: z.object({ created: z.number(), updated: z.number(), unchanged: z.number(), rejected: z.number() }),
  rows: z.array(
    z.object({
      index: z.number(),
      sourceId: z.optional(z.string()),
      outcome: z.enum(['created', 'updated', 'unchanged', 'rejected']),
      ciId: z.optional(z.string()),
      number: z.optional(z.string()),
      changedFields: z.optional(z.array(z.string())),
      errors: z.optional(z.array(FieldError)),
    }),
  ),
});

const BaselineFields = {
  baselineId: z.string(),
  name: z.string(),
  description: z.optional(z.string()),
  ciCount: z.number(),
  capturedAt: z.string(),
  /** The user id of who captured it. */
  capturedBy: z.string(),
  /** A baseline another service asked for by event: who asked, and their request id. */
  request: z.optional(z.object({ source: z.string(), requestId: z.string() })),
  /** Requested CIs the CMDB did not know: not captured, not fatal. */
  missingCiIds: z.optional(z.array(z.string())),
};
/** A baseline as kept: every CI of a type, or explicit CIs (counted). */
const KeptScope = z.union([z.object({ typeId: z.string() }), z.object({ ciCount: z.number() })]);
export const BaselineHeader = z.object({ ...BaselineFields, scope: KeptScope });
/** The baseline just captured: its scope names the explicit CIs it took. */
export const BaselineCaptured = z.object({
  ...BaselineFields,
  scope: z.union([z.object({ typeId: z.string() }), z.object({ ciIds: z.array(z.string()) })]),
});
export const BaselinePage = pageOf(BaselineHeader);
export const BaselineView = z.object({
  ...BaselineFields,
  scope: KeptScope,
  /** Each CI as it was when captured. */
  members: z.array(
    z.object({
      ciId: z.string(),
      number: z.string(),
      typeId: z.string(),
      name: z.string(),
      attributes: AttributeValues,
      owner: z.optional(z.string()),
      status: z.enum(CI_STATUSES),
      serviceIds: z.array(z.string()),
      customerIds: z.array(z.string()),
    }),
  ),
});

const CiRef = z.object({ ciId: z.string(), number: z.string() });
export const BaselineDiffView = z.object({
  baseline: BaselineHeader,
  comparedAt: z.string(),
  changed: z.array(z.object({ ciId: z.string(), number: z.string(), changes: Changes })),
  /** In the baseline, gone from the CMDB now. */
  removed: z.array(CiRef),
  /** In the type's scope now, absent from the baseline (type scopes only). */
  added: z.array(CiRef),
  unchanged: z.number(),
});

export const CampaignView = z.object({
  campaignId: z.string(),
  name: z.string(),
  status: z.enum(CAMPAIGN_STATUSES),
  dueAt: z.string(),
  openedAt: z.string(),
  closedAt: z.optional(z.string()),
  closedBecause: z.optional(z.string()),
  /** The verification flow's execution. */
  executionArn: z.optional(z.string()),
  scopeSize: z.number(),
  confirmed: z.number(),
  discrepancies: z.number(),
  unverified: z.number(),
  /** Share of verified CIs that matched reality; null while none is verified. */
  accuracy: z.nullable(z.number()),
  /** Share of the scope verified; null for an empty scope. */
  coverage: z.nullable(z.number()),
  version: z.number(),
});
export const CampaignPage = pageOf(CampaignView);

export const CampaignResultPage = pageOf(
  z.object({
    ciId: z.string(),
    number: z.string(),
    name: z.string(),
    result: z.enum(['pending', ...VERIFICATION_RESULTS]),
    notes: z.optional(z.string()),
    verifiedAt: z.optional(z.string()),
    verifiedBy: z.optional(Actor),
  }),
);

export const ResultRecorded = z.object({
  ciId: z.string(),
  result: z.enum(VERIFICATION_RESULTS),
  verifiedAt: z.string(),
});

// ---- Authorised CI changes (FitSM PR11.4, issue 11) ----

export const ChangeControlBody = z.strictObject({
  /** CI types whose changes must name an authorising change (each a defined type). */
  controlledTypeIds: z.array(Slug).check(z.maxLength(100)),
});

export const ChangeControlView = z.object({
  controlledTypeIds: z.array(z.string()),
  version: z.number(),
});

export const UnauthorisedChangePage = pageOf(
  z.object({
    recordId: z.string(),
    ciId: z.string(),
    /** The CI's readable number. */
    number: z.string(),
    typeId: z.string(),
    /** The change as the update named it (id or `CHG-n`), when it named one. */
    changeRef: z.optional(z.string()),
    /** The change's id and number when the CMDB knows it. */
    changeId: z.optional(z.string()),
    changeNumber: z.optional(z.string()),
    reason: z.enum(UNAUTHORISED_REASONS),
    actor: Actor,
    /** CI fields changed, or `relationships`. */
    changedFields: z.array(z.string()),
    at: z.string(),
  }),
);
