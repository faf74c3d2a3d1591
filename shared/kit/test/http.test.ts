import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { defineService } from '../definition';
import { DomainError } from '../errors';
import { type ApiRequest, apiHandler, parseIfMatch } from '../http';
import { ListQuery, pageRequest } from '../paging';
import { checkPathParameters, RouteTable } from '../routing';
import { parse } from '../validation';

/** The API kit's middlewares, driven with API Gateway payload 2.0 events and no network. */
const Body = z.strictObject({
  name: z.string().check(z.regex(/^[a-z]+$/, 'must be lower-case letters')),
  size: z.optional(z.number()),
});
const Optional = z.optional(z.strictObject({ note: z.optional(z.string()) }));
const Query = z.extend(ListQuery, { status: z.optional(z.enum(['open', 'closed'])) });

const demo = defineService({
  name: 'demo',
  title: 'Demo',
  fitsm: 'PR0',
  table: { indexes: [] },
  functions: { api: { entry: '/x.ts', description: 'api', access: {} } },
  routes: [
    { method: 'POST', path: '/v1/things', function: 'api', roles: ['auditor'], summary: 'create', body: Body },
    { method: 'GET', path: '/v1/things', function: 'api', roles: ['auditor'], summary: 'list', query: Query },
    { method: 'GET', path: '/v1/things/{id}', function: 'api', roles: ['auditor'], summary: 'get' },
    {
      method: 'POST',
      path: '/v1/things/{id}/close',
      function: 'api',
      roles: ['auditor'],
      summary: 'c',
      body: Optional,
    },
    { method: 'GET', path: '/v1/boom', function: 'api', roles: ['auditor'], summary: 'fails' },
    { method: 'GET', path: '/v1/open/{secret}', function: 'api', roles: [], public: true, summary: 'public' },
    {
      method: 'GET',
      path: '/v1/feed.ics',
      function: 'api',
      roles: ['auditor'],
      summary: 'text',
      response: { status: 200, contentType: 'text/calendar' },
    },
  ],
  subscriptions: [],
  flows: [],
  schedules: [],
  publishes: [],
});

/** What each implementation received, so a test can see the typed request the kit built. */
const seen: ApiRequest<unknown, unknown>[] = [];
const echo = async (req: ApiRequest<unknown, unknown>) => {
  seen.push(req);
  return { status: 200, body: { body: req.body, query: req.query, params: req.params }, version: 3 };
};
const handler = apiHandler(demo, 'api', {
  'POST /v1/things': async (req) => {
    // Typed from the route's schema: `name` is a string, no parse here.
    const name: string = req.body.name;
    return echo({ ...req, body: { name } });
  },
  'GET /v1/things': async (req) => echo({ ...req, query: { ...req.query, page: pageRequest(req.query) } }),
  'GET /v1/things/{id}': echo,
  'POST /v1/things/{id}/close': echo,
  'GET /v1/boom': async () => {
    throw new Error('table itsm-demo is gone: secret internals');
  },
  'GET /v1/open/{secret}': async (req) => {
    if (req.principal.id !== 'anonymous') throw new DomainError('unexpected', 400, 'not anonymous');
    return echo(req);
  },
  'GET /v1/feed.ics': async () => ({
    status: 200,
    text: { contentType: 'text/calendar; charset=utf-8', body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' },
    version: 2,
  }),
});

const context = {
  functionName: 'itsm-demo-api',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:itsm-demo-api',
  memoryLimitInMB: '512',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

function event(
  routeKey: string,
  options: {
    path?: string;
    params?: Record<string, string>;
    query?: Record<string, string>;
    body?: string;
    headers?: Record<string, string>;
    roles?: string;
    anonymous?: boolean;
  } = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const [method, path] = routeKey.split(' ') as [string, string];
  return {
    version: '2.0',
    routeKey,
    rawPath: options.path ?? path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.params ? { pathParameters: options.params } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: false,
    requestContext: {
      requestId: 'gw-request-1',
      http: { method, path: options.path ?? path },
      ...(options.anonymous
        ? {}
        : { authorizer: { jwt: { claims: { sub: 'u1', 'cognito:groups': options.roles ?? '[auditor]' } } } }),
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

async function call(e: APIGatewayProxyEventV2WithJWTAuthorizer) {
  const r = (await handler(e, context)) as APIGatewayProxyStructuredResultV2;
  return { ...r, json: r.body ? (JSON.parse(r.body) as Record<string, unknown>) : undefined };
}

describe('correlation id middleware', () => {
  it('echoes a plain-token id the caller sends, on success and on problems alike', async () => {
    const ok = await call(
      event('GET /v1/things/{id}', { params: { id: 'a' }, headers: { 'x-correlation-id': 'c-1' } }),
    );
    expect(ok.headers?.['x-correlation-id']).toBe('c-1');
    const problem = await call(event('GET /v1/boom', { headers: { 'x-correlation-id': 'c-2' } }));
    expect(problem.headers?.['x-correlation-id']).toBe('c-2');
    expect(problem.json?.correlationId).toBe('c-2');
  });
  it("uses API Gateway's request id when the caller's id is missing or not a plain token", async () => {
    const none = await call(event('GET /v1/things/{id}', { params: { id: 'a' } }));
    expect(none.headers?.['x-correlation-id']).toBe('gw-request-1');
    const odd = await call(event('GET /v1/boom', { headers: { 'x-correlation-id': 'x\ny' } }));
    expect(odd.headers?.['x-correlation-id']).toBe('gw-request-1');
  });
});

describe('error middleware', () => {
  it('answers a generic 500 problem and never shows the error message', async () => {
    const r = await call(event('GET /v1/boom'));
    expect(r.statusCode).toBe(500);
    expect(r.headers?.['content-type']).toBe('application/problem+json');
    expect(r.json).toMatchObject({ code: 'internal-error', instance: '/v1/boom' });
    expect(r.body).not.toContain('secret internals');
  });
});

describe('auth middleware', () => {
  it('refuses a caller without claims (401) or without a route role (403); a public route is anonymous', async () => {
    expect((await call(event('GET /v1/things/{id}', { params: { id: 'a' }, anonymous: true }))).statusCode).toBe(401);
    const wrong = await call(event('GET /v1/things/{id}', { params: { id: 'a' }, roles: '[sms-owner]' }));
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json?.code).toBe('forbidden');
    const open = await call(event('GET /v1/open/{secret}', { params: { secret: 's' }, anonymous: true }));
    expect(open.statusCode).toBe(200);
    expect((await call(event('GET /v1/unknown'))).json?.code).toBe('route-not-found');
  });
});

describe('JSON body middleware', () => {
  it('refuses another media type (415), malformed JSON (400) and an over-large body (413)', async () => {
    const text = await call(event('POST /v1/things', { body: 'name=a', headers: { 'content-type': 'text/plain' } }));
    expect(text.json?.code).toBe('unsupported-media-type');
    expect((await call(event('POST /v1/things', { body: '{"name":' }))).json?.code).toBe('malformed-json');
    const big = await call(event('POST /v1/things', { body: JSON.stringify({ name: 'a'.repeat(1024 * 1024) }) }));
    expect(big.statusCode).toBe(413);
  });
});

describe('request validation middleware', () => {
  it("hands the implementation the body schema's output and refuses what it does not accept", async () => {
    seen.length = 0;
    const ok = await call(event('POST /v1/things', { body: '{"name":"abc"}' }));
    expect(ok.statusCode).toBe(200);
    expect(seen[0]?.body).toEqual({ name: 'abc' });
    const bad = await call(event('POST /v1/things', { body: '{"name":"ABC","extra":1}' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json?.errors).toEqual([
      { field: 'body.name', message: 'must be lower-case letters' },
      { field: 'body.extra', message: 'unknown field(s): extra' },
    ]);
    const list = await call(event('POST /v1/things', { body: '[1,2]' }));
    expect(list.json?.errors).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
  });

  it("takes an absent body only where the route's schema makes it optional", async () => {
    seen.length = 0;
    const r = await call(event('POST /v1/things/{id}/close', { params: { id: 'a' } }));
    expect(r.statusCode).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.body).toBeUndefined();
    const required = await call(event('POST /v1/things'));
    expect(required.json?.errors).toEqual([{ field: 'body', message: 'is required' }]);
  });

  it('refuses an undeclared query parameter, and any on a route without a query schema', async () => {
    seen.length = 0;
    const ok = await call(event('GET /v1/things', { query: { status: 'open', limit: '100' } }));
    expect(ok.statusCode).toBe(200);
    expect(seen[0]?.query).toMatchObject({ status: 'open', page: { limit: 100 } });
    const typo = await call(event('GET /v1/things', { query: { stauts: 'open' } }));
    expect(typo.statusCode).toBe(400);
    expect(typo.json?.errors).toEqual([{ field: 'query.stauts', message: 'unknown query parameter' }]);
    const none = await call(event('GET /v1/things/{id}', { params: { id: 'a' }, query: { limit: '5' } }));
    expect(none.statusCode).toBe(400);
    expect(none.json?.detail).toContain('takes no query parameters');
  });

  it('applies the path parameter rule and the If-Match rule to every route', async () => {
    const long = await call(event('GET /v1/things/{id}', { params: { id: 'é'.repeat(129) } }));
    expect(long.statusCode).toBe(400);
    expect(long.json?.code).toBe('invalid-path');
    const huge = await call(
      event('GET /v1/things/{id}', { params: { id: 'a' }, headers: { 'if-match': '"99999999999999999999999"' } }),
    );
    expect(huge.statusCode).toBe(400);
    expect(huge.json?.errors).toMatchObject([{ field: 'If-Match' }]);
  });
});

describe('request-shape rules', () => {
  it('limit is a whole number from 1 to 100, never capped', () => {
    for (const limit of ['0', '101', '1000', 'abc', '07x']) expect(() => parse(ListQuery, { limit })).toThrow();
    expect(pageRequest(parse(ListQuery, { limit: '100' }))).toEqual({ limit: 100 });
    expect(pageRequest(parse(ListQuery, {}))).toEqual({ limit: 25 });
  });
  it('If-Match takes a safe integer version, weak or strong', () => {
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('W/"9007199254740991"')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => parseIfMatch('"9007199254740992"')).toThrow('If-Match');
    expect(() => parseIfMatch('*')).toThrow('If-Match');
  });
  it('path parameters are non-empty and at most 256 bytes; a bad escape matches no route', () => {
    expect(checkPathParameters({ id: 'x'.repeat(256) })).toEqual({ id: 'x'.repeat(256) });
    expect(() => checkPathParameters({ id: '' })).toThrow('path');
    expect(() => checkPathParameters({ id: 'x'.repeat(257) })).toThrow('path');
    const t = new RouteTable([{ method: 'GET', path: '/v1/cis/{id}' }]);
    expect(t.match('GET', '/v1/cis/%ZZ')).toEqual({ route: undefined, allowed: [], invalidPath: true });
    expect(t.match('GET', '/v1/cis/%ED%A0%80')).toEqual({ route: undefined, allowed: [], invalidPath: true });
    expect(t.match('GET', '/v1/cis/%C3%A9')).toMatchObject({ params: { id: 'é' } });
  });
  it('messages name the expected type, and the pattern when a check gives no message of its own', () => {
    const s = z.strictObject({ n: z.number(), tags: z.array(z.string()), code: z.string().check(z.regex(/^\d+$/)) });
    try {
      parse(s, { n: 'x', tags: 'a', code: 'z' }, 'body');
      expect.unreachable();
    } catch (err) {
      expect((err as DomainError).fields).toEqual([
        { field: 'body.n', message: 'must be a number' },
        { field: 'body.tags', message: 'must be an array' },
        { field: 'body.code', message: 'must match /^\\d+$/' },
      ]);
    }
  });
});

describe('text answers', () => {
  it('sends a text body as it is, with its own content type, and the usual headers', async () => {
    // Act
    const r = (await handler(event('GET /v1/feed.ics'), context)) as APIGatewayProxyStructuredResultV2;
    // Assess
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n');
    expect(r.headers?.['content-type']).toBe('text/calendar; charset=utf-8');
    expect(r.headers?.etag).toBe('"2"');
    expect(r.headers?.['x-correlation-id']).toBe('gw-request-1');
  });
});
