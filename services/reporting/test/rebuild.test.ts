import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, eventually, testRuntime } from '../../../test/support/runtime';
import type { ReadModel } from '../db/schema';
import { applyEvent } from '../use-cases/apply-event';
import { dump, ownerDb } from './runtime-db';

/**
 * The read model is a copy: rebuilt from the owners (ResyncRequested → RecordsResynced pages) it
 * equals the one the live events built, and both equal what the owners' own APIs answer; the same
 * events delivered shuffled and twice build the same model.
 */
let rt: Runtime;
let admin: Client;
let db: Kysely<ReadModel>;
const TICKETS = 180;

const ok = <T>(r: { status: number; body: T }, status = 200): T => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
};

/** Until the bus, the streams and the consumers are quiet and the read model holds the counts. */
async function settled(counts: Record<string, number>) {
  await eventually(
    async () => {
      await rt.bus.drain();
      await rt.drainStreams();
      const status = (await admin.get<{ counts: Record<string, number> }>('/v1/read-model')).body;
      return Object.entries(counts).every(([k, n]) => (status.counts?.[k] ?? 0) === n) ? status : undefined;
    },
    60_000,
    `the read model to hold ${JSON.stringify(counts)}`,
  );
}

const EXPECTED = { ticket: TICKETS, 'ticket-comment': 20, ci: 12, service: 6, customer: 4, complaint: 4, agreement: 2 };

beforeAll(async () => {
  rt = await testRuntime();
  admin = await as(rt, 'admin', [
    'portfolio-manager',
    'service-level-manager',
    'service-desk-manager',
    'customers-manager',
    'configuration-manager',
    'reporting-manager',
  ]);
  db = ownerDb(rt);
  const services: string[] = [];
  for (let i = 0; i < 6; i++) {
    const s = ok(
      await admin.post<{ serviceId: string }>('/v1/services', {
        name: `Service ${i}`,
        description: `Runs thing ${i}`,
        owner: 'user-admin',
        status: 'planned',
      }),
      201,
    );
    services.push(s.serviceId);
  }
  for (const c of ['acme', 'globex', 'initech', 'umbrella']) {
    ok(
      await admin.post('/v1/customers', {
        customerId: c,
        name: c.toUpperCase(),
        accountManager: 'user-sam',
        services: [],
      }),
      201,
    );
    ok(
      await admin.post('/v1/complaints', {
        customerId: c,
        subject: `Slow answers for ${c}`,
        description: 'We waited a week',
      }),
      201,
    );
  }
  await admin.post('/v1/ci-types', { typeId: 'server', name: 'Server', attributes: [] });
  for (let i = 0; i < 12; i++) {
    ok(await admin.post('/v1/cis', { typeId: 'server', name: `srv-${i}`, attributes: {}, status: 'active' }), 201);
  }
  ok(
    await admin.post('/v1/calendars', {
      calendarId: 'always',
      name: 'Always',
      calendar: { timeZone: 'UTC', twentyFourSeven: true },
    }),
    201,
  );
  for (const c of ['acme', 'globex']) {
    ok(
      await admin.post('/v1/agreements', {
        kind: 'sla',
        name: `${c} SLA`,
        customerId: c,
        serviceIds: [services[0]],
        calendarId: 'always',
        targets: { P1: { firstResponseMinutes: 15, resolutionMinutes: 60 } },
        warningShare: 0.75,
        reviewDate: '2027-06-30',
        status: 'active',
      }),
      201,
    );
  }
  await rt.bus.drain();
  // Recorded six at a time, as a busy desk would.
  const tickets: string[] = new Array(TICKETS);
  for (let start = 0; start < TICKETS; start += 6) {
    await Promise.all(
      Array.from({ length: Math.min(6, TICKETS - start) }, async (_, k) => {
        const i = start + k;
        const t = ok(
          await admin.post<{ ticketId: string }>('/v1/incidents', {
            title: `Incident ${i} on ${['mail', 'vpn', 'shop'][i % 3]}`,
            description: `Details ${i}`,
            caller: { id: `user-c${i % 7}`, name: `Caller ${i % 7}` },
            customerId: ['acme', 'globex', 'initech', 'umbrella'][i % 4],
            serviceId: services[0],
            impact: 'high',
            urgency: i % 2 ? 'high' : 'low',
          }),
          201,
        );
        tickets[i] = t.ticketId;
      }),
    );
  }
  for (let i = 0; i < 20; i++) {
    ok(
      await admin.post(`/v1/tickets/${tickets[i]}/comments`, {
        text: `Note ${i} ${i % 2 ? 'internal' : 'public'}`,
        visibility: i % 2 ? 'internal' : 'public',
      }),
      201,
    );
  }
  await settled(EXPECTED);
}, 300_000);

afterAll(async () => {
  await db?.destroy();
  await rt?.close();
});

describe('rebuild from the owners', () => {
  it('equals the owners field by field for 200 sampled records', async () => {
    const tickets = (
      await sql<{
        ticket_id: string;
        doc: string;
      }>`SELECT ticket_id, doc::text AS doc FROM tickets ORDER BY ticket_id`.execute(db)
    ).rows;
    const records = (
      await sql<{
        kind: string;
        id: string;
        doc: string;
      }>`SELECT kind, id, doc::text AS doc FROM records ORDER BY kind, id`.execute(db)
    ).rows;
    let compared = 0;
    const same = (copy: Record<string, unknown>, owner: Record<string, unknown>, fields: string[], what: string) => {
      for (const f of fields) {
        if (copy[f] === undefined && owner[f] === undefined) continue;
        expect(copy[f], `${what}.${f}`).toEqual(owner[f]);
      }
      compared++;
    };
    for (const t of tickets) {
      const copy = JSON.parse(t.doc) as Record<string, unknown>;
      const owner = ok(await admin.get<Record<string, unknown>>(`/v1/tickets/${t.ticket_id}`));
      same(
        copy,
        owner,
        [
          'ticketId',
          'number',
          'title',
          'description',
          'status',
          'priority',
          'customerId',
          'serviceId',
          'major',
          'version',
          'createdAt',
        ],
        `ticket ${copy.number}`,
      );
    }
    const routes: Record<string, (id: string) => string> = {
      ci: (id) => `/v1/cis/${id}`,
      service: (id) => `/v1/services/${id}`,
      customer: (id) => `/v1/customers/${id}`,
      complaint: (id) => `/v1/complaints/${id}`,
      agreement: (id) => `/v1/agreements/${id}`,
    };
    for (const r of records) {
      const copy = JSON.parse(r.doc) as Record<string, unknown>;
      const owner = ok(await admin.get<Record<string, unknown>>(routes[r.kind]!(r.id)));
      same(
        copy,
        owner,
        ['name', 'status', 'version', 'number', 'description', 'owner', 'customerId'],
        `${r.kind} ${r.id}`,
      );
    }
    expect(compared).toBeGreaterThanOrEqual(200);
  });

  it('rebuilt from resync pages, equals the live model, and removes what no owner holds', async () => {
    const live = await dump(db);
    // Damage the copy: lose rows, garble one, and hold a ticket nobody has.
    await sql`DELETE FROM tickets WHERE ticket_id IN (SELECT ticket_id FROM tickets ORDER BY ticket_id LIMIT 10)`.execute(
      db,
    );
    await sql`DELETE FROM records WHERE kind = 'ci'`.execute(db);
    await sql`DELETE FROM ticket_comments WHERE comment_id IN (SELECT comment_id FROM ticket_comments LIMIT 5)`.execute(
      db,
    );
    await sql`UPDATE tickets SET title = 'garbled', status = 'closed' WHERE ticket_id = (SELECT max(ticket_id) FROM tickets)`.execute(
      db,
    );
    const ghost = (
      await sql<{ ticket_id: string }>`SELECT ticket_id FROM tickets ORDER BY ticket_id DESC LIMIT 1`.execute(db)
    ).rows[0]!;
    await sql`INSERT INTO tickets (ticket_id, number, type, version, title, status, priority, priority_rank, caller_id, major, created_at, updated_at, doc, text_tsv, applied_at)
      SELECT 'GHOST', 'INC-0', type, 1, 'ghost', status, priority, priority_rank, caller_id, major, created_at, updated_at, doc, text_tsv, now() - interval '1 hour'
      FROM tickets WHERE ticket_id = ${ghost.ticket_id}`.execute(db);
    expect((await dump(db)).tickets).not.toEqual(live.tickets);

    const asked = ok(await admin.post<{ rebuildId: string }>('/v1/read-model/rebuilds', {}), 202);
    const done = await eventually(
      async () => {
        await rt.bus.drain();
        const r = (await admin.get<{ status: string; swept?: number }>(`/v1/read-model/rebuilds/${asked.rebuildId}`))
          .body;
        return r.status === 'completed' ? r : undefined;
      },
      120_000,
      'the rebuild to complete',
    );
    expect(done.swept).toBe(1);
    const rebuilt = await dump(db);
    expect(rebuilt.tickets).toEqual(live.tickets);
    expect(rebuilt.comments).toEqual(live.comments);
    expect(rebuilt.clocks).toEqual(live.clocks);
    expect(rebuilt.records).toEqual(live.records);
  }, 180_000);

  it('builds the same model from the same events delivered shuffled and twice', async () => {
    const live = await dump(db);
    // Every record event the read model was built from, as the bus delivered them.
    const events: { detailType: string; source: string; data: Record<string, unknown> }[] = [];
    let cursor: string | undefined;
    do {
      const page = await rt.bus.events({ limit: 100, ...(cursor ? { cursor } : {}) });
      for (const e of page.items) {
        if (!e.event.source.startsWith('itsm.') || e.event.source === 'itsm.reporting') continue;
        const detail = e.event.detail as { data: Record<string, unknown> };
        events.push({ detailType: e.event['detail-type'], source: e.event.source, data: detail.data });
      }
      cursor = page.cursor;
    } while (cursor);
    expect(events.length).toBeGreaterThan(TICKETS);
    await sql`TRUNCATE tickets, ticket_comments, ticket_sla, records, people`.execute(db);
    // A fixed-seed shuffle of every event twice over.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const twice = [...events, ...events];
    for (let i = twice.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [twice[i], twice[j]] = [twice[j]!, twice[i]!];
    }
    for (const e of twice) await applyEvent(db, e.detailType, e.data);
    const replayed = await dump(db);
    expect(replayed.tickets).toEqual(live.tickets);
    expect(replayed.comments).toEqual(live.comments);
    expect(replayed.clocks).toEqual(live.clocks);
    expect(replayed.records).toEqual(live.records);
  }, 180_000);
});
