/**
 * CORS for the HTTP API, one definition for both interpreters: the CDK stack gives it to the HTTP
 * API's `corsPreflight` and the local gateway answers preflights and decorates responses with it,
 * as API Gateway does when CORS is configured (it answers OPTIONS preflights itself, without the
 * authorizer, and adds the headers to every response of an allowed origin). Only the console's
 * origin is allowed: a page elsewhere cannot read the API with a user's token.
 */
export interface ApiCors {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

export function apiCors(consoleOrigin: string): ApiCors {
  return {
    allowOrigins: [consoleOrigin],
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    // If-Match carries the version read (409 on a stale one); the correlation id follows a request.
    allowHeaders: ['authorization', 'content-type', 'if-match', 'x-correlation-id'],
    // The console reads the version (ETag), where a created record is, and when to retry.
    exposeHeaders: ['etag', 'location', 'retry-after', 'x-correlation-id'],
    maxAgeSeconds: 600,
  };
}

/**
 * The CORS rule of a bucket with `consoleUploads` (the service desk's attachments), one definition
 * for both interpreters: the console's origin alone may PUT to a presigned upload URL (sending the
 * signed `Content-Type`) and GET or HEAD a presigned download; it may read the ETag.
 */
export interface BucketCorsRule {
  allowedOrigins: string[];
  allowedMethods: Array<'GET' | 'PUT' | 'HEAD'>;
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

export function consoleUploadsCors(consoleOrigin: string): BucketCorsRule {
  return {
    allowedOrigins: [consoleOrigin],
    allowedMethods: ['PUT', 'GET', 'HEAD'],
    allowedHeaders: ['content-type'],
    exposeHeaders: ['etag'],
    maxAgeSeconds: 600,
  };
}
