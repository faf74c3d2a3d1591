import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURSOR_KEY_SECRET } from '../infra/local/names';
import { type Runtime, startRuntime } from '../infra/local/runtime';
import { LocalSecretsManager } from '../infra/local/secrets';
import { type CursorBinding, type CursorKeys, keyId, signCursor } from '../shared/kit/cursor';
import type { Problem } from '../shared/kit/errors';
import { encodeCursor } from '../shared/kit/store';
import { as, type Client, eventually, testRuntime, WITHOUT_QUERY_STORE } from './support/runtime';

/**
 * Cursors are bound to their query and caller and signed with the deployment's key (ADR 19):
 * anything else is 400 invalid-cursor before the query reaches DynamoDB, and the previous key
 * of a rotation is still accepted.
 */
let rt: Runtime;
let conrad: Client;
let other: Client;
let sm: SecretsManagerClient;

interface Page {
  items: { ciId: string }[];
  nextCursor?: string;
}
const CIS = 7;
/** How the API binds a cursor `conrad` gets from `GET /v1/cis` (no filter). */
const conradCis: CursorBinding = { routeKey: 'GET /v1/cis', params: {}, query: {}, principal: { id: 'user-conrad' } };

const secret = (): CursorKeys => JSON.parse(rt.secrets.value(CURSOR_KEY_SECRET)!) as CursorKeys;
const rotate = (keys: CursorKeys) =>
  sm.send(new PutSecretValueCommand({ SecretId: CURSOR_KEY_SECRET, SecretString: JSON.stringify(keys) }));
const randomKey = () => crypto.randomUUID() + crypto.randomUUID();
/** DynamoDB Query calls the configuration API has made so far. */
const queries = () =>
  rt
    .recordedCalls()
    .filter((c) => c.caller === 'itsm-configuration-api' && c.action === 'dynamodb:Query')
    .reduce((n, c) => n + c.count, 0);

async function firstPage(client = conrad, query = 'limit=2'): Promise<string> {
  const page = await client.get<Page>(`/v1/cis?${query}`);
  expect(page.status).toBe(200);
  expect(page.body.nextCursor).toBeDefined();
  return page.body.nextCursor!;
}

async function expectRefused(path: string, client = conrad): Promise<void> {
  const before = queries();
  const res = await client.get<Problem>(path);
  expect(res.status, path).toBe(400);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.body.code).toBe('invalid-cursor');
  expect(res.body.errors).toEqual([{ field: 'cursor', message: 'is invalid' }]);
  expect(queries(), `${path} reached DynamoDB`).toBe(before);
}

beforeAll(async () => {
  // CI lists only: no query store to start (its PGlite costs seconds of CPU per runtime).
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  sm = new SecretsManagerClient({
    endpoint: rt.awsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'itsm-operator', secretAccessKey: 'local' },
  });
  conrad = await as(rt, 'conrad', ['configuration-manager']);
  other = await as(rt, 'connie', ['configuration-manager']);
  await conrad.post('/v1/ci-types', { typeId: 'server', name: 'Server', attributes: [] });
  await conrad.post('/v1/ci-types', { typeId: 'switch', name: 'Switch', attributes: [] });
  for (let i = 0; i < CIS; i++) await conrad.post('/v1/cis', { typeId: 'server', name: `s${i}` });
}, 60_000);
afterAll(async () => {
  sm?.destroy();
  await rt?.close();
});

describe('cursors', () => {
  it('page through a list: every item once, pages of the limit, no cursor on the last page', async () => {
    // Prepare
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    // Act
    do {
      const page = await conrad.get<Page>(`/v1/cis?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((c) => c.ciId));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    // Assess
    expect(seen).toHaveLength(CIS);
    expect(new Set(seen).size).toBe(CIS);
    expect(pages).toBe(3);
  });

  it('are signed on every list route, also one whose use case pages a small index (CI types)', async () => {
    // Act
    const first = await conrad.get<{ items: { typeId: string }[]; nextCursor?: string }>('/v1/ci-types?limit=1');
    const second = await conrad.get<{ items: { typeId: string }[] }>(
      `/v1/ci-types?limit=1&cursor=${first.body.nextCursor}`,
    );
    // Assess
    expect(first.body.nextCursor?.split('.')).toHaveLength(3);
    expect([...first.body.items, ...second.body.items].map((t) => t.typeId).sort()).toEqual(['server', 'switch']);
  });

  it('refuse a cursor of another route, another filter, another principal or another customer', async () => {
    const cursor = await firstPage();
    await expectRefused(`/v1/ci-types?cursor=${cursor}`);
    await expectRefused(`/v1/cis?typeId=server&cursor=${cursor}`);
    await expectRefused(`/v1/cis?cursor=${cursor}`, other);
    const acme = await as(rt, 'conrad', ['configuration-manager'], 'acme');
    await expectRefused(`/v1/cis?cursor=${cursor}`, acme);
    // The same query and caller with another page size is the same query.
    expect((await conrad.get(`/v1/cis?limit=5&cursor=${cursor}`)).status).toBe(200);
  });

  it('refuse a flipped byte, a made-up key, an old-style cursor and garbage', async () => {
    const cursor = await firstPage();
    const [kid, key, mac] = cursor.split('.') as [string, string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    await expectRefused(`/v1/cis?cursor=${flip(cursor, 0)}`);
    await expectRefused(`/v1/cis?cursor=${kid}.${flip(key, 5)}.${mac}`);
    await expectRefused(`/v1/cis?cursor=${kid}.${key}.${flip(mac, 3)}`);
    const madeUp = encodeCursor({ pk: 'CI#01ZZZZZZZZZZZZZZZZZZZZZZZZ', sk: 'CI', gsi1pk: 'CI', gsi1sk: 'x' })!;
    await expectRefused(`/v1/cis?cursor=${madeUp}`);
    await expectRefused(`/v1/cis?cursor=${kid}.${madeUp}.${mac}`);
    for (const bad of ['x', '..', 'a.b.c', encodeURIComponent('a.b.c!'), 'A'.repeat(4096)]) {
      await expectRefused(`/v1/cis?cursor=${bad}`);
    }
    // Longer than any cursor the API issues: refused by the query's bound, also before DynamoDB.
    const long = await conrad.get<{ code: string; errors: Array<{ field: string }> }>(
      `/v1/cis?cursor=${'A'.repeat(5000)}`,
    );
    expect([long.status, long.body.code, long.body.errors[0]?.field]).toEqual([
      400,
      'validation-failed',
      'query.cursor',
    ]);
  });

  it('refuse a correctly signed cursor whose key is not of the query it is used on', async () => {
    // Prepare: a start key in another partition, signed with the deployment's own key.
    const foreign = encodeCursor({ pk: 'CI#1', sk: 'CI', gsi1pk: 'TYPES', gsi1sk: 'server' })!;
    const wrongShape = encodeCursor({ pk: 'CI#1', sk: 'CI' })!;
    // Act / Assess
    await expectRefused(`/v1/cis?cursor=${signCursor(foreign, conradCis, secret())}`);
    await expectRefused(`/v1/cis?cursor=${signCursor(wrongShape, conradCis, secret())}`);
  });

  it('accept the previous key during a rotation, sign with the current one, refuse a key from neither', async () => {
    // Prepare: a cursor signed with the key in use, then a rotation.
    const old = await firstPage();
    const k1 = secret().current;
    const k2 = randomKey();
    await rotate({ current: k2, previous: k1 });
    // Act / Assess: the old cursor still works ...
    expect((await conrad.get(`/v1/cis?limit=2&cursor=${old}`)).status).toBe(200);
    // ... a cursor signed with the new key makes the function read the secret again ...
    const page2 = encodeCursor({ pk: 'CI#0', sk: 'CI', gsi1pk: 'CI', gsi1sk: '0' })!;
    const fresh = signCursor(page2, { ...conradCis, query: {} }, { current: k2 });
    await eventually(
      async () => (await conrad.get(`/v1/cis?limit=2&cursor=${fresh}`)).status === 200,
      5000,
      'the new key accepted',
    );
    // ... and new cursors carry it.
    expect((await firstPage()).split('.')[0]).toBe(keyId(k2));
    // A second rotation retires k1: once the function holds the new keys, k1 cursors are refused.
    const k3 = randomKey();
    await rotate({ current: k3, previous: k2 });
    const newest = signCursor(page2, conradCis, { current: k3 });
    await eventually(
      async () => (await conrad.get(`/v1/cis?limit=2&cursor=${newest}`)).status === 200,
      5000,
      'the newest key accepted',
    );
    await expectRefused(`/v1/cis?cursor=${old}`);
    await expectRefused(`/v1/cis?cursor=${signCursor(page2, conradCis, { current: randomKey() })}`);
  });
});

describe('the local cursor key secret', () => {
  it('is created on first start in the data folder, readable by its owner only, and kept', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'itsm-cursor-key-'));
    const file = join(dir, 'data', 'cursor-key.json');
    try {
      // Act
      const first = new LocalSecretsManager({ cursorKeyFile: file });
      const again = new LocalSecretsManager({ cursorKeyFile: file });
      // Assess
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const keys = JSON.parse(first.value(CURSOR_KEY_SECRET)!) as CursorKeys;
      expect(keys.current.length).toBeGreaterThanOrEqual(32);
      expect(again.value(CURSOR_KEY_SECRET)).toBe(first.value(CURSOR_KEY_SECRET));
      expect(new LocalSecretsManager().value(CURSOR_KEY_SECRET)).not.toBe(first.value(CURSOR_KEY_SECRET));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in data mode: a cursor issued before a restart still works after it', async () => {
    // Prepare: a runtime with a data folder, two CI types and the first page of their list.
    const dataDir = mkdtempSync(join(tmpdir(), 'itsm-cursor-data-'));
    const start = () =>
      startRuntime({ dataDir, awsPort: 0, apiPort: 0, schedules: false, waitScale: 0, services: WITHOUT_QUERY_STORE });
    let local = await start();
    try {
      const admin = await as(local, 'conrad', ['configuration-manager']);
      for (const typeId of ['router', 'server']) {
        expect((await admin.post('/v1/ci-types', { typeId, name: typeId, attributes: [] })).status).toBe(201);
      }
      const cursor = (await admin.get<Page>('/v1/ci-types?limit=1')).body.nextCursor;
      expect(cursor).toBeDefined();
      expect(statSync(join(dataDir, 'cursor-key.json')).mode & 0o777).toBe(0o600);
      // Act
      await local.close();
      local = await start();
      const again = await as(local, 'conrad', ['configuration-manager']);
      const next = await again.get<{ items: { typeId: string }[] }>(`/v1/ci-types?limit=1&cursor=${cursor}`);
      // Assess
      expect(next.status, JSON.stringify(next.body)).toBe(200);
      expect(next.body.items.map((t) => t.typeId)).toEqual(['server']);
    } finally {
      await local.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
