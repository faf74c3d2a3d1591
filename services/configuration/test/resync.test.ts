import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { configurationResync } from '../../../shared/contracts/configuration/v1';
import {
  continuationsOf,
  pagesOf,
  recordsOf,
  requestResync,
  resyncedRecords,
  withResyncSettings,
} from '../../../test/support/resync';
import { as, type Client, testRuntime } from '../../../test/support/runtime';
import { configuration } from '../service';

/** The CMDB answers ResyncRequested with every CI and relationship, as their live events carry them (ADR 28). */
let rt: Runtime;
let admin: Client;

type Ci = { ciId: string; number: string; version: number };
type Data = Record<string, unknown>;

beforeAll(async () => {
  // Small pages, two CIs per query and no work time: paging and continuations show on a few CIs.
  rt = await testRuntime({
    services: [withResyncSettings(configuration, { pageBytes: 1200, batchSize: 2, workSeconds: 0 })],
  });
  admin = await as(rt, 'conrad', ['configuration-manager']);
  expect(
    (await admin.post('/v1/ci-types', { typeId: 'application', name: 'Application', attributes: [] })).status,
  ).toBe(201);
});

afterAll(async () => {
  await rt?.close();
});

/** The newest live snapshot of each CI (without `changedFields`), and the relationships added, from the CMDB's events. */
function live() {
  const cis = new Map<string, Data>();
  const relationships: Data[] = [];
  for (const e of rt.bus.published()) {
    if (e.source !== 'itsm.configuration') continue;
    const { changedFields: _c, ...data } = (e.detail as { data: Data }).data;
    if (e['detail-type'] === 'RelationshipAdded') relationships.push(data);
    if (!e['detail-type'].startsWith('Ci')) continue;
    const known = cis.get(String(data.ciId));
    if (!known || Number(known.version) < Number(data.version)) cis.set(String(data.ciId), data);
  }
  return { cis, relationships };
}

describe('resync', () => {
  const created: Ci[] = [];

  beforeAll(async () => {
    for (let i = 1; i <= 5; i++) {
      const res = await admin.post<Ci>('/v1/cis', {
        typeId: 'application',
        name: `App ${i}`,
        owner: 'user-olivia',
        status: 'active',
        serviceIds: [`svc-${i}`],
      });
      expect(res.status).toBe(201);
      created.push(res.body);
    }
    const [a, b, c] = created;
    const renamed = await admin.patch<Ci>(`/v1/cis/${a!.ciId}`, { name: 'App one' }, a!.version);
    expect(renamed.status).toBe(200);
    for (const [s, type, t] of [
      [a, 'depends-on', b],
      [b, 'hosts', c],
    ] as const) {
      const res = await admin.post(`/v1/cis/${s!.ciId}/relationships`, { type, targetCiId: t!.ciId });
      expect(res.status).toBe(201);
    }
    await rt.drainStreams();
    await rt.bus.drain();
  });

  it('publishes every CI and relationship exactly as their live events carry them, over several pages', async () => {
    // Act
    const requestId = await requestResync(rt);
    const pages = await resyncedRecords(rt, configurationResync, requestId);

    // Assess
    const { cis, relationships } = live();
    const records = recordsOf(pages, 'ci');
    expect(records.map((r) => r.ciId).sort()).toEqual(created.map((c) => c.ciId).sort());
    for (const r of records) expect(r).toEqual(cis.get(String(r.ciId)));
    expect(records.find((r) => r.ciId === created[0]!.ciId)).toMatchObject({ name: 'App one', version: 2 });
    expect(recordsOf(pages, 'ci-relationship')).toEqual(expect.arrayContaining(relationships));
    expect(recordsOf(pages, 'ci-relationship')).toHaveLength(2);
    // Each carries its type's dependency semantics, live and resynced alike (issue 11).
    expect(recordsOf(pages, 'ci-relationship')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'depends-on', dependency: 'source-depends-on-target' }),
        expect.objectContaining({ type: 'hosts', dependency: 'target-depends-on-source' }),
      ]),
    );
    expect(pages.get('ci')!.length).toBeGreaterThan(1);
  });

  it('hands a long resync on to the next invocation', async () => {
    // Act
    const requestId = await requestResync(rt, ['configuration']);
    await resyncedRecords(rt, configurationResync, requestId);

    // Assess: 5 CIs in 3 queries per record type: 2 hand-overs within each, 1 between them.
    expect(continuationsOf(rt, configurationResync, requestId)).toHaveLength(5);
  });

  it('does nothing when the request names other services', async () => {
    const requestId = await requestResync(rt, ['portfolio']);
    await rt.bus.drain();
    expect(pagesOf(rt, configurationResync, requestId)).toEqual([]);
  });
});
