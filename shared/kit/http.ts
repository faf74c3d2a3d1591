import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj, type Request } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { authorizeRoute, type Principal, principalFromClaims } from './auth';
import { newId, type OperationContext } from './context';
import { type CursorBinding, openCursor, sealCursor } from './cursor';
import { type RouteSpec, routePages, type ServiceDefinition } from './definition';
import { DomainError, PreconditionError, problem, problemResponse, ValidationError } from './errors';
import { logger } from './logger';
import { retryAfterOf, runRoute } from './retry';
import { checkPathParameters } from './routing';
import { usageHeader, withUsage } from './usage';
import { validateBody, validateQuery } from './validation';

/** Largest request body accepted (bytes); larger bodies get 413 before any parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * What a route implementation gets: the request as the route's definition validated it. `body`
 * and `query` are the outputs of the route's `body` and `query` schemas (see {@link RouteImplementations}).
 */
export interface ApiRequest<B = unknown, Q = Record<string, string | undefined>> {
  routeKey: string;
  params: Record<string, string>;
  query: Q;
  body: B;
  headers: Record<string, string>;
  principal: Principal;
  ctx: OperationContext;
  /** Version from `If-Match` (`"3"` or `W/"3"`), when sent. */
  ifMatch?: number;
}

export interface ApiResult {
  status: number;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * Sent as it is instead of a JSON body, with its own media type (an iCalendar feed, a CSV):
   * declare the same `contentType` in the route's `response` so the OpenAPI document says so.
   */
  text?: { contentType: string; body: string };
  headers?: Record<string, string>;
  /** Record version; sent as the ETag. */
  version?: number;
}

export type RouteImplementation = (req: ApiRequest) => Promise<ApiResult>;
type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
type Response = APIGatewayProxyStructuredResultV2;
type ApiMiddyRequest = Request<Event, Response, Error, Context>;

type Output<S> = S extends z.core.$ZodType ? z.output<S> : never;
type RouteKeyOf<R> = R extends { method: infer M extends string; path: infer P extends string } ? `${M} ${P}` : never;
/** The request a route's implementation gets: body and query typed by the route's own schemas. */
export type RequestOf<R> = ApiRequest<
  R extends { body: infer B } ? Output<B> : undefined,
  R extends { query: infer Q } ? Output<Q> : Record<string, never>
>;
/** One implementation per route the definition gives function `F`, keyed `METHOD /path`. */
export type RouteImplementations<D extends ServiceDefinition, F extends string> = {
  [R in Extract<D['routes'][number], { function: F }> as RouteKeyOf<R>]: (req: RequestOf<R>) => Promise<ApiResult>;
};

/** Who calls a public route without a token: no roles, so every role check refuses it. */
export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', name: 'anonymous', roles: [] });

/** The version the caller must send for an update; 428 when missing. */
export function requireIfMatch(req: Pick<ApiRequest, 'ifMatch'>): number {
  if (req.ifMatch === undefined) {
    throw new PreconditionError('Send If-Match with the version you read (the ETag) so no update is lost.');
  }
  return req.ifMatch;
}

/**
 * Read `If-Match`. A version is a safe integer: a larger one cannot be compared exactly, and the
 * DynamoDB document client refuses to write it (a 500 before this check, on routes that pass the
 * version straight into the write's condition).
 */
export function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(value.trim());
  const version = m ? Number(m[1]) : Number.NaN;
  if (!Number.isSafeInteger(version)) {
    throw new ValidationError('If-Match must be the record version ETag, e.g. "3".', [
      { field: 'If-Match', message: `must be a version ETag: a whole number from 0 to ${Number.MAX_SAFE_INTEGER}` },
    ]);
  }
  return version;
}

/** A correlation id a client sends is echoed into logs and headers, so only a plain token is taken. */
const CLIENT_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function lowerHeaders(h: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** What the middlewares learn about one invocation, handed from one to the next. */
interface Invocation {
  correlationId: string;
  headers: Record<string, string>;
  route?: RouteSpec;
  principal?: Principal;
  rawBody?: unknown;
  body?: unknown;
  query?: Record<string, unknown>;
  params?: Record<string, string>;
  ifMatch?: number;
}

const invocations = new WeakMap<object, Invocation>();
/** Keyed by the event: middy hands the handler the event, not the request. */
const invocation = (request: ApiMiddyRequest): Invocation => {
  const found = invocations.get(request.event);
  if (!found) throw new Error('the correlation id middleware must run first');
  return found;
};

/**
 * Takes the caller's `x-correlation-id` (or API Gateway's request id), puts it on every log line
 * and on every response, problem responses included.
 */
export function correlationIdMiddleware(): MiddlewareObj<Event, Response, Error, Context> {
  const stamp = (request: ApiMiddyRequest) => {
    const id = invocations.get(request.event)?.correlationId;
    if (id && request.response) request.response.headers = { ...request.response.headers, 'x-correlation-id': id };
    logger.removeKeys(['correlationId', 'route']);
  };
  return {
    before: (request) => {
      const headers = lowerHeaders(request.event.headers);
      const sent = headers['x-correlation-id'];
      const correlationId =
        sent && CLIENT_CORRELATION_ID.test(sent) ? sent : (request.event.requestContext?.requestId ?? newId());
      invocations.set(request.event, { correlationId, headers });
      logger.appendKeys({ correlationId, route: request.event.routeKey });
    },
    after: stamp,
    // Runs after the error mapper (middy runs onError in reverse order), so its problem gets the header.
    onError: stamp,
  };
}

/**
 * Maps every error to an RFC 9457 problem: a DomainError keeps its status, code and fields; anything
 * else is a generic 500 whose details go only to the log (messages are exposed only under 500).
 */
export function errorMiddleware(): MiddlewareObj<Event, Response, Error, Context> {
  return {
    onError: (request) => {
      const err = request.error;
      const correlationId = invocations.get(request.event)?.correlationId ?? newId();
      const instance = request.event.rawPath;
      if (err instanceof DomainError) {
        if (err.status >= 500) logger.error('domain error', { error: err });
        request.response = problemResponse(
          problem(err.status, err.code, err.message, {
            instance,
            correlationId,
            ...(err.fields ? { errors: err.fields } : {}),
          }),
          retryAfterOf(err),
        );
        return;
      }
      logger.error('unhandled error', { error: err as Error });
      request.response = problemResponse(
        problem(
          500,
          'internal-error',
          'Something went wrong on our side. Quote the correlation id when you report it.',
          {
            instance,
            correlationId,
          },
        ),
      );
    },
  };
}

/**
 * Resolves the route from API Gateway's route key and checks the caller's roles against the roles
 * the definition declares for it, so the document and the check cannot drift.
 */
export function authMiddleware(routes: ReadonlyMap<string, RouteSpec>): MiddlewareObj<Event, Response, Error, Context> {
  return {
    before: (request) => {
      const state = invocation(request);
      const route = routes.get(request.event.routeKey);
      if (!route) throw new DomainError('route-not-found', 404, `No route ${request.event.routeKey}.`);
      const claims = request.event.requestContext?.authorizer?.jwt?.claims;
      const principal = route.public && !claims ? ANONYMOUS : principalFromClaims(claims);
      if (!route.public) authorizeRoute(principal, route, request.event.pathParameters ?? {});
      state.route = route;
      state.principal = principal;
    },
  };
}

/** Reads the body as JSON: 413 over {@link MAX_BODY_BYTES}, 415 for another media type, 400 if malformed. */
export function jsonBodyMiddleware(): MiddlewareObj<Event, Response, Error, Context> {
  return {
    before: (request) => {
      const state = invocation(request);
      const event = request.event;
      if (event.body === undefined || event.body === null || event.body === '') return;
      const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
      if (raw.byteLength > MAX_BODY_BYTES) {
        throw new DomainError('body-too-large', 413, `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
      }
      const type = (state.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json' && !type.endsWith('+json')) {
        throw new DomainError('unsupported-media-type', 415, 'Send the request body as application/json.');
      }
      try {
        state.rawBody = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        throw new DomainError('malformed-json', 400, `The request body is not valid JSON: ${(err as Error).message}`);
      }
    },
  };
}

/**
 * Validates the request against the route's definition, once for every route: path parameters
 * (non-empty, within DynamoDB key sizes), `If-Match`, the query (the route's `query` schema, strict: a route
 * without one takes no parameters) and the body (the route's `body` schema). Use cases get the
 * schemas' output and never parse again.
 */
export function requestValidationMiddleware(): MiddlewareObj<Event, Response, Error, Context> {
  return {
    before: (request) => {
      const state = invocation(request);
      const route = state.route;
      if (!route) throw new Error('the auth middleware must resolve the route first');
      state.params = checkPathParameters((request.event.pathParameters ?? {}) as Record<string, string>);
      state.query = validateQuery(route.query, (request.event.queryStringParameters ?? {}) as Record<string, string>);
      state.body = route.body ? validateBody(route.body, state.rawBody) : undefined;
      state.ifMatch = parseIfMatch(state.headers['if-match']);
    },
  };
}

/**
 * Build a service's API function: one Lambda behind the HTTP API that serves every route its
 * definition gives it, dispatching on the route key API Gateway resolved. Each concern is a middy
 * middleware (correlation id, error mapping, auth and roles, JSON body, request validation); the
 * handler only calls the route's implementation with the validated, typed request.
 *
 * @example
 * export const handler = apiHandler(configuration, 'api', {
 *   'POST /v1/cis': async (req) => ({ status: 201, body: await registerCi(req.ctx, req.body) }),
 * });
 */
export function apiHandler<D extends ServiceDefinition, F extends keyof D['functions'] & string>(
  def: D,
  fnId: F,
  implementations: NoInfer<RouteImplementations<D, F>>,
) {
  const impls = implementations as unknown as Record<string, (req: ApiRequest<unknown, unknown>) => Promise<ApiResult>>;
  const routes = def.routes.filter((r) => r.function === fnId);
  const declared = new Map(routes.map((r) => [`${r.method} ${r.path}`, r as RouteSpec]));
  const missing = [...declared.keys()].filter((k) => !impls[k]);
  const extra = Object.keys(impls).filter((k) => !declared.has(k));
  if (missing.length || extra.length) {
    throw new Error(
      `${def.name}.${fnId}: routes and implementations differ (missing: ${missing.join(', ') || 'none'}; undeclared: ${extra.join(', ') || 'none'})`,
    );
  }

  const handler = middy<Event, Response, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(correlationIdMiddleware())
    .use(errorMiddleware())
    .use(authMiddleware(declared))
    .use(jsonBodyMiddleware())
    .use(requestValidationMiddleware())
    .handler(async (event) => {
      const state = invocations.get(event)!;
      const principal = state.principal!;
      const ifMatch = state.ifMatch;
      const req: ApiRequest<unknown, unknown> = {
        routeKey: event.routeKey,
        params: state.params ?? {},
        query: state.query ?? {},
        body: state.body,
        headers: state.headers,
        principal,
        ctx: { actor: { id: principal.id, name: principal.name, kind: 'user' }, correlationId: state.correlationId },
        ...(ifMatch !== undefined ? { ifMatch } : {}),
      };
      // List routes: cursors are signed for their query and caller (ADR 19), before the use case
      // sees the store's cursor and after it returns the next one.
      const pages = routePages(state.route!);
      if (pages) await openCursor(req as CursorBinding);
      const result = await runRoute(impls[event.routeKey]!, req);
      await sealCursor(req as CursorBinding, result.body, pages);
      const body = result.text ? result.text.body : result.body !== undefined ? JSON.stringify(result.body) : undefined;
      return {
        statusCode: result.status,
        headers: {
          'content-type': result.text ? result.text.contentType : 'application/json',
          'x-itsm-usage': usageHeader(),
          ...(result.version !== undefined ? { etag: `"${result.version}"` } : {}),
          ...result.headers,
        },
        ...(body !== undefined ? { body } : {}),
      };
    });
  // Usage counters are per invocation, so the whole chain runs inside one usage context.
  return (event: Event, context: Context) => withUsage(() => handler(event, context));
}
