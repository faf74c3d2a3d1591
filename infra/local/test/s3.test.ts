import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRuntime } from '../../../test/support/runtime';
import * as names from '../names';
import { type Runtime, startRuntime } from '../runtime';
import { expiresAt } from '../s3/local-s3';
import { BucketStore, type ObjectMeta } from '../s3/store';
import type { S3ProbeEvent, S3ProbeResult } from './fixtures/s3-probe';
import { s3ProbeService } from './fixtures/s3-service';

/**
 * S3 in the local runtime (ADR 27): the unchanged SDK and presigner against the endpoint, a
 * function's calls over its channel through the kit, presigned URLs fetched as a browser would,
 * what S3 refuses, durability across a restart and the bucket's lifecycle expiry.
 */
const exports = s3ProbeService;
const BUCKET = names.bucketName('s3probe');
const FUNCTION = 'itsm-s3probe-probe';

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
  rt = await testRuntime({ services: [exports] });
  s3 = client(rt.awsUrl);
}, 60_000);
afterAll(async () => {
  s3?.destroy();
  await rt?.close();
});

const probe = (e: S3ProbeEvent) => rt.functions.invoke(FUNCTION, e) as Promise<S3ProbeResult>;
/** Every byte value, then random bytes: nothing may be read as text on the way. */
const binary = (size: number) =>
  Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(size)]);
const bytesOf = async (body: { transformToByteArray(): Promise<Uint8Array> } | undefined) =>
  Buffer.from(await body!.transformToByteArray());
/** The `<Code>` and `<Message>` of S3's XML error document. */
const errorOf = (xml: string) => ({
  code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1],
  message: /<Message>([^<]*)<\/Message>/.exec(xml)?.[1],
});

describe('S3 objects with the SDK', () => {
  it('puts, heads, gets, lists and deletes a binary object byte for byte', async () => {
    // Prepare
    const body = binary(300_000);
    const key = 'exports/ünïcode key+with spaces.bin';
    const storedBefore = rt.s3!.metrics().storedBytes;
    // Act
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: body,
        ContentType: 'application/octet-stream',
        ContentDisposition: 'attachment; filename="x.bin"',
        Metadata: { requester: 'u-42' },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'exports/' }));
    const metered = (await (await fetch(`${rt.awsUrl}/_local/metrics`)).json()) as {
      s3: { requests: Record<string, number>; storedBytes: number };
    };
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const gone = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })).catch((e: Error) => e);
    // Assess
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    // The SDK sent a CRC32 by default; S3 verified and echoes it.
    expect(put.ChecksumCRC32).toBeDefined();
    expect(head).toMatchObject({ ContentLength: body.length, ETag: put.ETag, Metadata: { requester: 'u-42' } });
    expect(got).toMatchObject({
      ContentType: 'application/octet-stream',
      ContentDisposition: 'attachment; filename="x.bin"',
      ContentLength: body.length,
      ChecksumCRC32: put.ChecksumCRC32,
    });
    expect((await bytesOf(got.Body)).equals(body)).toBe(true);
    expect(listed.Contents?.map((c) => [c.Key, c.Size, c.ETag])).toEqual([[key, body.length, put.ETag]]);
    expect(gone).toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    // The meter counts what S3 bills: requests by operation, and what is stored.
    expect(metered.s3.requests).toMatchObject({ PutObject: expect.any(Number), ListObjectsV2: expect.any(Number) });
    expect(metered.s3.storedBytes - storedBefore).toBe(body.length);
    expect(rt.s3!.metrics().storedBytes).toBe(storedBefore);
  });

  it('serves byte ranges and refuses one past the end with InvalidRange', async () => {
    // Prepare
    const body = binary(1000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'range.bin', Body: body }));
    // Act
    const middle = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range.bin', Range: 'bytes=10-19' }));
    const suffix = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range.bin', Range: 'bytes=-5' }));
    const past = await s3
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range.bin', Range: `bytes=${body.length}-` }))
      .catch((e: Error) => e);
    // Assess
    expect(middle.ContentRange).toBe(`bytes 10-19/${body.length}`);
    expect(middle.$metadata.httpStatusCode).toBe(206);
    expect((await bytesOf(middle.Body)).equals(body.subarray(10, 20))).toBe(true);
    expect((await bytesOf(suffix.Body)).equals(body.subarray(body.length - 5))).toBe(true);
    expect(past).toMatchObject({ name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
  });

  it('pages a listing with max-keys and continuation tokens, and groups by delimiter', async () => {
    // Prepare
    const keys = ['list/a', 'list/b', 'list/c/1', 'list/c/2', 'list/d', 'other'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }));
    // Act
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/', MaxKeys: 2, ContinuationToken: token }),
      );
      pages.push((page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(token !== undefined);
    } while (token);
    const grouped = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/', Delimiter: '/' }));
    // A page may end on a common prefix: the next one starts after every key under it.
    const groupedPages: string[][] = [];
    token = undefined;
    do {
      const page: ListObjectsV2CommandOutput = await s3.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          Prefix: 'list/',
          Delimiter: '/',
          MaxKeys: 1,
          ContinuationToken: token,
        }),
      );
      groupedPages.push([
        ...(page.Contents ?? []).map((c) => c.Key!),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
      ]);
      token = page.NextContinuationToken;
    } while (token && groupedPages.length < 10);
    // Assess
    expect(groupedPages).toEqual([['list/a'], ['list/b'], ['list/c/'], ['list/d']]);
    expect(pages).toEqual([['list/a', 'list/b'], ['list/c/1', 'list/c/2'], ['list/d']]);
    expect(grouped.Contents?.map((c) => c.Key)).toEqual(['list/a', 'list/b', 'list/d']);
    expect(grouped.CommonPrefixes).toEqual([{ Prefix: 'list/c/' }]);
  });

  it('answers for buckets that exist only, and refuses a wrong secret key', async () => {
    // Act
    const bucket = await s3.send(new HeadBucketCommand({ Bucket: BUCKET }));
    const missing = await s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'x' })).catch((e: Error) => e);
    const forged = client(rt.awsUrl, { credentials: { accessKeyId: 'itsm-test', secretAccessKey: 'guessed' } });
    const refused = await forged
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'forged', Body: 'x' }))
      .catch((e: Error) => e);
    forged.destroy();
    const anonymous = await fetch(`${rt.awsUrl}/${BUCKET}/range.bin`);
    // Assess
    expect(bucket.$metadata.httpStatusCode).toBe(200);
    expect(missing).toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } });
    expect(refused).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    expect(anonymous.status).toBe(403);
    expect(errorOf(await anonymous.text()).code).toBe('AccessDenied');
  });

  it('takes a streamed upload (aws-chunked with a trailing checksum) and refuses a wrong checksum', async () => {
    // Prepare
    const body = binary(100_000);
    // Act: a stream of known length is sent aws-chunked, its CRC32 in a trailer.
    const streamed = await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'streamed.bin',
        Body: Readable.from([body.subarray(0, 40_000), body.subarray(40_000)]),
        ContentLength: body.length,
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'streamed.bin' }));
    const wrong = await s3
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'wrong.bin', Body: 'abc', ChecksumCRC32: 'AAAAAA==' }))
      .catch((e: Error) => e);
    // Assess
    expect(streamed.ChecksumCRC32).toBeDefined();
    expect((await bytesOf(got.Body)).equals(body)).toBe(true);
    expect(wrong).toMatchObject({ name: 'BadDigest', $metadata: { httpStatusCode: 400 } });
  });

  it('refuses a request signed more than 15 minutes away from its clock; the SDK then corrects by its Date', async () => {
    // Prepare
    const late = client(rt.awsUrl, { systemClockOffset: 16 * 60_000 });
    // Act
    const refused = await late.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 1 })).catch((e: Error) => e);
    const corrected = await late.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 1 }));
    late.destroy();
    // Assess
    expect(refused).toMatchObject({ name: 'RequestTimeTooSkewed', $metadata: { httpStatusCode: 403 } });
    expect(corrected.$metadata.httpStatusCode).toBe(200);
  });

  it('refuses a body over 5 GB from its declared length, without reading it', async () => {
    // Prepare: a request signed by the SDK, then sent by hand with a declared length S3 refuses.
    const signedUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: 'huge.bin' }), {
      expiresIn: 60,
    });
    // Act
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(signedUrl, { method: 'PUT', headers: { 'content-length': String(5 * 1024 ** 3 + 1) } });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString('utf8');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('a few bytes of a body that never ends');
    });
    // Assess
    expect(answer.status).toBe(400);
    expect(errorOf(answer.body).code).toBe('EntityTooLarge');
  });
});

describe('a function using its bucket through the kit', () => {
  it('writes and reads binary objects over its channel, with its own identity recorded', async () => {
    // Prepare
    const body = binary(70_000);
    // Act
    const put = await probe({ op: 'put', key: 'fn/out.bin', base64: body.toString('base64'), contentType: 'text/csv' });
    const head = await probe({ op: 'head', key: 'fn/out.bin' });
    const range = await probe({ op: 'get', key: 'fn/out.bin', range: 'bytes=256-511' });
    const missingHead = await probe({ op: 'head', key: 'fn/none' });
    const missingGet = await probe({ op: 'get', key: 'fn/none' });
    const listing = await probe({ op: 'list' });
    const seen = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'fn/out.bin' }));
    // Assess
    expect(put.error).toBeUndefined();
    expect(head).toMatchObject({ contentLength: body.length, contentType: 'text/csv', etag: put.etag });
    expect(Buffer.from(range.base64!, 'base64').equals(body.subarray(256, 512))).toBe(true);
    // Without s3:ListBucket (the stack grants functions none) S3 does not say a key is missing.
    expect(missingHead.error).toMatchObject({ status: 403 });
    expect(missingGet.error).toEqual({ name: 'AccessDenied', status: 403 });
    expect(listing.error).toEqual({ name: 'AccessDenied', status: 403 });
    expect((await bytesOf(seen.Body)).equals(body)).toBe(true);
    const calls = rt.recordedCalls().filter((c) => c.caller === FUNCTION);
    expect(calls).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/fn/out.bin` }),
        expect.objectContaining({ action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/fn/out.bin` }),
      ]),
    );
  });
});

describe('presigned URLs', () => {
  const key = 'exports/report.csv';
  const csv = Buffer.from('id,title\r\n1,"Öl, Wasser"\r\n', 'utf8');
  beforeAll(async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: csv, ContentType: 'text/csv; charset=utf-8' }),
    );
  });

  it('a URL the kit presigns downloads the object with S3’s headers, as a browser or curl fetches it', async () => {
    // Prepare
    const { url } = await probe({ op: 'presign', key, expiresInSeconds: 300, fileName: 'tickets «März».csv' });
    // Act
    const res = await fetch(url!);
    const body = Buffer.from(await res.arrayBuffer());
    const again = await fetch(url!, { headers: { 'if-none-match': res.headers.get('etag')! } });
    // Assess
    expect(res.status).toBe(200);
    expect(body.equals(csv)).toBe(true);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(csv.length));
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Date.parse(res.headers.get('last-modified')!)).not.toBeNaN();
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="tickets _M_rz_.csv"; filename*=UTF-8''tickets%20%C2%ABM%C3%A4rz%C2%BB.csv`,
    );
    expect(again.status).toBe(304);
  });

  it('an expired URL is refused with AccessDenied "Request has expired"', async () => {
    // Prepare: signed ten minutes ago, valid for one.
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 10 * 60_000),
    });
    // Act
    const res = await fetch(url);
    // Assess
    expect(res.status).toBe(403);
    expect(errorOf(await res.text())).toEqual({ code: 'AccessDenied', message: 'Request has expired' });
  });

  it('a URL stops working once its expiry passes', async () => {
    // Prepare
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 1 });
    const first = await fetch(url);
    await first.arrayBuffer();
    // Act: poll until S3's clock passes the expiry (1 s, plus the signing second's rounding).
    const refused = await (async () => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const res = await fetch(url);
        if (res.status !== 200 || Date.now() > deadline) return res;
        await res.arrayBuffer();
      }
    })();
    // Assess
    expect(first.status).toBe(200);
    expect(refused.status).toBe(403);
    expect(errorOf(await refused.text()).message).toBe('Request has expired');
  });

  it('a tampered URL is refused with SignatureDoesNotMatch', async () => {
    // Prepare
    const url = new URL(await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 60 }));
    const otherKey = new URL(url);
    otherKey.pathname = `/${BUCKET}/exports/other.csv`;
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '3600');
    const otherSignature = new URL(url);
    otherSignature.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    // Act
    const answers = await Promise.all(
      [otherKey, longer, otherSignature].map(async (u) => {
        const res = await fetch(u);
        return { status: res.status, ...errorOf(await res.text()) };
      }),
    );
    // Assess
    for (const a of answers) expect(a).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('an expiry outside 1 s to seven days is refused before anything else', async () => {
    // Prepare
    const signed = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 60 });
    const withExpiry = (seconds: string) => {
      const url = new URL(signed);
      url.searchParams.set('X-Amz-Expires', seconds);
      return url;
    };
    // Act
    const answers = await Promise.all(
      ['604801', '0', '-1'].map(async (seconds) => {
        const res = await fetch(withExpiry(seconds));
        return { status: res.status, code: errorOf(await res.text()).code };
      }),
    );
    // Assess
    for (const a of answers) expect(a).toEqual({ status: 400, code: 'AuthorizationQueryParametersError' });
  });
});

/** The metadata LocalS3 would store for these bytes. */
const objectMeta = (key: string, body: Buffer, metadata: Record<string, string> = {}): ObjectMeta => ({
  key,
  size: body.length,
  etag: `"${createHash('md5').update(body).digest('hex')}"`,
  lastModified: Date.now(),
  headers: { 'content-type': 'binary/octet-stream' },
  metadata,
  checksums: {},
});

const CHILD = fileURLToPath(new URL('./fixtures/s3-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) killGroup(child);
});

/** Starts the runtime as its own process group (so a kill takes all of it) and waits until it serves. */
async function startChild(dataDir: string): Promise<{ child: ChildProcess; awsUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ITSM_LOG_LEVEL: 'ERROR' },
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ awsUrl: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`runtime exited with ${code} before it served`)));
    lines.once('line', (line) => resolve(JSON.parse(line)));
  });
  return { child, ...ready };
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

describe('durability and lifecycle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'itsm-s3-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const options = { dataDir: join(dir, 'data'), awsPort: 0, apiPort: 0, waitScale: 0, schedules: false };

  it('keeps acknowledged objects across a restart in data mode', async () => {
    // Prepare
    const body = binary(50_000);
    const first = await startRuntime({ ...options, services: [exports] });
    const before = client(first.awsUrl);
    await before.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept.bin', Body: body }));
    await before.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dropped.bin', Body: 'x' }));
    await before.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'dropped.bin' }));
    before.destroy();
    await first.close();
    // Act
    const second = await startRuntime({ ...options, services: [exports] });
    const after = client(second.awsUrl);
    try {
      const got = await after.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kept.bin' }));
      const listed = await after.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      // Assess
      expect((await bytesOf(got.Body)).equals(body)).toBe(true);
      expect(listed.Contents?.map((c) => c.Key)).toEqual(['kept.bin']);
      expect(readdirSync(join(options.dataDir, 's3', BUCKET)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      after.destroy();
      await second.close();
    }
  }, 60_000);

  it('a reader keeps the version it started with, or learns it is gone, while the key is overwritten', async () => {
    // Prepare: an object, and a reader holding its current version.
    const store = new BucketStore('b', join(dir, 'versions'));
    const first = binary(1_000);
    const second = binary(9_000);
    await store.put(objectMeta('k', first, { note: 'short' }), first);
    const held = store.get('k')!;
    // Act: the key is overwritten with a longer header and body before the reader reads.
    await store.put(objectMeta('k', second, { note: 'a much longer note that moves the body further on' }), second);
    const read = await store.read(held, 0, first.length - 1);
    const current = await store.read(store.get('k')!, 0, second.length - 1);
    // Assess: never the new file's bytes at the old version's offset.
    expect(read === undefined || read.equals(first)).toBe(true);
    expect(current?.equals(second)).toBe(true);
  });

  it('overwrites one key to one file, and the newest version is the one found after a restart', async () => {
    // Prepare
    const folder = join(dir, 'overwrites');
    const store = new BucketStore('b', folder);
    const versions = Array.from({ length: 10 }, (_, i) => binary(40_000 - i * 4_000));
    // Act
    await Promise.all(versions.map((v) => store.put(objectMeta('k', v), v)));
    const before = store.get('k')!.meta;
    const reopened = new BucketStore('b', folder);
    // Assess
    expect(readdirSync(folder)).toHaveLength(1);
    expect(reopened.get('k')!.meta).toEqual(before);
    const bytes = await reopened.read(reopened.get('k')!, 0, before.size - 1);
    expect(`"${createHash('md5').update(bytes!).digest('hex')}"`).toBe(before.etag);
  });

  it('keeps every acknowledged PutObject whole when the runtime is killed with SIGKILL mid-upload', async () => {
    // Prepare: a runtime in its own process group on its own data folder.
    const crashDir = join(dir, 'crash');
    const bodies = Array.from({ length: 48 }, (_, i) => binary(20_000 + i * 997));
    const first = await startChild(crashDir);
    const uploader = client(first.awsUrl, { maxAttempts: 1 });
    const acknowledged = new Set<number>();
    // Act: uploads four at a time; the kill lands once half are acknowledged, others in flight.
    let next = 0;
    const worker = async () => {
      while (next < bodies.length) {
        const i = next++;
        try {
          await uploader.send(new PutObjectCommand({ Bucket: BUCKET, Key: `crash/${i}`, Body: bodies[i] }));
          acknowledged.add(i);
          if (acknowledged.size === bodies.length / 2) killGroup(first.child);
        } catch {
          return; // the runtime is gone
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    uploader.destroy();
    await new Promise((resolve) =>
      first.child.exitCode !== null || first.child.signalCode !== null
        ? resolve(null)
        : first.child.once('exit', resolve),
    );
    const second = await startChild(crashDir);
    const reader = client(second.awsUrl);
    try {
      const listed = await reader.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'crash/' }));
      const present = (listed.Contents ?? []).map((c) => Number(c.Key!.slice('crash/'.length)));
      const intact = await Promise.all(
        present.map(async (i) => {
          const got = await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: `crash/${i}` }));
          return (await bytesOf(got.Body)).equals(bodies[i]!);
        }),
      );
      // Assess: every acknowledged object is there, and no object is there in part.
      expect(acknowledged.size).toBeGreaterThanOrEqual(bodies.length / 2);
      expect(present).toEqual(expect.arrayContaining([...acknowledged]));
      expect(intact.every(Boolean)).toBe(true);
      expect(readdirSync(join(crashDir, 's3', BUCKET)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      reader.destroy();
      killGroup(second.child);
    }
  }, 90_000);

  it('expires objects at the next midnight UTC after the rule’s days, on read and on the sweep', async () => {
    // Prepare
    const runtime = await startRuntime({ ...options, services: [exports] });
    const at = client(runtime.awsUrl);
    try {
      await at.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'old.csv', Body: 'old' }));
      await at.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'swept.csv', Body: 'old' }));
      const created = (await at.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'old.csv' }))).LastModified!;
      const due = expiresAt(created.getTime(), 1);
      // The machine's clock moves, for S3 and for the client that signs (as if a day had passed).
      const moveTo = (t: number) => {
        runtime.s3!.now = () => t;
        return client(runtime.awsUrl, { systemClockOffset: t - Date.now() });
      };
      const justBefore = moveTo(due - 1000);
      const still = await justBefore.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'old.csv' }));
      justBefore.destroy();
      // Act
      const later = moveTo(due + 1000);
      const expired = await later
        .send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'old.csv' }))
        .catch((e: Error) => e);
      const swept = await runtime.s3!.sweep();
      const listed = await later.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'swept' }));
      later.destroy();
      // Assess
      expect(due % 86_400_000).toBe(0);
      expect(due).toBeGreaterThan(created.getTime() + 86_400_000);
      expect(still.$metadata.httpStatusCode).toBe(200);
      expect(expired).toMatchObject({ name: 'NotFound' });
      expect(swept).toBeGreaterThanOrEqual(1);
      expect(listed.KeyCount).toBe(0);
      expect(existsSync(join(options.dataDir, 's3', BUCKET))).toBe(true);
    } finally {
      at.destroy();
      await runtime.close();
    }
  }, 60_000);
});
