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
import type { S3Client } from '@aws-sdk/client-s3';

type Sdk = {
  client: S3Client;
  s3: typeof import('@aws-sdk/client-s3');
  presigner: typeof import('@aws-sdk/s3-request-presigner');
};
let sdk: Promise<Sdk> | undefined;
const load = () => {
  // Loaded on first use, not at cold start (ADR 6).
  sdk ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]).then(
    ([s3, presigner]) => ({ client: new s3.S3Client(s3ClientConfig()), s3, presigner }),
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

/**
 * A presigned GET URL for one object, valid for `expiresInSeconds` (1-604,800; keep it short:
 * anyone holding the URL can fetch the object until then). With `fileName`, the download is
 * offered as an attachment under that name (the `response-content-disposition` override, which is
 * part of the signature).
 */
export async function presignedGet(
  bucket: string,
  key: string,
  options: { expiresInSeconds: number; fileName?: string },
): Promise<string> {
  const { expiresInSeconds, fileName } = options;
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_EXPIRES_SECONDS) {
    throw new Error(`expiresInSeconds must be an integer from 1 to ${MAX_EXPIRES_SECONDS}`);
  }
  const { client, s3, presigner } = await load();
  const command = new s3.GetObjectCommand({
    Bucket: bucket,
    Key: key,
    ...(fileName !== undefined ? { ResponseContentDisposition: attachment(fileName) } : {}),
  });
  return presigner.getSignedUrl(client, command, { expiresIn: expiresInSeconds });
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
