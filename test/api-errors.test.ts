import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../infra/local/runtime';
import { as, type Client, client, testRuntime, WITHOUT_QUERY_STORE } from './support/runtime';

/** Bad input gets a clear error and loses nothing (RFC 9457 problem details, never a 500). */
let rt: Runtime;
let admin: Client;

beforeAll(async () => {
  // The CMDB's routes only (the OpenAPI document is every service's either way): no query store to start.
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  admin = await as(rt, 'conrad', ['configuration-manager']);
  await admin.post('/v1/ci-types', {
    typeId: 'server',
    name: 'Server',
    attributes: [{ name: 'cpu', type: 'number', required: true }],
  });
});
afterAll(async () => rt?.close());

/** Every item of the configuration table, by key (counters apart, with their values). */
async function tableSnapshot() {
  const ddb = new DynamoDBClient({
    endpoint: rt.awsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'x' },
  });
  const items: string[] = [];
  const counters: Record<string, number> = {};
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: 'itsm-configuration', ExclusiveStartKey: start }));
    for (const i of page.Items ?? []) {
      if (i.pk?.S === 'COUNTER') counters[i.sk!.S!] = Number(i.value?.N);
      else items.push(`${i.pk?.S} ${i.sk?.S}`);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  ddb.destroy();
  return { items: items.sort(), counters };
}

const isProblem = (r: { headers: Headers; body: Record<string, unknown> }, status: number, code: string) => {
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  expect(r.body).toMatchObject({ status, code, type: `https://itsm.dev/problems/${code}` });
  expect(typeof r.body.detail).toBe('string');
};

describe('client errors', () => {
  it('malformed JSON is 400 malformed-json', async () => {
    const r = await admin.call('POST', '/v1/cis', '{"typeId": "server", ');
    expect(r.status).toBe(400);
    isProblem(r, 400, 'malformed-json');
  });

  it('schema violations are 400 with every failing field', async () => {
    const r = await admin.post('/v1/cis', { typeId: 'Server!', name: '', status: 'dead', surprise: true });
    expect(r.status).toBe(400);
    isProblem(r, 400, 'validation-failed');
    const fields = (r.body.errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(['body.name', 'body.status', 'body.surprise', 'body.typeId']);
  });

  it('an unknown route is 404 and a wrong method 405 with Allow', async () => {
    const missing = await admin.get('/v1/nothing-here');
    expect(missing.status).toBe(404);
    isProblem(missing, 404, 'route-not-found');
    const wrong = await admin.call('PUT', '/v1/cis/abc', { name: 'x' });
    expect(wrong.status).toBe(405);
    isProblem(wrong, 405, 'method-not-allowed');
    expect(wrong.headers.get('allow')).toBe('GET, PATCH');
  });

  it('a body over 1 MB is 413', async () => {
    const r = await admin.post('/v1/cis', {
      typeId: 'server',
      name: 'big',
      attributes: { cpu: 1 },
      pad: 'x'.repeat(1024 * 1024),
    });
    expect(r.status).toBe(413);
    isProblem(r, 413, 'body-too-large');
  });

  it('a missing or bad token is 401, a wrong role 403', async () => {
    const anonymous = client(rt, undefined);
    expect((await anonymous.get('/v1/cis')).status).toBe(401);
    const forged = client(rt, `${(await rt.token({ user: 'x', roles: ['sms-owner'] })).slice(0, -4)}AAAA`);
    expect((await forged.get('/v1/cis')).status).toBe(401);
    expect((await client(rt, 'not-a-jwt').get('/v1/cis')).status).toBe(401);
    const expired = client(rt, await rt.token({ user: 'x', roles: ['sms-owner'], ttlSeconds: -10 }));
    expect((await expired.get('/v1/cis')).status).toBe(401);
    const auditor = await as(rt, 'audrey', ['auditor']);
    const r = await auditor.post('/v1/cis', { typeId: 'server', name: 'n', attributes: { cpu: 1 } });
    expect(r.status).toBe(403);
    isProblem(r, 403, 'forbidden');
    const nobody = await as(rt, 'norole', []);
    expect((await nobody.get('/v1/cis')).status).toBe(403);
  });

  it('a stale version is 409, a missing If-Match 428, a bad one 400', async () => {
    const ci = await admin.post<{ ciId: string; version: number }>('/v1/cis', {
      typeId: 'server',
      name: 'v',
      attributes: { cpu: 1 },
    });
    expect((await admin.patch(`/v1/cis/${ci.body.ciId}`, { name: 'v2' }, 1)).status).toBe(200);
    const stale = await admin.patch(`/v1/cis/${ci.body.ciId}`, { name: 'v3' }, 1);
    isProblem(stale, 409, 'version-conflict');
    const none = await admin.call('PATCH', `/v1/cis/${ci.body.ciId}`, { name: 'v3' });
    isProblem(none, 428, 'precondition-required');
    const bad = await admin.patch(`/v1/cis/${ci.body.ciId}`, { name: 'v3' }, 'abc');
    isProblem(bad, 400, 'validation-failed');
    const now = await admin.get<{ name: string; version: number }>(`/v1/cis/${ci.body.ciId}`);
    expect(now.body).toMatchObject({ name: 'v2', version: 2 });
  });

  it('never answers 500 to hostile input', async () => {
    const inputs: unknown[] = [
      null,
      [],
      'text',
      42,
      { typeId: null },
      { typeId: 'server', name: 'n', attributes: [] },
      { typeId: 'server', name: 'n', attributes: { cpu: { $gt: 1 } } },
      { typeId: 'server', name: 'n'.repeat(10_000) },
      { ['__proto__']: { admin: true } },
    ];
    const paths = [
      '/v1/cis',
      '/v1/ci-types',
      '/v1/ci-imports',
      '/v1/baselines',
      '/v1/verification-campaigns',
      '/v1/relationship-types',
    ];
    for (const p of paths) {
      for (const body of inputs) {
        const r = await admin.post(p, body);
        expect(r.status, `${p} ${JSON.stringify(body).slice(0, 40)}`).toBeLessThan(500);
        expect(r.status).toBeGreaterThanOrEqual(400);
      }
    }
    for (const q of ['?limit=abc', '?limit=-1', '?limit=100000', '?cursor=%00', '?typeId=%F0']) {
      expect((await admin.get(`/v1/cis${q}`)).status).toBeLessThan(500);
    }
    for (const p of [
      '/v1/cis/%00',
      '/v1/cis/CI-999999',
      '/v1/cis/x/impact?depth=99',
      '/v1/baselines/none/diff',
      '/v1/verification-campaigns/none',
    ]) {
      const r = await admin.get(p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.status, p).toBeLessThan(500);
    }
  });
});

describe('no partial writes', () => {
  it('a relationship to a CI that does not exist writes nothing on either side', async () => {
    const a = await admin.post<{ ciId: string }>('/v1/cis', { typeId: 'server', name: 'pw-a', attributes: { cpu: 1 } });
    const r = await admin.post(`/v1/cis/${a.body.ciId}/relationships`, { type: 'depends-on', targetCiId: '01NOTHERE' });
    expect(r.status).toBe(400);
    const rels = await admin.get<{ items: unknown[] }>(`/v1/cis/${a.body.ciId}/relationships`);
    expect(rels.body.items).toEqual([]);
    const history = await admin.get<{ items: unknown[] }>(`/v1/cis/${a.body.ciId}/history`);
    expect(history.body.items).toHaveLength(1);
  });

  it('a create refused by validation writes nothing, not even a number', async () => {
    // Prepare
    const before = await tableSnapshot();
    // Act
    const r = await admin.post('/v1/cis', { typeId: 'server', name: 'bad', attributes: { cpu: 'many' } });
    // Assess: the table is exactly as it was, counter included.
    expect(r.status).toBe(400);
    expect(await tableSnapshot()).toEqual(before);
  });

  it('a failed create leaves no record, no number, no history, no event', async () => {
    // Prepare
    const server = (name: string) => ({ typeId: 'server', name, attributes: { cpu: 1 } });
    const first = await admin.post<{ number: string }>('/v1/cis', server('first'));
    const n = Number(first.body.number.slice('CI-'.length));
    await rt.bus.drain();
    const published = rt.bus.published().length;
    const before = await tableSnapshot();
    // Act: the input is valid and a number is drawn, then DynamoDB refuses the transaction.
    rt.faults.dynamodbThrottles = (action) => action === 'TransactWriteItems';
    const r = await admin.post('/v1/cis', server('doomed')).finally(() => {
      rt.faults.dynamodbThrottles = undefined;
    });
    // Assess
    expect(r.status).toBe(500);
    const after = await tableSnapshot();
    // Only the counter moved (a drawn number is burned, never reused); no CI, number
    // reference, history entry, customer link or event item was written.
    expect(after.counters.CI).toBe(before.counters.CI! + 1);
    expect(after.items).toEqual(before.items);
    expect((await admin.get(`/v1/cis/CI-${n + 1}`)).status).toBe(404);
    const next = await admin.post<{ number: string }>('/v1/cis', server('next'));
    expect(next.body.number).toBe(`CI-${n + 2}`);
    await rt.bus.drain();
    const events = rt.bus.published().slice(published);
    expect(events.map((e) => (e.detail as { data: { name: string } }).data.name)).toEqual(['next']);
  });
});

describe('the API document', () => {
  it('serves OpenAPI 3.1 generated from the definitions, without a token', async () => {
    const r = await client(rt, undefined).get<{
      openapi: string;
      paths: Record<string, Record<string, { 'x-roles': string[]; requestBody?: unknown }>>;
    }>('/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(r.body.paths['/v1/cis']!.post!['x-roles']).toContain('configuration-manager');
    expect(r.body.paths['/v1/cis']!.post!.requestBody).toBeDefined();
    expect(Object.keys(r.body.paths).length).toBeGreaterThan(15);
  });
});
