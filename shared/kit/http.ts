import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { authorizeRoute, type Principal, principalFromClaims } from './auth';
import { newId, type OperationContext } from './context';
import { openCursor, sealCursor } from './cursor';
import { routePages, type ServiceDefinition } from './definition';
import { DomainError, PreconditionError, problem, problemResponse, ValidationError } from './errors';
import { logger } from './logger';
import { retryAfterOf, runRoute } from './retry';
import { usageHeader, withUsage } from './usage';

/** Largest request body accepted (bytes); larger bodies get 413 before any parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiRequest {
  routeKey: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
  principal: Principal;
  ctx: OperationContext;
  /** Version from `If-Match` (`"3"` or `W/"3"`), when sent. */
  ifMatch?: number;
}

export interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Record version; sent as the ETag. */
  version?: number;
}

export type RouteImplementation = (req: ApiRequest) => Promise<ApiResult>;
type Event = APIGatewayProxyEventV2WithJWTAuthorizer;

/** Who calls a public route without a token: no roles, so every role check refuses it. */
export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', name: 'anonymous', roles: [] });

/** The version the caller must send for an update; 428 when missing. */
export function requireIfMatch(req: ApiRequest): number {
  if (req.ifMatch === undefined) {
    throw new PreconditionError('Send If-Match with the version you read (the ETag) so no update is lost.');
  }
  return req.ifMatch;
}

function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(value.trim());
  if (!m) {
    throw new ValidationError('If-Match must be the record version ETag, e.g. "3".', [
      { field: 'If-Match', message: 'must be a version ETag' },
    ]);
  }
  return Number(m[1]);
}

function parseBody(event: Event): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new DomainError('body-too-large', 413, `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
  const type = (event.headers?.['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new DomainError('unsupported-media-type', 415, 'Send the request body as application/json.');
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new DomainError('malformed-json', 400, `The request body is not valid JSON: ${(err as Error).message}`);
  }
}

function lowerHeaders(h: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/**
 * Build a service's API function: one Lambda behind the HTTP API that serves every route its
 * definition gives it, dispatching on the route key API Gateway resolved. Roles are the ones
 * declared on the route in the definition, so the document and the check cannot drift.
 *
 * @example
 * export const handler = apiHandler(configuration, 'api', { 'GET /v1/cis/{id}': getCi });
 */
export function apiHandler(def: ServiceDefinition, fnId: string, impls: Record<string, RouteImplementation>) {
  const routes = def.routes.filter((r) => r.function === fnId);
  const declared = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
  const missing = [...declared.keys()].filter((k) => !impls[k]);
  const extra = Object.keys(impls).filter((k) => !declared.has(k));
  if (missing.length || extra.length) {
    throw new Error(
      `${def.name}.${fnId}: routes and implementations differ (missing: ${missing.join(', ') || 'none'}; undeclared: ${extra.join(', ') || 'none'})`,
    );
  }

  const dispatch = (event: Event) => withUsage(() => serve(event));
  const serve = async (event: Event): Promise<APIGatewayProxyStructuredResultV2> => {
    const headers = lowerHeaders(event.headers);
    // A client's correlation id is kept only when short and plain: it is stored in history and events (ADR 20).
    const given = headers['x-correlation-id'];
    const correlationId =
      (given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : undefined) ??
      event.requestContext?.requestId ??
      newId();
    logger.appendKeys({ correlationId, route: event.routeKey });
    try {
      const route = declared.get(event.routeKey);
      if (!route) throw new DomainError('route-not-found', 404, `No route ${event.routeKey}.`);
      const claims = event.requestContext?.authorizer?.jwt?.claims;
      const principal = route.public && !claims ? ANONYMOUS : principalFromClaims(claims);
      if (!route.public) authorizeRoute(principal, route, event.pathParameters ?? {});
      const body = parseBody(event);
      const ifMatch = parseIfMatch(headers['if-match']);
      const req: ApiRequest = {
        routeKey: event.routeKey,
        params: (event.pathParameters ?? {}) as Record<string, string>,
        query: (event.queryStringParameters ?? {}) as Record<string, string>,
        body,
        headers,
        principal,
        ctx: { actor: { id: principal.id, name: principal.name, kind: 'user' }, correlationId },
        ...(ifMatch !== undefined ? { ifMatch } : {}),
      };
      // List routes: cursors are signed for their query and caller (ADR 19).
      const pages = routePages(route);
      if (pages) await openCursor(req);
      const result = await runRoute(impls[event.routeKey]!, req);
      await sealCursor(req, result.body, pages);
      return {
        statusCode: result.status,
        headers: {
          'content-type': 'application/json',
          'x-correlation-id': correlationId,
          'x-itsm-usage': usageHeader(),
          ...(result.version !== undefined ? { etag: `"${result.version}"` } : {}),
          ...result.headers,
        },
        ...(result.body !== undefined ? { body: JSON.stringify(result.body) } : {}),
      };
    } catch (err) {
      const instance = event.rawPath;
      if (err instanceof DomainError) {
        if (err.status >= 500) logger.error('domain error', { error: err });
        return problemResponse(
          problem(err.status, err.code, err.message, {
            instance,
            correlationId,
            ...(err.fields ? { errors: err.fields } : {}),
          }),
          { 'x-correlation-id': correlationId, ...retryAfterOf(err) },
        );
      }
      // Never expose internals: log with the correlation id, answer a generic 500.
      logger.error('unhandled error', { error: err as Error });
      return problemResponse(
        problem(
          500,
          'internal-error',
          'Something went wrong on our side. Quote the correlation id when you report it.',
          {
            instance,
            correlationId,
          },
        ),
        { 'x-correlation-id': correlationId },
      );
    } finally {
      logger.removeKeys(['correlationId', 'route']);
    }
  };

  return middy<Event, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(injectLambdaContext(logger))
    .handler(dispatch);
}
