import * as z from 'zod/mini';
import { HistoryPage, ListQuery, pageOf } from '../../shared/kit/paging';
import { ECR_IMAGE } from './domain/package';
import {
  CRITERION_STAGES,
  DEPLOYMENT_OUTCOMES,
  MAX_CHANGES,
  MAX_CIS,
  MAX_PACKAGE_ITEMS,
  MAX_VERSION_LENGTH,
  MAX_WAVES,
  RELEASE_STATUSES,
  RELEASE_TYPES,
  STAGES,
} from './domain/release';
import { CHANGE_TYPES, IMPACTS } from './domain/strategy';

/** API schemas of the releases service; validation and the OpenAPI document derive from them. */
export { HistoryPage, ListQuery };

const Id = z.string().check(z.minLength(1), z.maxLength(100));
const Name = z.string().check(z.minLength(1), z.maxLength(200));
/** Texts are bounded so the largest release (plan, criteria, evidence, deployment) fits one item (ADR 20). */
const Text = z.string().check(z.minLength(1), z.maxLength(4000));
const Short = z.string().check(z.minLength(1), z.maxLength(1000));
const Plain = z.string().check(z.minLength(1), z.maxLength(2000));
const Summary = z.string().check(z.minLength(1), z.maxLength(500));
const Url = z.url().check(z.maxLength(500));
const Instant = z.iso.datetime({ offset: true }).check(z.maxLength(40));
const Email = z.email().check(z.maxLength(254));
/** CodePipeline pipeline names: 1-100 of A-Za-z0-9.@-_ (CodePipeline API reference, PipelineDeclaration). */
export const PipelineName = z
  .string()
  .check(z.maxLength(100), z.regex(/^[A-Za-z0-9.@\-_]{1,100}$/, 'a CodePipeline pipeline name'));

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
  if (plannedStart && plannedEnd && !(Date.parse(plannedEnd) > Date.parse(plannedStart)))
    ctx.issues.push({ code: 'custom', input: ctx.value, path: ['plannedEnd'], message: 'must be after plannedStart' });
};

export const WaveBody = z
  .strictObject({
    name: Name,
    environment: z.optional(Name),
    ciIds: z.optional(z.array(Id).check(z.maxLength(10))),
    verification: z.enum(['manual', 'automatic']),
    pipelineStage: z.optional(Name),
    deploymentGroup: z.optional(Name),
  })
  .check(
    z.refine((w) => w.verification === 'manual' || !!w.pipelineStage || !!w.deploymentGroup, {
      message: 'an automatic verification names the pipelineStage or deploymentGroup whose result decides it',
      path: ['verification'],
    }),
  );

export const PlanBody = z
  .strictObject({
    plannedStart: z.optional(Instant),
    plannedEnd: z.optional(Instant),
    waves: z.optional(z.array(WaveBody).check(z.maxLength(MAX_WAVES))),
    backoutPlan: z.optional(Text),
    communication: z.optional(Plain),
    training: z.optional(Plain),
    notify: z.optional(z.array(Email).check(z.maxLength(20))),
  })
  .check(
    windowCheck,
    z.refine((p) => new Set((p.waves ?? []).map((w) => w.name)).size === (p.waves ?? []).length, {
      message: 'wave names must be unique',
      path: ['waves'],
    }),
  );

export const CriterionBody = z.strictObject({ name: Name, stage: z.enum(CRITERION_STAGES), required: z.boolean() });

export const CreateReleaseBody = z.strictObject({
  title: Name,
  description: z.optional(Text),
  type: z.enum(RELEASE_TYPES),
  strategyId: z.optional(Id),
  /** The owner; the caller when absent. */
  ownerId: z.optional(Id),
  pipeline: z.optional(PipelineName),
  changeIds: z.optional(z.array(Id).check(z.maxLength(MAX_CHANGES))),
  ciIds: z.optional(z.array(Id).check(z.maxLength(MAX_CIS))),
  plan: z.optional(PlanBody),
  criteria: z.optional(z.array(CriterionBody).check(z.maxLength(30))),
});

export const UpdateReleaseBody = z.strictObject({
  title: z.optional(Name),
  description: z.optional(Text),
  ownerId: z.optional(Id),
  pipeline: z.optional(z.nullable(PipelineName)),
  ciIds: z.optional(z.array(Id).check(z.maxLength(MAX_CIS))),
  plan: z.optional(PlanBody),
  criteria: z.optional(z.array(CriterionBody).check(z.maxLength(30))),
});

export const IncludeChangeBody = z.strictObject({ changeId: Id });

export const EvidenceBody = z.strictObject({
  criterionId: Id,
  result: z.enum(['passed', 'failed']),
  summary: Summary,
  url: z.optional(Url),
});

export const WaiverBody = z.strictObject({ criterionId: Id, reason: Short });

export const AcceptanceBody = z.strictObject({ stage: z.enum(STAGES), notes: z.optional(Short) });

export const DeployBody = z.strictObject({ notes: z.optional(Short) });

export const VerificationBody = z.strictObject({ result: z.enum(['passed', 'failed']), notes: z.optional(Short) });

export const BackoutBody = z.strictObject({ result: z.enum(['completed', 'failed']), notes: z.optional(Short) });

export const HandoverBody = z.strictObject({ acceptedBy: Id, notes: z.optional(Short) });

export const CancelBody = z.strictObject({ reason: Short });

export const ListReleasesQuery = z.strictObject({
  ...ListQuery.shape,
  status: z.optional(z.enum(RELEASE_STATUSES)),
});

const TestingRuleBody = z.strictObject({
  releaseType: z.enum(RELEASE_TYPES),
  minImpact: z.optional(z.enum(IMPACTS)),
  criteria: z.array(z.strictObject({ name: Name, stage: z.enum(CRITERION_STAGES) })).check(z.maxLength(10)),
});

export const StrategyBody = z.strictObject({
  name: Name,
  description: z.optional(Text),
  approach: z.enum(['continuous', 'fixed-cycle']),
  frequency: z.optional(Name),
  ciIds: z.optional(z.array(Id).check(z.maxLength(100))),
  serviceIds: z.optional(z.array(Id).check(z.maxLength(50))),
  releaseTypes: z.array(z.enum(RELEASE_TYPES)).check(z.minLength(1), z.maxLength(RELEASE_TYPES.length)),
  testing: z.optional(z.array(TestingRuleBody).check(z.maxLength(10))),
  changeTypes: z.optional(z.array(z.enum(CHANGE_TYPES)).check(z.minLength(1), z.maxLength(CHANGE_TYPES.length))),
  packageRequiredFor: z.optional(z.array(z.enum(RELEASE_TYPES)).check(z.maxLength(RELEASE_TYPES.length))),
  earlyLife: z.optional(
    z.strictObject({
      days: z.number().check(z.int(), z.gte(0), z.lte(90)),
      priorities: z.array(Id).check(z.maxLength(10)),
      quietDays: z.number().check(z.int(), z.gte(0), z.lte(90)),
    }),
  ),
});

// ---- views ----

const WaveView = z.object({
  name: z.string(),
  environment: z.optional(z.string()),
  ciIds: z.array(z.string()),
  verification: z.enum(['manual', 'automatic']),
  pipelineStage: z.optional(z.string()),
  deploymentGroup: z.optional(z.string()),
});

const DeploymentView = z.object({
  deploymentId: z.string(),
  trigger: z.object({ kind: z.enum(['manual', 'pipeline']), ref: z.string() }),
  phase: z.enum(['baseline', 'waves', 'backing-out', 'verifying', 'finishing', 'ended']),
  startedAt: z.string(),
  startedBy: z.string(),
  baselineId: z.optional(z.string()),
  waves: z.array(
    z.object({
      name: z.string(),
      status: z.enum(['pending', 'deploying', 'passed', 'failed']),
      verification: z.enum(['manual', 'automatic']),
      startedAt: z.optional(z.string()),
      decidedAt: z.optional(z.string()),
      decidedBy: z.optional(z.string()),
      source: z.optional(z.enum(['manual', 'automatic'])),
      notes: z.optional(z.string()),
    }),
  ),
  backout: z.optional(
    z.object({
      status: z.enum(['open', 'completed', 'failed']),
      notes: z.optional(z.string()),
      decidedBy: z.optional(z.string()),
      at: z.optional(z.string()),
    }),
  ),
  verification: z.optional(
    z.object({
      baselineId: z.optional(z.string()),
      mismatches: z.array(
        z.object({ ciId: z.string(), expected: z.string(), found: z.optional(z.string()), problem: z.string() }),
      ),
      note: z.optional(z.string()),
    }),
  ),
  outcome: z.optional(z.enum(DEPLOYMENT_OUTCOMES)),
  reason: z.optional(z.string()),
  failedWave: z.optional(z.string()),
  endedAt: z.optional(z.string()),
  executionArn: z.optional(z.string()),
});

const CriterionView = z.object({
  criterionId: z.string(),
  name: z.string(),
  stage: z.enum(CRITERION_STAGES),
  required: z.boolean(),
  fromStrategy: z.optional(z.boolean()),
  state: z.enum(['passed', 'failed', 'waived', 'missing']),
});

export const GateView = z.object({
  stage: z.enum(STAGES),
  passed: z.boolean(),
  criteria: z.array(CriterionView),
  blocking: z.array(z.object({ field: z.string(), message: z.string() })),
});

export const ReleaseView = z.object({
  releaseId: z.string(),
  number: z.string(),
  title: z.string(),
  description: z.optional(z.string()),
  type: z.enum(RELEASE_TYPES),
  status: z.enum(RELEASE_STATUSES),
  ownerId: z.string(),
  strategyId: z.optional(z.string()),
  changeIds: z.array(z.string()),
  /** The bundled changes as the service's copy knows them. */
  changes: z.array(
    z.object({
      changeId: z.string(),
      number: z.optional(z.string()),
      title: z.optional(z.string()),
      type: z.optional(z.string()),
      status: z.optional(z.string()),
      outcome: z.optional(z.string()),
    }),
  ),
  ciIds: z.array(z.string()),
  serviceIds: z.array(z.string()),
  pipeline: z.optional(z.string()),
  plan: z.object({
    plannedStart: z.optional(z.string()),
    plannedEnd: z.optional(z.string()),
    waves: z.array(WaveView),
    backoutPlan: z.optional(z.string()),
    communication: z.optional(z.string()),
    training: z.optional(z.string()),
    notify: z.array(z.string()),
  }),
  criteria: z.array(
    z.object({
      criterionId: z.string(),
      name: z.string(),
      stage: z.enum(CRITERION_STAGES),
      required: z.boolean(),
      fromStrategy: z.optional(z.boolean()),
    }),
  ),
  gate: GateView,
  evidence: z.array(
    z.object({
      evidenceId: z.string(),
      criterionId: z.string(),
      result: z.enum(['passed', 'failed']),
      summary: z.string(),
      url: z.optional(z.string()),
      source: z.object({ kind: z.enum(['api', 'pipeline']), ref: z.string() }),
      recordedBy: z.string(),
      recordedAt: z.string(),
    }),
  ),
  waivers: z.array(z.object({ criterionId: z.string(), reason: z.string(), approverId: z.string(), at: z.string() })),
  acceptances: z.array(
    z.object({ stage: z.enum(STAGES), by: z.string(), notes: z.optional(z.string()), at: z.string() }),
  ),
  earlyLifeRules: z.object({ days: z.number(), priorities: z.array(z.string()), quietDays: z.number() }),
  package: z.optional(
    z.object({
      packageId: z.string(),
      name: z.string(),
      items: z.array(
        z.object({
          ciId: z.string(),
          version: z.string(),
          artifact: z.record(z.string(), z.unknown()),
          checksum: z.string(),
        }),
      ),
      recordedAt: z.string(),
      recordedBy: z.string(),
    }),
  ),
  deployment: z.optional(DeploymentView),
  deployments: z.array(
    z.object({
      deploymentId: z.string(),
      trigger: z.object({ kind: z.enum(['manual', 'pipeline']), ref: z.string() }),
      startedAt: z.string(),
      endedAt: z.optional(z.string()),
      outcome: z.optional(z.enum(DEPLOYMENT_OUTCOMES)),
      failedWave: z.optional(z.string()),
    }),
  ),
  earlyLife: z.optional(
    z.object({
      days: z.number(),
      priorities: z.array(z.string()),
      quietDays: z.number(),
      from: z.string(),
      until: z.string(),
      incidents: z.array(
        z.object({
          ticketId: z.string(),
          number: z.string(),
          priority: z.string(),
          ciIds: z.array(z.string()),
          at: z.string(),
        }),
      ),
      handedOverAt: z.optional(z.string()),
      handedOverBy: z.optional(z.string()),
      acceptedBy: z.optional(z.string()),
      notes: z.optional(z.string()),
    }),
  ),
  outcome: z.optional(z.enum(DEPLOYMENT_OUTCOMES)),
  deployedAt: z.optional(z.string()),
  cancelReason: z.optional(z.string()),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.optional(z.string()),
  updatedBy: z.optional(z.string()),
});
export const ReleasePage = pageOf(ReleaseView);

export const StrategyView = z.object({
  strategyId: z.string(),
  name: z.string(),
  description: z.optional(z.string()),
  approach: z.enum(['continuous', 'fixed-cycle']),
  frequency: z.optional(z.string()),
  ciIds: z.array(z.string()),
  serviceIds: z.array(z.string()),
  releaseTypes: z.array(z.enum(RELEASE_TYPES)),
  testing: z.array(
    z.object({
      releaseType: z.enum(RELEASE_TYPES),
      minImpact: z.optional(z.enum(IMPACTS)),
      criteria: z.array(z.object({ name: z.string(), stage: z.enum(CRITERION_STAGES) })),
    }),
  ),
  changeTypes: z.array(z.enum(CHANGE_TYPES)),
  packageRequiredFor: z.array(z.enum(RELEASE_TYPES)),
  earlyLife: z.object({ days: z.number(), priorities: z.array(z.string()), quietDays: z.number() }),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.optional(z.string()),
  updatedBy: z.optional(z.string()),
});
export const StrategyPage = pageOf(StrategyView);

// --- Definitive media library and release packages -------------------------------------------

const Sha256 = z.string().check(z.maxLength(64), z.regex(/^[0-9a-f]{64}$/, 'a SHA-256 in 64 lower-case hex digits'));
/**
 * A file name in the library's key (`dml/<id>/<fileName>`): no path separators or control
 * characters, 1-200 characters, so the key stays far below S3's 1,024 bytes.
 */
const FileName = z.string().check(
  z.minLength(1),
  z.maxLength(200),
  z.regex(/^[^\p{Cc}/\\]+$/u, 'a file name without slashes or control characters'),
  z.refine((v) => v !== '.' && v !== '..', 'a file name, not . or ..'),
);
/** A MIME type (`type/subtype`, parameters allowed). */
const ContentType = z.string().check(z.maxLength(200), z.regex(/^[\w.+-]+\/[\w.+-]+(?:\s*;.*)?$/, 'a MIME type'));

export const MediaUploadBody = z.strictObject({
  fileName: FileName,
  contentType: ContentType,
  /** One PutObject carries at most 5 GB (S3 User Guide, *Uploading objects*). */
  contentLength: z.number().check(z.int(), z.minimum(1), z.maximum(5 * 1024 ** 3)),
  sha256: Sha256,
});

export const MediaItemView = z.object({
  mediaId: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  contentLength: z.number(),
  sha256: z.string(),
  key: z.string(),
  status: z.enum(['pending', 'available']),
  versionId: z.optional(z.string()),
  size: z.optional(z.number()),
  requestedBy: z.string(),
  requestedAt: z.string(),
  confirmedBy: z.optional(z.string()),
  confirmedAt: z.optional(z.string()),
});

export const MediaUploadView = z.object({
  ...MediaItemView.shape,
  upload: z.object({
    url: z.string(),
    method: z.literal('PUT'),
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  }),
});

export const MediaPage = pageOf(MediaItemView);
export const ListMediaQuery = ListQuery;

/**
 * An ECR image by digest only (ECR's repository name rules; a tag can be moved to another
 * image, so `repo:tag` is refused).
 */
const EcrImage = z.string().check(
  z.maxLength(400),
  z.refine(
    (v) => ECR_IMAGE.test(v),
    'an ECR image by digest: <account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex> (a tag can be moved, a digest cannot)',
  ),
);
/** CodeArtifact names (CodeArtifact API reference, *CreateDomain*, *CreateRepository*, *PackageVersionSummary*). */
const CaDomain = z
  .string()
  .check(z.maxLength(50), z.regex(/^[a-z][a-z0-9-]{0,48}[a-z0-9]$/, 'a CodeArtifact domain name'));
const CaRepository = z
  .string()
  .check(z.maxLength(100), z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$/, 'a CodeArtifact repository name'));
const CaPart = z
  .string()
  .check(z.minLength(1), z.maxLength(100), z.regex(/^[^/#?\s]+$/, 'no slashes, # or ? or spaces'));
/** A CI version a package deploys, as the CMDB records it (its `version` attribute, at most 100 characters). */
const PackageVersion = z.string().check(z.minLength(1), z.maxLength(MAX_VERSION_LENGTH));

export const Artifact = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('s3'), mediaId: Id }),
  z.strictObject({ kind: z.literal('ecr'), image: EcrImage }),
  z.strictObject({
    kind: z.literal('codeartifact'),
    domain: CaDomain,
    repository: CaRepository,
    format: z.enum(['npm', 'pypi', 'maven', 'nuget', 'generic', 'swift', 'ruby', 'cargo']),
    namespace: z.optional(CaPart),
    package: CaPart,
    version: CaPart,
    sha256: Sha256,
  }),
]);

export const PackageBody = z.strictObject({
  name: Name,
  items: z
    .array(z.strictObject({ ciId: Id, version: PackageVersion, artifact: Artifact, checksum: Sha256 }))
    .check(z.minLength(1), z.maxLength(MAX_PACKAGE_ITEMS)),
});
