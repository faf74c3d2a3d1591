import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, eventually, testRuntime } from '../../../test/support/runtime';

/**
 * Search, pickers and exports as their users use them: tickets recorded through the service
 * desk's API, found through the reporting service's read model on the local runtime (PGlite
 * behind the local Data API), with customers kept to their organisation.
 */
let rt: Runtime;
let admin: Client;
let agent: Client;
let carol: Client;
let gina: Client;

type Line = {
  ticketId: string;
  number: string;
  title: string;
  status: string;
  priority: string;
  customerId?: string;
  assigneeId?: string;
  assignmentGroup?: string;
  ciIds: string[];
  sla?: { state: string };
  updatedAt: string;
};
type Page = { items: Line[]; total: { value: number; relation: string }; nextCursor?: string; asOf: string | null };
type Problem = { code: string; errors?: { field: string; message: string }[] };

const ok = <T>(r: { status: number; body: T }, status = 200): T => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
};

const created: Record<string, { ticketId: string; number: string; version: number }> = {};

beforeAll(async () => {
  rt = await testRuntime();
  admin = await as(rt, 'admin', [
    'service-desk-manager',
    'customers-manager',
    'configuration-manager',
    'reporting-manager',
  ]);
  agent = await as(rt, 'alice', ['process-staff']);
  carol = await as(rt, 'carol', ['customer-user'], 'acme');
  gina = await as(rt, 'gina', ['customer-user'], 'globex');
  for (const customerId of ['acme', 'globex']) {
    ok(
      await admin.post('/v1/customers', {
        customerId,
        name: customerId.toUpperCase(),
        accountManager: 'user-sam',
        services: [],
      }),
      201,
    );
  }
  await rt.bus.drain();
  const record = async (who: Client, key: string, body: Record<string, unknown>) => {
    created[key] = ok(
      await who.post<{ ticketId: string; number: string; version: number }>('/v1/incidents', body),
      201,
    );
  };
  await record(carol, 'checkout', {
    title: 'Checkout fails at payment',
    description: 'The payment page answers 502',
    urgency: 'high',
  });
  await record(carol, 'printer', { title: 'Printer on floor 3 jams', description: 'Paper jam every morning' });
  await record(gina, 'globex', { title: 'Checkout slow for Globex', description: 'Takes 30 s' });
  for (let i = 0; i < 12; i++) {
    await record(agent, `bulk${i}`, {
      title: `Laptop ${i} will not boot`,
      caller: { id: `user-bob${i % 3}`, name: `Bob ${i % 3}` },
      impact: i % 2 ? 'high' : 'low',
      urgency: 'high',
      assignmentGroup: 'desk',
    });
  }
  ok(
    await agent.post(`/v1/tickets/${created.printer!.ticketId}/comments`, {
      text: 'Toner zebra-striped',
      visibility: 'public',
    }),
    201,
  );
  ok(
    await agent.post(`/v1/tickets/${created.checkout!.ticketId}/comments`, {
      text: 'Walrus proxy suspected',
      visibility: 'internal',
    }),
    201,
  );
  // Everything recorded is in the read model once the last comment is searchable.
  await eventually(
    async () => {
      const r = await admin.get<Page>('/v1/tickets?q=walrus');
      const all = await admin.get<Page>('/v1/tickets?limit=1');
      return r.body.total?.value === 1 && all.body.total?.value === 15 ? true : undefined;
    },
    20_000,
    'the read model to hold every ticket and comment',
  );
}, 120_000);

afterAll(async () => {
  await rt?.close();
});

describe('ticket search', () => {
  it('finds by keyword in title, description and comments, stemmed, with a total and asOf', async () => {
    const page = ok(await agent.get<Page>('/v1/tickets?q=checkouts'));
    expect(page.items.map((i) => i.number).sort()).toEqual([created.checkout!.number, created.globex!.number].sort());
    expect(page.total).toEqual({ value: 2, relation: 'eq' });
    expect(page.asOf).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(ok(await agent.get<Page>('/v1/tickets?q=zebra')).items.map((i) => i.number)).toEqual([
      created.printer!.number,
    ]);
    expect(ok(await agent.get<Page>('/v1/tickets?q=walrus')).items.map((i) => i.number)).toEqual([
      created.checkout!.number,
    ]);
  });

  it('keeps customer users to their organisation, and internal comments from them', async () => {
    const mine = ok(await carol.get<Page>('/v1/tickets?limit=100'));
    expect(mine.items.length).toBe(2);
    expect(mine.items.every((i) => i.customerId === 'acme')).toBe(true);
    // No routing or SLA internals in a customer's lines.
    expect(mine.items.every((i) => i.assigneeId === undefined && i.sla === undefined)).toBe(true);
    // Asking for another organisation does not widen the scope.
    expect(ok(await carol.get<Page>('/v1/tickets?customerId=globex')).total.value).toBe(0);
    expect(ok(await gina.get<Page>('/v1/tickets?q=checkout')).items.map((i) => i.number)).toEqual([
      created.globex!.number,
    ]);
    // The internal comment's word finds nothing for the customer; the public one does.
    expect(ok(await carol.get<Page>('/v1/tickets?q=walrus')).total.value).toBe(0);
    expect(ok(await carol.get<Page>('/v1/tickets?q=zebra')).total.value).toBe(1);
    const refused = await carol.get<Problem>('/v1/tickets?assigneeId=user-alice&sort=deadline');
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('filter-not-allowed');
    expect(refused.body.errors?.map((e) => e.field).sort()).toEqual(['query.assigneeId', 'query.sort']);
  });

  it('combines filters and pages by cursor through every match exactly once, in order', async () => {
    const seen: Line[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page: Page = ok(
        await agent.get<Page>(
          `/v1/tickets?assignmentGroup=desk&status=new,assigned&sort=priority&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        ),
      );
      expect(page.total).toEqual({ value: 12, relation: 'eq' });
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen.map((s) => s.ticketId)).size).toBe(12);
    const ranks = seen.map((s) => Number(s.priority.slice(1)));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const p2 = ok(await agent.get<Page>('/v1/tickets?priority=P2&callerId=user-bob1'));
    expect(p2.items.every((i) => i.priority === 'P2')).toBe(true);
  });

  it('refuses a cursor it did not issue for this query, and bad filters, with the failing fields', async () => {
    const first = ok(await agent.get<Page>('/v1/tickets?limit=2'));
    const other = await agent.get<Problem>(
      `/v1/tickets?limit=2&status=new&cursor=${encodeURIComponent(first.nextCursor!)}`,
    );
    expect(other.status).toBe(400);
    expect(other.body.code).toBe('invalid-cursor');
    const bad = await agent.get<Problem>('/v1/tickets?status=new;drop&createdFrom=yesterday&sort=random');
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.field).sort()).toEqual(['query.createdFrom', 'query.sort', 'query.status']);
  });

  it('sees a change within seconds of the desk recording it', async () => {
    const t = created.printer!;
    const current = ok(await agent.get<{ version: number }>(`/v1/tickets/${t.ticketId}`));
    ok(await agent.patch(`/v1/tickets/${t.ticketId}`, { title: 'Printer on floor 3 jams quokka' }, current.version));
    await eventually(
      async () => ((await agent.get<Page>('/v1/tickets?q=quokka')).body.total?.value === 1 ? true : undefined),
      10_000,
      'the retitled ticket in search',
    );
  });
});

describe('pickers', () => {
  it('match ticket numbers and title words by prefix, literally', async () => {
    const prefix = created.checkout!.number.slice(0, 5).toLowerCase();
    const byNumber = ok(
      await agent.get<{ items: { id: string; label: string }[] }>(`/v1/pickers/tickets?prefix=${prefix}`),
    );
    expect(byNumber.items.length).toBeGreaterThan(0);
    const byWord = ok(
      await agent.get<{ items: { label: string; detail?: string }[] }>('/v1/pickers/tickets?prefix=lapt'),
    );
    expect(byWord.items.length).toBe(10);
    expect(ok(await agent.get<{ items: unknown[] }>('/v1/pickers/tickets?prefix=%25')).items).toEqual([]);
    const users = ok(await agent.get<{ items: { id: string }[] }>('/v1/pickers/users?prefix=user-bob'));
    expect(users.items.map((u) => u.id)).toEqual(['user-bob0', 'user-bob1', 'user-bob2']);
    // A customer's picker holds their organisation's tickets only.
    const carols = ok(await carol.get<{ items: { id: string }[] }>('/v1/pickers/tickets?prefix=checkout'));
    expect(carols.items.map((i) => i.id)).toEqual([created.checkout!.ticketId]);
    expect((await carol.get('/v1/pickers/groups?prefix=d')).status).toBe(403);
  });
});

describe('exports', () => {
  it('writes a search to a file the requester alone can download for 5 minutes', async () => {
    const job = ok(
      await carol.post<{ exportId: string; status: string }>('/v1/exports', {
        search: 'tickets',
        filters: {},
        format: 'csv',
      }),
      202,
    );
    const done = await eventually(
      async () => {
        const r = await carol.get<{ status: string; rows?: number; download?: { url: string; expiresAt: string } }>(
          `/v1/exports/${job.exportId}`,
        );
        return r.body.status === 'succeeded' ? r.body : undefined;
      },
      20_000,
      'the export',
    );
    expect(done.rows).toBe(2);
    expect(Date.parse(done.download!.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    const file = await fetch(done.download!.url);
    expect(file.status).toBe(200);
    const csv = await file.text();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toContain('number,type,title');
    expect(lines[0]).not.toContain('assigneeId');
    expect(lines.length).toBe(3);
    // Someone else, even an admin, does not see it.
    expect((await admin.get(`/v1/exports/${job.exportId}`)).status).toBe(404);
    // A tampered link is refused by the bucket.
    const tampered = done.download!.url.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
    );
    expect((await fetch(tampered)).status).toBe(403);
  });
});

describe('hostile input', () => {
  it('refuses a NUL character in keywords, filters and prefixes with the field, never a 5xx', async () => {
    for (const path of [
      '/v1/tickets?q=a%00b',
      '/v1/tickets?callerId=x%00',
      '/v1/pickers/users?prefix=%00',
      '/v1/search/services?q=%00',
    ]) {
      const r = await agent.get<Problem>(path);
      expect(r.status, path).toBe(400);
      expect(r.body.code, path).toBe('validation-failed');
    }
    // SQL in a keyword is only words to search for.
    expect((await agent.get<Page>('/v1/tickets?q=%27%3B%20drop%20table%20tickets%3B--')).status).toBe(200);
    expect(ok(await agent.get<Page>('/v1/tickets?limit=1')).total.value).toBeGreaterThan(0);
  });
});
