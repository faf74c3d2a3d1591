import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../infra/local/runtime';
import { ALL_ROLES } from '../shared/kit/roles';
import { as, type Client, client, testRuntime } from './support/runtime';

/**
 * The request-shape rules the API kit applies once, from each route's definition, to every route:
 * never a 500 for client input, always a problem document with a stable code and the correlation id.
 */
let rt: Runtime;
let admin: Client;

beforeAll(async () => {
  rt = await testRuntime();
  admin = await as(rt, 'conrad', ['configuration-manager']);
  for (const typeId of ['server', 'switch']) {
    const r = await admin.post('/v1/ci-types', { typeId, name: typeId, attributes: [] });
    expect(r.status).toBe(201);
  }
});
afterAll(async () => rt?.close());

type Json = Record<string, unknown>;
type Reply = { status: number; headers: Headers; body: Record<string, unknown> };
const errorsOf = (r: Reply) => r.body.errors as Array<{ field: string; message: string }>;

/** A problem answer made by our functions: problem+json, the code, and the correlation id in header and body. */
function expectProblem(r: Reply, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  expect(r.body).toMatchObject({ status, code });
  const id = r.headers.get('x-correlation-id');
  expect(id).toBeTruthy();
  expect(r.body.correlationId).toBe(id);
}

describe('paths', () => {
  it('a badly encoded path parameter is 400 invalid-path, on every kind of route', async () => {
    // Prepare: single-parameter routes of two services, and a three-parameter route.
    const paths = ['/v1/cis/%ZZ', '/v1/tickets/%ED%A0%80', '/v1/ci-types/%E0%A4%A', '/v1/cis/%/history'];
    // Act
    const replies = await Promise.all([
      ...paths.map((p) => admin.get(p)),
      admin.call('DELETE', '/v1/cis/%ZZ/relationships/x/y'),
    ]);
    // Assess
    for (const r of replies) expectProblem(r, 400, 'invalid-path');
  });

  it('a path parameter longer than the key limits allow is 400 invalid-path before any read', async () => {
    const long = 'x'.repeat(257);
    const r = await admin.get(`/v1/cis/${long}`);
    expectProblem(r, 400, 'invalid-path');
    expect(errorsOf(r)).toEqual([{ field: 'path.id', message: 'must be at most 256 bytes' }]);
    // Multi-byte characters count in bytes, as DynamoDB counts them.
    const wide = await admin.get(`/v1/ci-types/${encodeURIComponent('é'.repeat(129))}`);
    expectProblem(wide, 400, 'invalid-path');
    // At the limit the id is merely unknown.
    expect((await admin.get(`/v1/cis/${'x'.repeat(256)}`)).status).toBe(404);
  });
});

describe('limit', () => {
  it('is a whole number from 1 to 100 on every list, anything else 400', async () => {
    for (const bad of ['0', '101', '1000', 'abc', '-1', '1.5', '']) {
      const r = await admin.get(`/v1/ci-types?limit=${bad}`);
      expectProblem(r, 400, 'validation-failed');
      expect(errorsOf(r)).toEqual([{ field: 'query.limit', message: 'must be a whole number from 1 to 100' }]);
    }
    const one = await admin.get<{ items: unknown[]; nextCursor?: string }>('/v1/ci-types?limit=1');
    expect(one.status).toBe(200);
    expect(one.body.items).toHaveLength(1);
    expect(one.body.nextCursor).toBeTruthy();
    const hundred = await admin.get<{ items: unknown[] }>('/v1/ci-types?limit=100');
    expect(hundred.status).toBe(200);
    expect(hundred.body.items).toHaveLength(2);
  });
});

describe('query parameters', () => {
  it('every list route in the served document declares limit and cursor, and the kit takes them', async () => {
    // Prepare: staff holding every role but customer-user, and the lists the document names.
    const staff = await as(
      rt,
      'stella',
      ALL_ROLES.filter((r) => r !== 'customer-user'),
    );
    const doc = (await client(rt, undefined).get('/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }>; responses: Json }>>;
      components: { schemas: Record<string, Json> };
    };
    // A list answers a page: `items` (an array) and `nextCursor`, declared inline or as a component.
    type Schema = { $ref?: string; properties?: Record<string, { type?: string }> };
    const resolve = (s: Schema | undefined): Schema | undefined =>
      s?.$ref ? (doc.components.schemas[s.$ref.split('/').pop()!] as Schema) : s;
    const isPage = (responses: Json) => {
      const ok = (responses as Record<string, { content?: Record<string, { schema?: Schema }> }>)['200'];
      const schema = resolve(ok?.content?.['application/json']?.schema);
      return schema?.properties?.items?.type === 'array' && schema.properties.nextCursor !== undefined;
    };
    const lists = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method, op]) => method === 'get' && isPage(op.responses))
        .map(([, op]) => ({ path, names: op.parameters.filter((p) => p.in === 'query').map((p) => p.name) })),
    );
    expect(lists.length).toBeGreaterThanOrEqual(30);
    for (const { path, names } of lists) {
      expect(names, path).toEqual(expect.arrayContaining(['limit', 'cursor']));
      // Act: one item per page, on a record that may not exist.
      const r = await staff.get<{ items?: unknown[]; errors?: Array<{ field: string; message: string }> }>(
        `${path.replace(/\{[^}]+\}/g, 'x')}?limit=1`,
      );
      // Assess: never refused for limit (a list with a required filter may refuse its absence).
      expect(r.status, path).toBeLessThan(500);
      expect(r.body.errors?.filter((e) => e.field === 'query.limit') ?? [], path).toEqual([]);
      if (r.status === 200) expect(r.body.items?.length, path).toBeLessThanOrEqual(1);
    }
  });

  it('an undeclared query parameter is 400, whether or not the route has a query schema', async () => {
    const onList = await admin.get('/v1/cis?q=router');
    expectProblem(onList, 400, 'validation-failed');
    expect(errorsOf(onList)).toEqual([{ field: 'query.q', message: 'unknown query parameter' }]);
    expect(onList.body.detail).toContain('Accepted: limit, cursor, typeId');
    const onGet = await admin.get('/v1/ci-types/server?expand=all');
    expectProblem(onGet, 400, 'validation-failed');
    expect(errorsOf(onGet)).toEqual([{ field: 'query.expand', message: 'unknown query parameter' }]);
    // Declared filters still work.
    expect((await admin.get('/v1/cis?typeId=server&limit=5')).status).toBe(200);
  });
});

describe('messages', () => {
  it('keep the message a schema gives its own check', async () => {
    const r = await admin.post('/v1/ci-types', { typeId: 'Bad Type', name: 'x', attributes: [] });
    expectProblem(r, 400, 'validation-failed');
    expect(errorsOf(r)).toContainEqual({
      field: 'body.typeId',
      message: 'must be lower-case letters, digits and dashes',
    });
    const depth = await admin.get('/v1/cis/x/impact?depth=11');
    expect(errorsOf(depth)).toEqual([{ field: 'query.depth', message: 'must be a number from 1 to 10' }]);
  });

  it('say the body must be a JSON object when it is an array, a string or a number', async () => {
    for (const body of ['[1,2]', '"x"', '3', 'null']) {
      const r = await admin.call('POST', '/v1/ci-types', body);
      expectProblem(r, 400, 'validation-failed');
      expect(errorsOf(r)).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
    }
    const missing = await admin.call('POST', '/v1/ci-types');
    expect(errorsOf(missing)).toEqual([{ field: 'body', message: 'is required' }]);
  });
});

describe('If-Match', () => {
  it('a version beyond the safe integers is 400 on every route, ci-types included', async () => {
    const huge = '"99999999999999999999999"';
    const r = await admin.call('PATCH', '/v1/ci-types/server', { name: 'Servers' }, { 'if-match': huge });
    expectProblem(r, 400, 'validation-failed');
    expect(errorsOf(r)[0]?.field).toBe('If-Match');
    const unchanged = await admin.get<{ name: string; version: number }>('/v1/ci-types/server');
    expect(unchanged.body).toMatchObject({ name: 'server', version: 1 });
    // The largest safe version is a well-formed one: a plain conflict.
    const stale = await admin.call('PATCH', '/v1/ci-types/server', { name: 'S' }, { 'if-match': '"9007199254740991"' });
    expectProblem(stale, 409, 'version-conflict');
  });
});

describe('correlation id', () => {
  it('is on every response our functions make, problems from the kit and from $default alike', async () => {
    const sent = { 'x-correlation-id': 'trace-42' };
    const kit = await admin.get('/v1/cis/nothing', sent);
    expectProblem(kit, 404, 'ci-not-found');
    expect(kit.headers.get('x-correlation-id')).toBe('trace-42');
    const fallback = await admin.get('/v1/no-such-thing', sent);
    expectProblem(fallback, 404, 'route-not-found');
    expect(fallback.headers.get('x-correlation-id')).toBe('trace-42');
    const ok = await admin.get('/v1/ci-types/server');
    expect(ok.headers.get('x-correlation-id')).toBeTruthy();
    // A header that is not a plain token is not echoed into logs and headers.
    const odd = await admin.get('/v1/cis/nothing', { 'x-correlation-id': 'a b\tc' });
    expect(odd.headers.get('x-correlation-id')).not.toBe('a b\tc');
    expectProblem(odd, 404, 'ci-not-found');
  });
});

describe('the OpenAPI document', () => {
  it('as served is a valid OpenAPI 3.1 document', async () => {
    const r = await client(rt, undefined).get('/v1/openapi.json');
    expect(r.status).toBe(200);
    await expect(SwaggerParser.validate(structuredClone(r.body) as never)).resolves.toBeTruthy();
  });
});
