import { createHash, randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as names from '../../../infra/local/names';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, eventually, testRuntime, WITHOUT_QUERY_STORE } from '../../../test/support/runtime';

/**
 * The definitive media library and release packages (ITIL release policy, FitSM PR13.3): artifacts
 * uploaded through presigned PUTs bound to their SHA-256 into the versioned, object-locked bucket
 * and confirmed with the version S3 made; a package pins those versions (or ECR digests,
 * CodeArtifact versions) with their checksums; before a deployment starts every artifact is
 * checked against the library, and a mismatch refuses it with nothing started.
 */
let rt: Runtime;
let rita: Client; // release manager
let remy: Client; // another release manager: acceptance
let sam: Client; // process staff: uploads, evidence, package, deployment
let auditor: Client;
let s3: S3Client;
let templateId: string;
const ci: Record<string, string> = {};
const LIBRARY = names.bucketName('releases');

type Release = {
  releaseId: string;
  number: string;
  status: string;
  version: number;
  ciIds: string[];
  criteria: { criterionId: string; name: string }[];
  package?: {
    packageId: string;
    name: string;
    items: { ciId: string; version: string; artifact: Record<string, unknown>; checksum: string }[];
  };
  deployment?: { deploymentId: string };
  deployments: unknown[];
};
type Media = {
  mediaId: string;
  key: string;
  status: string;
  versionId?: string;
  size?: number;
  sha256: string;
  upload?: { url: string; method: string; headers: Record<string, string> };
};
type Problem = { code: string; detail: string; errors?: { field: string; message: string }[] };

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const digest = () => sha256(randomBytes(16));
const ecr = (hex: string) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api@sha256:${hex}`;

/** Upload bytes into the library as a build agent would: ask, PUT to the presigned URL, confirm. */
async function upload(fileName: string, body: Buffer): Promise<Media> {
  const asked = await sam.post<Media>('/v1/media', {
    fileName,
    contentType: 'application/zip',
    contentLength: body.length,
    sha256: sha256(body),
  });
  expect(asked.status, JSON.stringify(asked.body)).toBe(201);
  const put = await fetch(asked.body.upload!.url, { method: 'PUT', headers: asked.body.upload!.headers, body });
  expect(put.status, await put.clone().text()).toBe(200);
  const confirmed = await sam.post<Media>(`/v1/media/${asked.body.mediaId}/confirmation`, {});
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  return confirmed.body;
}

/** An approved standard change on the CIs, known to releases from its events. */
async function approvedChange(title: string, ciIds: string[]): Promise<string> {
  const made = await sam.post<{ changeId: string; status: string }>('/v1/changes', {
    templateId,
    title,
    description: title,
    ciIds,
    plannedStart: new Date(Date.now() - 60_000).toISOString(),
    plannedEnd: new Date(Date.now() + 6 * 3_600_000).toISOString(),
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  expect(made.body.status).toBe('approved');
  return made.body.changeId;
}

/** A release accepted for deployment (criteria passed), bundling one approved change. */
async function acceptedRelease(title: string, type: 'minor' | 'major'): Promise<Release> {
  const changeId = await approvedChange(title, [ci['pay-web']!]);
  const made = await eventually(
    async () => {
      const r = await rita.post<Release>('/v1/releases', {
        title,
        type,
        changeIds: [changeId],
        plan: {
          waves: [{ name: 'all', environment: 'production', verification: 'manual' }],
          backoutPlan: 'Redeploy the previous package.',
          notify: [],
        },
        criteria: [{ name: 'Unit tests', stage: 'build', required: true }],
      });
      return r.status === 201 ? r : undefined;
    },
    30_000,
    `${title}: its change copied to releases`,
  );
  for (const c of made.body.criteria) {
    const e = await sam.post(`/v1/releases/${made.body.releaseId}/evidence`, {
      criterionId: c.criterionId,
      result: 'passed',
      summary: `${c.name}: passed`,
    });
    expect(e.status, JSON.stringify(e.body)).toBe(201);
  }
  const accepted = await remy.post<Release>(`/v1/releases/${made.body.releaseId}/acceptances`, { stage: 'deployment' });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  return accepted.body;
}

const putPackage = (r: Release, body: unknown) =>
  sam.put<Release & Problem>(`/v1/releases/${r.releaseId}/package`, body, { 'if-match': `"${r.version}"` });

beforeAll(async () => {
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  const chloe = await as(rt, 'chloe', ['changes-manager']);
  const cora = await as(rt, 'cora', ['configuration-manager']);
  rita = await as(rt, 'rita', ['releases-manager']);
  remy = await as(rt, 'remy', ['releases-manager']);
  sam = await as(rt, 'sam', ['process-staff']);
  auditor = await as(rt, 'audrey', ['auditor']);
  s3 = new S3Client({
    endpoint: rt.awsUrl,
    region: names.LOCAL_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'itsm-test', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const template = await chloe.post<{ templateId: string }>('/v1/change-templates', {
    name: 'Deploy the payment service',
    description: 'A routine deployment.',
    implementationPlan: 'Run the pipeline.',
    testPlan: 'Smoke tests.',
    backoutPlan: 'Redeploy the previous version.',
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  templateId = template.body.templateId;
  const type = await cora.post('/v1/ci-types', {
    typeId: 'app',
    name: 'Application',
    attributes: [{ name: 'version', type: 'string' }],
  });
  expect(type.status, JSON.stringify(type.body)).toBe(201);
  for (const name of ['pay-web', 'pay-api', 'pay-db']) {
    const r = await cora.post<{ ciId: string }>('/v1/cis', {
      typeId: 'app',
      name,
      status: 'active',
      attributes: { version: '1.0.0' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    ci[name] = r.body.ciId;
  }
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await rt?.close();
});

describe('the definitive media library', () => {
  it('takes an upload through its presigned URL, bound to the declared SHA-256, and records the version S3 made', async () => {
    // Prepare
    const body = randomBytes(20_000);
    const asked = await sam.post<Media>('/v1/media', {
      fileName: 'pay-web-2.0.0.zip',
      contentType: 'application/zip',
      contentLength: body.length,
      sha256: sha256(body),
    });
    // Act
    const early = await sam.post<Problem>(`/v1/media/${asked.body.mediaId}/confirmation`, {});
    const tampered = await fetch(asked.body.upload!.url, {
      method: 'PUT',
      headers: asked.body.upload!.headers,
      body: randomBytes(20_000),
    });
    const put = await fetch(asked.body.upload!.url, { method: 'PUT', headers: asked.body.upload!.headers, body });
    const confirmed = await sam.post<Media>(`/v1/media/${asked.body.mediaId}/confirmation`, {});
    const read = await auditor.get<Media>(`/v1/media/${asked.body.mediaId}`);
    const listed = await auditor.get<{ items: Media[] }>('/v1/media');
    const byAuditor = await auditor.post('/v1/media', {
      fileName: 'x.zip',
      contentType: 'application/zip',
      contentLength: 1,
      sha256: digest(),
    });
    // Assess
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ status: 'pending', key: `dml/${asked.body.mediaId}/pay-web-2.0.0.zip` });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('media-not-uploaded');
    // S3 itself refuses a body with another digest: the URL signs the declared one.
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('BadDigest');
    expect(put.status).toBe(200);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({
      status: 'available',
      versionId: put.headers.get('x-amz-version-id'),
      size: body.length,
      sha256: sha256(body),
    });
    expect(read.body).toEqual(confirmed.body);
    expect(listed.body.items.map((m) => m.mediaId)).toContain(asked.body.mediaId);
    expect(byAuditor.status).toBe(403);
  });

  it('keeps a version under Object Lock: nobody deletes it without bypassing the retention', async () => {
    // Prepare
    const m = await upload('pay-db-7.zip', randomBytes(1_000));
    // Act
    const refused = await s3
      .send(new DeleteObjectCommand({ Bucket: LIBRARY, Key: m.key, VersionId: m.versionId }))
      .then(
        () => undefined,
        (err: Error & { $metadata?: { httpStatusCode?: number } }) => ({
          name: err.name,
          status: err.$metadata?.httpStatusCode,
        }),
      );
    const kept = await s3.send(new GetObjectCommand({ Bucket: LIBRARY, Key: m.key, VersionId: m.versionId }));
    // Assess
    expect(refused).toEqual({ name: 'AccessDenied', status: 403 });
    expect(kept.VersionId).toBe(m.versionId);
  });
});

describe('release packages and their verification before deployment', () => {
  it('pins library versions: a later upload under the same key changes nothing, and the deployment starts', async () => {
    // Prepare
    const web = randomBytes(30_000);
    const media = await upload('pay-web-2.1.0.zip', web);
    const imageDigest = digest();
    const caHash = digest();
    const r = await acceptedRelease('Payments 2.1', 'major');
    // Act
    const recorded = await putPackage(r, {
      name: 'payments-2.1',
      items: [
        {
          ciId: ci['pay-web'],
          version: '2.1.0',
          artifact: { kind: 's3', mediaId: media.mediaId },
          checksum: sha256(web),
        },
        {
          ciId: ci['pay-api'],
          version: '2.1.0',
          artifact: { kind: 'ecr', image: ecr(imageDigest) },
          checksum: imageDigest,
        },
        {
          ciId: ci['pay-db'],
          version: '7.0.1',
          artifact: {
            kind: 'codeartifact',
            domain: 'acme',
            repository: 'releases',
            format: 'npm',
            namespace: 'acme',
            package: 'pay-db-migrations',
            version: '7.0.1',
            sha256: caHash,
          },
          checksum: caHash,
        },
      ],
    });
    // Someone overwrites the library key afterwards: a new version, the package keeps the old one.
    const other = randomBytes(30_000);
    await s3.send(
      new PutObjectCommand({
        Bucket: LIBRARY,
        Key: media.key,
        Body: other,
        ChecksumSHA256: createHash('sha256').update(other).digest('base64'),
      }),
    );
    const deployed = await sam.post<Release>(`/v1/releases/${r.releaseId}/deployments`, {});
    // Assess
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(200);
    expect(recorded.body.package?.items[0]?.artifact).toEqual({
      kind: 's3',
      mediaId: media.mediaId,
      key: media.key,
      versionId: media.versionId,
    });
    // The package's CIs are the release's: pay-api and pay-db were added.
    expect(new Set(recorded.body.ciIds)).toEqual(new Set([ci['pay-web'], ci['pay-api'], ci['pay-db']]));
    const event = await eventually(
      async () =>
        rt.bus
          .published()
          .find(
            (e) =>
              e['detail-type'] === 'ReleasePackageRecorded' &&
              (e.detail as { data: { releaseId: string } }).data.releaseId === r.releaseId,
          ),
      10_000,
      'ReleasePackageRecorded published',
    );
    expect((event.detail as { data: { items: { artifact: string }[] } }).data.items.map((i) => i.artifact)).toEqual([
      `s3://${LIBRARY}/${media.key}?versionId=${media.versionId}`,
      ecr(imageDigest),
      'codeartifact://acme/releases/npm/acme/pay-db-migrations@7.0.1',
    ]);
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(202);
    expect(deployed.body.status).toBe('deploying');
    const history = await rita.get<{ items: { action: string }[] }>(`/v1/releases/${r.releaseId}/history`);
    expect(history.body.items.map((h) => h.action)).toContain('package payments-2.1 recorded (3 item(s))');
    // What the API function did in S3, as its policy must allow it (infra/aws: bucket 'write' on a
    // versioned bucket): the upload it presigned, the HeadObject confirming it, the version it read.
    const object = `arn:aws:s3:::${LIBRARY}/${media.key}`;
    const calls = rt.recordedCalls().filter((c) => c.caller === 'itsm-releases-api' && c.resource === object);
    expect(new Set(calls.map((c) => c.action))).toEqual(
      new Set(['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion']),
    );
  });

  it('refuses a deployment whose artifacts do not match the library, naming each item, and starts nothing', async () => {
    // Prepare: the builder's checksum for the zip is not what the library holds; the ECR
    // reference pins another digest than the one recorded.
    const body = randomBytes(5_000);
    const media = await upload('pay-web-2.2.0.zip', body);
    const r = await acceptedRelease('Payments 2.2', 'minor');
    const recorded = await putPackage(r, {
      name: 'payments-2.2',
      items: [
        { ciId: ci['pay-web'], version: '2.2.0', artifact: { kind: 's3', mediaId: media.mediaId }, checksum: digest() },
        { ciId: ci['pay-api'], version: '2.2.0', artifact: { kind: 'ecr', image: ecr(digest()) }, checksum: digest() },
      ],
    });
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(200);
    // Act
    const refused = await sam.post<Problem>(`/v1/releases/${r.releaseId}/deployments`, {});
    const after = await rita.get<Release>(`/v1/releases/${r.releaseId}`);
    // Assess
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('artifact-checksum-mismatch');
    expect(refused.body.errors?.map((e) => e.field)).toEqual(['package.items.0', 'package.items.1']);
    expect(refused.body.errors?.[0]?.message).toContain(`the library holds SHA-256 ${sha256(body)}`);
    expect(after.body.status).toBe('accepted');
    expect(after.body.deployment).toBeUndefined();
    expect(after.body.deployments).toEqual([]);
  });

  it('refuses an ECR tag (mutable), a CI twice and an unconfirmed library item, each at its field', async () => {
    // Prepare
    const r = await acceptedRelease('Payments 2.3', 'minor');
    const pending = await sam.post<Media>('/v1/media', {
      fileName: 'never-uploaded.zip',
      contentType: 'application/zip',
      contentLength: 10,
      sha256: digest(),
    });
    // Act
    const tag = await putPackage(r, {
      name: 'tagged',
      items: [
        {
          ciId: ci['pay-api'],
          version: '2.3.0',
          artifact: { kind: 'ecr', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:2.3.0' },
          checksum: digest(),
        },
      ],
    });
    const twice = await putPackage(r, {
      name: 'twice',
      items: [
        { ciId: ci['pay-api'], version: '2.3.0', artifact: { kind: 'ecr', image: ecr(digest()) }, checksum: digest() },
        { ciId: ci['pay-api'], version: '2.3.1', artifact: { kind: 'ecr', image: ecr(digest()) }, checksum: digest() },
        {
          ciId: ci['pay-web'],
          version: '2.3.0',
          artifact: { kind: 's3', mediaId: pending.body.mediaId },
          checksum: digest(),
        },
      ],
    });
    const after = await rita.get<Release>(`/v1/releases/${r.releaseId}`);
    // Assess
    expect(tag.status).toBe(400);
    expect(JSON.stringify(tag.body.errors)).toContain('items.0.artifact.image');
    expect(JSON.stringify(tag.body.errors)).toContain('a tag can be moved');
    expect(twice.status).toBe(400);
    expect(twice.body.errors?.map((e) => e.field)).toEqual(['items.1.ciId', 'items.2.artifact.mediaId']);
    expect(after.body.package).toBeUndefined();
    expect(after.body.version).toBe(r.version);
  });

  it('refuses a major release without a package (the default strategy requires one)', async () => {
    // Prepare
    const r = await acceptedRelease('Payments 3.0', 'major');
    // Act
    const refused = await sam.post<Problem>(`/v1/releases/${r.releaseId}/deployments`, {});
    // Assess
    expect(refused.status).toBe(409);
    expect(refused.body.errors?.map((e) => e.field)).toContain('package');
  });
});
