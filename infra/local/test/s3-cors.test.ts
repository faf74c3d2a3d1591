import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRuntime } from '../../../test/support/runtime';
import { consoleUploadsCors } from '../../api/cors';
import * as names from '../names';
import type { Runtime } from '../runtime';
import { s3ProbeService } from './fixtures/s3-service';

/**
 * What a browser on the console's origin meets at the local S3 (ADR 27, issue 10): preflights
 * answered from the bucket's CORS configuration as S3 answers them, CORS headers on the answers
 * to an allowed origin only, and presigned uploads whose signed `Content-Type` and
 * `Content-Length` hold the uploader to what was declared.
 */
const BUCKET = names.bucketName('s3probe');
const CONSOLE = 'http://127.0.0.1:5173';

let rt: Runtime;
let s3: S3Client;
/** A client that signs upload URLs without its own checksum, as the kit's (shared/kit/objects.ts). */
let signer: S3Client;
beforeAll(async () => {
  rt = await testRuntime({ services: [s3ProbeService] });
  const config = {
    endpoint: rt.awsUrl,
    region: names.LOCAL_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'itsm-test', secretAccessKey: 'local' },
  };
  s3 = new S3Client(config);
  signer = new S3Client({ ...config, requestChecksumCalculation: 'WHEN_REQUIRED' });
}, 60_000);
afterAll(async () => {
  s3?.destroy();
  signer?.destroy();
  await rt?.close();
});

const errorOf = (xml: string) => ({
  code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1],
  message: /<Message>([^<]*)<\/Message>/.exec(xml)?.[1],
});
const preflight = (url: string, origin: string, method: string, headers?: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      ...(headers ? { 'access-control-request-headers': headers } : {}),
    },
  });
const uploadUrl = (key: string, contentType: string, contentLength: number) =>
  getSignedUrl(
    signer,
    new PutObjectCommand({ Bucket: BUCKET, Key: key, ContentType: contentType, ContentLength: contentLength }),
    { expiresIn: 300, signableHeaders: new Set(['content-type', 'content-length']) },
  );

describe('S3 CORS', () => {
  it('refuses every preflight while the bucket has no CORS configuration', async () => {
    // Prepare
    rt.s3!.setCors(BUCKET, undefined);
    // Act
    const res = await preflight(`${rt.awsUrl}/${BUCKET}/a.png`, CONSOLE, 'PUT', 'content-type');
    // Assess
    expect(res.status).toBe(403);
    expect(errorOf(await res.text())).toEqual({
      code: 'AccessForbidden',
      message: 'CORSResponse: CORS is not enabled for this bucket.',
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("answers the console's preflight for a presigned PUT, without authentication", async () => {
    // Prepare
    rt.s3!.setCors(BUCKET, [consoleUploadsCors(CONSOLE)]);
    const url = await uploadUrl('attachments/a.png', 'image/png', 3);
    // Act
    const res = await preflight(url, CONSOLE, 'PUT', 'Content-Type');
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(res.headers.get('access-control-allow-methods')).toBe('PUT, GET, HEAD');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('access-control-expose-headers')).toBe('etag');
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('refuses a preflight from another origin, for another method or with a header no rule allows', async () => {
    // Prepare
    rt.s3!.setCors(BUCKET, [consoleUploadsCors(CONSOLE)]);
    const url = `${rt.awsUrl}/${BUCKET}/a.png`;
    // Act
    const answers = await Promise.all([
      preflight(url, 'http://127.0.0.1:6666', 'PUT', 'content-type'),
      preflight(url, CONSOLE, 'DELETE'),
      preflight(url, CONSOLE, 'PUT', 'content-type, x-amz-acl'),
    ]);
    // Assess
    for (const res of answers) {
      expect(res.status).toBe(403);
      expect(errorOf(await res.text()).code).toBe('AccessForbidden');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('needs an Origin on a preflight', async () => {
    // Act
    const res = await fetch(`${rt.awsUrl}/${BUCKET}/a.png`, {
      method: 'OPTIONS',
      headers: { 'access-control-request-method': 'PUT' },
    });
    // Assess
    expect(res.status).toBe(400);
    expect(errorOf(await res.text()).code).toBe('BadRequest');
  });

  it('puts the CORS headers on answers to an allowed origin only, refusals included', async () => {
    // Prepare
    rt.s3!.setCors(BUCKET, [consoleUploadsCors(CONSOLE)]);
    const url = await uploadUrl('attachments/b.txt', 'text/plain', 5);
    // Act
    const put = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain', origin: CONSOLE },
      body: 'hello',
    });
    const get = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'attachments/b.txt' }), {
      expiresIn: 60,
    });
    const elsewhere = await fetch(get, { headers: { origin: 'http://evil.example' } });
    const expired = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'attachments/b.txt' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 10 * 60_000),
    });
    const refused = await fetch(expired, { headers: { origin: CONSOLE } });
    // Assess
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(put.headers.get('access-control-expose-headers')).toBe('etag');
    expect(elsewhere.status).toBe(200);
    expect(await elsewhere.text()).toBe('hello');
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(errorOf(await refused.text()).message).toBe('Request has expired');
  });
});

describe('S3 presigned uploads with signed headers', () => {
  it('stores a body of the declared type and length', async () => {
    // Prepare
    const url = await uploadUrl('attachments/c.png', 'image/png', 4);
    // Act
    const res = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    });
    const head = await fetch(
      await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'attachments/c.png' }), { expiresIn: 60 }),
    );
    // Assess
    expect(res.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('image/png');
    expect(head.headers.get('content-length')).toBe('4');
  });

  it('refuses another content type or another length with SignatureDoesNotMatch, and stores nothing', async () => {
    // Prepare
    const url = await uploadUrl('attachments/d.png', 'image/png', 4);
    // Act
    const otherType = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: '<b>x' });
    const longer = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: 'x'.repeat(5_000),
    });
    const get = await fetch(
      await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'attachments/d.png' }), { expiresIn: 60 }),
    );
    // Assess
    expect(otherType.status).toBe(403);
    expect(errorOf(await otherType.text()).code).toBe('SignatureDoesNotMatch');
    expect(longer.status).toBe(403);
    expect(errorOf(await longer.text()).code).toBe('SignatureDoesNotMatch');
    expect(get.status).toBe(404);
  });
});
