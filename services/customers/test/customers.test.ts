import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, testRuntime } from '../../../test/support/runtime';
import { customers } from '../service';

/** Customers, contacts, complaints and reviews as their users use them: over HTTP on the local runtime. */
let rt: Runtime;
let manager: Client;
let sam: Client;
let otherStaff: Client;
let auditor: Client;
let acmeUser: Client;
let globexUser: Client;

type Problem = { code: string; errors?: Array<{ field: string; message: string }> };
type Customer = {
  customerId: string;
  name: string;
  status: string;
  accountManager: string;
  services: Array<{ serviceId: string; since: string; notes?: string }>;
  notes?: string;
  version: number;
};
type Contact = { contactId: string; email: string; version: number; receivesServiceLevelNotices: boolean };
type Complaint = {
  complaintId: string;
  number: string;
  customerId: string;
  status: string;
  owner: string;
  actions: Array<{ id: string; done: boolean; doneAt?: string }>;
  version: number;
};
type Review = { reviewId: string; status: string; scheduledFor: string; satisfaction?: number; version: number };
type Page<T> = { items: T[]; nextCursor?: string };

beforeAll(async () => {
  rt = await testRuntime({ services: [customers] });
  manager = await as(rt, 'carol', ['customers-manager']);
  sam = await as(rt, 'sam', ['process-staff']);
  otherStaff = await as(rt, 'oscar', ['process-staff']);
  auditor = await as(rt, 'audrey', ['auditor']);
  acmeUser = await as(rt, 'carl', ['customer-user'], 'acme');
  globexUser = await as(rt, 'gina', ['customer-user'], 'globex');
  for (const [customerId, name] of [
    ['acme', 'Acme Corporation'],
    ['globex', 'Globex'],
  ] as const) {
    const res = await manager.post('/v1/customers', {
      customerId,
      name,
      accountManager: 'user-sam',
      services: [{ serviceId: 'SVC-1', since: '2026-01-01', notes: 'pilot' }],
      channels: { portal: true, email: `it@${customerId}.example`, escalation: 'account manager, then CRM manager' },
      notes: `internal: ${name} is price sensitive`,
    });
    expect(res.status).toBe(201);
  }
});

afterAll(async () => {
  await rt?.close();
});

describe('customers', () => {
  it('registers a customer with its chosen slug id, once', async () => {
    const created = await manager.post<Customer>('/v1/customers', {
      customerId: 'initech',
      name: 'Initech',
      accountManager: 'user-sam',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({ customerId: 'initech', status: 'active', services: [], version: 1 });
    const again = await manager.post<Problem>('/v1/customers', {
      customerId: 'initech',
      name: 'Initech 2',
      accountManager: 'user-sam',
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('customer-exists');
  });

  it('refuses bad input with field errors, never a 500', async () => {
    const bad = await manager.post<Problem>('/v1/customers', {
      customerId: 'Not A Slug',
      name: '',
      accountManager: 'user-sam',
      services: [
        { serviceId: 'SVC-1', since: 'yesterday' },
        { serviceId: 'SVC-2', since: '2026-01-01' },
      ],
      colour: 'red',
    });
    expect(bad.status).toBe(400);
    const fields = bad.body.errors?.map((e) => e.field) ?? [];
    expect(fields).toEqual(
      expect.arrayContaining(['body.customerId', 'body.name', 'body.services.0.since', 'body.colour']),
    );
    const dupe = await manager.post<Problem>('/v1/customers', {
      customerId: 'dupe-services',
      name: 'Dupe',
      accountManager: 'user-sam',
      services: [
        { serviceId: 'SVC-1', since: '2026-01-01' },
        { serviceId: 'SVC-1', since: '2026-02-01' },
      ],
    });
    expect(dupe.status).toBe(400);
    expect(dupe.body.errors).toEqual([{ field: 'body.services.1.serviceId', message: 'lists service SVC-1 twice' }]);
    expect((await manager.post('/v1/customers', 'not json')).status).toBe(400);
  });

  it('lets the account manager change a customer with If-Match; others get 403; stale gets 409', async () => {
    const c = (await manager.get<Customer>('/v1/customers/acme')).body;
    expect((await manager.call('PATCH', '/v1/customers/acme', { name: 'x' })).status).toBe(428);
    const forbidden = await otherStaff.patch<Problem>('/v1/customers/acme', { name: 'Acme' }, c.version);
    expect(forbidden.status).toBe(403);
    const changed = await sam.patch<Customer>(
      '/v1/customers/acme',
      {
        services: [...c.services, { serviceId: 'SVC-2', since: '2026-03-01' }],
        reason: 'ordered storage',
      },
      c.version,
    );
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBe(c.version + 1);
    expect(changed.body.services.map((s) => s.serviceId)).toEqual(['SVC-1', 'SVC-2']);
    const stale = await sam.patch<Problem>('/v1/customers/acme', { name: 'Acme Inc' }, c.version);
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('version-conflict');
    const history =
      await auditor.get<Page<{ action: string; reason?: string; actor: { id: string } }>>('/v1/customers/acme/history');
    expect(history.body.items[0]).toMatchObject({
      action: 'updated',
      reason: 'ordered storage',
      actor: { id: 'user-sam' },
    });
    expect(history.body.items.at(-1)?.action).toBe('registered');
  });

  it('lists customers by id, by status and by account manager through indexes', async () => {
    const all = await auditor.get<Page<Customer>>('/v1/customers?limit=100');
    expect(all.body.items.map((c) => c.customerId)).toEqual(expect.arrayContaining(['acme', 'globex']));
    const c = (await manager.get<Customer>('/v1/customers/globex')).body;
    await manager.patch('/v1/customers/globex', { status: 'inactive' }, c.version);
    const inactive = await auditor.get<Page<Customer>>('/v1/customers?status=inactive');
    expect(inactive.body.items.map((x) => x.customerId)).toEqual(['globex']);
    const samS = await auditor.get<Page<Customer>>('/v1/customers?accountManager=user-sam&limit=100');
    expect(samS.body.items.map((x) => x.customerId)).toEqual(expect.arrayContaining(['acme', 'globex']));
    const page = await auditor.get<Page<Customer>>('/v1/customers?limit=1');
    expect(page.body.items).toHaveLength(1);
    expect(page.body.nextCursor).toBeDefined();
    const back = (await manager.get<Customer>('/v1/customers/globex')).body;
    await manager.patch('/v1/customers/globex', { status: 'active' }, back.version);
  });
});

describe('customer scoping', () => {
  it('lets a customer user read only their own organisation, without internal notes', async () => {
    const own = await acmeUser.get<Customer>('/v1/customers/acme');
    expect(own.status).toBe(200);
    expect(own.body.name).toBe('Acme Corporation');
    expect(own.body.notes).toBeUndefined();
    expect((await manager.get<Customer>('/v1/customers/acme')).body.notes).toMatch(/price sensitive/);
    const other = await acmeUser.get<Problem>('/v1/customers/globex');
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('customer-not-found');
    const list = await acmeUser.get<Page<Customer>>('/v1/customers');
    expect(list.body.items.map((c) => c.customerId)).toEqual(['acme']);
    expect(list.body.items[0]?.notes).toBeUndefined();
    expect((await acmeUser.get('/v1/customers/globex/contacts')).status).toBe(404);
    expect((await acmeUser.get('/v1/customers/acme/history')).status).toBe(403);
    expect((await acmeUser.post('/v1/customers', { customerId: 'x', name: 'x', accountManager: 'u' })).status).toBe(
      403,
    );
  });
});

describe('contacts', () => {
  it('adds, changes, lists and removes contacts, keeping the notice index in step', async () => {
    const add = await sam.post<Contact>('/v1/customers/acme/contacts', {
      name: 'Pat Primary',
      email: 'Pat@Acme.example',
      phone: '+1 555 0100',
      role: 'primary',
      receivesServiceLevelNotices: true,
      portalUser: true,
    });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ email: 'pat@acme.example', receivesServiceLevelNotices: true, version: 1 });
    const tech = await sam.post<Contact>('/v1/customers/acme/contacts', {
      name: 'Tess Tech',
      email: 'tess@acme.example',
      role: 'technical',
    });
    expect(tech.body.receivesServiceLevelNotices).toBe(false);
    const bad = await sam.post<Problem>('/v1/customers/acme/contacts', { name: 'X', email: 'nope', role: 'boss' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.field)).toEqual(['body.email', 'body.role']);
    expect((await otherStaff.post('/v1/customers/acme/contacts', { name: 'X', email: 'x@y.z' })).status).toBe(403);
    expect((await sam.post('/v1/customers/nobody/contacts', { name: 'X', email: 'x@y.z' })).status).toBe(404);

    const changed = await sam.patch<Contact>(
      `/v1/customers/acme/contacts/${tech.body.contactId}`,
      { receivesServiceLevelNotices: true, phone: '+1 555 0101' },
      1,
    );
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBe(2);

    const list = await acmeUser.get<Page<Contact>>('/v1/customers/acme/contacts');
    expect(list.status).toBe(200);
    expect(list.body.items.map((c) => c.email)).toEqual(['pat@acme.example', 'tess@acme.example']);

    const gone = await sam.call('DELETE', `/v1/customers/acme/contacts/${tech.body.contactId}`, undefined, {
      'if-match': '"2"',
    });
    expect(gone.status).toBe(204);
    expect((await sam.get(`/v1/customers/acme/contacts/${tech.body.contactId}`)).status).toBe(404);
    const history = await auditor.get<Page<{ action: string }>>('/v1/customers/acme/history?limit=5');
    expect(history.body.items[0]?.action).toBe('contact Tess Tech removed');
  });
});

describe('complaints', () => {
  it('lets a customer user register and read their own organisation complaints only', async () => {
    const mine = await acmeUser.post<Complaint>('/v1/complaints', {
      subject: 'Slow responses',
      description: 'Tickets wait days for a first answer.',
    });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({
      number: expect.stringMatching(/^CMP-1\d\d$/),
      customerId: 'acme',
      status: 'registered',
      owner: 'user-sam',
      channel: 'portal',
    });
    const forOther = await acmeUser.post<Problem>('/v1/complaints', {
      customerId: 'globex',
      subject: 'x',
      description: 'x',
    });
    expect(forOther.status).toBe(400);
    expect(forOther.body.errors?.[0]?.field).toBe('body.customerId');
    const theirs = await globexUser.post<Complaint>('/v1/complaints', { subject: 'Outage', description: 'Down' });
    expect((await acmeUser.get(`/v1/complaints/${theirs.body.number}`)).status).toBe(404);
    expect((await acmeUser.get(`/v1/complaints/${mine.body.number}`)).status).toBe(200);
    const list = await acmeUser.get<Page<Complaint>>('/v1/complaints?limit=100');
    expect(list.body.items.every((c) => c.customerId === 'acme')).toBe(true);
    expect(list.body.items.map((c) => c.number)).toContain(mine.body.number);
    const staffList = await auditor.get<Page<Complaint>>('/v1/complaints?status=registered&limit=100');
    expect(staffList.body.items.map((c) => c.number)).toEqual(
      expect.arrayContaining([mine.body.number, theirs.body.number]),
    );
    expect((await acmeUser.post(`/v1/complaints/${mine.body.number}/response`, { response: 'x' })).status).toBe(403);
    const unknown = await manager.post<Problem>('/v1/complaints', {
      customerId: 'nobody',
      subject: 'x',
      description: 'x',
    });
    expect(unknown.status).toBe(400);
  });

  it('cannot close before a response or while a follow-up action is open, then closes and announces it', async () => {
    const c = (
      await sam.post<Complaint>('/v1/complaints', {
        customerId: 'acme',
        subject: 'Wrong invoice',
        description: 'Billed twice',
        channel: 'email',
      })
    ).body;
    const early = await sam.post<Problem>(`/v1/complaints/${c.number}/closure`, { note: 'done' });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('complaint-not-responded');
    const responded = await sam.post<Complaint>(`/v1/complaints/${c.number}/response`, {
      response: 'We will refund the second charge.',
      actions: [
        { id: 'refund', text: 'Refund the duplicate charge', owner: 'user-bill' },
        { id: 'root-cause', text: 'Find why billing ran twice', owner: 'user-sam' },
      ],
    });
    expect(responded.status).toBe(200);
    expect(responded.body.status).toBe('responded');
    const blocked = await sam.post<Problem & { detail: string }>(`/v1/complaints/${c.number}/closure`, {
      note: 'done',
    });
    expect(blocked.status).toBe(409);
    expect(blocked.body.code).toBe('complaint-open-actions');
    expect(blocked.body.detail).toMatch(/refund, root-cause/);
    const done = await sam.patch<Complaint>(
      `/v1/complaints/${c.number}`,
      {
        actions: [
          { id: 'refund', text: 'Refund the duplicate charge', owner: 'user-bill', done: true },
          { id: 'root-cause', text: 'Find why billing ran twice', owner: 'user-sam', done: true },
        ],
      },
      responded.body.version,
    );
    expect(done.status).toBe(200);
    expect(done.body.actions.every((a) => a.done && a.doneAt)).toBe(true);
    const closed = await sam.post<Complaint>(`/v1/complaints/${c.number}/closure`, { note: 'Refunded; fixed.' });
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
    expect((await sam.post<Problem>(`/v1/complaints/${c.number}/closure`, { note: 'again' })).body.code).toBe(
      'complaint-closed',
    );
    await rt.bus.drain();
    const events = rt.bus
      .published()
      .filter((e) => (e.detail as { data: { number?: string } }).data?.number === c.number)
      .map((e) => e['detail-type']);
    expect(events).toEqual(['ComplaintRegistered', 'ComplaintResponded', 'ComplaintChanged', 'ComplaintClosed']);
    const history = await auditor.get<Page<{ action: string }>>(`/v1/complaints/${c.complaintId}/history`);
    expect(history.body.items.map((h) => h.action)).toEqual(['closed', 'updated', 'responded', 'registered']);
  });
});

describe('service reviews', () => {
  it('plans reviews, lists upcoming ones by date, and records an outcome once', async () => {
    const soon = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const plan = (when: string, customerId = 'acme') =>
      sam.post<Review>(`/v1/customers/${customerId}/reviews`, {
        scheduledFor: when,
        serviceIds: ['SVC-1', 'SVC-2'],
        participants: [{ name: 'Pat Primary', email: 'pat@acme.example', organisation: 'Acme' }],
        agenda: 'SLA results Q4, open complaints',
      });
    const second = await plan(later);
    const first = await plan(soon, 'globex');
    expect(first.status).toBe(201);
    expect(first.body.status).toBe('planned');
    expect((await plan('tomorrow')).status).toBe(400);
    expect((await otherStaff.post('/v1/customers/acme/reviews', { scheduledFor: soon, participants: [] })).status).toBe(
      400,
    );

    const upcoming = await auditor.get<Page<Review>>('/v1/upcoming-reviews');
    expect(upcoming.body.items.map((r) => r.reviewId)).toEqual([first.body.reviewId, second.body.reviewId]);
    const window = await auditor.get<Page<Review>>(
      `/v1/upcoming-reviews?to=${encodeURIComponent(new Date(Date.now() + 10 * 86_400_000).toISOString())}`,
    );
    expect(window.body.items.map((r) => r.reviewId)).toEqual([first.body.reviewId]);
    // A window that ends before it starts is the caller's mistake: 400 naming `to`, never a 500.
    const upsideDown = await auditor.get<Problem>(
      '/v1/upcoming-reviews?from=2027-02-01T00:00:00Z&to=2027-01-01T00:00:00Z',
    );
    expect([upsideDown.status, upsideDown.body.errors?.[0]?.field]).toEqual([400, 'query.to']);

    const outcome = await sam.post<Review>(`/v1/customers/globex/reviews/${first.body.reviewId}/outcome`, {
      minutes: 'Reviewed SLA results; customer satisfied with response times.',
      satisfaction: 4,
      actions: [{ text: 'Send capacity forecast', owner: 'user-sam', due: '2027-01-15' }],
    });
    expect(outcome.status).toBe(200);
    expect(outcome.body).toMatchObject({ status: 'held', satisfaction: 4 });
    const twice = await sam.post<Problem>(`/v1/customers/globex/reviews/${first.body.reviewId}/outcome`, {
      minutes: 'again',
      satisfaction: 3,
    });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('review-held');
    const after = await auditor.get<Page<Review>>('/v1/upcoming-reviews');
    expect(after.body.items.map((r) => r.reviewId)).toEqual([second.body.reviewId]);
    // Customer users read their own reviews, not others'.
    expect((await globexUser.get<Page<Review>>('/v1/customers/globex/reviews')).body.items[0]?.satisfaction).toBe(4);
    expect((await acmeUser.get(`/v1/customers/globex/reviews/${first.body.reviewId}`)).status).toBe(404);
  });
});

describe('communications', () => {
  it('records calls and meetings in the customer log, newest first', async () => {
    const rec = await sam.post('/v1/customers/acme/communications', {
      kind: 'phone',
      subject: 'Quarterly check-in',
      summary: 'Discussed renewal',
    });
    expect(rec.status).toBe(201);
    const bad = await sam.post<Problem>('/v1/customers/acme/communications', {
      kind: 'sla-violation-notice',
      subject: 'x',
      summary: 'x',
    });
    expect(bad.status).toBe(400);
    // Notices are written by the service from events, never recorded by hand.
    const forged = await sam.post<Problem>('/v1/customers/acme/communications', {
      kind: 'change-notice',
      subject: 'x',
      summary: 'x',
    });
    expect(forged.status).toBe(400);
    expect(forged.body.errors?.map((e) => e.field)).toEqual(['body.kind']);
    const log = await acmeUser.get<Page<{ kind: string; subject: string }>>('/v1/customers/acme/communications');
    expect(log.body.items[0]).toMatchObject({ kind: 'phone', subject: 'Quarterly check-in' });
  });
});
