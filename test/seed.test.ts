import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../infra/local/runtime';
import { DEMO_USERS, seedDemo } from '../infra/local/seed';
import { as, client, eventually, testRuntime } from './support/runtime';

/** `npm start` seeds a demo organisation on first start; it must work as users will see it. */
let rt: Runtime;
beforeAll(async () => {
  rt = await testRuntime();
});
afterAll(async () => rt?.close());

describe('the demo organisation', () => {
  it('is seeded through the API, and every demo user sees what their roles allow', async () => {
    const admin = DEMO_USERS[0]!;
    const seeded = await seedDemo(rt.apiUrl, await rt.token({ user: admin.user, roles: admin.roles }));
    expect(seeded).toEqual({
      services: 3,
      cis: 28,
      relationships: 33,
      customers: 2,
      agreements: 4,
      tickets: 6,
      changes: 2,
      releases: 1,
    });

    // Releases (PR13): the fortnightly web shop strategy and a release bundling the approved standard change.
    const reuben = await as(rt, 'reuben', ['releases-manager']);
    const rels = await reuben.get<{
      items: { status: string; changes: { status?: string }[]; gate: { passed: boolean } }[];
    }>('/v1/releases');
    expect(rels.body.items).toEqual([
      expect.objectContaining({ status: 'planning', changes: [expect.objectContaining({ status: 'approved' })] }),
    ]);
    expect(rels.body.items[0]!.gate.passed).toBe(false);

    const staff = await as(rt, 'alice', ['process-staff']);
    expect((await staff.get<{ items: unknown[] }>('/v1/cis?limit=100')).body.items).toHaveLength(28);
    const live = await staff.get<{ items: Array<{ name: string }> }>('/v1/catalogue');
    expect(live.body.items.map((s) => s.name).sort()).toEqual(['ACME web shop', 'Email and calendar']);
    // The CMDB's copy of the portfolio arrives through the bus: impact names live services.
    const shop = await eventually(
      async () => {
        const cis = await staff.get<{ items: Array<{ ciId: string; name: string }> }>(
          '/v1/cis?typeId=application&limit=100',
        );
        const front = cis.body.items.find((c) => c.name === 'Web shop front end');
        if (!front) return undefined;
        const impact = await staff.get<{ services: Array<{ name: string | null; status: string }> }>(
          `/v1/cis/${front.ciId}/impact`,
        );
        return impact.body.services[0]?.status === 'live' ? impact.body.services : undefined;
      },
      10_000,
      'service copy',
    );
    expect(shop).toEqual([expect.objectContaining({ name: 'ACME web shop', status: 'live' })]);

    const carol = DEMO_USERS.find((u) => u.user === 'carol')!;
    const customer = client(
      rt,
      await rt.token({ user: carol.user, roles: carol.roles, ...(carol.customer ? { customer: carol.customer } : {}) }),
    );
    const theirs = await customer.get<{ items: Array<{ customerIds: string[] }> }>('/v1/cis?limit=100');
    expect(theirs.body.items.length).toBeGreaterThan(0);
    expect(theirs.body.items.every((c) => c.customerIds.includes('acme'))).toBe(true);

    // Customers (PR7): ACME and Globex, each with a primary contact receiving SLA notices.
    const crm = await as(rt, 'cora', ['customers-manager']);
    const customers = await crm.get<{ items: Array<{ customerId: string; accountManager: string }> }>('/v1/customers');
    expect(customers.body.items.map((c) => [c.customerId, c.accountManager])).toEqual([
      ['acme', 'user-cora'],
      ['globex', 'user-cora'],
    ]);
    const contacts = await crm.get<{
      items: Array<{ email: string; role: string; receivesServiceLevelNotices: boolean }>;
    }>('/v1/customers/acme/contacts');
    expect(contacts.body.items).toContainEqual(
      expect.objectContaining({ email: 'carol@acme.example', role: 'primary', receivesServiceLevelNotices: true }),
    );
    // Survey links go to the console's survey page (CONSOLE_URL): no base of its own is set.
    expect((await crm.get('/v1/survey-settings')).body).toMatchObject({ publicBaseUrl: '' });

    // Service levels (PR2): a default SLA, ACME's web shop SLA (which Carol sees), an OLA and a UA.
    const slm = await as(rt, 'sam', ['service-level-manager']);
    const agreements = await slm.get<{ items: Array<{ agreementId: string; kind: string; name: string }> }>(
      '/v1/agreements?limit=100',
    );
    expect(agreements.body.items.map((a) => a.kind).sort()).toEqual(['ola', 'sla', 'sla', 'ua']);
    const acmeSlas = await customer.get<{
      items: Array<{ agreementId: string; calendarId: string; warningShare: number; serviceIds: string[] }>;
    }>('/v1/agreements');
    expect(acmeSlas.body.items).toEqual([
      expect.objectContaining({ calendarId: 'office-berlin', warningShare: 0.75, status: 'active' }),
    ]);
    expect((await slm.get('/v1/calendars/office-berlin')).status).toBe(200);

    // Service desk (PR9): tickets in the queues, the web shop incident measured under ACME's SLA.
    const dana = await as(rt, 'dana', ['service-desk-manager']);
    const web = await dana.get<{ items: Array<{ ticketId: string; title: string; status: string }> }>(
      '/v1/queues/groups/web-team',
    );
    const checkout = web.body.items.find((t) => t.title === 'Web shop checkout fails with error 500');
    expect(checkout?.status).toBe('in-progress');
    const desk = await dana.get<{ items: Array<{ status: string; pendingReason?: string }> }>(
      '/v1/queues/groups/service-desk',
    );
    expect(desk.body.items.map((t) => t.pendingReason ?? t.status).sort()).toEqual([
      'awaiting-approval',
      'awaiting-caller',
      'new',
    ]);
    const mine = await customer.get<{ items: Array<{ status: string }> }>('/v1/queues/customer');
    expect(mine.body.items.map((t) => t.status).sort()).toEqual([
      'closed',
      'in-progress',
      'pending',
      'pending',
      'resolved',
    ]);
    const comments = await customer.get<{ items: unknown[] }>(`/v1/tickets/${checkout!.ticketId}/comments`);
    expect(comments.body.items).toHaveLength(1);
    const clocks = await eventually(
      async () => {
        const r = await dana.get<{ agreementId?: string }>(`/v1/tickets/${checkout!.ticketId}/clocks`);
        return r.status === 200 && r.body.agreementId ? r.body : undefined;
      },
      10_000,
      'clocks of the web shop incident',
    );
    expect(clocks.agreementId).toBe(acmeSlas.body.items[0]!.agreementId);

    // The closed ticket's survey reaches Carol, with a link to this API.
    const survey = await eventually(
      async () => rt.mailbox.messages('carol@acme.example').find((m) => m.subject.startsWith('How did we do?')),
      10_000,
      'survey mail',
    );
    expect(survey.text).toContain(`${rt.consoleUrl}/survey/`);
  }, 120_000); // a cold start for each instance the seed's parallel requests start (ADR 22)
});
