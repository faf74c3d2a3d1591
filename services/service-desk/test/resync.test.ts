import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { Runtime } from '../../../infra/local/runtime';
import { serviceDeskResync, TicketComment } from '../../../shared/contracts/service-desk/v1';
import type { Role } from '../../../shared/kit/roles';
import {
  continuationsOf,
  pagesOf,
  recordsOf,
  requestResync,
  resyncedRecords,
  withResyncSettings,
} from '../../../test/support/resync';
import { type Client, client, testRuntime } from '../../../test/support/runtime';
import { serviceDesk } from '../service';

/** The desk answers ResyncRequested with every ticket and comment, as their live events carry them (ADR 28). */
let rt: Runtime;
let alice: Client;
let carl: Client;

type Ticket = { ticketId: string; number: string; version: number };
type Data = Record<string, unknown>;

const as = async (user: string, roles: Role[], customer?: string) =>
  client(rt, await rt.token({ user, roles, email: `${user}@acme.example`, ...(customer ? { customer } : {}) }));

beforeAll(async () => {
  // Small pages, three tickets per batch and no work time: paging and continuations show on a few tickets.
  rt = await testRuntime({
    services: [withResyncSettings(serviceDesk, { pageBytes: 3000, batchSize: 3, workSeconds: 0 })],
  });
  alice = await as('alice', ['process-staff']);
  carl = await as('carl', ['customer-user'], 'acme');
});

afterAll(async () => {
  await rt?.close();
});

/** The newest live ticket snapshot of each ticket, and every comment event, from what the desk published. */
function live() {
  const tickets = new Map<string, Data>();
  const comments: Data[] = [];
  for (const e of rt.bus.published()) {
    if (e.source !== 'itsm.service-desk') continue;
    const data = (e.detail as { data: Data }).data;
    if (e['detail-type'] === 'TicketCommented') comments.push(data);
    const t = data.ticket as Data | undefined;
    if (!t) continue;
    const known = tickets.get(String(t.ticketId));
    if (!known || Number(known.version) < Number(t.version)) tickets.set(String(t.ticketId), t);
  }
  return { tickets, comments };
}

describe('resync', () => {
  const created: Ticket[] = [];
  const body = (i: number) => ({
    title: `Printer ${i} jams`,
    description: `Paper jam number ${i}, reported on the third floor`,
    channel: 'phone',
    caller: { id: 'user-dora', name: 'Dora', email: 'dora@acme.example' },
    customerId: 'acme',
    category: ['network', 'vpn'],
    ciIds: [`ci-${i}`],
    impact: 'medium',
    urgency: 'high',
  });

  beforeAll(async () => {
    for (let i = 1; i <= 4; i++) {
      const res = await alice.post<Ticket>('/v1/incidents', body(i));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      created.push(res.body);
    }
    const req = await alice.post<Ticket>('/v1/requests', { ...body(5), title: 'New laptop' });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    created.push(req.body);
    const [first, second] = created;
    for (const [by, visibility, text] of [
      [alice, 'public', 'We are on it'],
      [alice, 'internal', 'Looks like the fuser'],
      [carl, 'public', 'Thanks!'],
    ] as const) {
      const res = await by.post(`/v1/tickets/${first!.ticketId}/comments`, { visibility, text });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const res = await alice.post(`/v1/tickets/${second!.ticketId}/comments`, {
      visibility: 'internal',
      text: 'Ask Bob',
    });
    expect(res.status).toBe(201);
    await rt.drainStreams();
    await rt.bus.drain();
  });

  it('announces every comment with its visibility as TicketCommented', () => {
    const { comments } = live();
    expect(comments.map((c) => z.parse(TicketComment, c))).toHaveLength(4);
    expect(
      comments.map((c) => [(c.comment as Data).visibility, (c.comment as Data).text, (c.comment as Data).byCaller]),
    ).toEqual([
      ['public', 'We are on it', false],
      ['internal', 'Looks like the fuser', false],
      ['public', 'Thanks!', false],
      ['internal', 'Ask Bob', false],
    ]);
    expect(comments[0]).toMatchObject({
      ticketId: created[0]!.ticketId,
      number: created[0]!.number,
      customerId: 'acme',
    });
  });

  it('publishes every ticket and comment exactly as their live events carry them, over several pages', async () => {
    // Act
    const requestId = await requestResync(rt);
    const pages = await resyncedRecords(rt, serviceDeskResync, requestId);

    // Assess: tickets equal their newest live snapshot (with what search needs), comments their events.
    const { tickets, comments } = live();
    const records = recordsOf(pages, 'ticket');
    expect(records.map((r) => r.number)).toEqual(created.map((t) => t.number));
    for (const r of records) expect(r).toEqual(tickets.get(String(r.ticketId)));
    expect(records[0]).toMatchObject({
      description: 'Paper jam number 1, reported on the third floor',
      category: ['network', 'vpn'],
      ciIds: ['ci-1'],
      relatedIds: [],
      callerName: 'Dora',
    });
    expect(recordsOf(pages, 'ticket-comment')).toEqual(comments);
    expect(pages.get('ticket')!.length).toBeGreaterThan(1);
  });

  it('hands a long resync on to the next invocation', async () => {
    // Act: three tickets per batch and no work time.
    const requestId = await requestResync(rt, ['service-desk']);
    await resyncedRecords(rt, serviceDeskResync, requestId);

    // Assess: per record type, 4 incidents in 2 batches then 1 request in a third, the last
    // batch finding nothing more: 3 hand-overs within each type and 1 between the types.
    expect(continuationsOf(rt, serviceDeskResync, requestId)).toHaveLength(7);
  });

  it('does nothing when the request names other services', async () => {
    const requestId = await requestResync(rt, ['portfolio']);
    await rt.bus.drain();
    expect(pagesOf(rt, serviceDeskResync, requestId)).toEqual([]);
  });
});
