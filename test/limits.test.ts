import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { SERVICES } from '../services';
import { EventMetadata } from '../shared/contracts/envelope';
import { ALL_CONTRACTS } from '../shared/contracts/index';
import {
  attributeValueBytes,
  eventEntryBytes,
  itemBytes,
  MAX_EVENT_BYTES,
  MAX_ITEM_BYTES,
  MAX_TX_ITEMS,
} from '../shared/kit/size';
import { maximal } from './support/maximal';

/**
 * The schema-maxima proof (ADR 20): from the schemas alone, the largest legal record with its
 * history entry, the largest event and the largest transaction fit AWS's limits. Nothing here is
 * a hand-measured size: each figure is computed from a maximal instance built by walking the
 * schema, so a new field without a maximum, or a maximum raised too far, fails this test.
 *
 * The two allowances below are the only declared figures; they bound what the kit and the use
 * cases add beyond request fields, and the kit measures every unit of work at run time anyway.
 */
/** Keys, version, dates, actors, readable number, index keys and copied fields a record adds to its request fields. */
const SYSTEM_BYTES = 16 * 1024;
/** Fixed writes of one request besides fan-out lists: the record, its number, a link or two, history, up to 4 events, the inbox marker. */
const BASE_WRITES = 12;

type Schema = z.core.$ZodType;

/**
 * The record a route writes: the collections named before the path's last parameter
 * (`/v1/customers/{id}/reviews/{rid}/outcome` writes a review). A route ending in a literal after
 * a parameter (`/v1/tickets/{id}/resolve`, `/comments`) is counted into its parent record: right
 * for actions, and only over-counts sub-records kept apart.
 */
function recordOf(path: string): string {
  const segments = path.split('/').slice(2);
  const last = segments.findLastIndex((s) => s.startsWith('{'));
  return (last < 0 ? segments : segments.slice(0, last)).filter((s) => !s.startsWith('{')).join('/');
}

/** The union of several bodies' fields, each at its largest. */
function merge(bodies: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const b of bodies) {
    for (const [k, v] of Object.entries(b)) {
      if (!(k in out) || attributeValueBytes(v) > attributeValueBytes(out[k])) out[k] = v;
    }
  }
  return out;
}
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const routes = SERVICES.flatMap((def) =>
  def.routes.map((r) => ({
    service: def.name,
    name: `${r.method} ${r.path}`,
    method: r.method,
    record: recordOf(r.path),
    body: r.body as Schema | undefined,
    query: r.query as Schema | undefined,
  })),
);
const writes = routes.filter((r) => WRITE_METHODS.has(r.method) && r.body);

/** The history entry of a change to every field of `body`: old and new value of each. */
const historyOf = (body: Record<string, unknown>) => ({
  changes: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, { from: v, to: v }])),
});

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

describe('every request field has a maximum', () => {
  it.each(routes.filter((r) => r.body || r.query).map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const unbounded = [
      ...(r.body ? maximal(r.body, 'item').unbounded.map((u) => `body.${u}`) : []),
      ...(r.query ? maximal(r.query, 'item').unbounded.map((u) => `query.${u}`) : []),
    ];
    expect(unbounded).toEqual([]);
  });
});

describe('every event field has a maximum', () => {
  it.each(ALL_CONTRACTS.map((c) => [c.detailType, c] as const))('%s', (_name, c) => {
    expect(maximal(c.data, 'json').unbounded).toEqual([]);
  });
  it('the envelope metadata', () => {
    expect(maximal(EventMetadata, 'json').unbounded).toEqual([]);
  });
});

describe('the largest legal record, history entry and transaction fit DynamoDB', () => {
  const byResource = new Map<string, typeof writes>();
  for (const r of writes) {
    const key = `${r.service} /v1/${r.record}`;
    byResource.set(key, [...(byResource.get(key) ?? []), r]);
  }
  it.each([...byResource.entries()])('%s', (_resource, group) => {
    // A record holds at most the fields of every write route of its resource, each at its maximum.
    const bodies: Record<string, unknown>[] = [];
    const lines: string[] = [];
    for (const r of group) {
      const m = maximal(r.body as Schema, 'item');
      const value = m.value ?? {};
      const body = (typeof value === 'object' && !Array.isArray(value) ? value : { body: value }) as Record<
        string,
        unknown
      >;
      bodies.push(body);
      const bodyBytes = itemBytes(body);
      const history = SYSTEM_BYTES + itemBytes(historyOf(body));
      const tx = BASE_WRITES + m.fanOutWrites;
      lines.push(`${r.name}: body ${kb(bodyBytes)}, history ${kb(history)}, ${tx} writes`);
      expect(history, `${r.name}: history entry`).toBeLessThanOrEqual(MAX_ITEM_BYTES);
      expect(tx, `${r.name}: transaction`).toBeLessThanOrEqual(MAX_TX_ITEMS);
    }
    const record = SYSTEM_BYTES + itemBytes(merge(bodies));
    expect(record, `record ${kb(record)} of ${lines.join('; ')}`).toBeLessThanOrEqual(MAX_ITEM_BYTES);
  });
});

describe('the largest event fits EventBridge', () => {
  const metadata = maximal(EventMetadata, 'json').value;
  it.each(ALL_CONTRACTS.map((c) => [c.detailType, c] as const))('%s', (_name, c) => {
    const data = maximal(c.data, 'json').value;
    const bytes = eventEntryBytes({ source: c.source, detailType: c.detailType, detail: { metadata, data } });
    expect(bytes, `${c.detailType}: ${kb(bytes)}`).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  });
});
