import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, eventually, testRuntime, WITHOUT_QUERY_STORE } from '../../../test/support/runtime';

/** The CMDB as its users use it: through the HTTP API on the real local runtime. */
let rt: Runtime;
let admin: Client;
let staff: Client;

const SERVER_TYPE = {
  typeId: 'server',
  name: 'Server',
  attributes: [
    { name: 'cpu', type: 'number', required: true },
    { name: 'os', type: 'enum', required: true, allowedValues: ['linux', 'windows'] },
    { name: 'virtual', type: 'boolean' },
    { name: 'commissionedOn', type: 'date' },
  ],
};

type Ci = {
  ciId: string;
  number: string;
  version: number;
  name: string;
  status: string;
  attributes: Record<string, unknown>;
};

const server = (name: string, extra: Record<string, unknown> = {}) => ({
  typeId: 'server',
  name,
  attributes: { cpu: 4, os: 'linux' },
  status: 'active',
  ...extra,
});

beforeAll(async () => {
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  admin = await as(rt, 'conrad', ['configuration-manager']);
  staff = await as(rt, 'alice', ['process-staff']);
  expect((await admin.post('/v1/ci-types', SERVER_TYPE)).status).toBe(201);
  expect(
    (await admin.post('/v1/ci-types', { typeId: 'application', name: 'Application', attributes: [] })).status,
  ).toBe(201);
});

afterAll(async () => {
  await rt?.close();
});

describe('CI types', () => {
  it('lists the defined types and refuses an invalid attribute schema', async () => {
    const list = await staff.get<{ items: Array<{ typeId: string }> }>('/v1/ci-types');
    expect(list.body.items.map((t) => t.typeId)).toEqual(['application', 'server']);

    const bad = await admin.post('/v1/ci-types', {
      typeId: 'x-bad',
      name: 'Bad',
      attributes: [{ name: 'level', type: 'enum' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toContainEqual({
      field: 'body.attributes.0.allowedValues',
      message: 'is required for enum attributes',
    });
  });

  it('refuses to make an attribute required after creation, and changes with If-Match', async () => {
    const t = await admin.get('/v1/ci-types/server');
    const refused = await admin.patch(
      '/v1/ci-types/server',
      { attributes: [...SERVER_TYPE.attributes, { name: 'rack', type: 'string', required: true }] },
      Number(t.body.version),
    );
    expect(refused.status).toBe(400);
    const ok = await admin.patch(
      '/v1/ci-types/server',
      { description: 'Physical or virtual server' },
      Number(t.body.version),
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe(`"${Number(t.body.version) + 1}"`);
  });

  it('has the built-in relationship types and takes user-defined ones', async () => {
    const created = await admin.post('/v1/relationship-types', {
      typeId: 'backs-up',
      name: 'backs up',
      inverseName: 'is backed up by',
      dependency: 'none',
    });
    expect(created.status).toBe(201);
    const list = await staff.get<{ items: Array<{ typeId: string }> }>('/v1/relationship-types');
    expect(list.body.items.map((t) => t.typeId)).toEqual([
      'depends-on',
      'runs-on',
      'hosts',
      'connects-to',
      'part-of',
      'deploys',
      'backs-up',
    ]);
  });
});

describe('CIs', () => {
  it('registers a CI with a readable number, validates attributes against its type, and finds it by number', async () => {
    const created = await admin.post<Ci>(
      '/v1/cis',
      server('db-host-1', { attributes: { cpu: 16, os: 'linux', virtual: false, commissionedOn: '2025-03-01' } }),
    );
    expect(created.status).toBe(201);
    expect(created.body.number).toMatch(/^CI-\d+$/);
    expect(created.body.version).toBe(1);
    const byNumber = await staff.get<Ci>(`/v1/cis/${created.body.number}`);
    expect(byNumber.body.ciId).toBe(created.body.ciId);

    const invalid = await admin.post(
      '/v1/cis',
      server('bad', { attributes: { cpu: 'four', os: 'beos', colour: 'red' } }),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'body.attributes.cpu', message: 'must be a number' },
        { field: 'body.attributes.os', message: 'must be one of linux, windows' },
        { field: 'body.attributes.colour', message: 'is not an attribute of CI type server' },
      ]),
    );
    const unknownType = await admin.post('/v1/cis', { typeId: 'router', name: 'r1' });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.errors).toEqual([{ field: 'body.typeId', message: 'CI type router does not exist' }]);
  });

  it('changes a CI with If-Match, refuses a stale version, and keeps who/when/what/why in the history', async () => {
    const ci = (await admin.post<Ci>('/v1/cis', server('web-1'))).body;
    const changed = await admin.patch<Ci>(
      `/v1/cis/${ci.ciId}`,
      { attributes: { cpu: 8, os: 'linux' }, status: 'maintenance', reason: 'RAM upgrade' },
      ci.version,
    );
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBe(2);
    const stale = await admin.patch(`/v1/cis/${ci.ciId}`, { name: 'web-one' }, ci.version);
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('version-conflict');

    const history = await staff.get<{
      items: Array<{ action: string; actor: { id: string }; reason?: string; changes: Record<string, unknown> }>;
    }>(`/v1/cis/${ci.ciId}/history`);
    expect(history.body.items.map((h) => h.action)).toEqual(['updated', 'registered']);
    expect(history.body.items[0]).toMatchObject({
      actor: { id: 'user-conrad' },
      reason: 'RAM upgrade',
      changes: {
        status: { from: 'active', to: 'maintenance' },
        attributes: { from: { cpu: 4, os: 'linux' }, to: { cpu: 8, os: 'linux' } },
      },
    });
  });

  it('enforces the lifecycle: a retired CI stays retired', async () => {
    const ci = (await admin.post<Ci>('/v1/cis', server('old-1'))).body;
    const retired = await admin.patch<Ci>(`/v1/cis/${ci.ciId}`, { status: 'retired' }, ci.version);
    expect(retired.body.status).toBe('retired');
    const back = await admin.patch(`/v1/cis/${ci.ciId}`, { status: 'active' }, retired.body.version);
    expect(back.status).toBe(400);
    expect(back.body.code).toBe('invalid-transition');
  });

  it('lets process staff change only the CIs they own', async () => {
    const mine = (await admin.post<Ci>('/v1/cis', server('alice-box', { owner: 'user-alice' }))).body;
    const theirs = (await admin.post<Ci>('/v1/cis', server('bob-box', { owner: 'user-bob' }))).body;
    expect((await staff.patch(`/v1/cis/${mine.ciId}`, { name: 'alice-box-2' }, mine.version)).status).toBe(200);
    const refused = await staff.patch(`/v1/cis/${theirs.ciId}`, { name: 'mine-now' }, theirs.version);
    expect(refused.status).toBe(403);
    expect((await staff.post('/v1/cis', server('staff-made'))).status).toBe(403);
  });

  it('pages through CIs by type with a cursor, reading one page at a time', async () => {
    for (let i = 0; i < 5; i++)
      await admin.post('/v1/cis', { typeId: 'application', name: `app-${i}`, status: 'active' });
    const first = await staff.get<{ items: Ci[]; nextCursor?: string }>('/v1/cis?typeId=application&limit=3');
    expect(first.body.items).toHaveLength(3);
    expect(first.headers.get('x-itsm-usage')).toMatch(/items=3;/);
    const second = await staff.get<{ items: Ci[]; nextCursor?: string }>(
      `/v1/cis?typeId=application&limit=3&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((c) => c.name)).toEqual(['app-3', 'app-4']);
    const bad = await staff.get('/v1/cis?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'cursor', message: 'is invalid' }]);
  });
});

describe('customer users', () => {
  it('see only CIs linked to their organisation, and nothing of the rest', async () => {
    const linked = (
      await admin.post<Ci>('/v1/cis', {
        typeId: 'application',
        name: 'acme-shop',
        status: 'active',
        customerIds: ['acme'],
      })
    ).body;
    const other = (
      await admin.post<Ci>('/v1/cis', {
        typeId: 'application',
        name: 'globex-erp',
        status: 'active',
        customerIds: ['globex'],
      })
    ).body;
    const carol = await as(rt, 'carol', ['customer-user'], 'acme');
    const list = await carol.get<{ items: Ci[] }>('/v1/cis');
    expect(list.body.items.map((c) => c.name)).toEqual(['acme-shop']);
    expect((await carol.get(`/v1/cis/${linked.ciId}`)).status).toBe(200);
    expect((await carol.get(`/v1/cis/${other.ciId}`)).status).toBe(404);
    expect((await carol.get(`/v1/cis/${other.ciId}/history`)).status).toBe(403);
    expect((await carol.get('/v1/ci-types')).status).toBe(403);
    // A customer account without an organisation is refused outright (ADR 0015).
    const noOrg = await as(rt, 'dave', ['customer-user']);
    const refused = await noOrg.get<{ code: string }>('/v1/cis');
    expect([refused.status, refused.body.code]).toEqual([403, 'customer-claim-missing']);
  });
});

describe('relationships and impact', () => {
  it('answers what depends on a CI, transitively, with depth limits and cycle safety', async () => {
    // switch <- server (connects-to, mutual) ; app runs-on server ; portal depends-on app ; app2 depends-on portal ; portal depends-on app2 (cycle)
    const make = async (name: string, typeId = 'application') =>
      (
        await admin.post<Ci>(
          '/v1/cis',
          typeId === 'server'
            ? server(name)
            : { typeId, name, status: 'active', serviceIds: name === 'portal' ? ['svc-portal'] : [] },
        )
      ).body;
    const host = await make('host-a', 'server');
    const app = await make('app');
    const portal = await make('portal');
    const app2 = await make('app2');
    const rel = (s: Ci, type: string, t: Ci) =>
      admin.post(`/v1/cis/${s.ciId}/relationships`, { type, targetCiId: t.ciId });
    expect((await rel(app, 'runs-on', host)).status).toBe(201);
    expect((await rel(portal, 'depends-on', app)).status).toBe(201);
    expect((await rel(app2, 'depends-on', portal)).status).toBe(201);
    expect((await rel(portal, 'depends-on', app2)).status).toBe(201);
    expect((await rel(portal, 'depends-on', app)).status).toBe(409);
    expect((await rel(app, 'runs-on', app)).status).toBe(400);
    // A type of no dependency relates and unrelates CIs without touching impact (checked below).
    expect((await rel(app2, 'backs-up', host)).status).toBe(201);
    expect((await admin.del(`/v1/cis/${app2.ciId}/relationships/backs-up/${host.ciId}`)).status).toBe(204);
    expect((await rel(app, 'backs-up', host)).status).toBe(201);

    type Impact = {
      cis: Array<{ number: string; name: string; depth: number }>;
      services: Array<{ serviceId: string }>;
      count: number;
    };
    const all = await staff.get<Impact>(`/v1/cis/${host.ciId}/impact?direction=downstream&depth=5`);
    expect(all.status).toBe(200);
    expect(all.body.cis.map((c) => [c.name, c.depth])).toEqual([
      ['app', 1],
      ['portal', 2],
      ['app2', 3],
    ]);
    expect(all.body.services.map((s) => s.serviceId)).toEqual(['svc-portal']);
    const shallow = await staff.get<Impact>(`/v1/cis/${host.ciId}/impact?depth=1`);
    expect(shallow.body.cis.map((c) => c.name)).toEqual(['app']);
    const up = await staff.get<Impact>(`/v1/cis/${app2.ciId}/impact?direction=upstream&depth=10`);
    expect(up.body.cis.map((c) => c.name).sort()).toEqual(['app', 'host-a', 'portal']);

    const relationships = await staff.get<{ items: Array<{ direction: string; type: string }> }>(
      `/v1/cis/${portal.ciId}/relationships`,
    );
    expect(relationships.body.items).toHaveLength(3);

    // Removing an edge removes its impact.
    expect((await admin.del(`/v1/cis/${portal.ciId}/relationships/depends-on/${app.ciId}`)).status).toBe(204);
    const after = await staff.get<Impact>(`/v1/cis/${host.ciId}/impact`);
    expect(after.body.cis.map((c) => c.name)).toEqual(['app']);
    expect((await admin.del(`/v1/cis/${portal.ciId}/relationships/depends-on/${app.ciId}`)).status).toBe(404);

    // The events carry the type's dependency semantics, so a copy of the graph needs no type catalogue.
    await rt.drainStreams();
    await rt.bus.drain();
    const edgeEvents = rt.bus
      .published()
      .filter((e) => e.source === 'itsm.configuration' && e['detail-type'].startsWith('Relationship'))
      .map((e) => ({ detailType: e['detail-type'], ...(e.detail as { data: Record<string, unknown> }).data }));
    expect(edgeEvents).toContainEqual({
      detailType: 'RelationshipAdded',
      sourceCiId: app.ciId,
      targetCiId: host.ciId,
      type: 'runs-on',
      dependency: 'source-depends-on-target',
    });
    expect(edgeEvents).toContainEqual({
      detailType: 'RelationshipRemoved',
      sourceCiId: portal.ciId,
      targetCiId: app.ciId,
      type: 'depends-on',
      dependency: 'source-depends-on-target',
    });
  });
});

describe('bulk import', () => {
  it('reconciles on source + sourceId: created, updated, unchanged, rejected per row, and is idempotent', async () => {
    const rows = [
      { sourceId: 'i-001', typeId: 'server', name: 'imp-1', attributes: { cpu: 2, os: 'linux' } },
      { sourceId: 'i-002', typeId: 'server', name: 'imp-2', attributes: { cpu: 2, os: 'linux' } },
      { sourceId: 'i-003', typeId: 'server', name: 'imp-3', attributes: { cpu: 'x', os: 'linux' } },
      { sourceId: 'i-001', typeId: 'server', name: 'dup', attributes: { cpu: 2, os: 'linux' } },
      { typeId: 'server', name: 'no-id' },
    ];
    type Report = {
      summary: Record<string, number>;
      rows: Array<{ outcome: string; errors?: Array<{ field: string }> }>;
    };
    const first = await admin.post<Report>('/v1/ci-imports', { source: 'aws-config', rows });
    expect(first.status).toBe(200);
    expect(first.body.summary).toEqual({ created: 2, updated: 0, unchanged: 0, rejected: 3 });
    expect(first.body.rows[2]!.errors).toEqual([{ field: 'rows.2.attributes.cpu', message: 'must be a number' }]);
    expect(first.body.rows[3]!.errors![0]!.field).toBe('rows.3.sourceId');
    expect(first.body.rows[4]!.errors![0]!.field).toBe('rows.4.sourceId');

    const again = await admin.post<Report>('/v1/ci-imports', { source: 'aws-config', rows: rows.slice(0, 2) });
    expect(again.body.summary).toEqual({ created: 0, updated: 0, unchanged: 2, rejected: 0 });
    const changed = await admin.post<Report>('/v1/ci-imports', {
      source: 'aws-config',
      rows: [{ ...rows[0]!, attributes: { cpu: 4, os: 'linux' } }, rows[1]!],
    });
    expect(changed.body.summary).toEqual({ created: 0, updated: 1, unchanged: 1, rejected: 0 });
    const tooMany = await admin.post('/v1/ci-imports', { source: 'x', rows: Array.from({ length: 1001 }, () => ({})) });
    expect(tooMany.status).toBe(400);
  });
});

describe('baselines', () => {
  it('captures a snapshot and diffs it against now', async () => {
    await admin.post('/v1/ci-types', {
      typeId: 'switch',
      name: 'Switch',
      attributes: [{ name: 'ports', type: 'number', required: true }],
    });
    const a = (
      await admin.post<Ci>('/v1/cis', { typeId: 'switch', name: 'sw-a', attributes: { ports: 24 }, status: 'active' })
    ).body;
    const b = (
      await admin.post<Ci>('/v1/cis', { typeId: 'switch', name: 'sw-b', attributes: { ports: 24 }, status: 'active' })
    ).body;
    const base = await admin.post<{ baselineId: string; ciCount: number }>('/v1/baselines', {
      name: 'switches Q3',
      typeId: 'switch',
    });
    expect(base.status).toBe(201);
    expect(base.body.ciCount).toBe(2);
    await admin.patch(`/v1/cis/${a.ciId}`, { attributes: { ports: 48 } }, a.version);
    await admin.patch(`/v1/cis/${b.ciId}`, { status: 'retired' }, b.version);
    await admin.post('/v1/cis', { typeId: 'switch', name: 'sw-c', attributes: { ports: 8 }, status: 'planned' });
    type Diff = {
      changed: Array<{ number: string; changes: Record<string, { from: unknown; to: unknown }> }>;
      added: unknown[];
      removed: unknown[];
      unchanged: number;
    };
    const diff = await staff.get<Diff>(`/v1/baselines/${base.body.baselineId}/diff`);
    expect(diff.body.changed).toHaveLength(2);
    expect(diff.body.changed.find((c) => c.number === a.number)!.changes.attributes).toEqual({
      from: { ports: 24 },
      to: { ports: 48 },
    });
    expect(diff.body.added).toHaveLength(1);
    expect(diff.body.unchanged).toBe(0);
    const got = await staff.get<{ members: unknown[] }>(`/v1/baselines/${base.body.baselineId}`);
    expect(got.body.members).toHaveLength(2);
  });
});

describe('verification campaigns (FitSM PR11.5)', () => {
  it('runs as a flow: results per CI, last-verified dates, accuracy, and VerificationCompleted when all are in', async () => {
    const x = (await admin.post<Ci>('/v1/cis', server('verify-x'))).body;
    const y = (await admin.post<Ci>('/v1/cis', server('verify-y'))).body;
    const dueAt = new Date(Date.now() + 3600_000).toISOString();
    const planned = await admin.post<{ campaignId: string; status: string; scopeSize: number }>(
      '/v1/verification-campaigns',
      { name: 'Q4 servers', ciIds: [x.ciId, y.ciId], dueAt },
    );
    expect(planned.status).toBe(201);
    expect(planned.body).toMatchObject({ status: 'open', scopeSize: 2 });
    const id = planned.body.campaignId;
    expect(
      (await admin.post(`/v1/verification-campaigns/${id}/results`, { ciId: x.ciId, result: 'confirmed' })).status,
    ).toBe(201);
    expect(
      (await admin.post(`/v1/verification-campaigns/${id}/results`, { ciId: 'nope', result: 'confirmed' })).status,
    ).toBe(400);
    expect(
      (
        await admin.post(`/v1/verification-campaigns/${id}/results`, {
          ciId: y.ciId,
          result: 'discrepancy',
          notes: 'has 8 CPUs',
        })
      ).status,
    ).toBe(201);

    const closed = await eventually(
      async () => {
        const c = await staff.get<{ status: string; accuracy: number; unverified: number; closedBecause: string }>(
          `/v1/verification-campaigns/${id}`,
        );
        return c.body.status === 'closed' ? c.body : undefined;
      },
      10_000,
      'campaign closed',
    );
    expect(closed).toMatchObject({ accuracy: 0.5, unverified: 0, closedBecause: 'all CIs verified' });
    const ci = await staff.get<Ci & { lastVerifiedAt: string; lastVerificationResult: string }>(`/v1/cis/${y.ciId}`);
    expect(ci.body.lastVerificationResult).toBe('discrepancy');
    expect(ci.body.lastVerifiedAt).toBeTruthy();
    // The campaign shows closed as soon as the close commits; its event follows right after.
    const published = await eventually(
      () => {
        const found = rt.bus.published().filter((e) => e['detail-type'] === 'VerificationCompleted');
        return found.length ? found : undefined;
      },
      10_000,
      'VerificationCompleted',
    );
    await rt.bus.drain();
    expect(published).toHaveLength(1);
    expect((published[0]!.detail as { data: { accuracy: number } }).data.accuracy).toBe(0.5);
    expect(
      (await admin.post(`/v1/verification-campaigns/${id}/results`, { ciId: x.ciId, result: 'confirmed' })).status,
    ).toBe(409);
  });

  it('closes on request with CIs left unverified', async () => {
    const z = (await admin.post<Ci>('/v1/cis', server('verify-z'))).body;
    const dueAt = new Date(Date.now() + 3600_000).toISOString();
    const planned = await admin.post<{ campaignId: string }>('/v1/verification-campaigns', {
      name: 'spot check',
      ciIds: [z.ciId],
      dueAt,
    });
    const id = planned.body.campaignId;
    expect((await admin.post(`/v1/verification-campaigns/${id}/closure`, { reason: 'staff shortage' })).status).toBe(
      202,
    );
    const closed = await eventually(
      async () => {
        const c = await staff.get<{
          status: string;
          accuracy: number | null;
          unverified: number;
          closedBecause: string;
        }>(`/v1/verification-campaigns/${id}`);
        return c.body.status === 'closed' ? c.body : undefined;
      },
      10_000,
      'campaign closed',
    );
    expect(closed).toMatchObject({ accuracy: null, unverified: 1, closedBecause: 'staff shortage' });
  });
});
