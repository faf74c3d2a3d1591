import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as names from '../../../infra/local/names';
import type { Runtime } from '../../../infra/local/runtime';
import { testRuntime } from '../../../test/support/runtime';
import type { OperationContext } from '../context';
import type { ServiceDefinition } from '../definition';
import { TooLargeError } from '../errors';
import type { OutgoingEvent } from '../events';
import { attributeValueBytes, eventEntryBytes, itemBytes, MAX_EVENT_BYTES, MAX_ITEM_BYTES } from '../size';
import { Store } from '../store';

/**
 * The kit measures each unit of work as DynamoDB and EventBridge do and answers 413 `too-large`
 * before sending, with nothing written (ADR 20). Runs against the local runtime's DynamoDB.
 */
let rt: Runtime;
let store: Store;
/** A table and nothing else: the kit is tested on its own (shared code imports no service). */
const bare: ServiceDefinition = {
  name: 'kit-size',
  title: 'Kit size test',
  fitsm: 'GR2',
  table: { indexes: [] },
  functions: {},
  routes: [],
  subscriptions: [],
  flows: [],
  schedules: [],
  publishes: [],
};
const ctx: OperationContext = {
  correlationId: 'size-test',
  actor: { id: 'u1', name: 'Test', kind: 'user' },
} as OperationContext;

beforeAll(async () => {
  rt = await testRuntime({ services: [bare] });
  process.env.AWS_ENDPOINT_URL = rt.awsUrl;
  process.env.AWS_REGION = names.LOCAL_REGION;
  process.env.AWS_ACCESS_KEY_ID = 'itsm-runtime';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.EVENT_BUS_NAME = names.PLATFORM_BUS;
  store = new Store(names.tableName(bare.name));
});
afterAll(async () => {
  await rt?.close();
});

const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return undefined;
};

describe('sizes as AWS measures them', () => {
  it('counts names and UTF-8 values, 3 bytes per list or map and 1 per element', () => {
    // Prepare / Act / Assess: figures from the DynamoDB Developer Guide's rules.
    expect(itemBytes({ pk: 'ab', n: 12345 })).toBe(2 + 2 + 1 + 4);
    expect(attributeValueBytes('é€😀')).toBe(2 + 3 + 4);
    expect(attributeValueBytes([])).toBe(3);
    expect(attributeValueBytes({ a: 'x', b: true })).toBe(3 + (1 + 1 + 1) + (1 + 1 + 1));
    expect(attributeValueBytes(0.0012)).toBe(2);
    expect(eventEntryBytes({ source: 'itsm.x', detailType: 'ThingDone', detail: { a: 'é' } })).toBe(6 + 9 + 10);
  });
});

describe('Store.commit refuses what AWS would refuse, before writing', () => {
  it('an item over 400 KB: 413 too-large, nothing written', async () => {
    // Prepare: an item just over the limit once its names are counted.
    const key = { pk: 'SIZE#big', sk: 'X' };
    const filler = 'a'.repeat(MAX_ITEM_BYTES - 20);
    // Act
    const err = await refusal(
      store.commit(ctx, {
        writes: [{ kind: 'create', item: { ...key, filler } }],
        history: [{ pk: key.pk, entityType: 'test', entityId: 'big', action: 'created' }],
      }),
    );
    // Assess
    expect(err).toBeInstanceOf(TooLargeError);
    expect(err).toMatchObject({ status: 413, code: 'too-large' });
    // Measured by the kit before sending (DynamoDB's own refusal would not name the size).
    expect((err as Error).message).toMatch(/would be \d+ bytes/);
    expect(await store.get(key, true)).toBeUndefined();
    expect((await store.history(key.pk, { limit: 5 })).items).toEqual([]);
  });

  it('an item just under 400 KB is stored', async () => {
    const key = { pk: 'SIZE#fits', sk: 'X' };
    // Room for the system attributes the kit adds to a created item (version, dates, actors).
    const filler = 'a'.repeat(MAX_ITEM_BYTES - 200);
    await store.commit(ctx, { writes: [{ kind: 'create', item: { ...key, filler } }] });
    expect((await store.get<{ filler: string }>(key, true))?.filler.length).toBe(filler.length);
  });

  it('more than 100 writes: 413, nothing written', async () => {
    const writes = Array.from({ length: 101 }, (_, i) => ({
      kind: 'upsert' as const,
      item: { pk: `SIZE#many-${i}`, sk: 'X' },
    }));
    const err = await refusal(store.commit(ctx, { writes }));
    expect(err).toMatchObject({ status: 413, code: 'too-large' });
    expect(await store.get({ pk: 'SIZE#many-0', sk: 'X' }, true)).toBeUndefined();
  });

  it('an event over 256 KB: 413, neither the record nor the event item written', async () => {
    const key = { pk: 'SIZE#event', sk: 'X' };
    const event: OutgoingEvent = {
      eventId: '01JZZZZZZZZZZZZZZZZZZZZZZZ',
      source: 'itsm.configuration',
      detailType: 'CiUpdated',
      detail: { metadata: {}, data: { note: 'x'.repeat(MAX_EVENT_BYTES) } } as unknown as OutgoingEvent['detail'],
    };
    const err = await refusal(store.commit(ctx, { writes: [{ kind: 'create', item: key }], events: [event] }));
    expect(err).toMatchObject({ status: 413, code: 'too-large' });
    expect(await store.get(key, true)).toBeUndefined();
    expect(await store.all({ pk: `EVENT#${event.eventId.charCodeAt(25) % 8}` })).toEqual([]);
  });

  it('an update that grows a stored item past 400 KB: 413 from DynamoDB’s own refusal, item unchanged', async () => {
    // Prepare: a 300 KB attribute stored, then another 300 KB attribute set (each half fits alone).
    const key = { pk: 'SIZE#grow', sk: 'X' };
    await store.commit(ctx, { writes: [{ kind: 'create', item: { ...key, a: 'a'.repeat(300_000) } }] });
    // Act
    const err = await refusal(
      store.commit(ctx, { writes: [{ kind: 'update', key, set: { b: 'b'.repeat(300_000) }, expectVersion: 1 }] }),
    );
    // Assess
    expect(err).toMatchObject({ status: 413, code: 'too-large' });
    const stored = await store.get<{ version: number; b?: string }>(key, true);
    expect(stored?.version).toBe(1);
    expect(stored?.b).toBeUndefined();
  });
});
