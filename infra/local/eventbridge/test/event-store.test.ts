import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type EventBridgeEvent, EventQueryError, LocalEventBridge, type LocalEventBridgeOptions } from '../bus';
import { EventStore } from '../event-store';

/** The bus keeps every accepted event (data mode), with its rules and deliveries, and reads them back. */
const dir = mkdtempSync(join(tmpdir(), 'itsm-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ctx = { caller: 'AKIDTEST' };
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

function bus(eventsDir: string | undefined, options: Partial<LocalEventBridgeOptions> = {}) {
  const b = new LocalEventBridge({
    ...(eventsDir ? { eventsDir } : {}),
    retryBaseDelayMs: 1,
    invoke: async () => undefined,
    ...options,
  });
  open.push(b);
  return b;
}

interface Spec {
  source?: string;
  detailType?: string;
  correlationId?: string;
  n: number;
  time?: string;
}

async function put(b: LocalEventBridge, specs: Spec[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < specs.length; i += 10) {
    const out = (await b.handle(
      'PutEvents',
      {
        Entries: specs.slice(i, i + 10).map((s) => ({
          EventBusName: 'itsm',
          Source: s.source ?? 'itsm.test',
          DetailType: s.detailType ?? 'Tested',
          Detail: JSON.stringify({ metadata: { correlationId: s.correlationId ?? `c-${s.n}` }, data: { n: s.n } }),
          ...(s.time ? { Time: s.time } : {}),
        })),
      },
      ctx,
    )) as { Entries: { EventId: string }[] };
    ids.push(...out.Entries.map((e) => e.EventId));
  }
  return ids;
}

const numbered = (count: number, from = 0): Spec[] => Array.from({ length: count }, (_, i) => ({ n: from + i }));

/** Every page, following cursors. */
async function all(b: LocalEventBridge, query: Record<string, string> = {}, limit = 100) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await b.events({ ...query, limit, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((i) => i.event.id));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

describe('every accepted event is kept (data mode)', () => {
  it('lists all of them after a restart, more than 10,000, newest first and oldest first', async () => {
    // Prepare: small segments, so the events span many files.
    const eventsDir = join(dir, 'restart');
    const first = bus(eventsDir, { eventSegmentBytes: 256 * 1024 });
    const ids = await put(first, numbered(10_050));
    await first.close();
    // Act
    const second = bus(eventsDir, { eventSegmentBytes: 256 * 1024 });
    const newestFirst = await all(second);
    const oldestFirst: string[] = [];
    for await (const event of second.eventsOldestFirst()) oldestFirst.push(event.id);
    // Assess
    expect(readdirSync(eventsDir).filter((f) => f.endsWith('.jsonl')).length).toBeGreaterThan(10);
    expect(newestFirst).toEqual([...ids].reverse());
    expect(oldestFirst).toEqual(ids);
    expect(second.published().map((e) => e.id)).toEqual(ids.slice(-10_000));
  });

  it('keeps appending after a restart, after the segment a crash left with a torn line', async () => {
    // Prepare: a crash mid-write leaves half a line, never acknowledged.
    const eventsDir = join(dir, 'torn');
    const first = bus(eventsDir);
    const before = await put(first, numbered(3));
    await first.close();
    const [segment] = readdirSync(eventsDir).filter((f) => f.endsWith('.jsonl'));
    appendFileSync(join(eventsDir, segment!), '{"seq":4,"at":"2026-');
    // Act
    const second = bus(eventsDir);
    const after = await put(second, numbered(2, 3));
    // Assess
    expect(await all(second)).toEqual([...before, ...after].reverse());
  });
});

describe('segment summaries', () => {
  it('does not trust a summary its segment outgrew', async () => {
    // Prepare: two segments; then the sealed one grows behind its summary's back (as when a run
    // with larger segments continued it), by an event of a time the summary does not cover.
    const eventsDir = join(dir, 'summaries');
    const first = new EventStore({ dir: eventsDir, segmentBytes: 600 });
    const event = (id: string, time: string): EventBridgeEvent => ({
      version: '0',
      id,
      'detail-type': 'Tested',
      source: 'itsm.test',
      account: '000000000000',
      time,
      region: 'us-east-1',
      resources: [],
      detail: {},
    });
    first.append([1, 2, 3].map((n) => ({ bus: 'itsm', event: event(`e-${n}`, '2026-01-01T00:00:00Z'), rules: [] })));
    first.close();
    const sealed = readdirSync(eventsDir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()[0]!;
    const late = {
      seq: 100,
      at: '2030-01-01T00:00:00.000Z',
      bus: 'itsm',
      rules: [],
      event: event('late', '2030-01-01T00:00:00Z'),
    };
    appendFileSync(join(eventsDir, sealed), `${JSON.stringify(late)}\n`);
    // Act
    const second = new EventStore({ dir: eventsDir, segmentBytes: 600 });
    open.push(second);
    const found = await second.page({ from: Date.parse('2029-01-01T00:00:00Z') }, 10);
    // Assess
    expect(found.items.map((i) => i.event.id)).toEqual(['late']);
  });
});

describe('filters and pages', () => {
  it('filters by source, detail-type, correlation id and time, and pages with a cursor', async () => {
    // Prepare: in memory and on disk, the same answers.
    for (const eventsDir of [undefined, join(dir, 'filters')]) {
      const b = bus(eventsDir, { eventSegmentBytes: 2048 });
      const ids = await put(b, [
        { n: 0, source: 'itsm.a', detailType: 'Opened', time: '2026-01-01T00:00:00Z' },
        { n: 1, source: 'itsm.b', detailType: 'Opened', time: '2026-01-02T00:00:00Z', correlationId: 'flow-1' },
        { n: 2, source: 'itsm.a', detailType: 'Closed', time: '2026-01-03T00:00:00Z', correlationId: 'flow-1' },
        ...Array.from({ length: 20 }, (_, i) => ({ n: 3 + i, source: 'itsm.a', detailType: 'Opened' })),
      ]);
      // Act
      const bySource = await all(b, { source: 'itsm.b' });
      const byType = await all(b, { detailType: 'Closed' });
      const byCorrelation = await all(b, { correlationId: 'flow-1' });
      const byTime = await all(b, { from: '2026-01-02T00:00:00Z', to: '2026-01-03T00:00:00Z' });
      const both = await all(b, { source: 'itsm.a', detailType: 'Opened' }, 7);
      const page = await b.events({ limit: 5 });
      const next = await b.events({ limit: 5, cursor: page.cursor! });
      // Assess
      expect(bySource).toEqual([ids[1]]);
      expect(byType).toEqual([ids[2]]);
      expect(byCorrelation).toEqual([ids[2], ids[1]]);
      expect(byTime).toEqual([ids[2], ids[1]]);
      expect(both).toEqual([...ids.slice(3).reverse(), ids[0]]);
      expect(page.items.map((i) => i.event.id)).toEqual(ids.slice(-5).reverse());
      expect(next.items.map((i) => i.event.id)).toEqual(ids.slice(-10, -5).reverse());
      expect(page.items[0]).toMatchObject({ bus: 'itsm', correlationId: 'c-22', rules: [], deliveries: [] });
    }
  });

  it('rejects a limit out of 1-100, a cursor it did not give and a time that is not one', async () => {
    // Prepare
    const b = bus(undefined);
    // Act
    const codes = await Promise.all(
      [
        { limit: 0 },
        { limit: 101 },
        { limit: 1.5 },
        { limit: 10, cursor: 'eyJ4IjoxfQ' },
        { limit: 10, from: 'soon' },
        { limit: 10, to: '5' },
      ].map((query) =>
        b.events(query).then(
          () => 'accepted',
          (error: unknown) => (error instanceof EventQueryError ? error.code : String(error)),
        ),
      ),
    );
    // Assess
    expect(codes).toEqual([
      'invalid-limit',
      'invalid-limit',
      'invalid-limit',
      'invalid-cursor',
      'invalid-time',
      'invalid-time',
    ]);
  });
});

describe('matched rules and deliveries', () => {
  it('shows each delivery retried then handed over, across segments and a restart', async () => {
    // Prepare: a target that fails its first hand-off; segments so small that outcomes land in later files.
    const eventsDir = join(dir, 'outcomes');
    const attempts = new Map<string, number>();
    const options: Partial<LocalEventBridgeOptions> = {
      eventSegmentBytes: 1024,
      invoke: async (functionName: string, event: EventBridgeEvent) => {
        const n = (attempts.get(event.id) ?? 0) + 1;
        attempts.set(event.id, n);
        if (n === 1) throw new Error(`${functionName} is busy`);
        return `request-${event.id}`;
      },
    };
    const first = bus(eventsDir, options);
    first.addRule({ bus: 'itsm', name: 'all', pattern: { source: ['itsm.test'] }, targets: [{ functionName: 'fn' }] });
    const ids = await put(first, numbered(12));
    await first.drain();
    await first.close();
    // Act
    const second = bus(eventsDir, { eventSegmentBytes: 1024 });
    const shown = await second.event(ids[0]!);
    const listed = await second.events({ limit: 12 });
    // Assess
    expect(shown?.rules).toEqual([{ rule: 'all', ruleArn: expect.stringContaining('rule/itsm/all'), targets: ['fn'] }]);
    expect(shown?.deliveries).toEqual([
      expect.objectContaining({
        rule: 'all',
        target: 'fn',
        state: 'handed',
        attempts: 2,
        invocation: { requestId: `request-${ids[0]}`, state: 'pending', attempts: 0 },
      }),
    ]);
    expect(listed.items.map((i) => [i.event.id, i.deliveries.map((d) => [d.state, d.attempts])])).toEqual(
      [...ids].reverse().map((id) => [id, [['handed', 2]]]),
    );
  });
});

describe('memory', () => {
  it('holds nothing per event in data mode while 100,000 events are put', async () => {
    // Prepare
    const eventsDir = join(dir, 'many');
    const store = new EventStore({ dir: eventsDir, segmentBytes: 1024 * 1024 });
    open.push(store);
    const event = (n: number): EventBridgeEvent => ({
      version: '0',
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      'detail-type': 'Tested',
      source: 'itsm.test',
      account: '000000000000',
      time: '2026-12-02T22:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { metadata: { correlationId: `c-${n}` }, data: { n, text: 'x'.repeat(200) } },
    });
    // Act
    for (let n = 0; n < 100_000; n += 100) {
      store.append(Array.from({ length: 100 }, (_, i) => ({ bus: 'itsm', event: event(n + i), rules: [] })));
    }
    const stats = store.stats();
    const files = readdirSync(eventsDir).filter((f) => f.endsWith('.jsonl'));
    const bytes = files.reduce((sum, f) => sum + statSync(join(eventsDir, f)).size, 0);
    const found = {
      old: (await store.get(event(42).id))?.event.detail,
      byCorrelation: (await store.page({ correlationId: 'c-50000' }, 10)).items.map((i) => i.event.id),
    };
    const reads = store.stats().segmentReads;
    // Assess: no event line in memory, one small summary per file of about 1 MiB and the active
    // segment's key filter; the data all there, found by id and correlation id reading a few of
    // the 50-odd segments (the others' key filters rule them out).
    expect(stats).toEqual({
      events: 100_000,
      segments: files.length,
      linesInMemory: 0,
      filtersInMemory: 1,
      segmentReads: 0,
    });
    expect(files.length).toBeLessThanOrEqual(Math.ceil(bytes / (1024 * 1024)) + 1);
    expect(found).toEqual({ old: event(42).detail, byCorrelation: [event(50_000).id] });
    expect(reads).toBeLessThanOrEqual(4);
  });

  it('keeps a bounded window in memory mode', () => {
    // Prepare
    const store = new EventStore({ window: 1000, segmentBytes: 64 * 1024 });
    const event = (n: number): EventBridgeEvent => ({
      version: '0',
      id: `id-${n}`,
      'detail-type': 'Tested',
      source: 'itsm.test',
      account: '000000000000',
      time: '2026-12-02T22:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { n },
    });
    // Act
    for (let n = 0; n < 20_000; n++) store.append([{ bus: 'itsm', event: event(n), rules: [] }]);
    const { events, linesInMemory } = store.stats();
    // Assess: at least the window, at most the window and one segment (about 300 events of 200 bytes).
    expect(events).toBeGreaterThanOrEqual(1000);
    expect(linesInMemory).toBeLessThan(1000 + (64 * 1024) / 150);
    expect(store.latest(1000).map((e) => e.id)).toEqual(Array.from({ length: 1000 }, (_, i) => `id-${19_999 - i}`));
  });
});
