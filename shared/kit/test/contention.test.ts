import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, type Harness, startHarness } from '../../../infra/local/dynamodb/test/harness';
import type { OperationContext } from '../context';
import type { ServiceDefinition } from '../definition';
import { ConflictError, UnavailableError, VersionConflictError } from '../errors';
import { apiHandler } from '../http';
import { retryAfterOf, runRoute } from '../retry';
import { Store } from '../store';

const TABLE = 'itsm-kit-contention';
const ctx: OperationContext = { actor: { id: 'tester', name: 'tester', kind: 'user' }, correlationId: 'c-1' };

/**
 * The kit's two retry rules (ADR 0017), against the local DynamoDB, which cancels a transaction
 * on an item another transaction is writing, as DynamoDB does.
 */
describe('a unit of work cancelled for TransactionConflict', () => {
  let h: Harness;
  let store: Store;

  beforeAll(async () => {
    // Transactions stay in flight 5 ms, so 40 concurrent ones surely meet (the runtime keeps one event-loop turn).
    h = await startHarness({ transactionMs: 5 });
    await createTable(h.client, TABLE);
    // The kit's client is built from the environment on first use, as in a function.
    process.env.AWS_ENDPOINT_URL = h.url;
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIDKIT';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    store = new Store(TABLE);
  });
  afterAll(() => h.stop());

  it('is sent again as it is, so concurrent changes of one item all land, once each, or answer 503 contention', async () => {
    // Prepare
    const key = { pk: 'TICKET#1', sk: 'TICKET' };
    await store.commit(ctx, { writes: [{ kind: 'upsert', item: { ...key, hits: 0 } }] });
    // Every attempt is authorised (recorded) before it runs, cancelled or not: one UpdateItem each.
    const attempts = () => h.calls.filter((c) => c.action === 'dynamodb:UpdateItem').length;
    const attemptsBefore = attempts();

    // Act: 40 unversioned changes of one item, each with its own history entry.
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        store.commit(ctx, {
          writes: [{ kind: 'update', key, increment: { hits: 1 } }],
          history: [{ pk: key.pk, entityType: 'ticket', entityId: '1', action: `change ${i}` }],
        }),
      ),
    );

    // Assess
    const sent = attempts() - attemptsBefore;
    const landed = results.filter((r) => r.status === 'fulfilled').length;
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    // Exhausted contention is 503 `contention`, never a 409 (the caller's version is not stale).
    for (const f of failures) {
      expect(f).toBeInstanceOf(UnavailableError);
      expect(f).toMatchObject({ code: 'contention', status: 503, retryAfterSeconds: 1 });
    }
    const item = await store.get<{ hits: number }>(key, true);
    expect(item?.hits).toBe(landed);
    expect((await store.history(key.pk, { limit: 100 })).items).toHaveLength(landed);
    // Some transactions were cancelled and sent again: more attempts than units of work.
    expect(sent).toBeGreaterThan(40);
    expect(landed).toBeGreaterThan(0);
  });

  it('still reports a failed version condition as a version conflict (409)', async () => {
    // Prepare
    const key = { pk: 'TICKET#2', sk: 'TICKET' };
    await store.commit(ctx, { writes: [{ kind: 'create', item: { ...key } }] });

    // Act
    const stale = store.commit(ctx, { writes: [{ kind: 'update', key, set: { title: 'x' }, expectVersion: 7 }] });

    // Assess
    await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
    // Flows retry on this name (ASL ErrorEquals), as before the subclass existed.
    await expect(stale).rejects.toMatchObject({ code: 'version-conflict', status: 409, name: 'ConflictError' });
  });
});

describe('runRoute: no version sent, no version conflict', () => {
  /** A route whose conditional write loses the race `losses` times, then succeeds. */
  const route = (losses: number, conflict: () => Error = () => new VersionConflictError()) => {
    const calls = { n: 0 };
    const impl = async (_req: { ifMatch?: number }) => {
      calls.n++;
      if (calls.n <= losses) throw conflict();
      return { status: 201 };
    };
    return { impl, calls };
  };

  it('runs the operation again from the start until it wins', async () => {
    // Prepare
    const { impl, calls } = route(4);

    // Act
    const result = await runRoute(impl, {});

    // Assess
    expect(result).toEqual({ status: 201 });
    expect(calls.n).toBe(5);
  });

  it('answers 503 busy with Retry-After after about 3 s of lost races', async () => {
    // Prepare
    const { impl, calls } = route(Number.POSITIVE_INFINITY);
    const started = Date.now();

    // Act
    const failure = await runRoute(impl, {}).catch((err: unknown) => err);

    // Assess
    expect(failure).toBeInstanceOf(UnavailableError);
    expect(failure).toMatchObject({ code: 'busy', status: 503, retryAfterSeconds: 1 });
    expect(Date.now() - started).toBeGreaterThan(2000);
    expect(Date.now() - started).toBeLessThan(3500);
    expect(calls.n).toBeGreaterThan(5);
    expect(retryAfterOf(failure)).toEqual({ 'retry-after': '1' });
  });

  it('answers the conflict at once when the client sent If-Match, and never retries other 409s', async () => {
    // Prepare
    const versioned = route(1);
    const duplicate = route(
      1,
      () => new ConflictError('A record with this identity already exists.', 'already-exists'),
    );

    // Act
    const withVersion = await runRoute(versioned.impl, { ifMatch: 3 }).catch((err: unknown) => err);
    const other = await runRoute(duplicate.impl, {}).catch((err: unknown) => err);

    // Assess
    expect(withVersion).toBeInstanceOf(VersionConflictError);
    expect(versioned.calls.n).toBe(1);
    expect(other).toMatchObject({ code: 'already-exists', status: 409 });
    expect(duplicate.calls.n).toBe(1);
    expect(retryAfterOf(other)).toEqual({});
  });
});

describe('the API function answers an exhausted retry as a problem with Retry-After', () => {
  const def: ServiceDefinition = {
    name: 'demo',
    title: 'Demo',
    fitsm: 'PR0',
    table: { indexes: [] },
    functions: { api: { entry: '/x.ts', description: 'api', access: { table: 'write' } } },
    routes: [{ method: 'POST', path: '/v1/x', function: 'api', roles: ['auditor'], summary: 'x' }],
    subscriptions: [],
    flows: [],
    schedules: [],
    publishes: [],
  };
  /** A route whose conditional write always loses the race. */
  const handler = apiHandler(def, 'api', {
    'POST /v1/x': async () => {
      throw new VersionConflictError('TABLE|X#1|X');
    },
  });
  const invoke = (headers: Record<string, string>) =>
    handler(
      {
        version: '2.0',
        routeKey: 'POST /v1/x',
        rawPath: '/v1/x',
        headers,
        requestContext: {
          requestId: 'r-1',
          authorizer: { jwt: { claims: { sub: 'u1', username: 'audrey', 'cognito:groups': '[auditor]' } } },
        },
      } as never,
      { functionName: 'demo-api', awsRequestId: 'a-1', invokedFunctionArn: 'arn:x', memoryLimitInMB: '128' } as never,
    ) as Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;

  it('503 busy, problem+json and Retry-After without If-Match; 409 version-conflict with it', async () => {
    // Act
    const busy = await invoke({});
    const stale = await invoke({ 'if-match': '"3"' });

    // Assess
    expect(busy.statusCode).toBe(503);
    expect(busy.headers).toMatchObject({ 'content-type': 'application/problem+json', 'retry-after': '1' });
    expect(JSON.parse(busy.body)).toMatchObject({ status: 503, code: 'busy', title: 'Service Unavailable' });
    expect(stale.statusCode).toBe(409);
    expect(stale.headers['retry-after']).toBeUndefined();
    expect(JSON.parse(stale.body)).toMatchObject({ code: 'version-conflict' });
  });
});
