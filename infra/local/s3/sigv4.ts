import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signature Version 4 as S3 checks it, for the local S3 (ADR 27): the canonical request, string
 * to sign and signing key of the AWS "Signature Version 4 signing process" (General Reference,
 * *Create a signed AWS API request*), with S3's own rules: the path is used as sent (not
 * normalised, not encoded twice) and the payload hash is the `x-amz-content-sha256` header, or
 * `UNSIGNED-PAYLOAD` in a presigned URL (S3 API Reference, *Authenticating Requests: Using Query
 * Parameters*).
 */
export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** The parts of a signature, from an `Authorization` header or a presigned URL's query. */
export interface SignatureParts {
  accessKeyId: string;
  /** `<date>/<region>/<service>/aws4_request`. */
  scope: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]+)\s*$/;

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header; undefined when malformed. */
export function parseAuthorization(header: string): SignatureParts | undefined {
  const m = AUTHORIZATION.exec(header.trim());
  if (!m) return undefined;
  return parts(m[1]!, m[2]!, m[3]!);
}

/** The parts of a credential (`<key id>/<date>/<region>/<service>/aws4_request`) with its signed headers and signature. */
export function parts(credential: string, signedHeaders: string, signature: string): SignatureParts | undefined {
  const c = credential.split('/');
  if (c.length !== 5 || c[4] !== 'aws4_request') return undefined;
  const [accessKeyId, date, region, service] = c as [string, string, string, string];
  return {
    accessKeyId,
    scope: c.slice(1).join('/'),
    date,
    region,
    service,
    signedHeaders: signedHeaders.split(';'),
    signature,
  };
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - . _ ~` (and `/` when kept). */
export function uriEncode(value: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A query string's parameters, decoded, in order (`+` stays `+`: the SDK encodes spaces as `%20`). */
export function queryParams(query: string): Array<[string, string]> {
  if (!query) return [];
  return query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      return [safeDecode(k), safeDecode(v)];
    });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The canonical request of a request as S3 sees it. */
export function canonicalRequest(req: {
  method: string;
  /** The path exactly as in the request line (already encoded once by the client). */
  path: string;
  /** Decoded query parameters, the signature parameter already left out. */
  query: Array<[string, string]>;
  headers: Record<string, string | undefined>;
  signedHeaders: string[];
  payloadHash: string;
}): string {
  const query = req.query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = req.signedHeaders.map((h) => `${h}:${(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [req.method, req.path || '/', query, headers, req.signedHeaders.join(';'), req.payloadHash].join('\n');
}

/** The signature S3 expects for `canonical`, signed at `amzDate` (`YYYYMMDDTHHMMSSZ`) in `scope`. */
export function signature(secretKey: string, amzDate: string, p: SignatureParts, canonical: string): string {
  const stringToSign = [ALGORITHM, amzDate, p.scope, sha256Hex(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${secretKey}`, p.date);
  key = hmac(key, p.region);
  key = hmac(key, p.service);
  key = hmac(key, 'aws4_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

export const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Constant-time comparison of two hex signatures. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `YYYYMMDDTHHMMSSZ` as a time in milliseconds; NaN when malformed. */
export function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
