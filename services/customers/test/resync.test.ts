import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { customersResync } from '../../../shared/contracts/customers/v1';
import {
  continuationsOf,
  pagesOf,
  recordsOf,
  requestResync,
  resyncedRecords,
  withResyncSettings,
} from '../../../test/support/resync';
import { as, type Client, testRuntime } from '../../../test/support/runtime';
import { customers } from '../service';

/** The customers service answers ResyncRequested with every customer and complaint, as their live events carry them (ADR 28). */
let rt: Runtime;
let manager: Client;
let sam: Client;

type Data = Record<string, unknown>;
type Complaint = { complaintId: string; number: string; version: number };

beforeAll(async () => {
  // Small pages, two records per query and no work time: paging and continuations show on a few records.
  rt = await testRuntime({
    services: [withResyncSettings(customers, { pageBytes: 900, batchSize: 2, workSeconds: 0 })],
  });
  manager = await as(rt, 'carol', ['customers-manager']);
  sam = await as(rt, 'sam', ['process-staff']);
});

afterAll(async () => {
  await rt?.close();
});

/** The newest live snapshot of each customer and complaint, from the service's events. */
function live(prefix: 'Customer' | 'Complaint', id: string) {
  const latest = new Map<string, Data>();
  for (const e of rt.bus.published()) {
    if (e.source !== 'itsm.customers' || !e['detail-type'].startsWith(prefix)) continue;
    const data = (e.detail as { data: Data }).data;
    const known = latest.get(String(data[id]));
    if (!known || Number(known.version) < Number(data.version)) latest.set(String(data[id]), data);
  }
  return latest;
}

describe('resync', () => {
  const complaints: Complaint[] = [];

  beforeAll(async () => {
    for (const id of ['acme', 'globex', 'initech']) {
      const res = await manager.post('/v1/customers', {
        customerId: id,
        name: `${id} corporation`,
        accountManager: 'user-sam',
        services: [{ serviceId: 'SVC-1', since: '2026-01-01' }],
      });
      expect(res.status).toBe(201);
    }
    const renamed = await manager.patch('/v1/customers/acme', { name: 'Acme Corporation' }, 1);
    expect(renamed.status).toBe(200);
    for (const subject of ['Wrong invoice', 'Slow answers', 'Rude reply']) {
      const res = await sam.post<Complaint>('/v1/complaints', {
        customerId: 'acme',
        subject,
        description: `${subject}, twice this month`,
        channel: 'email',
      });
      expect(res.status).toBe(201);
      complaints.push(res.body);
    }
    const responded = await sam.post(`/v1/complaints/${complaints[0]!.number}/response`, {
      response: 'We will refund the second charge.',
      actions: [],
    });
    expect(responded.status).toBe(200);
    await rt.drainStreams();
    await rt.bus.drain();
  });

  it('announces a response as ComplaintResponded with the fuller snapshot', () => {
    const snapshot = live('Complaint', 'complaintId').get(complaints[0]!.complaintId);
    expect(snapshot).toMatchObject({
      status: 'responded',
      version: 2,
      subject: 'Wrong invoice',
      description: 'Wrong invoice, twice this month',
      channel: 'email',
      owner: 'user-sam',
      raisedById: 'user-sam',
      response: 'We will refund the second charge.',
    });
    const types = rt.bus
      .published()
      .filter((e) => (e.detail as { data: Data }).data.complaintId === complaints[0]!.complaintId)
      .map((e) => e['detail-type']);
    expect(types).toEqual(['ComplaintRegistered', 'ComplaintResponded']);
  });

  it('publishes every customer and complaint exactly as their live events carry them, over several pages', async () => {
    // Act
    const requestId = await requestResync(rt);
    const pages = await resyncedRecords(rt, customersResync, requestId);

    // Assess
    const liveCustomers = live('Customer', 'customerId');
    const liveComplaints = live('Complaint', 'complaintId');
    const customerRecords = recordsOf(pages, 'customer');
    expect(customerRecords.map((r) => r.customerId).sort()).toEqual(['acme', 'globex', 'initech']);
    for (const r of customerRecords) expect(r).toEqual(liveCustomers.get(String(r.customerId)));
    expect(customerRecords.find((r) => r.customerId === 'acme')).toMatchObject({
      name: 'Acme Corporation',
      version: 2,
    });
    const complaintRecords = recordsOf(pages, 'complaint');
    expect(complaintRecords.map((r) => r.complaintId)).toEqual(complaints.map((c) => c.complaintId));
    for (const r of complaintRecords) expect(r).toEqual(liveComplaints.get(String(r.complaintId)));
    expect(pages.get('customer')!.length).toBeGreaterThan(1);
    expect(pages.get('complaint')!.length).toBeGreaterThan(1);
  });

  it('hands a long resync on to the next invocation', async () => {
    // Act
    const requestId = await requestResync(rt, ['customers']);
    await resyncedRecords(rt, customersResync, requestId);

    // Assess: 3 records of each type in 2 queries: 1 hand-over within each type, 1 between them.
    expect(continuationsOf(rt, customersResync, requestId)).toHaveLength(3);
  });

  it('does nothing when the request names other services', async () => {
    const requestId = await requestResync(rt, ['portfolio']);
    await rt.bus.drain();
    expect(pagesOf(rt, customersResync, requestId)).toEqual([]);
  });
});
