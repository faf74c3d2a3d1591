import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, client, eventually, testRuntime, WITHOUT_QUERY_STORE } from '../../../test/support/runtime';

/**
 * The forward schedule of change through the HTTP API on the local runtime (FitSM PR12.6):
 * conflicts from the schedule and the CI graph copy, blackout windows, the customers' view and
 * the iCalendar feed behind its secret URL.
 */
let rt: Runtime;
let manager: Client;
let requester: Client;
let cmdb: Client;
let carol: Client; // customer user of acme
let dora: Client; // customer user of globex
let anonymous: Client;

type Change = { changeId: string; number: string; status: string; version: number; customerIds: string[] };
type Conflict = { kind: string; number?: string; title?: string; ciId?: string; serviceId?: string; depth?: number };
type Entry = { changeId: string; number: string; ciIds?: string[]; customerIds?: string[]; serviceIds: string[] };

const hour = 3_600_000;
const id = (name: string) => `user-${name}`;
/** Ten days ahead, at 20:00 UTC: the window the tests meet in (away from other tests' windows). */
const day = new Date(Date.now() + 10 * 24 * hour).toISOString().slice(0, 10);
const at = (h: number) => new Date(Date.parse(`${day}T00:00:00Z`) + h * hour).toISOString();
const W = { plannedStart: at(20), plannedEnd: at(22) };

const PLANS = {
  implementationPlan: 'Apply the configuration in the window.',
  testPlan: 'Smoke tests afterwards.',
  backoutPlan: 'Restore the previous configuration.',
};

const ci: Record<string, string> = {};
const svc = { network: 'svc-network', printing: 'svc-printing' };

async function raise(title: string, extra: Record<string, unknown>): Promise<Change> {
  const r = await requester.post<Change>('/v1/changes', { title, description: `${title}.`, ...PLANS, ...W, ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

/** Raise, assess and submit: the change enters approval, and so the schedule. */
async function scheduled(title: string, extra: Record<string, unknown>): Promise<Change> {
  const raised = await raise(title, extra);
  const assessed = await requester.post<Change>(
    `/v1/changes/${raised.changeId}/assessment`,
    {
      benefit: 'Fewer outages',
      effort: 'Two hours',
      feasibility: 'Done before',
      answers: { tested: 'yes', 'done-before': 'often', downtime: 'none' },
    },
    { 'if-match': `"${raised.version}"` },
  );
  expect(assessed.status, JSON.stringify(assessed.body)).toBe(200);
  const sub = await requester.post<Change>(`/v1/changes/${raised.changeId}/submission`, undefined, {
    'if-match': `"${assessed.body.version}"`,
  });
  expect(sub.status, JSON.stringify(sub.body)).toBe(202);
  expect(sub.body.status).toBe('approval');
  return sub.body;
}

const conflictsOf = async (c: Change) => {
  const r = await requester.get<{ items: Conflict[] }>(`/v1/changes/${c.changeId}/conflicts`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.items;
};

let switchChange: Change; // on the core switch, for acme's service
let globexChange: Change; // on the printer, for globex's service

beforeAll(async () => {
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  manager = await as(rt, 'max', ['changes-manager']);
  requester = await as(rt, 'rae', ['process-staff']);
  cmdb = await as(rt, 'conrad', ['configuration-manager']);
  carol = await as(rt, 'carol', ['customer-user'], 'acme');
  dora = await as(rt, 'dora', ['customer-user'], 'globex');
  anonymous = client(rt, undefined);
  // The requester's manager decides the first level of the default matrix.
  expect(
    (await manager.put(`/v1/people/${id('rae')}`, { email: 'rae@example.org', managerId: id('meg') })).status,
  ).toBe(200);
  expect((await manager.put(`/v1/people/${id('meg')}`, { email: 'meg@example.org' })).status).toBe(200);

  // The CMDB: a server that depends on the core switch, and an unrelated printer.
  expect((await cmdb.post('/v1/ci-types', { typeId: 'device', name: 'Device' })).status).toBe(201);
  // Customers on the CIs: the impact assessment gives a change the customers of its CIs.
  for (const [name, customerIds] of [
    ['core-switch', ['acme']],
    ['server-1', []],
    ['printer', ['globex']],
  ] as const) {
    const r = await cmdb.post<{ ciId: string }>('/v1/cis', { typeId: 'device', name, status: 'active', customerIds });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    ci[name] = r.body.ciId;
    // Its copy first, so the relationship's event finds every node (events may arrive reordered).
    await eventually(async () => {
      const copy = await requester.post<{ cis: { number?: string }[] }>('/v1/change-impact', {
        ciIds: [r.body.ciId],
        serviceIds: [],
      });
      expect(copy.body.cis[0]?.number).toBeDefined();
      return true;
    }, 60_000);
  }
  const rel = await cmdb.post(`/v1/cis/${ci['server-1']}/relationships`, {
    type: 'depends-on',
    targetCiId: ci['core-switch'],
  });
  expect(rel.status, JSON.stringify(rel.body)).toBe(201);
  // Wait for the changes service's copy of the graph.
  await eventually(async () => {
    const r = await requester.post<{ cis: { ciId: string; depth: number }[]; customerIds: string[] }>(
      '/v1/change-impact',
      { ciIds: [ci['core-switch'], ci.printer], serviceIds: [] },
    );
    expect(r.body.cis, JSON.stringify(r.body)).toContainEqual(
      expect.objectContaining({ ciId: ci['server-1'], depth: 1 }),
    );
    expect(r.body.customerIds, JSON.stringify(r.body)).toEqual(['acme', 'globex']);
    return true;
  }, 60_000);

  switchChange = await scheduled('Replace the core switch', { ciIds: [ci['core-switch']], serviceIds: [svc.network] });
  globexChange = await scheduled('Replace the printer drum', {
    ciIds: [ci.printer],
    serviceIds: [svc.printing],
    plannedStart: at(21),
    plannedEnd: at(23),
  });
}, 240_000);

afterAll(async () => {
  await rt?.close();
});

describe('conflicts', () => {
  it('finds another change on the same CI in an overlapping window', async () => {
    const other = await raise('Firmware of the core switch', { ciIds: [ci['core-switch']], plannedStart: at(21) });

    const found = await conflictsOf(other);

    expect(found).toContainEqual(
      expect.objectContaining({ kind: 'same-ci', number: switchChange.number, ciId: ci['core-switch'], depth: 0 }),
    );
    expect(found.filter((c) => c.number === globexChange.number)).toEqual([]);
  });

  it('finds a change on a CI the changed CI depends on, through the graph copy, with its depth', async () => {
    const onServer = await raise('Patch server-1', { ciIds: [ci['server-1']] });

    const found = await conflictsOf(onServer);

    expect(found).toEqual([
      expect.objectContaining({
        kind: 'related-ci',
        number: switchChange.number,
        title: 'Replace the core switch',
        ciId: ci['core-switch'],
        depth: 1,
      }),
    ]);
  });

  it('finds the same service, and nothing for a disjoint window or an unrelated CI', async () => {
    const sameService = await raise('Reroute the VLANs', { serviceIds: [svc.network], plannedStart: at(19) });
    const later = await raise('Core switch, later', {
      ciIds: [ci['core-switch']],
      plannedStart: at(22),
      plannedEnd: at(23),
    });
    const elsewhere = await raise('A new monitor', {
      ciIds: [ci['server-1']],
      plannedStart: at(10),
      plannedEnd: at(12),
    });

    expect(await conflictsOf(sameService)).toEqual([
      expect.objectContaining({ kind: 'same-service', number: switchChange.number, serviceId: svc.network }),
    ]);
    // Half-open windows: ending at 22:00 and starting at 22:00 do not meet.
    expect(await conflictsOf(later)).toEqual([]);
    expect(await conflictsOf(elsewhere)).toEqual([]);
  });

  it('finds a blackout window scoped to the CI, only while it exists; only managers declare one', async () => {
    const onSwitch = await raise('Core switch, again', { ciIds: [ci['core-switch']], plannedStart: at(21) });
    const onPrinter = await raise('Printer, again', { ciIds: [ci.printer], plannedStart: at(10), plannedEnd: at(11) });
    const freeze = { name: 'Network freeze', start: at(0), end: at(24), ciIds: [ci['core-switch']] };
    expect((await requester.post('/v1/blackout-windows', freeze)).status).toBe(403);

    const created = await manager.post<{ windowId: string; version: number }>('/v1/blackout-windows', freeze);

    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(await conflictsOf(onSwitch)).toContainEqual(
      expect.objectContaining({ kind: 'blackout', title: 'Network freeze', ciId: ci['core-switch'] }),
    );
    expect((await conflictsOf(onPrinter)).filter((c) => c.kind === 'blackout')).toEqual([]);
    const gone = await manager.call('DELETE', `/v1/blackout-windows/${created.body.windowId}`, undefined, {
      'if-match': `"${created.body.version}"`,
    });
    expect(gone.status).toBe(204);
    expect((await conflictsOf(onSwitch)).filter((c) => c.kind === 'blackout')).toEqual([]);
  });
});

describe('the schedule', () => {
  it('shows staff every change of the period, and a customer user only their organisation’s, without CIs', async () => {
    const staffView = await requester.get<{ items: Entry[] }>(`/v1/change-schedule?from=${day}&to=${day}`);
    const acme = await carol.get<{ items: Entry[]; blackouts: unknown[] }>(
      `/v1/change-schedule?from=${day}&to=${day}&customerId=globex`,
    );
    const globex = await dora.get<{ items: Entry[] }>(`/v1/change-schedule?from=${day}&to=${day}`);

    expect(staffView.status, JSON.stringify(staffView.body)).toBe(200);
    expect(staffView.body.items.map((e) => e.number)).toEqual([switchChange.number, globexChange.number]);
    expect(staffView.body.items[0]!.ciIds).toEqual([ci['core-switch']]);
    expect(acme.status).toBe(200);
    expect(acme.body.items.map((e) => e.number)).toEqual([switchChange.number]);
    expect(acme.body.items[0]).not.toHaveProperty('ciIds');
    expect(acme.body.items[0]).not.toHaveProperty('customerIds');
    expect(globex.body.items.map((e) => e.number)).toEqual([globexChange.number]);
  });

  it('filters by CI and service, and reads 62 days at most', async () => {
    const byCi = await requester.get<{ items: Entry[] }>(
      `/v1/change-schedule?from=${day}&to=${day}&ciId=${ci.printer}`,
    );
    const byService = await requester.get<{ items: Entry[] }>(
      `/v1/change-schedule?from=${day}&to=${day}&serviceId=${svc.network}`,
    );
    const tooLong = await requester.get('/v1/change-schedule?from=2027-01-01&to=2027-03-04');

    expect(byCi.body.items.map((e) => e.number)).toEqual([globexChange.number]);
    expect(byService.body.items.map((e) => e.number)).toEqual([switchChange.number]);
    expect(tooLong.status).toBe(400);
  });
});

describe('the iCalendar feed', () => {
  const summaries = (text: string) =>
    new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('summary'));

  it('answers RFC 5545 without a token at its secret URL; a customer user’s feed is their organisation’s', async () => {
    expect((await carol.post('/v1/calendar-feeds', { customerId: 'globex' })).status).toBe(404);
    const staffFeed = await requester.post<{ path: string }>('/v1/calendar-feeds', { name: 'All changes' });
    const acmeFeed = await carol.post<{ feedId: string; path: string; customerId: string }>('/v1/calendar-feeds', {});
    expect(acmeFeed.status, JSON.stringify(acmeFeed.body)).toBe(201);
    expect(acmeFeed.body.customerId).toBe('acme');
    expect(acmeFeed.body.path).toMatch(/^\/v1\/change-calendars\/[A-Za-z0-9_-]{43}$/);

    const all = await anonymous.get<{ raw: string }>(staffFeed.body.path);
    const acme = await anonymous.get<{ raw: string }>(acmeFeed.body.path);

    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(summaries(all.body.raw)).toEqual(
      expect.arrayContaining([
        `${switchChange.number}: Replace the core switch`,
        `${globexChange.number}: Replace the printer drum`,
      ]),
    );
    expect(summaries(acme.body.raw)).toEqual([`${switchChange.number}: Replace the core switch`]);
    const listed = await carol.get<{ items: { feedId: string }[] }>('/v1/calendar-feeds');
    expect(listed.body.items.map((f) => f.feedId)).toEqual([acmeFeed.body.feedId]);
    expect(listed.body.items[0]).not.toHaveProperty('path');
  });

  it('is 404 once revoked, for an unknown secret, and to another organisation revoking it', async () => {
    const feed = await carol.post<{ feedId: string; path: string }>('/v1/calendar-feeds', {});
    expect((await anonymous.get(feed.body.path)).status).toBe(200);

    expect((await dora.call('DELETE', `/v1/calendar-feeds/${feed.body.feedId}`)).status).toBe(404);
    const revoked = await carol.call('DELETE', `/v1/calendar-feeds/${feed.body.feedId}`);

    expect(revoked.status).toBe(204);
    expect((await anonymous.get(feed.body.path)).status).toBe(404);
    const guessed = feed.body.path.replace(/\/v1\/change-calendars\/(.+)$/, (_m, s: string) => {
      const flipped = s[0] === 'A' ? 'B' : 'A';
      return `/v1/change-calendars/${flipped}${s.slice(1)}`;
    });
    expect(guessed).not.toBe(feed.body.path);
    expect((await anonymous.get(guessed)).status).toBe(404);
  });
});
