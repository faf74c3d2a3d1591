/**
 * Release packages and the definitive media library (ITIL release policy; FitSM PR13.3, PR11).
 * Pure: no I/O.
 *
 * A package lists exactly the CI versions a release deploys; each artifact comes from the
 * library only: a version of an object in the library's bucket (versioned, object-locked), an
 * ECR image pinned by digest, or a CodeArtifact package version. Each item records the SHA-256 its
 * builder declared; before deployment it is compared with what the library holds.
 */

/** A library item (`MEDIA#<id>`): an upload into the library's bucket, then the version S3 keeps. */
export interface MediaItem {
  mediaId: string;
  fileName: string;
  contentType: string;
  /** Declared before the upload; the presigned URL binds the upload to it. */
  contentLength: number;
  /** The SHA-256 (hex) declared before the upload; S3 refuses a body with another. */
  sha256: string;
  /** `dml/<mediaId>/<fileName>` in the library's bucket. */
  key: string;
  status: 'pending' | 'available';
  /** The S3 version confirmed (what packages pin). */
  versionId?: string;
  size?: number;
  requestedBy: string;
  requestedAt: string;
  confirmedBy?: string;
  confirmedAt?: string;
}

export type Artifact =
  /** A library item; the package pins the version S3 holds for it. */
  | { kind: 's3'; mediaId: string; key?: string; versionId?: string }
  /** An ECR image by digest only: a tag can be moved to another image. */
  | { kind: 'ecr'; image: string }
  /** A CodeArtifact package version (immutable once published); `sha256` is its asset's hash. */
  | {
      kind: 'codeartifact';
      domain: string;
      repository: string;
      format: string;
      namespace?: string;
      package: string;
      version: string;
      sha256: string;
    };

export interface PackageItemInput {
  ciId: string;
  version: string;
  artifact: Artifact;
  checksum: string;
}

/**
 * An ECR image reference by digest: `<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>`
 * (repository names: lower-case components separated by `/`, each with `.`, `_`, `-` inside; ECR
 * API reference, *CreateRepository*).
 */
export const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?\/((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)@sha256:([0-9a-f]{64})$/;

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The digest an ECR reference pins, or undefined when it names no digest (a tag, or nothing). */
export function ecrDigest(image: string): string | undefined {
  return ECR_IMAGE.exec(image)?.[4];
}

/** The artifact as the event contract carries it: one string that names it exactly. */
export function artifactRef(a: Artifact, bucket: string): string {
  switch (a.kind) {
    case 's3':
      return `s3://${bucket}/${a.key}?versionId=${a.versionId}`;
    case 'ecr':
      return a.image;
    case 'codeartifact':
      return `codeartifact://${a.domain}/${a.repository}/${a.format}/${a.namespace ? `${a.namespace}/` : ''}${a.package}@${a.version}`;
  }
}

export interface ItemProblem {
  field: string;
  message: string;
}

/**
 * What is wrong with a package's items, each at its field: a CI twice (a package deploys one
 * version of each CI), a checksum that is not a SHA-256.
 */
export function packageProblems(items: PackageItemInput[]): ItemProblem[] {
  const out: ItemProblem[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.ciId);
    if (first !== undefined)
      out.push({
        field: `items.${i}.ciId`,
        message: `${item.ciId} is already item ${first + 1}: a package deploys one version of each CI`,
      });
    else seen.set(item.ciId, i);
    if (!SHA256_HEX.test(item.checksum))
      out.push({ field: `items.${i}.checksum`, message: 'a SHA-256 in 64 lower-case hex digits' });
  });
  return out;
}

/**
 * Why an item's artifact does not match its recorded checksum, given what the library holds for
 * it (`held`: the SHA-256 of an S3 version as read now; undefined when that version is gone).
 * Registry references are immutable: the digest an ECR reference pins, or the asset hash a
 * CodeArtifact version declares, is what must equal the checksum.
 */
export function checksumProblem(
  item: { checksum: string; artifact: Artifact },
  held?: { sha256: string } | undefined,
): string | undefined {
  const a = item.artifact;
  switch (a.kind) {
    case 's3':
      if (!held) return `version ${a.versionId} of ${a.key} is not in the library`;
      return held.sha256 === item.checksum
        ? undefined
        : `the library holds SHA-256 ${held.sha256} for ${a.key} (version ${a.versionId}), the package records ${item.checksum}`;
    case 'ecr': {
      const digest = ecrDigest(a.image);
      if (!digest) return `${a.image} names no digest`;
      return digest === item.checksum
        ? undefined
        : `${a.image} pins sha256:${digest}, the package records ${item.checksum}`;
    }
    case 'codeartifact':
      return a.sha256 === item.checksum
        ? undefined
        : `${a.package}@${a.version} has SHA-256 ${a.sha256}, the package records ${item.checksum}`;
  }
}
