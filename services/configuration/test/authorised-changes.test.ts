import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import type { ChangeSnapshot } from '../../../shared/contracts/changes/v1';
import { publishEvents } from '../../../test/support/events';
import { as, type Client, eventually, testRuntime } from '../../../test/support/runtime';
import { configuration } from '../service';

/**
 * Authorised CI changes (FitSM PR11.4): CI updates name the change that authorises them; the
 * CMDB checks them against its copy of the change (kept from the changes service's events) and
 * flags, never refuses, those made outside an implementing change's window.
 */
let rt: Runtime;
let admin: Client;
let auditor: Client;
let staff: Client;

type Ci = { ciId: string; number: string; version: number };
type Unauthorised = {
  recordId: string;
  ciId: string;
  number: string;
  changeRef?: string;
  changeId?: string;
  changeNumber?: string;
  reason: string;
  actor: { id: string };
  changedFields: string[];
  at: string;
};
type Report = { items: Unauthorised[]; nextCursor?: string };

const HOUR = 3_600_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

/** A change as the changes service's events carry it. */
function change(n: number, over: Partial<ChangeSnapshot>): ChangeSnapshot {
  return {
    changeId: `chg-${n}-${ulid()}`,
    number: `CHG-${n}`,
    type: 'normal',
    status: 'approved',
    title: `Change ${n}`,
    requesterId: 'user-rita',
    ciIds: [],
    serviceIds: [],
    customerIds: [],
    version: 3,
    createdAt: iso(-2 * HOUR),
    updatedAt: iso(-HOUR),
    ...over,
  };
}

/** Publish change events as the changes service does, and wait until the CMDB consumed them. */
async function publishChanges(...events: Array<[string, ChangeSnapshot]>) {
  await publishEvents(
    rt,
    events.map(([detailType, data]) => ({ source: 'itsm.changes', detailType, data })),
    'changes',
  );
  await rt.bus.drain();
}

async function makeCi(typeId: string, name: string): Promise<Ci> {
  const res = await admin.post<Ci>('/v1/cis', { typeId, name, status: 'active' });
  expect(res.status).toBe(201);
  return res.body;
}

const rename = (ci: Ci, name: string, changeId?: string) =>
  admin.patch<Ci>(`/v1/cis/${ci.ciId}`, { name, ...(changeId ? { changeId } : {}) }, ci.version);

async function report(): Promise<Unauthorised[]> {
  const res = await auditor.get<Report>('/v1/unauthorised-ci-changes?limit=100');
  expect(res.status).toBe(200);
  return res.body.items;
}

/** The CiChangeUnauthorised events published so far (they leave through the table's stream). */
async function flagged() {
  await rt.drainStreams();
  await rt.bus.drain();
  return rt.bus
    .published()
    .filter((e) => e.source === 'itsm.configuration' && e['detail-type'] === 'CiChangeUnauthorised')
    .map((e) => (e.detail as { data: Unauthorised }).data);
}

let switchA: Ci;
let switchB: Ci;
let app: Ci;
/** Approved, lists switch A, its window open now. */
let current: ChangeSnapshot;
/** Approved, lists switch A, its window over yesterday. */
let past: ChangeSnapshot;

beforeAll(async () => {
  rt = await testRuntime({ services: [configuration] });
  admin = await as(rt, 'conrad', ['configuration-manager']);
  auditor = await as(rt, 'audrey', ['auditor']);
  staff = await as(rt, 'alice', ['process-staff']);
  for (const typeId of ['switch', 'application']) {
    expect((await admin.post('/v1/ci-types', { typeId, name: typeId, attributes: [] })).status).toBe(201);
  }
  switchA = await makeCi('switch', 'core-1');
  switchB = await makeCi('switch', 'core-2');
  app = await makeCi('application', 'portal');
  current = change(1, { ciIds: [switchA.ciId], plannedStart: iso(-HOUR), plannedEnd: iso(HOUR) });
  past = change(2, { ciIds: [switchA.ciId], plannedStart: iso(-26 * HOUR), plannedEnd: iso(-24 * HOUR) });
  // Out of order: the approved version arrives before the one that raised the change.
  await publishChanges(['ChangeApproved', current], ['ChangeApproved', past]);
  await publishChanges(['ChangeRaised', { ...current, status: 'new', version: 1 }]);
});

afterAll(async () => {
  await rt?.close();
});

describe('change control setting', () => {
  it('is read and set by managers with If-Match, only for defined CI types', async () => {
    // Prepare
    const before = await admin.get<{ controlledTypeIds: string[]; version: number }>('/v1/change-control');
    expect(before.body).toEqual({ controlledTypeIds: [], version: 0 });

    // Act
    const unknown = await admin.put(
      '/v1/change-control',
      { controlledTypeIds: ['switch', 'router'] },
      { 'if-match': '"0"' },
    );
    const set = await admin.put('/v1/change-control', { controlledTypeIds: ['switch'] }, { 'if-match': '"0"' });
    const stale = await admin.put('/v1/change-control', { controlledTypeIds: [] }, { 'if-match': '"0"' });
    const forbidden = await staff.put('/v1/change-control', { controlledTypeIds: [] }, { 'if-match': '"1"' });

    // Assess
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { field: 'body.controlledTypeIds.1', message: 'CI type router does not exist' },
    ]);
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ controlledTypeIds: ['switch'], version: 1 });
    expect(set.headers.get('etag')).toBe('"1"');
    expect(stale.status).toBe(409);
    expect(forbidden.status).toBe(403);
  });
});

describe('CI changes under change control (FitSM PR11.4)', () => {
  it('authorises a change to a CI the change lists, inside its window, and records it in the history', async () => {
    // Act
    const res = await rename(switchA, 'core-1a', current.number);

    // Assess
    expect(res.status).toBe(200);
    switchA = res.body;
    const history = await admin.get<{ items: Array<{ action: string; changeId?: string }> }>(
      `/v1/cis/${switchA.ciId}/history`,
    );
    expect(history.body.items[0]).toMatchObject({ action: 'updated', changeId: 'CHG-1' });
    expect((await report()).filter((r) => r.ciId === switchA.ciId)).toEqual([]);
  });

  it('flags, without refusing, a change outside the window: an event and a report entry', async () => {
    // Act
    const res = await rename(switchA, 'core-1b', past.changeId);

    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'core-1b' });
    switchA = res.body;
    const expected = {
      ciId: switchA.ciId,
      number: switchA.number,
      changeRef: past.changeId,
      changeId: past.changeId,
      changeNumber: 'CHG-2',
      reason: 'outside-window',
      changedFields: ['name'],
      actor: expect.objectContaining({ id: 'user-conrad' }),
    };
    const event = await eventually(async () => (await flagged()).find((e) => e.ciId === switchA.ciId), 10_000);
    expect(event).toMatchObject(expected);
    const entries = (await report()).filter((r) => r.ciId === switchA.ciId);
    expect(entries).toEqual([expect.objectContaining({ ...expected, recordId: event.recordId })]);
  });

  it('flags a change to a change-controlled type that names no change', async () => {
    // Act
    const res = await rename(switchB, 'core-2a');

    // Assess
    expect(res.status).toBe(200);
    switchB = res.body;
    const entries = (await report()).filter((r) => r.ciId === switchB.ciId);
    expect(entries).toEqual([expect.objectContaining({ reason: 'no-change-named', changedFields: ['name'] })]);
    expect(entries[0]).not.toHaveProperty('changeRef');
  });

  it('does not flag a change to a type that is not change-controlled', async () => {
    // Act
    const res = await rename(app, 'portal-2');

    // Assess
    expect(res.status).toBe(200);
    app = res.body;
    expect((await report()).filter((r) => r.ciId === app.ciId)).toEqual([]);
  });

  it('flags a change naming a change that does not list the CI, and one naming an unknown change', async () => {
    // Act
    const notListed = await admin.post(`/v1/cis/${switchB.ciId}/relationships`, {
      type: 'connects-to',
      targetCiId: switchA.ciId,
      changeId: 'CHG-1',
    });
    const unknown = await rename(app, 'portal-3', 'CHG-999');

    // Assess
    expect(notListed.status).toBe(201);
    expect(unknown.status).toBe(200);
    const entries = await report();
    expect(entries.find((r) => r.ciId === switchB.ciId && r.changeRef === 'CHG-1')).toMatchObject({
      reason: 'ci-not-in-change',
      changeNumber: 'CHG-1',
      changedFields: ['relationships'],
    });
    expect(entries.find((r) => r.ciId === app.ciId)).toMatchObject({ reason: 'unknown-change', changeRef: 'CHG-999' });
    expect(entries.find((r) => r.ciId === app.ciId)).not.toHaveProperty('changeId');
  });

  it('checks a relationship removal against the change named in its query', async () => {
    // Act
    const removed = await admin.del(`/v1/cis/${switchB.ciId}/relationships/connects-to/${switchA.ciId}?changeId=CHG-2`);

    // Assess
    expect(removed.status).toBe(204);
    expect((await report()).find((r) => r.ciId === switchB.ciId && r.changeRef === 'CHG-2')).toMatchObject({
      reason: 'ci-not-in-change',
      changedFields: ['relationships'],
    });
    const history = await admin.get<{ items: Array<{ action: string; changeId?: string }> }>(
      `/v1/cis/${switchB.ciId}/history`,
    );
    expect(history.body.items[0]).toMatchObject({ action: expect.stringContaining('removed'), changeId: 'CHG-2' });
  });

  it('checks each CI an import updates against the change the import names', async () => {
    // Prepare: two switches from one source; the current change lists only the first.
    const rows = (suffix: string) => [
      { sourceId: 'sw-10', typeId: 'switch', name: `edge-10${suffix}` },
      { sourceId: 'sw-11', typeId: 'switch', name: `edge-11${suffix}` },
    ];
    type Imported = { rows: Array<{ outcome: string; ciId: string }> };
    const created = await admin.post<Imported>('/v1/ci-imports', { source: 'netbox', rows: rows('') });
    const [listed, other] = created.body.rows.map((r) => r.ciId);
    await publishChanges(['ChangeUpdated', { ...current, ciIds: [switchA.ciId, listed!], version: 4 }]);

    // Act
    const updated = await admin.post<Imported>('/v1/ci-imports', {
      source: 'netbox',
      rows: rows('-b'),
      changeId: 'CHG-1',
    });

    // Assess
    expect(updated.body.rows.map((r) => r.outcome)).toEqual(['updated', 'updated']);
    const entries = await report();
    expect(entries.filter((r) => r.ciId === listed)).toEqual([]);
    expect(entries.filter((r) => r.ciId === other)).toEqual([
      expect.objectContaining({ reason: 'ci-not-in-change', changeNumber: 'CHG-1', changedFields: ['name'] }),
    ]);
    const history = await admin.get<{ items: Array<{ changeId?: string; reason?: string }> }>(
      `/v1/cis/${listed}/history`,
    );
    expect(history.body.items[0]).toMatchObject({ changeId: 'CHG-1', reason: 'import from netbox' });
  });

  it('lists the report newest first, a page at a time', async () => {
    // Prepare
    const all = await report();

    // Act
    const first = await auditor.get<Report>('/v1/unauthorised-ci-changes?limit=2');
    const second = await auditor.get<Report>(
      `/v1/unauthorised-ci-changes?limit=2&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
    );

    // Assess
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(all.map((r) => r.at)).toEqual([...all.map((r) => r.at)].sort().reverse());
    expect([...first.body.items, ...second.body.items].map((r) => r.recordId)).toEqual(
      all.slice(0, 4).map((r) => r.recordId),
    );
    expect((await staff.get('/v1/unauthorised-ci-changes')).status).toBe(200);
    expect((await (await as(rt, 'cathy', ['customer-user'], 'acme')).get('/v1/unauthorised-ci-changes')).status).toBe(
      403,
    );
  });
});
