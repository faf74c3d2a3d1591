import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, client, eventually, testRuntime } from '../../../test/support/runtime';
import { portfolio } from '../service';

/** The portfolio as its users use it: through the HTTP API on the real local runtime. */
let rt: Runtime;
let manager: Client;
let staff: Client;
let ownerStaff: Client;
let auditor: Client;
let acme: Client;
let globex: Client;

type Criterion = { id: string; text: string; met: boolean; metBy?: string; note?: string };
type Service = {
  serviceId: string;
  number: string;
  version: number;
  name: string;
  status: string;
  owner: string;
  customerIds: string[];
  acceptanceCriteria: Criterion[];
  suppliers: unknown[];
  federationMembers: unknown[];
};
type Problem = { code: string; errors?: Array<{ field: string; message: string }> };

const SUPPLIER = {
  name: 'CloudCo',
  role: 'IaaS provider',
  responsibilities: 'Runs the virtual machines',
  contact: 'ops@cloudco.example',
};

const service = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: `${name} for researchers`,
  owner: 'user-olivia',
  category: 'Compute',
  valueProposition: 'Compute on demand',
  customerIds: ['acme'],
  supportingCiIds: ['ci-1'],
  suppliers: [SUPPLIER],
  federationMembers: [
    { name: 'Uni Lab', role: 'federation member', responsibilities: 'GPU nodes', contact: 'lab@uni' },
  ],
  acceptanceCriteria: [
    { id: 'load-test', text: 'Passes the load test' },
    { id: 'docs', text: 'User documentation published' },
  ],
  ...extra,
});

beforeAll(async () => {
  rt = await testRuntime({ services: [portfolio] });
  manager = await as(rt, 'paula', ['portfolio-manager']);
  staff = await as(rt, 'sam', ['process-staff']);
  ownerStaff = await as(rt, 'olivia', ['process-staff']);
  auditor = await as(rt, 'audrey', ['auditor']);
  acme = await as(rt, 'carl', ['customer-user'], 'acme');
  globex = await as(rt, 'gina', ['customer-user'], 'globex');
});

afterAll(async () => {
  await rt?.close();
});

async function create(name: string, extra: Record<string, unknown> = {}): Promise<Service> {
  const res = await manager.post<Service>('/v1/services', service(name, extra));
  expect(res.status).toBe(201);
  return res.body;
}

/** Move a service to `status` with If-Match, returning the reply. */
const move = (s: Service, status: string, c: Client = manager) =>
  c.patch<Service & Problem>(`/v1/services/${s.serviceId}`, { status }, s.version);

async function fulfilAll(s: Service): Promise<Service> {
  let current = s;
  for (const c of s.acceptanceCriteria) {
    const res = await manager.post<Service>(`/v1/services/${s.number}/acceptance-criteria/${c.id}/fulfilment`, {
      note: `evidence for ${c.id}`,
    });
    expect(res.status).toBe(200);
    current = res.body;
  }
  return current;
}

async function goLive(name: string, extra: Record<string, unknown> = {}): Promise<Service> {
  const planned = (await move(await create(name, extra), 'planned')).body;
  const res = await move(await fulfilAll(planned), 'live');
  expect(res.status).toBe(200);
  return res.body;
}

describe('services', () => {
  it('registers a service with a readable number and its specification, and finds it by number', async () => {
    const created = await manager.post<Service>('/v1/services', service('HPC cluster'));
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({
      number: expect.stringMatching(/^SVC-\d+$/),
      version: 1,
      status: 'proposed',
      owner: 'user-olivia',
      suppliers: [SUPPLIER],
      acceptanceCriteria: [
        { id: 'load-test', text: 'Passes the load test', met: false },
        { id: 'docs', text: 'User documentation published', met: false },
      ],
    });
    const byNumber = await auditor.get<Service>(`/v1/services/${created.body.number}`);
    expect(byNumber.status).toBe(200);
    expect(byNumber.body.serviceId).toBe(created.body.serviceId);
    expect((await staff.get('/v1/services/SVC-999999')).status).toBe(404);
  });

  it('changes a service with If-Match: 428 without it, 409 when stale', async () => {
    const s = await create('Storage');
    const missing = await manager.call('PATCH', `/v1/services/${s.serviceId}`, { name: 'Object storage' });
    expect(missing.status).toBe(428);
    const changed = await manager.patch<Service>(
      `/v1/services/${s.serviceId}`,
      { name: 'Object storage', reason: 'renamed for the catalogue' },
      s.version,
    );
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBe(2);
    expect(changed.headers.get('etag')).toBe('"2"');
    const stale = await manager.patch<Problem>(`/v1/services/${s.serviceId}`, { name: 'Blob storage' }, s.version);
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('version-conflict');
  });

  it('keeps who, when, what and why in the history, newest first', async () => {
    const s = await create('Backup');
    await manager.patch(`/v1/services/${s.serviceId}`, { description: 'Nightly backup', reason: 'clearer' }, 1);
    const history = await auditor.get<{
      items: Array<{
        action: string;
        at: string;
        actor: { id: string };
        reason?: string;
        changes: Record<string, unknown>;
      }>;
    }>(`/v1/services/${s.number}/history`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((h) => h.action)).toEqual(['updated', 'registered']);
    const [latest] = history.body.items;
    expect(latest).toMatchObject({
      actor: { id: 'user-paula' },
      reason: 'clearer',
      changes: { description: { from: 'Backup for researchers', to: 'Nightly backup' } },
      at: expect.any(String),
    });
  });

  it('lists all services and by status through the status index', async () => {
    const s = await create('Listing probe');
    const all = await staff.get<{ items: Service[] }>('/v1/services?limit=100');
    expect(all.body.items.map((x) => x.serviceId)).toContain(s.serviceId);
    const proposed = await staff.get<{ items: Service[] }>('/v1/services?status=proposed&limit=100');
    expect(proposed.body.items.every((x) => x.status === 'proposed')).toBe(true);
    expect(proposed.body.items.map((x) => x.serviceId)).toContain(s.serviceId);
    const live = await staff.get<{ items: Service[] }>('/v1/services?status=live&limit=100');
    expect(live.body.items.map((x) => x.serviceId)).not.toContain(s.serviceId);
    const bad = await staff.get<Problem>('/v1/services?status=dead');
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.field).toBe('query.status');
  });
});

describe('lifecycle', () => {
  it('refuses transitions the lifecycle does not allow', async () => {
    const s = await create('Lifecycle probe');
    const skip = await move(s, 'live');
    expect(skip.status).toBe(400);
    expect(skip.body.code).toBe('invalid-transition');
    expect(skip.body.errors).toEqual([{ field: 'body.status', message: 'must be one of: proposed, planned, retired' }]);
    const retired = (await move(s, 'retired')).body;
    expect(retired.status).toBe('retired');
    const back = await move(retired, 'planned');
    expect(back.status).toBe(400);
    expect(back.body.code).toBe('invalid-transition');
    // A service cannot be registered live: it goes live only through the acceptance check.
    const born = await manager.post<Problem>('/v1/services', service('Born live', { status: 'live' }));
    expect(born.status).toBe(400);
    expect(born.body.errors?.[0]?.field).toBe('body.status');
  });

  it('refuses to go live until every acceptance criterion is met, then allows it', async () => {
    const planned = (await move(await create('Go-live probe'), 'planned')).body;
    const refused = await move(planned, 'live');
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('acceptance-criteria-not-met');
    expect(refused.body.errors).toEqual([
      { field: 'body.acceptanceCriteria.0', message: 'criterion load-test is not met' },
      { field: 'body.acceptanceCriteria.1', message: 'criterion docs is not met' },
    ]);

    const one = await manager.post<Service>(
      `/v1/services/${planned.serviceId}/acceptance-criteria/load-test/fulfilment`,
      { note: 'report LT-7' },
    );
    expect(one.status).toBe(200);
    expect(one.body.acceptanceCriteria[0]).toMatchObject({ met: true, metBy: 'user-paula', note: 'report LT-7' });
    const still = await move(one.body, 'live');
    expect(still.status).toBe(400);
    expect(still.body.errors).toEqual([{ field: 'body.acceptanceCriteria.1', message: 'criterion docs is not met' }]);

    const again = await manager.post<Problem>(
      `/v1/services/${planned.serviceId}/acceptance-criteria/load-test/fulfilment`,
      { note: 'twice' },
    );
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('criterion-already-met');
    const unknown = await manager.post<Problem>(
      `/v1/services/${planned.serviceId}/acceptance-criteria/nope/fulfilment`,
      { note: 'x' },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('criterion-not-found');

    const both = await manager.post<Service>(`/v1/services/${planned.serviceId}/acceptance-criteria/docs/fulfilment`, {
      note: 'published at docs/hpc',
    });
    const live = await move(both.body, 'live');
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('live');
  });

  it('resets a criterion whose text changes, and refuses a service without criteria going live', async () => {
    const s = await fulfilAll((await move(await create('Reset probe'), 'planned')).body);
    const edited = await manager.patch<Service>(
      `/v1/services/${s.serviceId}`,
      {
        acceptanceCriteria: [
          { id: 'load-test', text: 'Passes the load test' },
          { id: 'docs', text: 'User and admin documentation published' },
        ],
      },
      s.version,
    );
    expect(edited.body.acceptanceCriteria.map((c) => c.met)).toEqual([true, false]);

    const bare = (await move(await create('No criteria', { acceptanceCriteria: [] }), 'planned')).body;
    const refused = await move(bare, 'live');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { field: 'body.acceptanceCriteria', message: 'a service needs acceptance criteria before it goes live' },
    ]);
  });
});

describe('catalogue', () => {
  it('shows only live services, in a customer-facing view, scoped to the customer organisation', async () => {
    const forAcme = await goLive('Catalogue Acme', { customerIds: ['acme'] });
    const forGlobex = await goLive('Catalogue Globex', { customerIds: ['globex'] });
    const notLive = await create('Catalogue planned', { customerIds: ['acme', 'globex'] });

    const staffView = await staff.get<{ items: Array<Record<string, unknown>> }>('/v1/catalogue?limit=100');
    expect(staffView.status).toBe(200);
    const staffIds = staffView.body.items.map((i) => i.serviceId);
    expect(staffIds).toEqual(expect.arrayContaining([forAcme.serviceId, forGlobex.serviceId]));
    expect(staffIds).not.toContain(notLive.serviceId);

    const acmeView = await acme.get<{ items: Array<Record<string, unknown>> }>('/v1/catalogue?limit=100');
    expect(acmeView.status).toBe(200);
    expect(acmeView.body.items.map((i) => i.serviceId)).toContain(forAcme.serviceId);
    expect(acmeView.body.items.map((i) => i.serviceId)).not.toContain(forGlobex.serviceId);
    expect(acmeView.body.items.map((i) => i.serviceId)).not.toContain(notLive.serviceId);
    const entry = acmeView.body.items.find((i) => i.serviceId === forAcme.serviceId);
    expect(entry).toEqual({
      serviceId: forAcme.serviceId,
      number: forAcme.number,
      name: 'Catalogue Acme',
      description: 'Catalogue Acme for researchers',
      category: 'Compute',
      valueProposition: 'Compute on demand',
    });

    const globexIds = (await globex.get<{ items: Array<{ serviceId: string }> }>('/v1/catalogue')).body.items.map(
      (i) => i.serviceId,
    );
    expect(globexIds).toContain(forGlobex.serviceId);
    expect(globexIds).not.toContain(forAcme.serviceId);

    // Offering the service to globex too, then retiring it, updates both views.
    const offered = await manager.patch<Service>(
      `/v1/services/${forAcme.serviceId}`,
      { customerIds: ['globex'] },
      forAcme.version,
    );
    expect(offered.status).toBe(200);
    const globexNow = (await globex.get<{ items: Array<{ serviceId: string }> }>('/v1/catalogue')).body.items;
    expect(globexNow.map((i) => i.serviceId)).toContain(forAcme.serviceId);
    const acmeNow = (await acme.get<{ items: Array<{ serviceId: string }> }>('/v1/catalogue')).body.items;
    expect(acmeNow.map((i) => i.serviceId)).not.toContain(forAcme.serviceId);
    await move(offered.body, 'retired');
    const afterRetire = (await globex.get<{ items: Array<{ serviceId: string }> }>('/v1/catalogue')).body.items;
    expect(afterRetire.map((i) => i.serviceId)).not.toContain(forAcme.serviceId);
    const staffAfter = (await staff.get<{ items: Array<{ serviceId: string }> }>('/v1/catalogue?limit=100')).body;
    expect(staffAfter.items.map((i) => i.serviceId)).not.toContain(forAcme.serviceId);
  });

  it('a customer user without an organisation is refused (ADR 0015)', async () => {
    const nobody = await as(rt, 'nina', ['customer-user']);
    const res = await nobody.get<{ code: string }>('/v1/catalogue');
    expect([res.status, res.body.code]).toEqual([403, 'customer-claim-missing']);
  });
});

describe('access', () => {
  it('enforces route roles and the service owner rule', async () => {
    const s = await create('Access probe');
    expect((await staff.post('/v1/services', service('Nope'))).status).toBe(403);
    expect((await auditor.patch(`/v1/services/${s.serviceId}`, { name: 'x' }, s.version)).status).toBe(403);
    // Customer users see only the catalogue.
    expect((await acme.get('/v1/services')).status).toBe(403);
    expect((await acme.get(`/v1/services/${s.serviceId}`)).status).toBe(403);
    expect((await acme.get(`/v1/services/${s.serviceId}/history`)).status).toBe(403);
    // Process staff may change only services they own.
    const notOwner = await staff.patch<Problem>(`/v1/services/${s.serviceId}`, { name: 'x' }, s.version);
    expect(notOwner.status).toBe(403);
    const owner = await ownerStaff.patch<Service>(`/v1/services/${s.serviceId}`, { status: 'planned' }, s.version);
    expect(owner.status).toBe(200);
    expect(
      (await staff.post(`/v1/services/${s.serviceId}/acceptance-criteria/docs/fulfilment`, { note: 'x' })).status,
    ).toBe(403);
    expect((await client(rt, undefined).get('/v1/services')).status).toBe(401);
  });
});

describe('bad input', () => {
  it('answers 400 naming every failing field', async () => {
    const res = await manager.post<Problem>('/v1/services', {
      name: '',
      owner: 'user-olivia',
      suppliers: [{ name: 'X', role: 'r', contact: 'c' }],
      acceptanceCriteria: [{ id: 'has space', text: 't' }],
      colour: 'red',
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation-failed');
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'body.name', message: 'must be at least 1 characters' },
        { field: 'body.description', message: 'is required' },
        { field: 'body.suppliers.0.responsibilities', message: 'is required' },
        expect.objectContaining({ field: 'body.acceptanceCriteria.0.id' }),
        { field: 'body.colour', message: 'unknown field(s): colour' },
      ]),
    );
    const dupes = await manager.post<Problem>(
      '/v1/services',
      service('Dupes', {
        acceptanceCriteria: [
          { id: 'a', text: 'one' },
          { id: 'a', text: 'two' },
        ],
      }),
    );
    expect(dupes.status).toBe(400);
    expect(dupes.body.errors).toEqual([{ field: 'body.acceptanceCriteria.1.id', message: 'duplicates criterion a' }]);
    const s = await create('Bad patch');
    const badPatch = await manager.patch<Problem>(`/v1/services/${s.serviceId}`, { status: 'gone' }, s.version);
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.errors?.[0]?.field).toBe('body.status');
    const noNote = await manager.post<Problem>(`/v1/services/${s.serviceId}/acceptance-criteria/docs/fulfilment`, {});
    expect(noNote.status).toBe(400);
    expect(noNote.body.errors).toEqual([{ field: 'body.note', message: 'is required' }]);
  });
});

describe('events', () => {
  it('publishes ServiceRegistered, ServiceUpdated and ServiceRetired with the record version', async () => {
    const s = await create('Event probe');
    const planned = (await move(s, 'planned')).body;
    await move(planned, 'retired');
    const mine = () =>
      rt.bus
        .published()
        .filter(
          (e) =>
            e.source === 'itsm.portfolio' &&
            (e.detail as { data: { serviceId: string } }).data.serviceId === s.serviceId,
        )
        .map((e) => ({ type: e['detail-type'], data: (e.detail as { data: unknown }).data }));
    const events = await eventually(
      async () => {
        await rt.bus.drain();
        const got = mine();
        return got.length >= 3 ? got : undefined;
      },
      10_000,
      'three portfolio events',
    );
    expect(events).toMatchObject([
      {
        type: 'ServiceRegistered',
        data: { serviceId: s.serviceId, name: 'Event probe', status: 'proposed', version: 1 },
      },
      { type: 'ServiceUpdated', data: { serviceId: s.serviceId, name: 'Event probe', status: 'planned', version: 2 } },
      { type: 'ServiceRetired', data: { serviceId: s.serviceId, name: 'Event probe', status: 'retired', version: 3 } },
    ]);
    // What search filters on rides along (the reporting read model, ADR 28).
    expect(events[2]!.data).toEqual({
      serviceId: s.serviceId,
      number: s.number,
      name: 'Event probe',
      description: 'Event probe for researchers',
      owner: 'user-olivia',
      category: 'Compute',
      status: 'retired',
      customerIds: ['acme'],
      supportingCiIds: ['ci-1'],
      version: 3,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('publishes an event committed while EventBridge was down once it is back, from the table stream', async () => {
    rt.faults.eventsUnavailable = true;
    const created = await manager.post<Service>('/v1/services', service('Outage-born'));
    expect(created.status).toBe(201);
    const sent = () =>
      rt.bus
        .published()
        .filter((e) => (e.detail as { data: { serviceId: string } }).data?.serviceId === created.body.serviceId);
    expect(sent()).toHaveLength(0);
    rt.faults.eventsUnavailable = false;
    // The relay's mapping retries the batch EventBridge refused (ADR 23).
    await eventually(async () => sent().length > 0 || undefined, 5000, 'ServiceRegistered after the outage');
    await rt.bus.drain();
    expect(sent().map((e) => e['detail-type'])).toEqual(['ServiceRegistered']);
  });

  it('announces a criterion fulfilment as ServiceUpdated with the new version', async () => {
    const s = await create('Fulfilment event probe');
    const res = await manager.post<Service>(`/v1/services/${s.serviceId}/acceptance-criteria/docs/fulfilment`, {
      note: 'done',
    });
    expect(res.body.version).toBe(2);
    const updated = await eventually(async () => {
      await rt.bus.drain();
      return rt.bus
        .published()
        .find(
          (e) =>
            e['detail-type'] === 'ServiceUpdated' &&
            (e.detail as { data: { serviceId: string } }).data.serviceId === s.serviceId,
        );
    });
    expect((updated.detail as { data: { version: number } }).data.version).toBe(2);
  });
});
