import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { RecordedCall } from '../aws-service';
import * as names from '../names';
import type { EndpointRequest, EndpointResponse } from '../transport';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, checksum } from './checksums';
import {
  ALGORITHM,
  canonicalRequest,
  parseAmzDate,
  parseAuthorization,
  parts,
  queryParams,
  type SignatureParts,
  sameSignature,
  sha256Hex,
  signature,
  UNSIGNED_PAYLOAD,
} from './sigv4';
import { BucketStore, type ObjectMeta, type StoredObject } from './store';

/**
 * S3 for the local runtime (ADR 27): the operations our code uses, path-style, restXml as S3
 * speaks it, for the unchanged `@aws-sdk/client-s3`, its presigner, browsers and `curl`:
 * PutObject, GetObject (ranges, conditional requests, `response-*` overrides), HeadObject,
 * DeleteObject, ListObjectsV2 and HeadBucket. Every request is authenticated as S3 does it:
 * SigV4 in the `Authorization` header or in a presigned URL's query, the signature recomputed
 * with the caller's secret key, the time checked (15 minutes of skew; a presigned URL's
 * `X-Amz-Expires`). Buckets are made by the runtime from the definitions (`createBucket`), with
 * their lifecycle expiry, or versioned with Object Lock's default retention (the releases'
 * definitive media library): versions read and deleted by id, delete markers, locked versions
 * refused deletion, GetBucketVersioning and GetObjectLockConfiguration.
 */

/** S3's limit on a single PUT (S3 User Guide, *Uploading objects*: "up to 5 GB" in one operation). */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;
/** A key is at most 1,024 bytes of UTF-8 (S3 User Guide, *Naming objects*). */
const MAX_KEY_BYTES = 1024;
/** User metadata is at most 2 KB: names and values, UTF-8 (S3 User Guide, *Working with object metadata*). */
const MAX_METADATA_BYTES = 2048;
/** A presigned URL lives at most 7 days (S3 API Reference, *Authenticating Requests: Using Query Parameters*). */
const MAX_EXPIRES_SECONDS = 604_800;
/** S3 refuses a request signed more than 15 minutes away from its clock (`RequestTimeTooSkewed`). */
const MAX_SKEW_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
/** Headers S3 stores with an object and gives back on GetObject and HeadObject. */
const STORED_HEADERS = [
  'content-type',
  'content-disposition',
  'content-encoding',
  'cache-control',
  'content-language',
  'expires',
] as const;
/** Query parameters GetObject takes to override those headers in its answer. */
const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
  'response-cache-control': 'cache-control',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
};
/** The signature parameters of a presigned URL (and `x-id`, which the SDK adds): not sub-resources. */
const PLAIN_PARAMS = new Set([
  'x-id',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
  'X-Amz-Content-Sha256',
  ...Object.keys(OVERRIDES),
]);

/** The operations emulated; any other answers 501 `NotImplemented`. */
const KNOWN = new Set([
  'HeadBucket',
  'ListObjectsV2',
  'PutObject',
  'GetObject',
  'HeadObject',
  'DeleteObject',
  'GetBucketVersioning',
  'GetObjectLockConfiguration',
]);
/**
 * Version ids are opaque to clients; ours are 32 characters of S3's alphabet. S3 answers an id it
 * cannot parse with 400 InvalidArgument "Invalid version id specified" and `null` names the
 * version an unversioned write made.
 */
const VERSION_ID = /^[A-Za-z0-9._]{32}$/;
const newVersionId = () => randomBytes(24).toString('base64').replace(/\+/g, '.').replace(/\//g, '_');

/**
 * True when a request is for S3: its SigV4 credential scope names the service `s3`. An unsigned
 * request carries no scope; `LocalS3.owns` tells those apart by bucket.
 */
export function isS3Request(path: string, headers: Record<string, string | undefined>): boolean {
  if (/\/s3\/aws4_request/.test(String(headers.authorization ?? ''))) return true;
  const q = path.indexOf('?');
  return q >= 0 && /(?:^|&)X-Amz-Credential=[^&]*(?:%2F|\/)s3(?:%2F|\/)aws4_request/i.test(path.slice(q + 1));
}

/** An S3 error: status, code, message and the extra elements S3 puts in its `<Error>`. */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string | number> = {},
  ) {
    super(message);
  }
  /** Headers S3 adds to this error's answer (`x-amz-delete-marker` on a deleted key). */
  headers: Record<string, string> = {};
}

export interface LocalS3Options {
  /** Keep objects under `<dataDir>/s3/<bucket>/`; undefined keeps them in memory. */
  dataDir?: string;
  record?: (call: RecordedCall) => void;
  /**
   * The secret key of an access key id; undefined for an unknown one. Every local credential's
   * secret is `local` today (infra/local/functions.ts); this is where that would change.
   */
  secretKey?: (accessKeyId: string) => string | undefined;
  /**
   * Whether a caller holds `s3:ListBucket` on a bucket (default: everyone). S3 tells a caller
   * without it nothing about which keys exist: a missing key answers 403 AccessDenied, not 404
   * NoSuchKey (S3 API Reference, *GetObject*, "Permissions"). The runtime answers false for its
   * functions, since the stack grants them no bucket-level action.
   */
  listsBucket?: (caller: string, bucket: string) => boolean;
  /**
   * Whether a caller holds `s3:BypassGovernanceRetention` on a bucket (default: everyone): only
   * they may delete a version under GOVERNANCE retention, and only with
   * `x-amz-bypass-governance-retention: true`. The runtime answers false for its functions.
   */
  bypassesGovernance?: (caller: string, bucket: string) => boolean;
  /** How often expired objects are swept (default hourly); they are also refused on read. */
  lifecycleSweepMs?: number;
}

export interface S3Answer {
  caller: string;
  /** The operation, as S3 names it (`GetObject`), when the request got that far. */
  action?: string;
  response: EndpointResponse;
}

/** Object Lock's default retention of a bucket (`PutObjectLockConfiguration`'s `DefaultRetention`). */
export interface ObjectLockRule {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  days: number;
}

interface Bucket {
  store: BucketStore;
  expireAfterDays?: number;
  /** S3 Versioning enabled (from creation: S3 Object Lock needs it). */
  versioned?: boolean;
  objectLock?: ObjectLockRule;
  /** The bucket's CORS configuration; undefined when it has none (every preflight is refused). */
  cors?: CorsRule[];
}

/**
 * One rule of a bucket's CORS configuration, as `PutBucketCors` takes it (S3 User Guide, *CORS
 * configuration*): origins and header names may hold one `*` wildcard each; methods are S3's five.
 */
export interface CorsRule {
  allowedOrigins: string[];
  allowedMethods: Array<'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD'>;
  allowedHeaders?: string[];
  exposeHeaders?: string[];
  maxAgeSeconds?: number;
}

/** What authentication established about a request. */
interface Authenticated {
  caller: string;
  /** The payload hash the request was signed with (header-signed requests). */
  payloadHash: string;
}

export class LocalS3 {
  private readonly buckets = new Map<string, Bucket>();
  private readonly requests = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  /** The clock S3 checks signatures and lifecycle against (tests move it). */
  now: () => number = Date.now;

  constructor(private readonly options: LocalS3Options = {}) {
    this.timer = setInterval(() => {
      // A failed sweep is retried on the next tick; it must not take the process down.
      this.sweep().catch((err: Error) => console.error(`S3 lifecycle sweep failed: ${err.message}`));
    }, options.lifecycleSweepMs ?? 3_600_000);
    this.timer.unref();
  }

  /**
   * True for an unsigned request for one of our buckets (no Authorization header, no
   * `X-Amz-Target`): S3 refuses it (403 AccessDenied), as it does for any private bucket.
   */
  owns(path: string, headers: Record<string, string | undefined>): boolean {
    if (headers.authorization !== undefined || headers['x-amz-target'] !== undefined) return false;
    const segment = /^\/([^/?]+)/.exec(path)?.[1];
    return segment !== undefined && this.buckets.has(segment);
  }

  /** Makes a bucket (as the deployment does), or opens the one a data folder kept. */
  createBucket(
    name: string,
    options: { expireAfterDays?: number; cors?: CorsRule[]; versioned?: boolean; objectLock?: ObjectLockRule } = {},
  ): void {
    if (this.buckets.has(name)) return;
    if (options.objectLock && !options.versioned) throw new Error(`bucket ${name}: Object Lock needs versioning`);
    if (options.versioned && options.expireAfterDays)
      throw new Error(`bucket ${name}: no expiry on a versioned bucket`);
    const dir = this.options.dataDir ? join(this.options.dataDir, 's3', name) : undefined;
    this.buckets.set(name, {
      store: new BucketStore(name, dir, options.versioned === true),
      ...(options.expireAfterDays ? { expireAfterDays: options.expireAfterDays } : {}),
      ...(options.versioned ? { versioned: true } : {}),
      ...(options.objectLock ? { objectLock: options.objectLock } : {}),
      ...(options.cors ? { cors: options.cors } : {}),
    });
  }

  /**
   * Replaces a bucket's CORS configuration (`PutBucketCors`; undefined: `DeleteBucketCors`), as the
   * deployment sets it; the runtime does when it learns the console's origin.
   */
  setCors(name: string, rules: CorsRule[] | undefined): void {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new Error(`no bucket ${name}`);
    if (rules) bucket.cors = rules;
    else delete bucket.cors;
  }

  /**
   * Deletes every object its bucket's lifecycle rule has expired. S3 does this asynchronously,
   * usually within a day of the object becoming eligible; here on a timer and on every read.
   */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const bucket of this.buckets.values()) {
      for (const key of bucket.store.keys()) if (await this.expire(bucket, key)) removed++;
    }
    return removed;
  }

  /**
   * What S3 would bill so far: requests by operation (S3 prices PUT/LIST and GET/HEAD classes), and
   * what is stored now (objects, bytes; billed per GB-month). Served in `GET /_local/metrics`.
   */
  metrics(): { requests: Record<string, number>; objects: number; storedBytes: number } {
    let objects = 0;
    let storedBytes = 0;
    // S3 bills every version a versioned bucket keeps, not only the current ones.
    for (const bucket of this.buckets.values()) {
      for (const key of bucket.store.keys()) {
        for (const { meta } of bucket.store.versions(key)) {
          if (meta.deleteMarker) continue;
          objects++;
          storedBytes += meta.size;
        }
      }
    }
    return { requests: Object.fromEntries(this.requests), objects, storedBytes };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }

  /** Answers one S3 request, authentication first, then the operation. */
  async serve(req: EndpointRequest): Promise<S3Answer> {
    const requestId = createHash('md5')
      .update(`${Date.now()}${Math.random()}`)
      .digest('hex')
      .slice(0, 16)
      .toUpperCase();
    const q = req.path.indexOf('?');
    const rawPath = q < 0 ? req.path : req.path.slice(0, q);
    const query = queryParams(q < 0 ? '' : req.path.slice(q + 1));
    const params = new Map(query);
    const slash = rawPath.indexOf('/', 1);
    const bucketName = safeDecode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
    const key = slash < 0 ? '' : safeDecode(rawPath.slice(slash + 1));
    const head = req.method === 'HEAD';
    // A preflight is answered from the CORS configuration alone, without authentication: the
    // browser sends no credentials with it (S3 API Reference, *OPTIONS object*).
    if (req.method === 'OPTIONS') return { caller: 'anonymous', response: this.preflight(bucketName, req, requestId) };
    let caller = 'anonymous';
    let action: string | undefined;
    try {
      const auth = this.authenticate(req, rawPath, query, params);
      caller = auth.caller;
      action = operation(req.method, bucketName, key, params);
      if (!KNOWN.has(action)) {
        throw new S3Error(
          501,
          'NotImplemented',
          'A header or query you provided implies functionality that is not implemented.',
        );
      }
      const bucket = this.buckets.get(bucketName);
      const arn = names.bucketArn(bucketName);
      this.options.record?.({
        caller,
        action: iamAction(action, params),
        resource: key && action !== 'ListObjectsV2' ? `${arn}/${key}` : arn,
      });
      if (action === 'DeleteObject' && bypassRequested(req)) {
        // Bypassing GOVERNANCE retention is authorised as an action of its own.
        this.options.record?.({ caller, action: 's3:BypassGovernanceRetention', resource: `${arn}/${key}` });
      }
      if (!bucket)
        throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucketName });
      // Counted as S3 bills: every authenticated request for an existing bucket, refused or not.
      this.requests.set(action, (this.requests.get(action) ?? 0) + 1);
      const response = await this.perform(action, bucket, key, req, params, auth);
      response.headers['x-amz-request-id'] = requestId;
      response.headers['x-amz-id-2'] = Buffer.from(requestId).toString('base64');
      response.headers.date = new Date(this.now()).toUTCString();
      this.allowOrigin(response, bucketName, req);
      return { caller, action, response };
    } catch (err) {
      if (!(err instanceof S3Error)) console.error(`S3 ${req.method} ${rawPath} failed:`, err);
      const e =
        err instanceof S3Error
          ? err
          : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
      const response = errorResponse(e, requestId, key ? `/${bucketName}/${key}` : `/${bucketName}`, head);
      // S3's clock: the SDK corrects its own by it after a RequestTimeTooSkewed.
      response.headers.date = new Date(this.now()).toUTCString();
      // The browser may read S3's refusal (an expired link) when the origin is allowed.
      this.allowOrigin(response, bucketName, req);
      return { caller, ...(action ? { action } : {}), response };
    }
  }

  // --- CORS ---------------------------------------------------------------------------------------

  /**
   * A preflight (`OPTIONS`), as S3 answers it (S3 API Reference, *OPTIONS object*; S3 User Guide,
   * *How does Amazon S3 evaluate the CORS configuration on a bucket?*): the first rule whose
   * origin, method and every requested header match wins; 403 `AccessForbidden` when the bucket
   * has no CORS configuration or no rule matches. The messages are S3's.
   */
  private preflight(bucketName: string, req: EndpointRequest, requestId: string): EndpointResponse {
    const refuse = (status: number, code: string, message: string) => {
      const response = errorResponse(new S3Error(status, code, message), requestId, `/${bucketName}`, false);
      response.headers.date = new Date(this.now()).toUTCString();
      return response;
    };
    const bucket = this.buckets.get(bucketName);
    if (!bucket) return refuse(404, 'NoSuchBucket', 'The specified bucket does not exist');
    const origin = req.headers.origin;
    if (!origin) return refuse(400, 'BadRequest', 'Insufficient information. Origin request header needed.');
    const method = req.headers['access-control-request-method'];
    if (!method) return refuse(403, 'AccessForbidden', 'CORSResponse: Invalid Access-Control-Request-Method: null');
    if (!bucket.cors) return refuse(403, 'AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.');
    const requested = (req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== '');
    const rule = bucket.cors.find(
      (r) =>
        matchesOrigin(r, origin) &&
        (r.allowedMethods as string[]).includes(method) &&
        requested.every((h) => (r.allowedHeaders ?? []).some((p) => wildcard(p.toLowerCase(), h))),
    );
    if (!rule)
      return refuse(
        403,
        'AccessForbidden',
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      );
    const headers = corsHeaders(rule, origin);
    if (requested.length) headers['access-control-allow-headers'] = requested.join(', ');
    headers['x-amz-request-id'] = requestId;
    headers['x-amz-id-2'] = Buffer.from(requestId).toString('base64');
    headers.date = new Date(this.now()).toUTCString();
    return answer(200, headers);
  }

  /**
   * The CORS headers of an actual request from an allowed origin (the first rule matching its
   * `Origin` and method); a request from any other origin is served without them, and the browser
   * then withholds the answer from the page.
   */
  private allowOrigin(response: EndpointResponse, bucketName: string, req: EndpointRequest): void {
    const origin = req.headers.origin;
    const rules = this.buckets.get(bucketName)?.cors;
    if (!origin || !rules) return;
    const rule = rules.find((r) => matchesOrigin(r, origin) && (r.allowedMethods as string[]).includes(req.method));
    if (rule) Object.assign(response.headers, corsHeaders(rule, origin));
  }

  // --- Authentication -------------------------------------------------------------------------

  private authenticate(
    req: EndpointRequest,
    rawPath: string,
    query: Array<[string, string]>,
    params: Map<string, string>,
  ): Authenticated {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      if (params.has('X-Amz-Algorithm') || params.has('X-Amz-Signature'))
        throw new S3Error(
          400,
          'InvalidArgument',
          'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
        );
      return this.checkHeaderSignature(req, rawPath, query, authorization);
    }
    if (params.has('X-Amz-Algorithm') || params.has('X-Amz-Credential') || params.has('X-Amz-Signature'))
      return this.checkQuerySignature(req, rawPath, query, params);
    // Our buckets are private: S3 answers an anonymous request with 403.
    throw new S3Error(403, 'AccessDenied', 'Access Denied');
  }

  private checkHeaderSignature(
    req: EndpointRequest,
    rawPath: string,
    query: Array<[string, string]>,
    authorization: string,
  ): Authenticated {
    const p = parseAuthorization(authorization);
    if (!p) {
      throw new S3Error(
        400,
        'AuthorizationHeaderMalformed',
        'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.',
      );
    }
    const amzDate = req.headers['x-amz-date'];
    if (!amzDate)
      throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    const at = parseAmzDate(amzDate);
    if (Number.isNaN(at))
      throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    this.checkScope(
      p,
      amzDate,
      (m) => new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; ${m}`),
    );
    if (Math.abs(this.now() - at) > MAX_SKEW_MS) {
      throw new S3Error(
        403,
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
        {
          RequestTime: amzDate,
          ServerTime: new Date(this.now()).toISOString(),
          MaxAllowedSkewMilliseconds: MAX_SKEW_MS,
        },
      );
    }
    const payloadHash = req.headers['x-amz-content-sha256'];
    if (!payloadHash)
      throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    const missing = ['host', 'x-amz-content-sha256'].find((h) => !p.signedHeaders.includes(h));
    if (missing)
      throw new S3Error(
        403,
        'AccessDenied',
        `There were headers present in the request which were not signed: ${missing}`,
      );
    this.verify(req, rawPath, query, p, amzDate, payloadHash);
    return { caller: p.accessKeyId, payloadHash };
  }

  private checkQuerySignature(
    req: EndpointRequest,
    rawPath: string,
    query: Array<[string, string]>,
    params: Map<string, string>,
  ): Authenticated {
    const required = [
      'X-Amz-Algorithm',
      'X-Amz-Credential',
      'X-Amz-Signature',
      'X-Amz-Date',
      'X-Amz-SignedHeaders',
      'X-Amz-Expires',
    ];
    if (required.some((r) => !params.get(r))) {
      throw new S3Error(
        400,
        'AuthorizationQueryParametersError',
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    }
    const queryError = (m: string) => new S3Error(400, 'AuthorizationQueryParametersError', m);
    if (params.get('X-Amz-Algorithm') !== ALGORITHM)
      throw queryError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    const p = parts(
      params.get('X-Amz-Credential')!,
      params.get('X-Amz-SignedHeaders')!,
      params.get('X-Amz-Signature')!,
    );
    if (!p)
      throw queryError(
        'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
      );
    const amzDate = params.get('X-Amz-Date')!;
    const at = parseAmzDate(amzDate);
    if (Number.isNaN(at)) throw queryError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    const expiresText = params.get('X-Amz-Expires')!;
    if (!/^-?\d+$/.test(expiresText)) throw queryError('X-Amz-Expires should be a number');
    const expires = Number(expiresText);
    if (expires < 0) throw queryError('X-Amz-Expires must be non-negative');
    // "The minimum value you can set is 1" (S3 API Reference, *Authenticating Requests: Using Query
    // Parameters*); the wording of S3's answer to 0 is ours.
    if (expires < 1) throw queryError('X-Amz-Expires must be at least 1');
    if (expires > MAX_EXPIRES_SECONDS)
      throw queryError(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_EXPIRES_SECONDS}`);
    this.checkScope(p, amzDate, (m) => queryError(`Error parsing the X-Amz-Credential parameter; ${m}`));
    if (!p.signedHeaders.includes('host'))
      throw new S3Error(403, 'AccessDenied', 'There were headers present in the request which were not signed: host');
    const now = this.now();
    if (at - now > MAX_SKEW_MS) throw new S3Error(403, 'AccessDenied', 'Request is not valid yet');
    // The signature is checked before the expiry, so a tampered URL is refused as such even when old.
    const payloadHash = params.get('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD;
    this.verify(
      req,
      rawPath,
      query.filter(([k]) => k !== 'X-Amz-Signature'),
      p,
      amzDate,
      payloadHash,
    );
    if (now > at + expires * 1000) {
      throw new S3Error(403, 'AccessDenied', 'Request has expired', {
        'X-Amz-Expires': expires,
        Expires: new Date(at + expires * 1000).toISOString(),
        ServerTime: new Date(now).toISOString(),
      });
    }
    return { caller: p.accessKeyId, payloadHash };
  }

  /** The scope must be for S3 in our region on the request's own date. */
  private checkScope(p: SignatureParts, amzDate: string, error: (message: string) => S3Error): void {
    if (p.service !== 's3') throw error(`incorrect service "${p.service}". This endpoint belongs to "s3".`);
    if (p.region !== names.LOCAL_REGION)
      throw error(`the region '${p.region}' is wrong; expecting '${names.LOCAL_REGION}'`);
    if (p.date !== amzDate.slice(0, 8))
      throw error(
        `Invalid credential date "${p.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`,
      );
  }

  private verify(
    req: EndpointRequest,
    rawPath: string,
    query: Array<[string, string]>,
    p: SignatureParts,
    amzDate: string,
    payloadHash: string,
  ): void {
    const secret = (this.options.secretKey ?? (() => 'local'))(p.accessKeyId);
    if (secret === undefined) {
      throw new S3Error(
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
        { AWSAccessKeyId: p.accessKeyId },
      );
    }
    const canonical = canonicalRequest({
      method: req.method,
      path: rawPath,
      query,
      headers: req.headers,
      signedHeaders: p.signedHeaders,
      payloadHash,
    });
    const expected = signature(secret, amzDate, p, canonical);
    if (!sameSignature(expected, p.signature)) {
      throw new S3Error(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        {
          AWSAccessKeyId: p.accessKeyId,
          StringToSign: [ALGORITHM, amzDate, p.scope, sha256Hex(canonical)].join('\n'),
          SignatureProvided: p.signature,
          CanonicalRequest: canonical,
        },
      );
    }
  }

  // --- Operations -----------------------------------------------------------------------------

  private perform(
    action: string,
    bucket: Bucket,
    key: string,
    req: EndpointRequest,
    params: Map<string, string>,
    auth: Authenticated,
  ): Promise<EndpointResponse> {
    switch (action) {
      // Both need s3:ListBucket; S3 refuses them with 403 to a caller without it.
      case 'HeadBucket':
        this.mayList(bucket, auth.caller);
        return Promise.resolve(answer(200, { 'x-amz-bucket-region': names.LOCAL_REGION }));
      case 'ListObjectsV2':
        this.mayList(bucket, auth.caller);
        return this.list(bucket, params);
      case 'PutObject':
        return this.putObject(bucket, key, req, auth);
      case 'GetObject':
      case 'HeadObject':
        return this.getObject(bucket, key, req, params, action === 'HeadObject', auth.caller);
      case 'DeleteObject':
        return this.deleteObject(bucket, key, req, params, auth.caller);
      case 'GetBucketVersioning':
        return Promise.resolve(this.versioning(bucket));
      case 'GetObjectLockConfiguration':
        return Promise.resolve(this.objectLockConfiguration(bucket));
      default:
        throw new S3Error(
          501,
          'NotImplemented',
          'A header or query you provided implies functionality that is not implemented.',
        );
    }
  }

  private async putObject(
    bucket: Bucket,
    key: string,
    req: EndpointRequest,
    auth: Authenticated,
  ): Promise<EndpointResponse> {
    if (Buffer.byteLength(key) > MAX_KEY_BYTES)
      throw new S3Error(400, 'KeyTooLongError', 'Your key is too long', {
        Size: Buffer.byteLength(key),
        MaxSizeAllowed: MAX_KEY_BYTES,
      });
    if (req.headers['x-amz-copy-source'])
      throw new S3Error(501, 'NotImplemented', 'CopyObject is not emulated locally.');
    const declared = declaredLength(req.headers);
    if (declared === undefined)
      throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
    if (declared > MAX_PUT_BYTES) throw tooLarge(declared);
    let body: Buffer = req.bytes
      ? Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength)
      : Buffer.from(req.body, 'utf8');
    const trailers: Record<string, string> = {};
    if (/aws-chunked/.test(req.headers['content-encoding'] ?? '') || auth.payloadHash.startsWith('STREAMING-')) {
      const decoded = decodeAwsChunked(body);
      body = decoded.body;
      Object.assign(trailers, decoded.trailers);
    }
    if (body.length !== declared)
      throw new S3Error(
        400,
        'IncompleteBody',
        'You did not provide the number of bytes specified by the Content-Length HTTP header.',
        { NumberBytesExpected: declared, NumberBytesProvided: body.length },
      );
    if (/^[0-9a-f]{64}$/.test(auth.payloadHash) && sha256Hex(body) !== auth.payloadHash) {
      throw new S3Error(
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        { ClientComputedContentSHA256: auth.payloadHash, S3ComputedContentSHA256: sha256Hex(body) },
      );
    }
    const md5 = createHash('md5').update(body).digest();
    const contentMd5 = req.headers['content-md5'];
    if (contentMd5 !== undefined) {
      if (Buffer.from(contentMd5, 'base64').length !== 16)
        throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
      if (contentMd5 !== md5.toString('base64'))
        throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    const checksums: Record<string, string> = {};
    // A bucket with Object Lock takes a version only with an integrity check on its body (S3 API
    // Reference, *PutObject*: "The Content-MD5 or x-amz-sdk-checksum-algorithm header is required
    // for any request to upload an object with a retention period configured using Amazon S3
    // Object Lock"; the bucket's default retention counts). The message is S3's.
    if (
      bucket.objectLock &&
      contentMd5 === undefined &&
      !CHECKSUM_ALGORITHMS.some((a) => req.headers[`x-amz-checksum-${a}`] ?? trailers[`x-amz-checksum-${a}`])
    )
      throw new S3Error(
        400,
        'InvalidRequest',
        'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
      );
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const sent = req.headers[`x-amz-checksum-${algorithm}`] ?? trailers[`x-amz-checksum-${algorithm}`];
      if (sent === undefined) continue;
      if (checksum(algorithm, body) !== sent) {
        throw new S3Error(
          400,
          'BadDigest',
          `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        );
      }
      checksums[algorithm] = sent;
    }
    const metadata: Record<string, string> = {};
    let metadataBytes = 0;
    for (const [name, value] of Object.entries(req.headers)) {
      if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
      metadata[name.slice('x-amz-meta-'.length)] = value;
      metadataBytes += Buffer.byteLength(name.slice('x-amz-meta-'.length)) + Buffer.byteLength(value);
    }
    if (metadataBytes > MAX_METADATA_BYTES)
      throw new S3Error(400, 'MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size', {
        Size: metadataBytes,
        MaxSizeAllowed: MAX_METADATA_BYTES,
      });
    const headers: Record<string, string> = { 'content-type': 'binary/octet-stream' };
    for (const h of STORED_HEADERS) {
      const v = req.headers[h];
      // aws-chunked is how the body travelled, not how it is stored.
      if (h === 'content-encoding' && v !== undefined) {
        const rest = v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s && s !== 'aws-chunked')
          .join(', ');
        if (rest) headers[h] = rest;
      } else if (v !== undefined) headers[h] = v;
    }
    const meta: ObjectMeta = {
      key,
      size: body.length,
      etag: `"${md5.toString('hex')}"`,
      lastModified: this.now(),
      headers,
      metadata,
      checksums,
      ...this.newVersion(bucket),
    };
    await bucket.store.put(meta, body);
    const out: Record<string, string> = { etag: meta.etag, 'x-amz-server-side-encryption': 'AES256' };
    if (meta.versionId) out['x-amz-version-id'] = meta.versionId;
    for (const [algorithm, value] of Object.entries(checksums)) out[`x-amz-checksum-${algorithm}`] = value;
    if (Object.keys(checksums).length) out['x-amz-checksum-type'] = 'FULL_OBJECT';
    return answer(200, out);
  }

  private async getObject(
    bucket: Bucket,
    key: string,
    req: EndpointRequest,
    params: Map<string, string>,
    head: boolean,
    caller: string,
    attempt = 0,
  ): Promise<EndpointResponse> {
    const versionId = params.get('versionId');
    const object =
      versionId !== undefined ? this.version(bucket, key, versionId, caller) : await this.live(bucket, key);
    if (!object) {
      // The current version is a delete marker: 404 that says so (S3 User Guide, *Working with
      // delete markers*), to a caller that may learn which keys exist.
      const current = versionId === undefined ? bucket.store.get(key)?.meta : undefined;
      const error = this.noSuchKey(bucket, key, caller);
      if (current?.deleteMarker && error.status === 404)
        error.headers = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': current.versionId! };
      throw error;
    }
    const meta = object.meta;
    if (meta.deleteMarker) {
      // A delete marker named by its id has nothing to read: 405 (S3 API Reference, *GetObject*).
      const error = new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', {
        Method: req.method,
        ResourceType: 'DeleteMarker',
      });
      error.headers = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': meta.versionId!, allow: 'DELETE' };
      throw error;
    }
    const failed = preconditionFailed(meta, req.headers);
    if (failed === 412)
      throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
        Condition: req.headers['if-match'] !== undefined ? 'If-Match' : 'If-Unmodified-Since',
      });
    const headers: Record<string, string> = {
      ...meta.headers,
      'last-modified': new Date(meta.lastModified).toUTCString(),
      etag: meta.etag,
      'accept-ranges': 'bytes',
      'x-amz-server-side-encryption': 'AES256',
      ...(meta.versionId ? { 'x-amz-version-id': meta.versionId } : {}),
    };
    if (failed === 304) {
      // S3 answers 304 with the validators and no body.
      return answer(304, { etag: meta.etag, 'last-modified': headers['last-modified']! });
    }
    for (const [name, value] of Object.entries(meta.metadata)) headers[`x-amz-meta-${name}`] = value;
    for (const [param, header] of Object.entries(OVERRIDES)) {
      const v = params.get(param);
      if (v !== undefined) headers[header] = v;
    }
    const range = parseRange(req.headers.range, meta.size);
    if (range === 'unsatisfiable') {
      throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', {
        RangeRequested: req.headers.range ?? '',
        ActualObjectSize: meta.size,
      });
    }
    const [start, end] = range ?? [0, meta.size - 1];
    // The whole object's checksum, only when asked for and only for the whole object, as S3 does.
    if (!range && (req.headers['x-amz-checksum-mode'] ?? params.get('x-amz-checksum-mode')) === 'ENABLED') {
      for (const [algorithm, value] of Object.entries(meta.checksums)) headers[`x-amz-checksum-${algorithm}`] = value;
      if (Object.keys(meta.checksums).length) headers['x-amz-checksum-type'] = 'FULL_OBJECT';
    }
    if (range) headers['content-range'] = `bytes ${start}-${end}/${meta.size}`;
    headers['content-length'] = String(end + 1 - start);
    if (head) return { status: range ? 206 : 200, headers, body: '', bytes: new Uint8Array(0) };
    const bytes = await bucket.store.read(object, start, end);
    // Replaced or deleted since its headers were taken: answer for what is there now, as S3 answers
    // a read that overlaps a write with one whole version or the other.
    if (!bytes && attempt < 3 && versionId === undefined)
      return this.getObject(bucket, key, req, params, head, caller, attempt + 1);
    if (!bytes && versionId !== undefined) throw noSuchVersion(key, versionId);
    if (!bytes) throw this.noSuchKey(bucket, key, caller);
    return { status: range ? 206 : 200, headers, body: '', bytes };
  }

  private lists(bucket: Bucket, caller: string): boolean {
    return this.options.listsBucket?.(caller, bucket.store.name) ?? true;
  }

  private mayList(bucket: Bucket, caller: string): void {
    if (!this.lists(bucket, caller)) throw new S3Error(403, 'AccessDenied', 'Access Denied');
  }

  /** A missing key, as S3 tells it to this caller. */
  private noSuchKey(bucket: Bucket, key: string, caller: string): S3Error {
    if (!this.lists(bucket, caller)) return new S3Error(403, 'AccessDenied', 'Access Denied');
    return new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
  }

  private async deleteObject(
    bucket: Bucket,
    key: string,
    req: EndpointRequest,
    params: Map<string, string>,
    caller: string,
  ): Promise<EndpointResponse> {
    const versionId = params.get('versionId');
    if (versionId === undefined && !bucket.versioned) {
      // Deleting a key that does not exist succeeds too (no versioning).
      await bucket.store.delete(key);
      return answer(204, {});
    }
    if (versionId === undefined) {
      // A simple DELETE on a versioned bucket removes nothing: it adds a delete marker as the
      // current version (S3 User Guide, *Deleting object versions from a versioning-enabled bucket*).
      const marker: ObjectMeta = {
        key,
        size: 0,
        etag: '',
        lastModified: this.now(),
        headers: {},
        metadata: {},
        checksums: {},
        deleteMarker: true,
        versionId: newVersionId(),
      };
      await bucket.store.put(marker, Buffer.alloc(0));
      return answer(204, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId! });
    }
    checkVersionId(versionId);
    if (versionId === 'null' && !bucket.versioned) {
      await bucket.store.delete(key);
      return answer(204, { 'x-amz-version-id': 'null' });
    }
    // Deleting a version removes it for good, unless Object Lock retains it: COMPLIANCE until its
    // date, whoever asks; GOVERNANCE unless the request says `x-amz-bypass-governance-retention:
    // true` and its caller holds s3:BypassGovernanceRetention (S3 User Guide, *Object Lock*,
    // "Retention modes"). Delete markers carry no retention. S3 refuses with 403 AccessDenied.
    const bypass = bypassRequested(req) && (this.options.bypassesGovernance?.(caller, bucket.store.name) ?? true);
    const removed = await bucket.store.deleteVersion(key, versionId, ({ meta }) => {
      if (!meta.lock || meta.deleteMarker || this.now() >= meta.lock.retainUntil) return;
      if (meta.lock.mode === 'GOVERNANCE' && bypass) return;
      throw new S3Error(403, 'AccessDenied', 'Access Denied because object protected by object lock.');
    });
    // A version that does not exist (any more) is deleted too: 204, as S3 answers.
    return answer(204, {
      'x-amz-version-id': versionId,
      ...(removed?.meta.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
    });
  }

  /** Version id and retention of a new version: none in an unversioned bucket. */
  private newVersion(bucket: Bucket): Pick<ObjectMeta, 'versionId' | 'lock'> {
    if (!bucket.versioned) return {};
    const lock = bucket.objectLock;
    return {
      versionId: newVersionId(),
      // The default retention counts from the version's creation (S3 User Guide, *Object Lock*,
      // "Bucket configuration": "… the retention period for each new object version").
      ...(lock ? { lock: { mode: lock.mode, retainUntil: this.now() + lock.days * DAY_MS } } : {}),
    };
  }

  /**
   * One version of a key by its id: `null` is the version of an unversioned write. A missing one is
   * 404 NoSuchVersion to a caller holding s3:ListBucket, 403 to others, as for a missing key.
   */
  private version(bucket: Bucket, key: string, versionId: string, caller: string): StoredObject {
    checkVersionId(versionId);
    const found =
      versionId === 'null'
        ? bucket.versioned
          ? undefined
          : bucket.store.get(key)
        : bucket.store.version(key, versionId);
    if (!found) throw this.lists(bucket, caller) ? noSuchVersion(key, versionId) : this.noSuchKey(bucket, key, caller);
    return found;
  }

  /** GetBucketVersioning: `Enabled`, or no status for a bucket that never had versioning. */
  private versioning(bucket: Bucket): EndpointResponse {
    const status = bucket.versioned ? '<Status>Enabled</Status>' : '';
    return xmlAnswer(200, `<VersioningConfiguration xmlns="${XMLNS}">${status}</VersioningConfiguration>`);
  }

  /** GetObjectLockConfiguration: the default retention, or 404 for a bucket without Object Lock. */
  private objectLockConfiguration(bucket: Bucket): EndpointResponse {
    const lock = bucket.objectLock;
    if (!lock)
      throw new S3Error(
        404,
        'ObjectLockConfigurationNotFoundError',
        'Object Lock configuration does not exist for this bucket',
        { BucketName: bucket.store.name },
      );
    return xmlAnswer(
      200,
      `<ObjectLockConfiguration xmlns="${XMLNS}"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>${lock.mode}</Mode><Days>${lock.days}</Days></DefaultRetention></Rule></ObjectLockConfiguration>`,
    );
  }

  private async list(bucket: Bucket, params: Map<string, string>): Promise<EndpointResponse> {
    const prefix = params.get('prefix') ?? '';
    const delimiter = params.get('delimiter') ?? '';
    const maxKeysText = params.get('max-keys') ?? '1000';
    if (!/^\d+$/.test(maxKeysText))
      throw new S3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range', {
        ArgumentName: 'max-keys',
        ArgumentValue: maxKeysText,
      });
    const maxKeys = Number(maxKeysText);
    const encoding = params.get('encoding-type');
    if (encoding !== undefined && encoding !== 'url')
      throw new S3Error(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request', {
        ArgumentName: 'encoding-type',
        ArgumentValue: encoding,
      });
    const token = params.get('continuation-token');
    let after = params.get('start-after') ?? '';
    let afterPrefix: string | undefined;
    if (token !== undefined) {
      const decoded = decodeToken(token, bucket.store.name);
      if (!decoded)
        throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect', {
          ArgumentName: 'continuation-token',
        });
      after = decoded.after;
      if (decoded.prefix) afterPrefix = decoded.after;
    }
    const enc = (s: string) => xml(encoding === 'url' ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
    const contents: string[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let last: { after: string; prefix: boolean } | undefined;
    const limit = Math.min(maxKeys, 1000);
    for (const key of bucket.store.keys()) {
      if (!key.startsWith(prefix) || (after && Buffer.compare(Buffer.from(key), Buffer.from(after)) <= 0)) continue;
      if (afterPrefix && key.startsWith(afterPrefix)) continue;
      const meta = (await this.live(bucket, key))?.meta;
      if (!meta) continue;
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      const common = cut >= 0 ? key.slice(0, cut + delimiter.length) : undefined;
      if (common !== undefined && last?.prefix && last.after === common) continue;
      if (contents.length + prefixes.length >= limit) {
        truncated = true;
        break;
      }
      if (common !== undefined) {
        prefixes.push(`<CommonPrefixes><Prefix>${enc(common)}</Prefix></CommonPrefixes>`);
        last = { after: common, prefix: true };
      } else {
        const algorithms = Object.keys(meta.checksums)
          .map((a) => `<ChecksumAlgorithm>${a.toUpperCase()}</ChecksumAlgorithm>`)
          .join('');
        contents.push(
          `<Contents><Key>${enc(key)}</Key><LastModified>${new Date(meta.lastModified).toISOString()}</LastModified><ETag>${xml(meta.etag)}</ETag>${algorithms}<Size>${meta.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        );
        last = { after: key, prefix: false };
      }
    }
    const parts = [
      `<Name>${xml(bucket.store.name)}</Name>`,
      `<Prefix>${enc(prefix)}</Prefix>`,
      ...(delimiter ? [`<Delimiter>${enc(delimiter)}</Delimiter>`] : []),
      `<MaxKeys>${maxKeys}</MaxKeys>`,
      ...(encoding ? [`<EncodingType>${encoding}</EncodingType>`] : []),
      `<KeyCount>${contents.length + prefixes.length}</KeyCount>`,
      `<IsTruncated>${truncated}</IsTruncated>`,
      ...(token !== undefined ? [`<ContinuationToken>${xml(token)}</ContinuationToken>`] : []),
      ...(truncated && last
        ? [`<NextContinuationToken>${encodeToken(last, bucket.store.name)}</NextContinuationToken>`]
        : []),
      ...(params.has('start-after') ? [`<StartAfter>${enc(params.get('start-after')!)}</StartAfter>`] : []),
      ...contents,
      ...prefixes,
    ];
    return xmlAnswer(200, `<ListBucketResult xmlns="${XMLNS}">${parts.join('')}</ListBucketResult>`);
  }

  /** An object unless the bucket's lifecycle has expired it, in which case it goes now. */
  private async live(bucket: Bucket, key: string): Promise<StoredObject | undefined> {
    if (await this.expire(bucket, key)) return undefined;
    const object = bucket.store.get(key);
    return object?.meta.deleteMarker ? undefined : object;
  }

  private async expire(bucket: Bucket, key: string): Promise<boolean> {
    const meta = bucket.store.get(key)?.meta;
    if (!meta || !bucket.expireAfterDays) return false;
    if (this.now() < expiresAt(meta.lastModified, bucket.expireAfterDays)) return false;
    // A version written meanwhile is not expired with it.
    await bucket.store.delete(key, meta);
    return true;
  }
}

/**
 * When a lifecycle rule of `days` makes an object eligible for expiry: "Amazon S3 calculates the
 * time by adding the number of days specified in the rule to the object creation time and rounding
 * the resulting time to the next day midnight UTC" (S3 User Guide, *Lifecycle configuration
 * elements*).
 */
export function expiresAt(created: number, days: number): number {
  return Math.ceil((created + days * DAY_MS) / DAY_MS) * DAY_MS;
}

/** `value` matches `pattern`, which may hold one `*` standing for any characters. */
function wildcard(pattern: string, value: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === value;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return value.length >= head.length + tail.length && value.startsWith(head) && value.endsWith(tail);
}

const matchesOrigin = (rule: CorsRule, origin: string) => rule.allowedOrigins.some((o) => wildcard(o, origin));

/** What S3 answers an allowed origin: a rule for `*` allows any origin without credentials. */
function corsHeaders(rule: CorsRule, origin: string): Record<string, string> {
  const any = rule.allowedOrigins.includes('*');
  const headers: Record<string, string> = {
    'access-control-allow-origin': any ? '*' : origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!any) headers['access-control-allow-credentials'] = 'true';
  if (rule.exposeHeaders?.length) headers['access-control-expose-headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(rule.maxAgeSeconds);
  return headers;
}

/** A path segment decoded; one that is not valid percent-encoding stays as sent (and names nothing). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The S3 operation a request names, from its method, path and sub-resources. */
function operation(method: string, bucket: string, key: string, params: Map<string, string>): string {
  // A presigner moves `x-amz-*` headers into the query (`x-amz-checksum-mode`); they are not sub-resources.
  const subresources = [...params.keys()].filter((k) => !PLAIN_PARAMS.has(k) && !k.startsWith('x-amz-'));
  if (!bucket) return method === 'GET' ? 'ListBuckets' : 'Unknown';
  if (!key) {
    if (method === 'HEAD' && subresources.length === 0) return 'HeadBucket';
    if (method === 'GET' && subresources.length === 1 && subresources[0] === 'versioning') return 'GetBucketVersioning';
    if (method === 'GET' && subresources.length === 1 && subresources[0] === 'object-lock')
      return 'GetObjectLockConfiguration';
    if (method === 'GET' && params.get('list-type') === '2') {
      const allowed = new Set([
        'list-type',
        'prefix',
        'delimiter',
        'max-keys',
        'continuation-token',
        'start-after',
        'encoding-type',
        'fetch-owner',
      ]);
      if (subresources.every((s) => allowed.has(s))) return 'ListObjectsV2';
    }
    return `Bucket:${method}`;
  }
  // `versionId` names a version to read or delete; with anything else it is another operation.
  const versioned = subresources.length === 1 && subresources[0] === 'versionId' && method !== 'PUT';
  if (subresources.length > 0 && !versioned) return `Object:${method}:${subresources.join(',')}`;
  switch (method) {
    case 'PUT':
      return 'PutObject';
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return 'DeleteObject';
    default:
      return `Object:${method}`;
  }
}

/**
 * The IAM action that authorises an operation (HeadObject needs s3:GetObject, listing
 * s3:ListBucket); naming a version needs s3:GetObjectVersion or s3:DeleteObjectVersion instead
 * (S3 API Reference, *GetObject* and *DeleteObject*, "Permissions").
 */
function iamAction(action: string, params: Map<string, string>): string {
  const version = params.has('versionId');
  if (action === 'HeadObject' || action === 'GetObject') return version ? 's3:GetObjectVersion' : 's3:GetObject';
  if (action === 'DeleteObject') return version ? 's3:DeleteObjectVersion' : 's3:DeleteObject';
  if (action === 'HeadBucket' || action === 'ListObjectsV2') return 's3:ListBucket';
  if (action === 'GetObjectLockConfiguration') return 's3:GetBucketObjectLockConfiguration';
  return `s3:${action.split(':')[0]}`;
}

/** The request asks to bypass GOVERNANCE retention. */
const bypassRequested = (req: EndpointRequest) =>
  req.headers['x-amz-bypass-governance-retention']?.toLowerCase() === 'true';

/** A version id S3 cannot parse: 400 InvalidArgument (S3's wording); `null` is the unversioned one. */
function checkVersionId(versionId: string): void {
  if (versionId === 'null' || VERSION_ID.test(versionId)) return;
  if (versionId === '')
    throw new S3Error(400, 'InvalidArgument', 'Version id cannot be the empty string', {
      ArgumentName: 'versionId',
      ArgumentValue: '',
    });
  throw new S3Error(400, 'InvalidArgument', 'Invalid version id specified', {
    ArgumentName: 'versionId',
    ArgumentValue: versionId,
  });
}

const noSuchVersion = (key: string, versionId: string) =>
  new S3Error(404, 'NoSuchVersion', 'The specified version does not exist.', { Key: key, VersionId: versionId });

/** The body's length as sent: `x-amz-decoded-content-length` under aws-chunked, else Content-Length. */
function declaredLength(headers: Record<string, string | undefined>): number | undefined {
  const v = headers['x-amz-decoded-content-length'] ?? headers['content-length'];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export const tooLarge = (size: number) =>
  new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
    ProposedSize: size,
    MaxSizeAllowed: MAX_PUT_BYTES,
  });

/**
 * The body of an `aws-chunked` upload (S3 API Reference, *Signature Calculations for the
 * Authorization Header: Transferring Payload in Multiple Chunks*): `<hex size>[;chunk-signature=…]`
 * lines with their data, a zero-size chunk, then trailing headers (the SDK's checksum). Chunk
 * signatures are not verified.
 */
function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const chunks: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let at = 0;
  const line = () => {
    const end = raw.indexOf('\r\n', at);
    if (end < 0) throw new S3Error(400, 'IncompleteBody', 'The request body terminated unexpectedly');
    const text = raw.subarray(at, end).toString('latin1');
    at = end + 2;
    return text;
  };
  for (;;) {
    const size = Number.parseInt(line().split(';')[0]!, 16);
    if (!Number.isFinite(size))
      throw new S3Error(
        400,
        'InvalidChunkSizeError',
        'Only the last chunk is allowed to have a size less than 8192 bytes',
      );
    if (size === 0) break;
    chunks.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  while (at < raw.length) {
    const t = line();
    if (t === '') break;
    const colon = t.indexOf(':');
    if (colon > 0) trailers[t.slice(0, colon).trim().toLowerCase()] = t.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(chunks), trailers };
}

/** 304, 412 or undefined from the conditional headers, in RFC 7232's order of evaluation. */
function preconditionFailed(meta: ObjectMeta, headers: Record<string, string | undefined>): 304 | 412 | undefined {
  const modified = Math.floor(meta.lastModified / 1000) * 1000;
  const matches = (list: string) =>
    list.split(',').some((t) => t.trim() === '*' || t.trim() === meta.etag || `"${t.trim()}"` === meta.etag);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!matches(ifMatch)) return 412;
  } else if (headers['if-unmodified-since'] !== undefined) {
    const since = Date.parse(headers['if-unmodified-since']);
    if (!Number.isNaN(since) && modified > since) return 412;
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (matches(ifNoneMatch)) return 304;
  } else if (headers['if-modified-since'] !== undefined) {
    const since = Date.parse(headers['if-modified-since']);
    if (!Number.isNaN(since) && modified <= since) return 304;
  }
  return undefined;
}

/**
 * The byte range a `Range` header asks for: one range (S3 serves no multipart ranges); a header it
 * cannot parse is ignored and the whole object served, as S3 and RFC 7233 do.
 */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return undefined;
  return [start, end];
}

/** Continuation tokens are opaque to clients; ours name the bucket and where the page ended. */
function encodeToken(last: { after: string; prefix: boolean }, bucket: string): string {
  return Buffer.from(JSON.stringify({ b: bucket, a: last.after, p: last.prefix })).toString('base64');
}

function decodeToken(token: string, bucket: string): { after: string; prefix: boolean } | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { b?: unknown; a?: unknown; p?: unknown };
    if (t.b !== bucket || typeof t.a !== 'string') return undefined;
    return { after: t.a, prefix: t.p === true };
  } catch {
    return undefined;
  }
}

const xml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

function answer(status: number, headers: Record<string, string>): EndpointResponse {
  return { status, headers: { ...headers, 'content-length': '0' }, body: '', bytes: new Uint8Array(0) };
}

function xmlAnswer(status: number, document: string): EndpointResponse {
  const bytes = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${document}`, 'utf8');
  return {
    status,
    headers: { 'content-type': 'application/xml', 'content-length': String(bytes.length) },
    body: '',
    bytes,
  };
}

/** S3's error document; a HEAD request's error has none (the SDK names it by status: `NotFound`). */
function errorResponse(e: S3Error, requestId: string, resource: string, head: boolean): EndpointResponse {
  const extra = Object.entries(e.fields)
    .map(([k, v]) => `<${k}>${xml(String(v))}</${k}>`)
    .join('');
  const response = head
    ? answer(e.status, {})
    : xmlAnswer(
        e.status,
        `<Error><Code>${e.code}</Code><Message>${xml(e.message)}</Message>${extra}<Resource>${xml(resource)}</Resource><RequestId>${requestId}</RequestId><HostId>${Buffer.from(requestId).toString('base64')}</HostId></Error>`,
      );
  Object.assign(response.headers, e.headers);
  response.headers['x-amz-request-id'] = requestId;
  response.headers['x-amz-id-2'] = Buffer.from(requestId).toString('base64');
  if (head) response.headers['x-amz-error-code'] = e.code;
  return response;
}

export type { ChecksumAlgorithm };
