/**
 * S3 adapter for functions with `access.bucket` (the service's bucket is `BUCKET_NAME`): the SDK
 * client, and presigned download links. On AWS the client reaches S3 as usual; locally
 * `AWS_ENDPOINT_URL` points at the runtime's endpoint, which serves S3 path-style only (bucket in
 * the path, no per-bucket host names on loopback), so the client is told so.
 *
 * @example
 * const s3 = await s3Client();
 * await s3.send(new PutObjectCommand({ Bucket: requireEnv('BUCKET_NAME'), Key: key, Body: csv }));
 * const url = await presignedGet(requireEnv('BUCKET_NAME'), key, { expiresInSeconds: 300, fileName: 'tickets.csv' });
 */
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';

type Sdk = {
  client: S3Client;
  /**
   * The client that signs upload URLs: it adds no checksum of its own (`WHEN_REQUIRED`). With the
   * SDK's default it would sign the CRC32 of the empty body it has at signing time into the URL
   * (aws-sdk-js-v3 #6994), which the browser's real file cannot match.
   */
  uploadSigner: S3Client;
  s3: typeof import('@aws-sdk/client-s3');
  presigner: typeof import('@aws-sdk/s3-request-presigner');
};
let sdk: Promise<Sdk> | undefined;
const load = () => {
  // Loaded on first use, not at cold start (ADR 6).
  sdk ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]).then(
    ([s3, presigner]) => ({
      client: new s3.S3Client(s3ClientConfig()),
      uploadSigner: new s3.S3Client({ ...s3ClientConfig(), requestChecksumCalculation: 'WHEN_REQUIRED' }),
      s3,
      presigner,
    }),
  );
  return sdk;
};

/**
 * The client's configuration: path-style when an endpoint URL is configured (the SDK's own
 * variables, read as the SDK reads them; the deployment sets neither, so they are not read through
 * the kit's recorded environment).
 */
export function s3ClientConfig(env: NodeJS.ProcessEnv = process.env): { forcePathStyle?: boolean } {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL ? { forcePathStyle: true } : {};
}

/** The S3 client, configured from the environment (one per function instance). */
export async function s3Client(): Promise<S3Client> {
  return (await load()).client;
}

/** A presigned URL lives at most 7 days (SigV4 query authentication). */
const MAX_EXPIRES_SECONDS = 604_800;

const checkExpiry = (expiresInSeconds: number) => {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_EXPIRES_SECONDS) {
    throw new Error(`expiresInSeconds must be an integer from 1 to ${MAX_EXPIRES_SECONDS}`);
  }
};

/**
 * A presigned GET URL for one object, valid for `expiresInSeconds` (1-604,800; keep it short:
 * anyone holding the URL can fetch the object until then). With `fileName`, the download is
 * offered as an attachment under that name (the `response-content-disposition` override); with
 * `contentType`, S3 answers that type instead of the stored one (`response-content-type`). Both
 * are part of the signature.
 */
export async function presignedGet(
  bucket: string,
  key: string,
  options: { expiresInSeconds: number; fileName?: string; contentType?: string },
): Promise<string> {
  const { expiresInSeconds, fileName, contentType } = options;
  checkExpiry(expiresInSeconds);
  const { client, s3, presigner } = await load();
  const command = new s3.GetObjectCommand({
    Bucket: bucket,
    Key: key,
    ...(fileName !== undefined ? { ResponseContentDisposition: attachment(fileName) } : {}),
    ...(contentType !== undefined ? { ResponseContentType: contentType } : {}),
  });
  return presigner.getSignedUrl(client, command, { expiresIn: expiresInSeconds });
}

/**
 * A presigned PUT URL for one object, for a browser to upload to directly: `Content-Type` and
 * `Content-Length` are signed, so S3 refuses (403 `SignatureDoesNotMatch`) a body of another
 * length or another declared type. The uploader must send `headers` as given (the browser sets
 * `Content-Length` from the body itself).
 *
 * With `sha256` (hex), the URL also signs the `x-amz-checksum-sha256` header (kept a header, not
 * moved into the query): S3 itself refuses a body with another digest (400 `BadDigest`), keeps the
 * digest with the object (`ChecksumSHA256` on a HeadObject or GetObject with checksum mode), and a
 * bucket with Object Lock, which takes no upload without an integrity check, accepts it.
 *
 * @example
 * const up = await presignedPut(requireEnv('BUCKET_NAME'), key, { expiresInSeconds: 300, contentType: 'image/png', contentLength: 1234 });
 * // fetch(up.url, { method: 'PUT', headers: up.headers, body: file })
 */
export async function presignedPut(
  bucket: string,
  key: string,
  options: { expiresInSeconds: number; contentType: string; contentLength: number; sha256?: string },
): Promise<{ url: string; headers: Record<string, string> }> {
  const { expiresInSeconds, contentType, contentLength, sha256 } = options;
  checkExpiry(expiresInSeconds);
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))
    throw new Error('sha256 must be 64 lower-case hex digits');
  const checksum = sha256 !== undefined ? Buffer.from(sha256, 'hex').toString('base64') : undefined;
  const { uploadSigner, s3, presigner } = await load();
  const command = new s3.PutObjectCommand({
    Bucket: bucket,
    Key: key,
    ContentType: contentType,
    ContentLength: contentLength,
    ...(checksum ? { ChecksumSHA256: checksum } : {}),
  });
  const url = await presigner.getSignedUrl(uploadSigner, command, {
    expiresIn: expiresInSeconds,
    signableHeaders: new Set(['content-type', 'content-length', ...(checksum ? ['x-amz-checksum-sha256'] : [])]),
    // An x-amz-* header would otherwise be hoisted into the query, where S3 does not check it
    // against the body; as a signed header it is both required and verified.
    ...(checksum ? { unhoistableHeaders: new Set(['x-amz-checksum-sha256']) } : {}),
  });
  return {
    url,
    headers: { 'content-type': contentType, ...(checksum ? { 'x-amz-checksum-sha256': checksum } : {}) },
  };
}

/**
 * The current version of an object as S3 holds it: size, version id (versioned buckets) and the
 * SHA-256 S3 verified on upload (hex; only when the upload carried one), or undefined when there is
 * none (403 or 404: a function holds no s3:ListBucket).
 */
export async function headObjectVersion(
  bucket: string,
  key: string,
): Promise<{ size: number; versionId?: string; sha256?: string } | undefined> {
  const { client, s3 } = await load();
  try {
    const head = await client.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    return {
      size: head.ContentLength ?? 0,
      ...(head.VersionId ? { versionId: head.VersionId } : {}),
      ...(head.ChecksumSHA256 ? { sha256: Buffer.from(head.ChecksumSHA256, 'base64').toString('hex') } : {}),
    };
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 403 || status === 404) return undefined;
    throw err;
  }
}

/**
 * The SHA-256 (hex) of the bytes of one version of an object, computed while streaming it (never
 * held whole), and its size; undefined when that version is not there (s3:GetObjectVersion).
 */
export async function versionSha256(
  bucket: string,
  key: string,
  versionId: string,
): Promise<{ sha256: string; size: number } | undefined> {
  const { client, s3 } = await load();
  const { createHash } = await import('node:crypto');
  let out: GetObjectCommandOutput;
  try {
    // No checksum mode: the SDK would then check the stored checksum itself; the point here is our own digest.
    out = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 403 || status === 404) return undefined;
    throw err;
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * The size and type of an object, or undefined when there is none. A function holds no
 * `s3:ListBucket` (infra/aws README), so S3 answers a missing key 403, not 404: both mean "not
 * there" to a caller that was granted `s3:GetObject` on every key.
 */
export async function headObject(
  bucket: string,
  key: string,
): Promise<{ size: number; contentType: string } | undefined> {
  const { client, s3 } = await load();
  try {
    const head = await client.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: head.ContentLength ?? 0, contentType: head.ContentType ?? 'binary/octet-stream' };
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 403 || status === 404) return undefined;
    throw err;
  }
}

/** Deletes one object (S3 answers 204 for a key that does not exist too). */
export async function deleteObject(bucket: string, key: string): Promise<void> {
  const { client, s3 } = await load();
  await client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/**
 * `attachment` with the name twice (RFC 6266): a plain ASCII `filename` for old clients, and
 * `filename*` in UTF-8 for the rest. Quotes, backslashes and control characters never reach the header.
 */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Writes one object to a bucket (a single PutObject: up to 5 GB, held in memory by the caller;
 * the exports stay far below). The object is private; readers get presigned links.
 */
export async function putObject(
  bucket: string,
  key: string,
  body: string | Uint8Array,
  options: { contentType: string },
): Promise<void> {
  const { client, s3 } = await load();
  await client.send(
    new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: options.contentType }),
  );
}
