import * as z from 'zod/mini';
import { changeRequestedBy } from '../changes/v1';
import { baselineRequestedBy } from '../configuration/v1';
import { defineEvent } from '../envelope';
import { instant, LIMITS, str } from '../limits';

/** Field limits (ADR 20): at least the API's own, so every legal request makes a legal event. */
const Id = str(LIMITS.ref);
const ListId = str(LIMITS.id);
const Name = str(LIMITS.name);
const Iso = instant({ offset: true });

/**
 * Release and deployment management events (FitSM PR13), version 1, published by
 * `services/releases`.
 */
const SOURCE = 'itsm.releases';

export const RELEASE_TYPES = ['major', 'minor', 'emergency'] as const;
export const RELEASE_STATUSES = [
  /** Being put together: changes, plan, package, acceptance criteria and evidence. */
  'planning',
  /** The gate passed and the release was accepted for deployment (FitSM PR13.4). */
  'accepted',
  /** A deployment runs (baseline, waves with verification, back-out when a wave fails). */
  'deploying',
  /** Deployed successfully; in early-life support until handed over to operations. */
  'early-life-support',
  /** Handed over to operations after early-life support: done. */
  'closed',
  /** The deployment failed and was not backed out (the back-out itself failed, or no wave ran). */
  'failed',
  /** A wave failed its verification and the back-out plan ran (FitSM PR13.5). */
  'rolled-back',
  'cancelled',
] as const;
export const DEPLOYMENT_OUTCOMES = ['success', 'failure', 'rolled-back'] as const;

/** A release as other services need it: which changes and CIs, when, where it stands. */
export const ReleaseSnapshot = z.object({
  releaseId: Id,
  /** Readable number: `REL-12`. */
  number: Id,
  title: Name,
  type: z.enum(RELEASE_TYPES),
  status: z.enum(RELEASE_STATUSES),
  ownerId: Id,
  strategyId: z.optional(Id),
  /** The approved changes the release bundles (FitSM PR13.2). */
  changeIds: z.array(ListId).check(z.maxLength(50)),
  /** The CIs the release deploys to (its package's CIs and the changes' CIs). */
  ciIds: z.array(ListId).check(z.maxLength(100)),
  plannedStart: z.optional(Iso),
  plannedEnd: z.optional(Iso),
  /** The CodePipeline pipeline whose executions deploy this release. */
  pipeline: z.optional(Name),
  outcome: z.optional(z.enum(DEPLOYMENT_OUTCOMES)),
  deployedAt: z.optional(Iso),
  version: z.number().check(z.int(), z.gte(1)),
  createdAt: Iso,
  updatedAt: Iso,
});
export type ReleaseSnapshot = z.infer<typeof ReleaseSnapshot>;

const releaseEvent = (detailType: string, description: string) =>
  defineEvent({ source: SOURCE, detailType, version: 1, description, data: ReleaseSnapshot });

export const ReleaseCreated = releaseEvent('ReleaseCreated', 'A release was recorded (REL-n).');
export const ReleaseUpdated = releaseEvent(
  'ReleaseUpdated',
  'A release changed: its changes, plan, package, acceptance criteria, evidence or waivers.',
);
export const ReleaseScheduled = releaseEvent(
  'ReleaseScheduled',
  'The deployment window of a release was planned or moved: its changes follow it on the change schedule (FitSM PR13.3).',
);
export const ReleaseAccepted = releaseEvent(
  'ReleaseAccepted',
  'The gate passed and the release was accepted for deployment (FitSM PR13.4).',
);
export const ReleaseCancelled = releaseEvent('ReleaseCancelled', 'A release was withdrawn before deployment.');
export const ReleaseHandoverAccepted = releaseEvent(
  'ReleaseHandoverAccepted',
  'Early-life support ended: the release was handed over to operations.',
);

/** One deployment of a release, as its start and end announce it. */
export const DeploymentSummary = z.object({
  deploymentId: Id,
  releaseId: Id,
  number: Id,
  title: Name,
  changeIds: z.array(ListId).check(z.maxLength(50)),
  ciIds: z.array(ListId).check(z.maxLength(100)),
  /** Who or what started it: a person, or a pipeline execution. */
  trigger: z.object({ kind: z.enum(['manual', 'pipeline']), ref: Id }),
  startedAt: Iso,
  outcome: z.optional(z.enum(DEPLOYMENT_OUTCOMES)),
  endedAt: z.optional(Iso),
  /** Why it failed or was rolled back (the failed wave and its verification notes). */
  reason: z.optional(str(LIMITS.text)),
  /** The wave that failed, when one did. */
  failedWave: z.optional(Name),
});
export type DeploymentSummary = z.infer<typeof DeploymentSummary>;

export const ReleaseDeploymentStarted = defineEvent({
  source: SOURCE,
  detailType: 'ReleaseDeploymentStarted',
  version: 1,
  description: "A release's deployment started: its changes are being implemented (FitSM PR13.5).",
  data: DeploymentSummary,
});
export const ReleaseDeploymentEnded = defineEvent({
  source: SOURCE,
  detailType: 'ReleaseDeploymentEnded',
  version: 1,
  description:
    "A release's deployment ended as a success, a failure or rolled back: the changes' implementation results and reviews follow it (FitSM PR13.6).",
  data: DeploymentSummary,
});

/**
 * A release package was built: exactly the CI versions it deploys, each artifact taken from the
 * definitive media library with its checksum. The configuration service records it in the CMDB.
 */
export const ReleasePackageRecorded = defineEvent({
  source: SOURCE,
  detailType: 'ReleasePackageRecorded',
  version: 1,
  description: 'A release package (the CI versions a release deploys, from the definitive media library) was recorded.',
  data: z.object({
    packageId: Id,
    releaseId: Id,
    number: Id,
    name: Name,
    items: z
      .array(
        z.object({
          ciId: ListId,
          version: Name,
          /** `s3://bucket/key?versionId=...`, `<account>.dkr.ecr.<region>.amazonaws.com/repo@sha256:...` or a CodeArtifact package version. */
          artifact: str(LIMITS.ref),
          checksum: Name,
        }),
      )
      .check(z.maxLength(100)),
  }),
});

/** The configuration a deployment left differs from what its package says (FitSM PR13.5, PR11.4). */
export const ReleaseConfigurationMismatched = defineEvent({
  source: SOURCE,
  detailType: 'ReleaseConfigurationMismatched',
  version: 1,
  description: "After a deployment, the CMDB's baseline of the released CIs did not match the release package.",
  data: z.object({
    releaseId: Id,
    number: Id,
    deploymentId: Id,
    baselineId: Id,
    mismatches: z
      .array(z.object({ ciId: ListId, expected: Name, found: z.optional(Name), problem: Name }))
      .check(z.maxLength(100)),
  }),
});

/** A standard change for a routine pipeline deployment, from the pipeline's template (pre-approved). */
export const ChangeRequested = changeRequestedBy(SOURCE);
/** The baseline of a release's CIs before a deployment, and again after it to verify the result. */
export const BaselineRequested = baselineRequestedBy(SOURCE);

export const releasesEvents = [
  ReleaseCreated,
  ReleaseUpdated,
  ReleaseScheduled,
  ReleaseAccepted,
  ReleaseCancelled,
  ReleaseHandoverAccepted,
  ReleaseDeploymentStarted,
  ReleaseDeploymentEnded,
  ReleasePackageRecorded,
  ReleaseConfigurationMismatched,
  ChangeRequested,
  BaselineRequested,
];
