import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { type Client, client, testRuntime } from '../../../test/support/runtime';
import { serviceDesk } from '../service';

/**
 * Races on one ticket through the HTTP API on the local runtime, whose DynamoDB cancels
 * contended transactions as AWS does (ADR 0017).
 */
let rt: Runtime;
let alice: Client;
let carl: Client;

type Ticket = { ticketId: string; number: string; version: number; status: string };
type Problem = { code: string; status: number };
type Page<T> = { items: T[]; nextCursor?: string };

beforeAll(async () => {
  rt = await testRuntime({ services: [serviceDesk] });
  alice = client(rt, await rt.token({ user: 'alice', roles: ['process-staff'], email: 'alice@acme.example' }));
  carl = client(
    rt,
    await rt.token({ user: 'carl', roles: ['customer-user'], customer: 'acme', email: 'carl@acme.example' }),
  );
});

afterAll(async () => {
  await rt?.close();
});

const history = async (ticketId: string) =>
  (await alice.get<Page<{ action: string }>>(`/v1/tickets/${ticketId}/history?limit=100`)).body.items;

describe('concurrent changes of one ticket', () => {
  it('accepts 50 concurrent public comments sent without If-Match: 50 × 201, version + 50', async () => {
    // Prepare
    const t = (await carl.post<Ticket>('/v1/incidents', { title: 'Printer on fire' })).body;
    const entriesBefore = (await history(t.ticketId)).length;

    // Act: no If-Match, so none of them may be told its version is stale.
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? alice : carl).post<Problem>(`/v1/tickets/${t.ticketId}/comments`, { text: `comment ${i}` }),
      ),
    );

    // Assess
    const statuses = replies.map((r) => (r.status === 201 ? 201 : `${r.status} ${r.body.code}`));
    expect(statuses).toEqual(Array(50).fill(201));
    const after = (await alice.get<Ticket>(`/v1/tickets/${t.ticketId}`)).body;
    expect(after.version).toBe(t.version + 50);
    expect(await history(t.ticketId)).toHaveLength(entriesBefore + 50);
    const comments = (await alice.get<Page<{ text: string }>>(`/v1/tickets/${t.ticketId}/comments?limit=100`)).body;
    expect(new Set(comments.items.map((c) => c.text)).size).toBe(50);
  });

  it('resolves once when 20 resolves race: one 200, the rest 409 invalid-transition, one history entry, one mail', async () => {
    // Prepare
    const t = (await carl.post<Ticket>('/v1/incidents', { title: 'Laptop will not boot' })).body;
    const resolution = { resolutionCode: 'fixed', resolutionSummary: 'Replaced the battery' };

    // Act
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => alice.post<Problem>(`/v1/tickets/${t.ticketId}/resolve`, resolution)),
    );
    await rt.bus.drain();

    // Assess
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused.map((r) => `${r.status} ${r.body.code}`)).toEqual(Array(19).fill('409 invalid-transition'));
    const after = (await alice.get<Ticket>(`/v1/tickets/${t.ticketId}`)).body;
    expect(after).toMatchObject({ status: 'resolved', version: t.version + 1 });
    expect((await history(t.ticketId)).filter((h) => h.action === 'resolved')).toHaveLength(1);
    const resolvedEvents = rt.bus
      .published()
      .filter(
        (e) =>
          e['detail-type'] === 'TicketResolved' &&
          (e.detail as { data: { ticket: { ticketId: string } } }).data.ticket.ticketId === t.ticketId,
      );
    expect(resolvedEvents).toHaveLength(1);
    const mails = rt.mailbox.messages().filter((m) => m.tags.ticket === t.number && m.tags.kind === 'resolved');
    expect(mails).toHaveLength(1);
  });
});
