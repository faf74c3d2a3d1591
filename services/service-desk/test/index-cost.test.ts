import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as names from '../../../infra/local/names';
import type { Runtime } from '../../../infra/local/runtime';
import type { Role } from '../../../shared/kit/roles';
import { publishEvents } from '../../../test/support/events';
import { type Client, client, eventually, testRuntime } from '../../../test/support/runtime';
import { serviceDesk } from '../service';

let rt: Runtime;
let alice: Client;

type Ticket = { ticketId: string; number: string; version: number; status: string };

const as = async (user: string, roles: Role[], customer?: string) =>
  client(rt, await rt.token({ user, roles, email: `${user}@acme.example`, ...(customer ? { customer } : {}) }));

beforeAll(async () => {
  rt = await testRuntime({ services: [serviceDesk] });
  alice = await as('alice', ['process-staff']);
});

afterAll(async () => {
  await rt?.close();
});

const TABLE = names.tableName('service-desk');
const written = () => rt.dynamodb.meter.get(TABLE)?.writeUnits ?? 0;

/** Wait until nothing more is written (outbox relay, event consumers), then return the meter. */
async function settled(): Promise<number> {
  await rt.bus.drain();
  let last = written();
  for (let quiet = 0; quiet < 4; ) {
    await new Promise((r) => setTimeout(r, 50));
    const now = written();
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

/** Write units of the table an action costs, including what it sets off (outbox relay, consumers). */
async function cost(action: () => Promise<unknown>): Promise<number> {
  const before = await settled();
  await action();
  return (await settled()) - before;
}

async function clocks(ticket: Ticket, ticketVersion: number, deadline: string, elapsedMinutes: number) {
  await publishEvents(
    rt,
    [
      {
        source: 'itsm.service-level',
        detailType: 'SlaClocksChanged',
        data: {
          ticketId: ticket.ticketId,
          number: ticket.number,
          ticketVersion,
          agreementId: 'SLA-1',
          clocks: [
            { clock: 'first-response', state: 'running', targetMinutes: 60, elapsedMinutes, deadline },
            {
              clock: 'resolution',
              state: 'running',
              targetMinutes: 480,
              elapsedMinutes,
              deadline: '2030-02-01T00:00:00.000Z',
            },
          ],
        },
      },
    ],
    'test-service-level',
  );
  await rt.bus.drain();
}

/**
 * What the index projections (projections.ts) save. Write units of the table per action, including
 * what it sets off (outbox relay, notifications), for a ticket in four indexes (agent, group,
 * deadline, customer), measured with the local meter (DynamoDB billing: transactional writes 2x,
 * each index entry 1 WCU per KB of its projected size, an entry whose key and projected attributes
 * stay the same is not written):
 *
 * | action                          | projection ALL | small projections |
 * |---------------------------------|----------------|-------------------|
 * | create                          | 22             | 20                |
 * | assign (PATCH assigneeId)       | 17             | 14                |
 * | first SLA clocks (gsi3 added)   | 14             | 10                |
 * | SLA clocks, same deadline       | 14             | 4                 |
 * | PATCH description               | 19             | 15                |
 * | public comment                  | 26             | 22                |
 * | resolve                         | 23             | 21                |
 * | close (caller)                  | 17             | 16                |
 *
 * Storing clocks is the desk's most frequent write (every clock change of every open ticket) and
 * now writes no index entry and, being a copy guarded by its version, no inbox marker (ADR 23):
 * 4 = the ticket update (2 x 2).
 */
describe('index write cost', () => {
  it('stores SLA clocks without writing an index entry, and changes tickets for less', async () => {
    let t!: Ticket;
    const create = await cost(async () => {
      const res = await alice.post<Ticket>('/v1/incidents', {
        title: 'VPN drops every hour',
        description: 'Since Monday. '.repeat(20),
        channel: 'phone',
        caller: { id: 'user-dora', name: 'Dora', email: 'dora@acme.example' },
        customerId: 'acme',
        category: ['network', 'vpn'],
        impact: 'medium',
        urgency: 'high',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      t = res.body;
    });
    const assign = await cost(async () => {
      expect((await alice.patch(`/v1/tickets/${t.ticketId}`, { assigneeId: 'user-alice' }, 1)).status).toBe(200);
    });
    await clocks(t, 2, '2030-01-01T10:00:00.000Z', 1);
    await eventually(async () => {
      const q = await alice.get<{ items: Array<{ ticketId: string }> }>('/v1/queues/breaching-soon');
      return q.body.items.some((i) => i.ticketId === t.ticketId) || undefined;
    });
    // New clocks, same earliest deadline: only the ticket item is written (by-version, no inbox marker).
    const sla = await cost(() => clocks(t, 3, '2030-01-01T10:00:00.000Z', 2));
    const described = await cost(async () => {
      expect(
        (await alice.patch(`/v1/tickets/${t.ticketId}`, { description: 'Since Tuesday. '.repeat(20) }, 2)).status,
      ).toBe(200);
    });
    expect(sla).toBeLessThanOrEqual(4); // 14 with projection ALL (4 entries x 2 WCU); 6 with an inbox marker
    expect(described).toBeLessThan(19); // 19 with projection ALL
    expect(assign).toBeLessThan(17);
    expect(create).toBeLessThan(22);
    const stored = await alice.get<{ sla?: { clocks: Array<{ elapsedMinutes: number }> } }>(
      `/v1/tickets/${t.ticketId}`,
    );
    expect(stored.body.sla?.clocks[0]?.elapsedMinutes).toBe(2);
  });
});
