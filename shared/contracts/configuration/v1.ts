import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { instant, LIMITS, str } from '../limits';
import { resyncContracts } from '../resync';

/** Field limits (ADR 20): at least the API's own, so every legal request makes a legal event. */
const Id = str(LIMITS.ref);
const ListId = str(LIMITS.id);
const FieldName = str(LIMITS.code);
const Name = str(LIMITS.name);

/** Configuration events (FitSM PR11), version 1. Published by `services/configuration`. */
const SOURCE = 'itsm.configuration';

export const CiSnapshot = z.object({
  ciId: Id,
  number: Id,
  typeId: Id,
  name: Name,
  status: z.enum(['planned', 'active', 'maintenance', 'retired']),
  owner: z.optional(Id),
  serviceIds: z.array(ListId).check(z.maxLength(100)),
  customerIds: z.array(ListId).check(z.maxLength(100)),
  version: z.number().check(z.int(), z.gte(1)),
  // Absent in events older than the reporting read model (ADR 28).
  createdAt: z.optional(instant()),
  /** When this version was written. */
  updatedAt: z.optional(instant()),
});
export type CiSnapshot = z.infer<typeof CiSnapshot>;

export const CiRegistered = defineEvent({
  source: SOURCE,
  detailType: 'CiRegistered',
  version: 1,
  description: 'A configuration item was registered in the CMDB (by API or import).',
  data: CiSnapshot,
});

export const CiUpdated = defineEvent({
  source: SOURCE,
  detailType: 'CiUpdated',
  version: 1,
  description: 'A configuration item changed; `changedFields` names what changed.',
  data: z.extend(CiSnapshot, { changedFields: z.array(FieldName).check(z.maxLength(32)) }),
});

export const CiRetired = defineEvent({
  source: SOURCE,
  detailType: 'CiRetired',
  version: 1,
  description: 'A configuration item reached the retired lifecycle status.',
  data: CiSnapshot,
});

export const DEPENDENCY_DIRECTIONS = [
  'source-depends-on-target',
  'target-depends-on-source',
  'mutual',
  'none',
] as const;

export const Relationship = z.object({
  sourceCiId: Id,
  targetCiId: Id,
  type: Id,
  /**
   * The relationship type's own dependency semantics, so a consumer keeping a copy of the graph
   * knows which way impact flows without the type catalogue. Optional only for events published
   * before it was added (issue 11); every publisher fills it.
   */
  dependency: z.optional(z.enum(DEPENDENCY_DIRECTIONS)),
});

export const RelationshipAdded = defineEvent({
  source: SOURCE,
  detailType: 'RelationshipAdded',
  version: 1,
  description: 'A typed relationship between two CIs was recorded.',
  data: Relationship,
});

export const RelationshipRemoved = defineEvent({
  source: SOURCE,
  detailType: 'RelationshipRemoved',
  version: 1,
  description: 'A relationship between two CIs was removed.',
  data: Relationship,
});

export const BaselineCaptured = defineEvent({
  source: SOURCE,
  detailType: 'BaselineCaptured',
  version: 1,
  description: 'A named snapshot of a set of CIs was captured.',
  data: z.object({
    baselineId: Id,
    name: Name,
    ciCount: z.number(),
    capturedAt: instant(),
    /**
     * Present when another service asked for the baseline by event (`BaselineRequested`): its
     * source and request id, so the asker can match the answer (additive, ADR 20).
     */
    request: z.optional(z.object({ source: Id, requestId: Id })),
    /**
     * For a requested baseline, each CI captured with its `version` attribute (when the CI type
     * has one), so the asker can compare a deployment's result with what it meant to deploy.
     */
    members: z.optional(
      z.array(z.object({ ciId: ListId, number: Id, status: Name, version: z.optional(Name) })).check(z.maxLength(100)),
    ),
    /** Requested CIs the CMDB does not know (a requested baseline captures the ones it knows). */
    missingCiIds: z.optional(z.array(ListId).check(z.maxLength(100))),
  }),
});

/**
 * What a request for a baseline carries, whoever asks. Each asking service declares its own
 * `BaselineRequested` with `baselineRequestedBy(source)`; the configuration service captures the
 * baseline and answers with `BaselineCaptured` carrying `request` (the releases service before a
 * deployment, FitSM PR13.5, and after it, to verify the result against the package).
 */
export const BaselineRequestData = z.object({
  /** The asking service's own id for this request: one baseline per (source, requestId). */
  requestId: Id,
  name: Name,
  ciIds: z.array(ListId).check(z.minLength(1), z.maxLength(100)),
});
export const baselineRequestedBy = (source: string) =>
  defineEvent({
    source,
    detailType: 'BaselineRequested',
    version: 1,
    description: 'Ask the CMDB for a baseline of these CIs; it answers with BaselineCaptured carrying the request.',
    data: BaselineRequestData,
  });

export const VerificationCompleted = defineEvent({
  source: SOURCE,
  detailType: 'VerificationCompleted',
  version: 1,
  description: 'A verification campaign closed; accuracy is confirmed / verified CIs (FitSM PR11.5).',
  data: z.object({
    campaignId: Id,
    name: Name,
    scopeSize: z.number(),
    confirmed: z.number(),
    discrepancies: z.number(),
    unverified: z.number(),
    accuracy: z.nullable(z.number()),
  }),
});

/** Why a CI change was not authorised by a change (FitSM PR11.4). */
export const UNAUTHORISED_REASONS = [
  /** The CI's type is change-controlled and the update named no change. */
  'no-change-named',
  /** The change named is not known to the CMDB (not raised, or its events have not arrived yet). */
  'unknown-change',
  /** The change is neither `approved` nor `implementing`. */
  'change-not-authorised',
  /** The change does not list the CI among its `ciIds`. */
  'ci-not-in-change',
  /** The update happened outside the change's planned window and outside its implementation. */
  'outside-window',
] as const;

export const CiChangeUnauthorised = defineEvent({
  source: SOURCE,
  detailType: 'CiChangeUnauthorised',
  version: 1,
  description:
    'A CI was changed without an implementing change authorising it (FitSM PR11.4); the change was recorded, not refused.',
  data: z.object({
    /** The report entry's id. */
    recordId: Id,
    ciId: Id,
    number: Id,
    typeId: Id,
    /** The change as the update named it (its id or `CHG-n`), when it named one. */
    changeRef: z.optional(Id),
    /** The change's id and number, when the CMDB knows the change named. */
    changeId: z.optional(Id),
    changeNumber: z.optional(Id),
    reason: z.enum(UNAUTHORISED_REASONS),
    /** Who made the change (also in the envelope's metadata, kept here for the report's consumers). */
    actor: z.object({ id: str(LIMITS.actor), name: str(LIMITS.actor), kind: z.enum(['user', 'system']) }),
    /** What changed: CI fields, or `relationships` for an edge added or removed. */
    changedFields: z.array(FieldName).check(z.maxLength(32)),
    at: instant(),
  }),
});

/**
 * Resync (ADR 28). Record types: `ci`, each exactly as `CiUpdated.data` without `changedFields`;
 * `ci-relationship`, each relationship once, exactly as `RelationshipAdded.data`. CIs come first.
 */
export const configurationResync = resyncContracts(SOURCE, { ci: CiSnapshot, 'ci-relationship': Relationship });
export const { RecordsResynced, ResyncContinued } = configurationResync;

export const configurationEvents = [
  CiRegistered,
  CiUpdated,
  CiRetired,
  RelationshipAdded,
  RelationshipRemoved,
  BaselineCaptured,
  VerificationCompleted,
  CiChangeUnauthorised,
  RecordsResynced,
  ResyncContinued,
];
