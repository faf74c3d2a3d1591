import type * as z from 'zod/mini';
import { ReleasePackageRecorded, ReleaseUpdated } from '../../../shared/contracts/releases/v1';
import { now } from '../../../shared/kit/clock';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, DomainError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import { versionSha256 } from '../../../shared/kit/objects';
import { type Artifact, artifactRef, checksumProblem, type MediaItem, packageProblems } from '../domain/package';
import { EDITABLE, MAX_CIS, type Release, type ReleasePackage } from '../domain/release';
import type { PackageBody } from '../schemas';
import { table } from '../store';
import { libraryBucket, mediaKey } from './media';
import { loadRelease, saveRelease } from './record';

/**
 * Release packages (ITIL release policy, FitSM PR13.3): exactly the CI versions a release deploys,
 * each artifact from the definitive media library only, with the SHA-256 its builder declared.
 * Recorded on the release (its history) and announced (`ReleasePackageRecorded`) so the CMDB
 * records it; verified against the library before any deployment starts (`verifyPackage`).
 */
export async function recordPackage(
  ctx: OperationContext,
  actor: { id: string },
  idOrNumber: string,
  ifMatch: number,
  input: z.infer<typeof PackageBody>,
): Promise<Release> {
  const before = await loadRelease(idOrNumber, true);
  if (!EDITABLE.includes(before.status))
    throw new ConflictError(
      `${before.number} is ${before.status}; its package is recorded before deployment.`,
      'release-not-editable',
    );
  const problems = packageProblems(input.items);
  // Library items: confirmed ones only, each pinned to the S3 version its upload made.
  const media = new Map<string, MediaItem>();
  const mediaIds = [...new Set(input.items.flatMap((i) => (i.artifact.kind === 's3' ? [i.artifact.mediaId] : [])))];
  if (mediaIds.length) {
    const found = await table().batchGet<MediaItem & { pk: string }>(mediaIds.map(mediaKey));
    for (const m of found) media.set(m.mediaId, m);
  }
  const items = input.items.map((item, i) => {
    let artifact: Artifact = item.artifact;
    if (item.artifact.kind === 's3') {
      const m = media.get(item.artifact.mediaId);
      if (!m)
        problems.push({
          field: `items.${i}.artifact.mediaId`,
          message: 'no such item in the definitive media library',
        });
      else if (m.status !== 'available' || !m.versionId)
        problems.push({
          field: `items.${i}.artifact.mediaId`,
          message: `${m.fileName} has not been confirmed in the library yet`,
        });
      else artifact = { kind: 's3', mediaId: m.mediaId, key: m.key, versionId: m.versionId };
    }
    return { ciId: item.ciId, version: item.version, artifact, checksum: item.checksum };
  });
  // The package deploys these CIs: the release covers them (added when it did not yet).
  const ciIds = [...new Set([...before.ciIds, ...items.map((i) => i.ciId)])];
  if (ciIds.length > MAX_CIS)
    problems.push({ field: 'items', message: `the release would deploy to ${ciIds.length} CIs; at most ${MAX_CIS}` });
  if (problems.length) throw new ValidationError('The package cannot be recorded.', problems);
  const pkg: ReleasePackage = {
    packageId: newId(),
    name: input.name,
    items: items.map((i) => ({ ...i, artifact: i.artifact as unknown as Record<string, unknown> })),
    recordedAt: new Date(now()).toISOString(),
    recordedBy: actor.id,
  };
  const bucket = libraryBucket();
  const next: Release = { ...before, ciIds, package: pkg };
  return saveRelease(ctx, before, next, {
    action: `package ${pkg.name} recorded (${pkg.items.length} item(s))`,
    expectVersion: ifMatch,
    events: [ReleaseUpdated],
    extraEvents: [
      buildEvent(
        ReleasePackageRecorded,
        {
          packageId: pkg.packageId,
          releaseId: before.releaseId,
          number: before.number,
          name: pkg.name,
          items: items.map((i) => ({
            ciId: i.ciId,
            version: i.version,
            artifact: artifactRef(i.artifact, bucket),
            checksum: i.checksum,
          })),
        },
        ctx,
      ),
    ],
  });
}

/**
 * Before a deployment starts: every artifact of the package must still be what it recorded. An
 * S3 item's pinned version is read from the library (streamed, hashed); an ECR reference's digest
 * and a CodeArtifact version's asset hash must equal the recorded checksum. Any mismatch refuses
 * the deployment (409 `artifact-checksum-mismatch`), naming each item. A release without a
 * package passes here: whether it needs one is the strategy's rule (startDeployment).
 */
export async function verifyPackage(release: Release): Promise<void> {
  const pkg = release.package;
  if (!pkg) return;
  const bucket = libraryBucket();
  const problems = (
    await Promise.all(
      pkg.items.map(async (item, i) => {
        const artifact = item.artifact as unknown as Artifact;
        const held =
          artifact.kind === 's3' ? await versionSha256(bucket, artifact.key!, artifact.versionId!) : undefined;
        const problem = checksumProblem({ checksum: item.checksum, artifact }, held);
        return problem ? [{ field: `package.items.${i}`, message: `${item.ciId} ${item.version}: ${problem}` }] : [];
      }),
    )
  ).flat();
  if (problems.length)
    throw new DomainError(
      'artifact-checksum-mismatch',
      409,
      `${release.number} may not deploy: ${problems.length} artifact(s) of package ${pkg.name} do not match the definitive media library.`,
      problems,
    );
}
