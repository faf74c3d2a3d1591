import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRuntime } from '../../../test/support/runtime';
import * as names from '../names';
import { type Runtime, startRuntime } from '../runtime';
import type { S3ProbeEvent, S3ProbeResult } from './fixtures/s3-probe';
import { s3LibraryService, s3ProbeService, s3VaultService } from './fixtures/s3-service';

/**
 * A versioned bucket with S3 Object Lock in the local S3, as the releases' definitive media library
 * uses it: each PutObject a new version read back by its id, delete markers, locked versions that
 * cannot be deleted (GOVERNANCE only by who may bypass it, COMPLIANCE by nobody), the bucket's
 * configuration, and versions kept across a restart. The unchanged `@aws-sdk/client-s3` throughout.
 */
const LIBRARY = names.bucketName('s3library');
const VAULT = names.bucketName('s3vault');
const PLAIN = names.bucketName('s3probe');
const FUNCTION = 'itsm-s3library-probe';
const DAY_MS = 86_400_000;

let rt: Runtime;
let s3: S3Client;
const client = (awsUrl: string, config: Partial<S3ClientConfig> = {}) =>
  new S3Client({
    endpoint: awsUrl,
    region: names.LOCAL_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'itsm-test', secretAccessKey: 'local' },
    maxAttempts: 1,
    ...config,
  });
beforeAll(async () => {
  rt = await testRuntime({ services: [s3ProbeService, s3LibraryService, s3VaultService] });
  s3 = client(rt.awsUrl);
}, 60_000);
afterAll(async () => {
  s3?.destroy();
  await rt?.close();
});

const probe = (e: S3ProbeEvent) => rt.functions.invoke(FUNCTION, e) as Promise<S3ProbeResult>;
const bytesOf = async (body: { transformToByteArray(): Promise<Uint8Array> } | undefined) =>
  Buffer.from(await body!.transformToByteArray());
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
/** A PutObject the library accepts: Object Lock wants an integrity check on the body. */
const put = (Bucket: string, Key: string, Body: Buffer) =>
  s3.send(new PutObjectCommand({ Bucket, Key, Body, ChecksumSHA256: sha256(Body) }));
/** What the SDK threw: its name, status and the answer's headers. */
const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number }; $response?: { headers?: object } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, headers: (e.$response?.headers ?? {}) as object };
  }
  throw new Error('expected the call to fail');
};

describe('a versioned bucket', () => {
  it('keeps each PutObject as a version of its own, read back by its id', async () => {
    // Prepare
    const first = randomBytes(4_000);
    const second = randomBytes(6_000);
    // Act
    const v1 = await put(LIBRARY, 'dml/app.zip', first);
    const v2 = await put(LIBRARY, 'dml/app.zip', second);
    const current = await s3.send(new GetObjectCommand({ Bucket: LIBRARY, Key: 'dml/app.zip' }));
    const old = await s3.send(
      new GetObjectCommand({ Bucket: LIBRARY, Key: 'dml/app.zip', VersionId: v1.VersionId, ChecksumMode: 'ENABLED' }),
    );
    const oldHead = await s3.send(
      new HeadObjectCommand({ Bucket: LIBRARY, Key: 'dml/app.zip', VersionId: v1.VersionId }),
    );
    // Assess
    expect(v1.VersionId).toMatch(/^[A-Za-z0-9._]{32}$/);
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect(current.VersionId).toBe(v2.VersionId);
    expect((await bytesOf(current.Body)).equals(second)).toBe(true);
    expect(old.VersionId).toBe(v1.VersionId);
    expect(old.ChecksumSHA256).toBe(sha256(first));
    expect((await bytesOf(old.Body)).equals(first)).toBe(true);
    expect(oldHead).toMatchObject({ VersionId: v1.VersionId, ContentLength: first.length });
    // Every version is billed: both are stored.
    expect(rt.s3!.metrics().storedBytes).toBeGreaterThanOrEqual(first.length + second.length);
  });

  it('refuses a malformed version id with 400 and an unknown one with NoSuchVersion', async () => {
    // Prepare
    await put(LIBRARY, 'dml/one.bin', randomBytes(10));
    // Act
    const malformed = await failure(
      s3.send(new GetObjectCommand({ Bucket: LIBRARY, Key: 'dml/one.bin', VersionId: 'not-a-version' })),
    );
    const unknown = await failure(
      s3.send(new GetObjectCommand({ Bucket: LIBRARY, Key: 'dml/one.bin', VersionId: 'A'.repeat(32) })),
    );
    // Assess
    expect(malformed).toMatchObject({ name: 'InvalidArgument', status: 400 });
    expect(unknown).toMatchObject({ name: 'NoSuchVersion', status: 404 });
  });

  it('answers a DELETE without a version id with a delete marker: the key is gone, its versions are not', async () => {
    // Prepare
    const body = randomBytes(1_000);
    const v1 = await put(LIBRARY, 'dml/marked.bin', body);
    // Act
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: LIBRARY, Key: 'dml/marked.bin' }));
    const plainGet = await failure(s3.send(new GetObjectCommand({ Bucket: LIBRARY, Key: 'dml/marked.bin' })));
    const markerGet = await failure(
      s3.send(new GetObjectCommand({ Bucket: LIBRARY, Key: 'dml/marked.bin', VersionId: deleted.VersionId })),
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: LIBRARY, Prefix: 'dml/marked' }));
    const kept = await s3.send(
      new GetObjectCommand({ Bucket: LIBRARY, Key: 'dml/marked.bin', VersionId: v1.VersionId }),
    );
    // Assess
    expect(deleted.DeleteMarker).toBe(true);
    expect(deleted.VersionId).toMatch(/^[A-Za-z0-9._]{32}$/);
    expect(plainGet).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(plainGet.headers).toMatchObject({ 'x-amz-delete-marker': 'true', 'x-amz-version-id': deleted.VersionId });
    expect(markerGet).toMatchObject({ name: 'MethodNotAllowed', status: 405 });
    expect(listed.KeyCount).toBe(0);
    expect((await bytesOf(kept.Body)).equals(body)).toBe(true);
  });

  it('says how it is configured: versioning Enabled, GOVERNANCE for 365 days; a plain bucket neither', async () => {
    // Act
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: LIBRARY }));
    const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: LIBRARY }));
    const plainVersioning = await s3.send(new GetBucketVersioningCommand({ Bucket: PLAIN }));
    const plainLock = await failure(s3.send(new GetObjectLockConfigurationCommand({ Bucket: PLAIN })));
    // Assess
    expect(versioning.Status).toBe('Enabled');
    expect(lock.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } },
    });
    expect(plainVersioning.Status).toBeUndefined();
    expect(plainLock).toMatchObject({ name: 'ObjectLockConfigurationNotFoundError', status: 404 });
  });
});

describe('Object Lock', () => {
  it('takes a version only with Content-MD5 or a checksum of its body', async () => {
    // Prepare: a client that adds no checksum of its own.
    const bare = client(rt.awsUrl, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    try {
      // Act
      const refused = await failure(
        bare.send(new PutObjectCommand({ Bucket: LIBRARY, Key: 'dml/bare.bin', Body: 'no digest' })),
      );
      const taken = await bare.send(
        new PutObjectCommand({
          Bucket: LIBRARY,
          Key: 'dml/bare.bin',
          Body: 'sha',
          ChecksumSHA256: sha256(Buffer.from('sha')),
        }),
      );
      // Assess
      expect(refused).toMatchObject({ name: 'InvalidRequest', status: 400 });
      expect(taken.VersionId).toBeDefined();
    } finally {
      bare.destroy();
    }
  });

  it('refuses to delete a retained version; GOVERNANCE yields only to a bypass by who may, COMPLIANCE to nobody', async () => {
    // Prepare
    const v = await put(LIBRARY, 'dml/locked.bin', randomBytes(100));
    const c = await put(VAULT, 'dml/locked.bin', randomBytes(100));
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: LIBRARY, Key: 'dml/locked.bin' }));
    // Act
    const plain = await failure(
      s3.send(new DeleteObjectCommand({ Bucket: LIBRARY, Key: 'dml/locked.bin', VersionId: v.VersionId })),
    );
    const byFunction = await probe({
      op: 'delete',
      key: 'dml/locked.bin',
      versionId: v.VersionId!,
      bypassGovernance: true,
    });
    const compliance = await failure(
      s3.send(
        new DeleteObjectCommand({
          Bucket: VAULT,
          Key: 'dml/locked.bin',
          VersionId: c.VersionId,
          BypassGovernanceRetention: true,
        }),
      ),
    );
    const markerGone = await s3.send(
      new DeleteObjectCommand({ Bucket: LIBRARY, Key: 'dml/locked.bin', VersionId: marker.VersionId }),
    );
    const stillThere = await s3.send(
      new HeadObjectCommand({ Bucket: LIBRARY, Key: 'dml/locked.bin', VersionId: v.VersionId }),
    );
    const bypassed = await s3.send(
      new DeleteObjectCommand({
        Bucket: LIBRARY,
        Key: 'dml/locked.bin',
        VersionId: v.VersionId,
        BypassGovernanceRetention: true,
      }),
    );
    const afterBypass = await failure(
      s3.send(new GetObjectCommand({ Bucket: LIBRARY, Key: 'dml/locked.bin', VersionId: v.VersionId })),
    );
    // Assess
    expect(plain).toMatchObject({ name: 'AccessDenied', status: 403 });
    // The function holds no s3:BypassGovernanceRetention (nor s3:DeleteObjectVersion on AWS).
    expect(byFunction.error).toEqual({ name: 'AccessDenied', status: 403 });
    expect(compliance).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(markerGone.DeleteMarker).toBe(true);
    expect(stillThere.VersionId).toBe(v.VersionId);
    expect(bypassed.VersionId).toBe(v.VersionId);
    expect(afterBypass).toMatchObject({ name: 'NoSuchVersion', status: 404 });
    const calls = rt.recordedCalls().filter((x) => x.caller === FUNCTION);
    expect(calls).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 's3:DeleteObjectVersion',
          resource: `arn:aws:s3:::${LIBRARY}/dml/locked.bin`,
        }),
        expect.objectContaining({
          action: 's3:BypassGovernanceRetention',
          resource: `arn:aws:s3:::${LIBRARY}/dml/locked.bin`,
        }),
      ]),
    );
  });

  it('lets a COMPLIANCE version go once its retention has passed', async () => {
    // Prepare
    const c = await put(VAULT, 'dml/aged.bin', randomBytes(100));
    const clock = rt.s3!.now;
    rt.s3!.now = () => clock() + DAY_MS + 1_000;
    try {
      // Act: signed by a client whose clock agrees with S3's.
      const later = client(rt.awsUrl, { systemClockOffset: DAY_MS + 1_000 });
      const deleted = await later.send(
        new DeleteObjectCommand({ Bucket: VAULT, Key: 'dml/aged.bin', VersionId: c.VersionId }),
      );
      later.destroy();
      // Assess
      expect(deleted.VersionId).toBe(c.VersionId);
    } finally {
      rt.s3!.now = clock;
    }
  });

  it('a function reads a version by its id as s3:GetObjectVersion, with its stored SHA-256', async () => {
    // Prepare
    const body = randomBytes(2_000);
    const v = await put(LIBRARY, 'dml/fn.bin', body);
    await put(LIBRARY, 'dml/fn.bin', randomBytes(10));
    // Act
    const read = await probe({ op: 'getVersion', key: 'dml/fn.bin', versionId: v.VersionId! });
    const missing = await probe({ op: 'getVersion', key: 'dml/fn.bin', versionId: 'B'.repeat(32) });
    // Assess
    expect(Buffer.from(read.base64!, 'base64').equals(body)).toBe(true);
    expect(read).toMatchObject({ versionId: v.VersionId, checksumSha256: sha256(body) });
    // Without s3:ListBucket a missing version is as unknowable as a missing key.
    expect(missing.error).toEqual({ name: 'AccessDenied', status: 403 });
    const calls = rt.recordedCalls().filter((x) => x.caller === FUNCTION);
    expect(calls).toContainEqual(
      expect.objectContaining({ action: 's3:GetObjectVersion', resource: `arn:aws:s3:::${LIBRARY}/dml/fn.bin` }),
    );
  });
});

describe('uploads into the library through the kit', () => {
  const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it('a presigned PUT signed with its SHA-256 takes that body only; the kit reads back its version and digest', async () => {
    // Prepare
    const body = randomBytes(5_000);
    const other = randomBytes(5_000);
    const key = 'dml/01J/app.zip';
    const up = await probe({
      op: 'presignPut',
      key,
      contentType: 'application/zip',
      contentLength: body.length,
      sha256: hex(body),
    });
    // Act
    const tampered = await fetch(up.url!, { method: 'PUT', headers: up.headers, body: other });
    const withoutDigest = await fetch(up.url!, {
      method: 'PUT',
      headers: { 'content-type': 'application/zip' },
      body,
    });
    const uploaded = await fetch(up.url!, { method: 'PUT', headers: up.headers, body });
    const head = await probe({ op: 'headVersion', key });
    const hashed = await probe({ op: 'hashVersion', key, versionId: uploaded.headers.get('x-amz-version-id')! });
    const gone = await probe({ op: 'headVersion', key: 'dml/none' });
    // Assess
    expect(up.headers).toEqual({
      'content-type': 'application/zip',
      'x-amz-checksum-sha256': Buffer.from(hex(body), 'hex').toString('base64'),
    });
    expect(new URL(up.url!).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-type;host;x-amz-checksum-sha256',
    );
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('<Code>BadDigest</Code>');
    // The digest header is signed: leaving it out breaks the signature.
    expect(withoutDigest.status).toBe(403);
    expect(uploaded.status).toBe(200);
    expect(head.found).toEqual({
      size: body.length,
      versionId: uploaded.headers.get('x-amz-version-id'),
      sha256: hex(body),
    });
    expect(hashed.found).toEqual({ size: body.length, sha256: hex(body) });
    expect(gone.found).toBeNull();
  });
});

describe('versions in data mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'itsm-s3v-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every version and delete marker across a restart, in their order', async () => {
    // Prepare
    const options = { dataDir: join(dir, 'data'), awsPort: 0, apiPort: 0, waitScale: 0, schedules: false };
    const first = randomBytes(3_000);
    const second = randomBytes(5_000);
    const before = await startRuntime({ ...options, services: [s3LibraryService] });
    const c1 = client(before.awsUrl);
    const send = (b: Buffer) =>
      c1.send(new PutObjectCommand({ Bucket: LIBRARY, Key: 'dml/kept.bin', Body: b, ChecksumSHA256: sha256(b) }));
    const v1 = await send(first);
    const v2 = await send(second);
    const marker = await c1.send(new DeleteObjectCommand({ Bucket: LIBRARY, Key: 'dml/kept.bin' }));
    c1.destroy();
    await before.close();
    // Act
    const after = await startRuntime({ ...options, services: [s3LibraryService] });
    const c2 = client(after.awsUrl);
    try {
      const get = (VersionId?: string) =>
        c2.send(new GetObjectCommand({ Bucket: LIBRARY, Key: 'dml/kept.bin', VersionId }));
      const old = await get(v1.VersionId);
      const newer = await get(v2.VersionId);
      const current = await failure(get());
      // Assess
      expect((await bytesOf(old.Body)).equals(first)).toBe(true);
      expect((await bytesOf(newer.Body)).equals(second)).toBe(true);
      expect(current).toMatchObject({ name: 'NoSuchKey', status: 404 });
      expect(current.headers).toMatchObject({ 'x-amz-version-id': marker.VersionId });
      // Still locked after the restart.
      const locked = await failure(
        c2.send(new DeleteObjectCommand({ Bucket: LIBRARY, Key: 'dml/kept.bin', VersionId: v1.VersionId })),
      );
      expect(locked).toMatchObject({ name: 'AccessDenied', status: 403 });
    } finally {
      c2.destroy();
      await after.close();
    }
  }, 60_000);
});
