import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { serviceLevelResync } from '../../../shared/contracts/service-level/v1';
import { publishEvents } from '../../../test/support/events';
import {
  continuationsOf,
  pagesOf,
  recordsOf,
  requestResync,
  resyncedRecords,
  withResyncSettings,
} from '../../../test/support/resync';
import { as, type Client, testRuntime } from '../../../test/support/runtime';
import { serviceLevel } from '../service';

/**
 * Service levels publish agreement events and answer ResyncRequested with every agreement and
 * every ticket's current clocks, as their live events carry them (ADR 28).
 */
let rt: Runtime;
let manager: Client;

type Data = Record<string, unknown>;
type Agreement = { agreementId: string; version: number };

const AT = new Date(Math.floor((Date.now() - 30 * 60_000) / 1000) * 1000).toISOString();
const ticket = (ticketId: string) => ({
  ticketId,
  number: `INC-${ticketId}`,
  type: 'incident',
  version: 1,
  title: 'Mail is down',
  status: 'new',
  priority: 'P3',
  callerId: 'user-1',
  customerId: 'acme',
  serviceId: 'svc-mail',
  major: false,
  createdAt: AT,
  changedAt: AT,
  reopenCount: 0,
});

beforeAll(async () => {
  // Small pages, two records per query and no work time: paging and continuations show on a few records.
  rt = await testRuntime({
    services: [withResyncSettings(serviceLevel, { pageBytes: 1500, batchSize: 2, workSeconds: 0 })],
  });
  manager = await as(rt, 'sam', ['service-level-manager']);
  const calendar = await manager.post('/v1/calendars', {
    calendarId: 'always',
    name: '24x7',
    calendar: { timeZone: 'UTC', twentyFourSeven: true },
  });
  expect(calendar.status).toBe(201);
});

afterAll(async () => {
  await rt?.close();
});

/** The newest live snapshot of each agreement, and the newest clocks of each ticket, from the events. */
function live() {
  const agreements = new Map<string, Data>();
  const clocks = new Map<string, Data>();
  for (const e of rt.bus.published()) {
    if (e.source !== 'itsm.service-level') continue;
    const data = (e.detail as { data: Data }).data;
    if (e['detail-type'].startsWith('Agreement')) {
      const known = agreements.get(String(data.agreementId));
      if (!known || Number(known.version) < Number(data.version)) agreements.set(String(data.agreementId), data);
    }
    if (e['detail-type'] === 'SlaClocksChanged') {
      const known = clocks.get(String(data.ticketId));
      if (!known || Number(known.version) < Number(data.version)) clocks.set(String(data.ticketId), data);
    }
  }
  return { agreements, clocks };
}

describe('agreement events and resync', () => {
  let sla: Agreement;

  beforeAll(async () => {
    const created = await manager.post<Agreement>('/v1/agreements', {
      kind: 'sla',
      name: 'Mail for ACME',
      description: 'Mail service for ACME staff',
      owner: 'user-sam',
      customerId: 'acme',
      serviceIds: ['svc-mail'],
      calendarId: 'always',
      targets: { P3: { firstResponseMinutes: 60, resolutionMinutes: 240 } },
      reviewDate: '2027-06-30',
      status: 'draft',
    });
    expect(created.status).toBe(201);
    const active = await manager.patch<Agreement>(
      `/v1/agreements/${created.body.agreementId}`,
      { status: 'active' },
      created.body.version,
    );
    expect(active.status).toBe(200);
    sla = active.body;
    const ola = await manager.post('/v1/agreements', {
      kind: 'ola',
      name: 'Network team for mail',
      supportingGroup: 'network',
      supports: [sla.agreementId],
      calendarId: 'always',
      targets: { P3: { resolutionMinutes: 120 } },
      reviewDate: '2027-06-30',
    });
    expect(ola.status).toBe(201);
    await publishEvents(
      rt,
      ['A', 'B', 'C'].map((id) => ({
        source: 'itsm.service-desk',
        detailType: 'TicketCreated',
        data: { ticket: ticket(id), changes: [] },
      })),
      'test-service-desk',
    );
    await rt.bus.drain();
    await rt.drainStreams();
    await rt.bus.drain();
  });

  it('announces every agreement change with its snapshot', async () => {
    const types = rt.bus
      .published()
      .filter((e) => (e.detail as { data: Data }).data.agreementId === sla.agreementId)
      .map((e) => e['detail-type']);
    expect(types.filter((t) => t.startsWith('Agreement'))).toEqual(['AgreementCreated', 'AgreementChanged']);
    expect(live().agreements.get(sla.agreementId)).toMatchObject({
      kind: 'sla',
      name: 'Mail for ACME',
      description: 'Mail service for ACME staff',
      owner: 'user-sam',
      customerId: 'acme',
      serviceIds: ['svc-mail'],
      status: 'active',
      version: 2,
      reviewDate: '2027-06-30',
    });
    // The agreement read back keeps when it was created.
    const read = await manager.get<{ createdAt: string }>(`/v1/agreements/${sla.agreementId}`);
    expect(read.body.createdAt).toBe(live().agreements.get(sla.agreementId)!.createdAt);
  });

  it('publishes every agreement and ticket clocks exactly as their live events carry them, over several pages', async () => {
    // Act
    const requestId = await requestResync(rt);
    const pages = await resyncedRecords(rt, serviceLevelResync, requestId);

    // Assess
    const { agreements, clocks } = live();
    const agreementRecords = recordsOf(pages, 'agreement');
    expect(agreementRecords.map((r) => r.agreementId).sort()).toEqual([...agreements.keys()].sort());
    for (const r of agreementRecords) expect(r).toEqual(agreements.get(String(r.agreementId)));
    const clockRecords = recordsOf(pages, 'ticket-clocks');
    expect(clockRecords.map((r) => r.ticketId).sort()).toEqual(['A', 'B', 'C']);
    for (const r of clockRecords) expect(r).toEqual(clocks.get(String(r.ticketId)));
    expect(clockRecords[0]).toMatchObject({ agreementId: sla.agreementId, ticketVersion: 1 });
    expect(pages.get('ticket-clocks')!.length).toBeGreaterThan(1);
  });

  it('hands a long resync on to the next invocation', async () => {
    // Act
    const requestId = await requestResync(rt, ['service-level']);
    await resyncedRecords(rt, serviceLevelResync, requestId);

    // Assess: the resync took more than one invocation.
    expect(continuationsOf(rt, serviceLevelResync, requestId).length).toBeGreaterThan(1);
  });

  it('does nothing when the request names other services', async () => {
    const requestId = await requestResync(rt, ['portfolio']);
    await rt.bus.drain();
    expect(pagesOf(rt, serviceLevelResync, requestId)).toEqual([]);
  });
});
