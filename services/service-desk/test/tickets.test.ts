import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as names from '../../../infra/local/names';
import type { Runtime } from '../../../infra/local/runtime';
import type { Role } from '../../../shared/kit/roles';
import { publishEvents } from '../../../test/support/events';
import { type Client, client, eventually, testRuntime } from '../../../test/support/runtime';
import { serviceDesk } from '../service';

/** The service desk as its users use it: through the HTTP API on the real local runtime. */
let rt: Runtime;
let manager: Client;
let alice: Client;
let bob: Client;
let auditor: Client;
let carl: Client;
let cora: Client;
let gina: Client;

type Ticket = {
  ticketId: string;
  number: string;
  version: number;
  status: string;
  priority: string;
  assignmentGroup: string;
  assigneeId?: string;
  customerId?: string;
  caller: { id: string; name: string; email?: string };
  escalations?: Array<{ kind: string; trigger: string; to: string; from?: string }>;
  firstRespondedAt?: string;
  pendingReason?: string;
  reopenCount: number;
  majorCriteria?: string[];
  approval?: { status: string };
};
type Problem = { code: string; errors?: Array<{ field: string; message: string }> };
type Page<T> = { items: T[]; nextCursor?: string };

const CALLER = { id: 'user-dora', name: 'Dora', email: 'dora@acme.example' };
const as = async (user: string, roles: Role[], customer?: string) =>
  client(rt, await rt.token({ user, roles, email: `${user}@acme.example`, ...(customer ? { customer } : {}) }));

beforeAll(async () => {
  rt = await testRuntime({ services: [serviceDesk] });
  manager = await as('maria', ['service-desk-manager']);
  alice = await as('alice', ['process-staff']);
  bob = await as('bob', ['process-staff']);
  auditor = await as('audrey', ['auditor']);
  carl = await as('carl', ['customer-user'], 'acme');
  cora = await as('cora', ['customer-user'], 'acme');
  gina = await as('gina', ['customer-user'], 'globex');
});

afterAll(async () => {
  await rt?.close();
});

const incident = (extra: Record<string, unknown> = {}) => ({
  title: 'VPN drops every hour',
  description: 'Since Monday',
  channel: 'phone',
  caller: CALLER,
  customerId: 'acme',
  category: ['network', 'vpn'],
  impact: 'medium',
  urgency: 'high',
  ...extra,
});

async function record(extra: Record<string, unknown> = {}, by: Client = alice): Promise<Ticket> {
  const res = await by.post<Ticket & Problem>('/v1/incidents', incident(extra));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const events = (ticketId: string) =>
  rt.bus
    .published()
    .filter((e) => (e.detail as { data: { ticket?: { ticketId: string } } }).data.ticket?.ticketId === ticketId)
    .map((e) => ({
      ...(e.detail as { data: { ticket: { version: number; status: string; changedAt: string } } }).data.ticket,
      type: e['detail-type'],
    }));

const usedItems = (headers: Headers) => Number(/items=(\d+)/.exec(headers.get('x-itsm-usage') ?? '')?.[1]);

/** Age a resolution in the table, as if `days` had passed since (the only way to test day-long periods). */
async function ageResolution(ticketId: string, days: number) {
  const ddb = new DynamoDBClient({
    endpoint: rt.awsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'x' },
  });
  const at = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
  await ddb.send(
    new UpdateItemCommand({
      TableName: names.tableName('service-desk'),
      Key: { pk: { S: `TICKET#${ticketId}` }, sk: { S: 'TICKET' } },
      UpdateExpression: 'SET resolvedAt = :r, autoCloseAt = :a, gsi5sk = :k',
      ConditionExpression: 'attribute_exists(gsi5pk)',
      ExpressionAttributeValues: {
        ':r': { S: at(days) },
        ':a': { S: at(days - 5) },
        ':k': { S: `${at(days - 5)}#${ticketId}` },
      },
    }),
  );
  ddb.destroy();
}

async function publish(detailType: string, data: Record<string, unknown>) {
  await publishEvents(rt, [{ source: 'itsm.service-level', detailType, data }], 'test-service-level');
  await rt.bus.drain();
}

describe('ticket lifecycle', () => {
  it('records, classifies, works, resolves and closes an incident, one event per version', async () => {
    const t = await record();
    expect(t).toMatchObject({
      number: expect.stringMatching(/^INC-1\d{3}$/),
      status: 'new',
      priority: 'P2',
      version: 1,
    });
    expect(t.assignmentGroup).toBe('service-desk');

    const byNumber = await alice.get<Ticket>(`/v1/tickets/${t.number}`);
    expect(byNumber.status).toBe(200);
    expect(byNumber.headers.get('etag')).toBe('"1"');

    expect((await alice.call<Problem>('PATCH', `/v1/tickets/${t.ticketId}`, { assigneeId: 'user-alice' })).status).toBe(
      428,
    );
    const stale = await alice.patch<Problem>(`/v1/tickets/${t.ticketId}`, { assigneeId: 'user-alice' }, 7);
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('version-conflict');

    const assigned = await alice.patch<Ticket>(
      `/v1/tickets/${t.ticketId}`,
      { assigneeId: 'user-alice', impact: 'high' },
      1,
    );
    expect(assigned.body).toMatchObject({ status: 'assigned', assigneeId: 'user-alice', priority: 'P1', version: 2 });
    expect(assigned.body.majorCriteria).toEqual(['p1']);

    const noReason = await alice.patch<Problem>(`/v1/tickets/${t.ticketId}`, { status: 'pending' }, 2);
    expect(noReason.status).toBe(422);
    expect(noReason.body.code).toBe('pending-reason-required');

    const working = await alice.patch<Ticket>(`/v1/tickets/${t.ticketId}`, { status: 'in-progress' }, 2);
    expect(working.body.status).toBe('in-progress');

    const noSummary = await alice.post<Problem>(`/v1/tickets/${t.ticketId}/resolve`, { resolutionCode: 'fixed' });
    expect(noSummary.status).toBe(400);
    expect(noSummary.body.errors).toEqual([{ field: 'body.resolutionSummary', message: 'is required' }]);

    const resolved = await alice.post<Ticket>(`/v1/tickets/${t.ticketId}/resolve`, {
      resolutionCode: 'fixed',
      resolutionSummary: 'Replaced the VPN profile',
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolutionCode: 'fixed', version: 4 });

    const edit = await alice.patch<Problem>(`/v1/tickets/${t.ticketId}`, { title: 'x' }, 4);
    expect(edit.body.code).toBe('ticket-not-open');

    const closed = await alice.post<Ticket>(`/v1/tickets/${t.ticketId}/close`, {});
    expect(closed.body).toMatchObject({ status: 'closed', closedBy: 'agent', version: 5 });
    const cancel = await alice.post<Problem>(`/v1/tickets/${t.ticketId}/cancel`, { reason: 'late' });
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe('invalid-transition');

    await rt.bus.drain();
    const published = events(t.ticketId).filter((e) => e.type !== 'TicketEscalated');
    expect(published.map((e) => [e.type, e.version, e.status])).toEqual([
      ['TicketCreated', 1, 'new'],
      ['TicketChanged', 2, 'assigned'],
      ['TicketChanged', 3, 'in-progress'],
      ['TicketResolved', 4, 'resolved'],
      ['TicketClosed', 5, 'closed'],
    ]);
    const history = await auditor.get<Page<{ action: string; actor: { id: string } }>>(
      `/v1/tickets/${t.number}/history?limit=10`,
    );
    expect(history.body.items.map((h) => h.action)).toEqual(['closed', 'resolved', 'updated', 'updated', 'recorded']);
    expect(history.body.items[0]?.actor.id).toBe('user-alice');
  });

  it('answers bad input with problem details naming the fields', async () => {
    const res = await alice.post<Problem>('/v1/incidents', {
      ...incident({ impact: 'huge', category: ['network', 'printer'], channel: 'pigeon' }),
      caller: undefined,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.field)).toEqual(['body.channel']);
    const semantic = await alice.post<Problem>('/v1/incidents', {
      ...incident({ impact: 'huge', category: ['network', 'printer'] }),
      caller: undefined,
    });
    expect(semantic.body.errors?.map((e) => e.field).sort()).toEqual(['body.caller', 'body.category', 'body.impact']);
    expect((await alice.get<Problem>('/v1/tickets/INC-999999')).body.code).toBe('ticket-not-found');
    expect((await alice.get<Problem>('/v1/queues/groups/x?cursor=nonsense')).status).toBe(400);
    const settings = (await manager.get<{ priority: { matrix: Record<string, unknown> } }>('/v1/desk-settings')).body;
    const broken = await manager.call<Problem>(
      'PUT',
      '/v1/desk-settings',
      {
        ...settings,
        priority: { ...settings.priority, matrix: { ...settings.priority.matrix, high: { high: 'P9' } } },
      },
      { 'if-match': '"0"' },
    );
    expect(broken.status).toBe(400);
    expect(broken.body.errors?.map((e) => e.field)).toContain('body.priority.matrix.high.high');
    expect((await alice.call('PUT', '/v1/desk-settings', settings, { 'if-match': '"0"' })).status).toBe(403);
  });
});

describe('customer users', () => {
  it('are always the caller, for their own organisation, and see only its tickets', async () => {
    const res = await carl.post<Ticket & Record<string, unknown>>('/v1/incidents', {
      title: 'Cannot print',
      customerId: 'globex',
      caller: CALLER,
      urgency: 'low',
      impact: 'high',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      customerId: 'acme',
      caller: { id: 'user-carl', email: 'carl@acme.example' },
      impact: 'medium',
    });
    expect(res.body).not.toHaveProperty('escalations');
    expect((await gina.get<Problem>(`/v1/tickets/${res.body.number}`)).status).toBe(404);
    expect((await cora.get(`/v1/tickets/${res.body.number}`)).status).toBe(200);
    expect((await carl.patch(`/v1/tickets/${res.body.ticketId}`, { title: 'x' }, 1)).status).toBe(403);
    // Only the caller confirms or cancels on the customer side.
    expect((await cora.post(`/v1/tickets/${res.body.ticketId}/cancel`, { reason: 'mine' })).status).toBe(403);

    const mine = await carl.get<Page<Ticket>>('/v1/queues/customer');
    expect(mine.body.items.map((t) => t.ticketId)).toContain(res.body.ticketId);
    expect((await gina.get<Page<Ticket>>('/v1/queues/customer')).body.items).toEqual([]);
    expect((await alice.get<Problem>('/v1/queues/customer')).status).toBe(400);
    const staff = await alice.get<Page<Ticket>>('/v1/queues/customer?customerId=acme');
    expect(staff.body.items.some((t) => t.ticketId === res.body.ticketId)).toBe(true);
  });

  it('never see internal comments; the first public agent reply is the first response', async () => {
    const t = (await carl.post<Ticket>('/v1/incidents', { title: 'Mail bounces' })).body;
    await alice.patch(`/v1/tickets/${t.ticketId}`, { assigneeId: 'user-alice' }, 1);
    expect(
      (await alice.post(`/v1/tickets/${t.ticketId}/comments`, { text: 'Looks like DNS', visibility: 'internal' }))
        .status,
    ).toBe(201);
    expect((await carl.post(`/v1/tickets/${t.ticketId}/comments`, { text: 'x', visibility: 'internal' })).status).toBe(
      403,
    );
    await alice.post(`/v1/tickets/${t.ticketId}/comments`, { text: 'We are looking into it' });
    const first = (await alice.get<Ticket>(`/v1/tickets/${t.ticketId}`)).body.firstRespondedAt;
    expect(first).toBeDefined();
    await alice.post(`/v1/tickets/${t.ticketId}/comments`, { text: 'Still on it' });
    expect((await alice.get<Ticket>(`/v1/tickets/${t.ticketId}`)).body.firstRespondedAt).toBe(first);

    const seen = await carl.get<Page<{ text: string; visibility: string }>>(`/v1/tickets/${t.ticketId}/comments`);
    expect(seen.body.items.map((c) => c.text)).toEqual(['We are looking into it', 'Still on it']);
    const staff = await alice.get<Page<{ text: string }>>(`/v1/tickets/${t.ticketId}/comments`);
    expect(staff.body.items.map((c) => c.text)).toEqual(['Looks like DNS', 'We are looking into it', 'Still on it']);
    expect((await carl.get(`/v1/tickets/${t.ticketId}/work-log`)).status).toBe(403);
    expect((await carl.get(`/v1/tickets/${t.ticketId}/history`)).status).toBe(403);

    // Waiting for the caller: their reply puts the ticket back to work.
    const current = (await alice.get<Ticket>(`/v1/tickets/${t.ticketId}`)).body;
    await alice.patch(
      `/v1/tickets/${t.ticketId}`,
      { status: 'pending', pendingReason: 'awaiting-caller' },
      current.version,
    );
    await carl.post(`/v1/tickets/${t.ticketId}/comments`, { text: 'Here is the bounce message' });
    const resumed = (await alice.get<Ticket>(`/v1/tickets/${t.ticketId}`)).body;
    expect(resumed.status).toBe('in-progress');
    expect(resumed.pendingReason).toBeUndefined();
  });
});

describe('queues', () => {
  it('serve a group by priority then age, a constant number of items per page', async () => {
    const levels = ['low', 'high', 'medium', 'high', 'low', 'medium'];
    const made: Ticket[] = [];
    for (const [i, level] of levels.entries())
      made.push(await record({ title: `queue ${i}`, impact: level, urgency: level, assignmentGroup: 'queue-test' }));
    const page1 = await alice.get<Page<Ticket>>('/v1/queues/groups/queue-test?limit=4');
    expect(page1.body.items.map((t) => t.priority)).toEqual(['P1', 'P1', 'P3', 'P3']);
    expect(page1.body.items.slice(0, 2).map((t) => t.ticketId)).toEqual([made[1]!.ticketId, made[3]!.ticketId]);
    expect(usedItems(page1.headers)).toBe(4);
    for (let i = 0; i < 6; i++) await record({ title: `more ${i}`, assignmentGroup: 'queue-test' });
    const again = await alice.get<Page<Ticket>>('/v1/queues/groups/queue-test?limit=4');
    expect(usedItems(again.headers)).toBe(4);
    expect(again.body.items.map((t) => t.priority)).toEqual(['P1', 'P1', 'P2', 'P2']);
    const page2 = await alice.get<Page<Ticket>>(`/v1/queues/groups/queue-test?limit=4&cursor=${again.body.nextCursor}`);
    expect(page2.body.items.map((t) => t.priority)).toEqual(['P2', 'P2', 'P2', 'P2']);
    expect(usedItems(page2.headers)).toBe(4);

    // Closed tickets leave the open-work queues.
    const gone = made[1]!;
    await alice.post(`/v1/tickets/${gone.ticketId}/cancel`, { reason: 'duplicate' });
    const after = await alice.get<Page<Ticket>>('/v1/queues/groups/queue-test?limit=100');
    expect(after.body.items.map((t) => t.ticketId)).not.toContain(gone.ticketId);
    expect(after.body.items).toHaveLength(11);
  });

  it('gives agents their own open tickets', async () => {
    const t = await record({ assigneeId: 'user-bob', title: 'for bob' });
    const mine = await bob.get<Page<Ticket>>('/v1/queues/mine');
    expect(mine.body.items.map((x) => x.ticketId)).toEqual([t.ticketId]);
    expect((await carl.get('/v1/queues/mine')).status).toBe(403);
  });

  it('orders open tickets by nearest SLA deadline, keeping only the newest clocks', async () => {
    const a = await record({ title: 'deadline late' });
    const b = await record({ title: 'deadline soon' });
    const clocks = (ticket: Ticket, ticketVersion: number, deadline: string) =>
      publish('SlaClocksChanged', {
        ticketId: ticket.ticketId,
        number: ticket.number,
        ticketVersion,
        agreementId: 'SLA-1',
        clocks: [{ clock: 'resolution', state: 'running', targetMinutes: 240, elapsedMinutes: 5, deadline }],
      });
    await clocks(a, 1, '2030-01-01T10:00:00.000Z');
    await clocks(b, 1, '2030-01-01T09:00:00.000Z');
    await clocks(b, 2, '2030-01-01T08:00:00.000Z');
    await clocks(b, 1, '2030-01-01T12:00:00.000Z'); // stale: older ticket version
    const q = await eventually(async () => {
      const r = await alice.get<Page<Ticket & { slaDeadline?: string }>>('/v1/queues/breaching-soon');
      return r.body.items.length >= 2 ? r : undefined;
    });
    expect(q.body.items.map((t) => [t.ticketId, t.slaDeadline])).toEqual([
      [b.ticketId, '2030-01-01T08:00:00.000Z'],
      [a.ticketId, '2030-01-01T10:00:00.000Z'],
    ]);
    await alice.post(`/v1/tickets/${b.ticketId}/cancel`, { reason: 'dup' });
    const after = await alice.get<Page<Ticket>>('/v1/queues/breaching-soon');
    expect(after.body.items.map((t) => t.ticketId)).toEqual([a.ticketId]);
    expect(rt.functions.asyncFailures()).toEqual([]);
  });
});

describe('closure', () => {
  const resolve = (t: Ticket, by: Client = alice) =>
    by.post<Ticket & Problem>(`/v1/tickets/${t.ticketId}/resolve`, {
      resolutionCode: 'fixed',
      resolutionSummary: 'Done',
    });

  it('closes on the caller’s confirmation', async () => {
    const t = (await carl.post<Ticket>('/v1/incidents', { title: 'confirm me' })).body;
    await resolve(t);
    expect((await cora.post(`/v1/tickets/${t.ticketId}/close`, {})).status).toBe(403);
    const closed = await carl.post<Ticket & { closedBy: string }>(`/v1/tickets/${t.ticketId}/close`, {});
    expect(closed.body).toMatchObject({ status: 'closed' });
    expect((await alice.get<{ closedBy: string }>(`/v1/tickets/${t.ticketId}`)).body.closedBy).toBe('caller');
  });

  it('auto-closes resolved tickets after the configured days, from the index of due tickets', async () => {
    const due = await record({ title: 'auto close due' });
    const fresh = await record({ title: 'auto close fresh' });
    await resolve(due);
    await resolve(fresh);
    await ageResolution(due.ticketId, 6);
    const out = (await rt.runSchedule('service-desk', 'auto-close')) as { closed: number };
    expect(out.closed).toBe(1);
    expect((await alice.get<Ticket>(`/v1/tickets/${due.ticketId}`)).body).toMatchObject({
      status: 'closed',
      closedBy: 'auto',
    });
    expect((await alice.get<Ticket>(`/v1/tickets/${fresh.ticketId}`)).body.status).toBe('resolved');
    expect(((await rt.runSchedule('service-desk', 'auto-close')) as { closed: number }).closed).toBe(0);
  });

  it('reopens within the window (work resumes, TicketReopened) and refuses after it', async () => {
    const dora = await as('dora', ['customer-user'], 'acme');
    const t = await record({ title: 'reopen me', assigneeId: 'user-alice' });
    await resolve(t);
    expect((await carl.post(`/v1/tickets/${t.ticketId}/reopen`, { reason: 'x' })).status).toBe(403);
    const reopened = await dora.post<Ticket>(`/v1/tickets/${t.ticketId}/reopen`, { reason: 'still broken' });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ status: 'in-progress', reopenCount: 1 });
    expect(reopened.body).not.toHaveProperty('resolvedAt');
    await resolve(t);
    await ageResolution(t.ticketId, 11);
    await rt.runSchedule('service-desk', 'auto-close');
    const late = await dora.post<Problem>(`/v1/tickets/${t.ticketId}/reopen`, { reason: 'again' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('reopen-window-passed');
    await rt.bus.drain();
    expect(events(t.ticketId).map((e) => e.type)).toContain('TicketReopened');
  });
});

describe('escalation (FitSM PR9.3)', () => {
  beforeAll(async () => {
    const put = await manager.call('PUT', '/v1/groups/network', {
      name: 'Network team',
      managerId: 'user-nina',
      managerEmail: 'nina@provider.example',
      members: ['user-bob'],
    });
    expect(put.status).toBe(201);
    const settings = await manager.get<Record<string, unknown>>('/v1/desk-settings');
    expect(settings.headers.get('etag')).toBe('"0"');
    const saved = await manager.call(
      'PUT',
      '/v1/desk-settings',
      {
        ...settings.body,
        escalation: {
          onWarning: { notify: 'group-manager' },
          onBreach: { notify: 'both', reassignToGroup: 'major-response' },
          dutyManager: { id: 'user-duke', name: 'Duke', email: 'duty@provider.example' },
        },
      },
      { 'if-match': '"0"' },
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  });

  it('escalates functionally to another group and hierarchically to its manager, on the record', async () => {
    const t = await record({ title: 'escalate me', assigneeId: 'user-alice' });
    const noManager = await alice.post<Problem>(`/v1/tickets/${t.ticketId}/escalations`, {
      kind: 'hierarchical',
      reason: 'stuck',
    });
    expect(noManager.status).toBe(422);
    expect(noManager.body.code).toBe('no-manager-configured');
    const functional = await alice.post<Ticket>(`/v1/tickets/${t.ticketId}/escalations`, {
      kind: 'functional',
      reason: 'Needs network specialists',
      toGroup: 'network',
    });
    expect(functional.status).toBe(201);
    expect(functional.body).toMatchObject({ assignmentGroup: 'network', status: 'assigned' });
    expect(functional.body.assigneeId).toBeUndefined();
    const hierarchical = await bob.post<Ticket>(`/v1/tickets/${t.ticketId}/escalations`, {
      kind: 'hierarchical',
      reason: 'Customer is a VIP',
    });
    expect(hierarchical.body.escalations?.map((e) => [e.kind, e.trigger, e.to])).toEqual([
      ['functional', 'manual', 'network'],
      ['hierarchical', 'manual', 'user-nina'],
    ]);
    await rt.bus.drain();
    const escalated = rt.bus.published().filter((e) => e['detail-type'] === 'TicketEscalated');
    expect(
      escalated.some((e) => (e.detail as { data: { escalation: { to: string } } }).data.escalation.to === 'user-nina'),
    ).toBe(true);
  });

  it('escalates automatically on an SLA breach, by the configured rule', async () => {
    const t = await record({ title: 'breaching', assignmentGroup: 'network' });
    await publish('SlaBreached', {
      ticketId: t.ticketId,
      number: t.number,
      clock: 'resolution',
      agreementId: 'SLA-1',
      customerId: 'acme',
      priority: 'P2',
      targetMinutes: 240,
      deadline: new Date().toISOString(),
      at: new Date().toISOString(),
    });
    const after = await eventually(async () => {
      const r = await alice.get<Ticket>(`/v1/tickets/${t.ticketId}`);
      return r.body.escalations?.length ? r.body : undefined;
    });
    expect(after.assignmentGroup).toBe('major-response');
    expect(after.escalations?.map((e) => [e.kind, e.trigger, e.to]).sort()).toEqual([
      ['functional', 'sla-breach', 'major-response'],
      ['hierarchical', 'sla-breach', 'user-duke'],
      ['hierarchical', 'sla-breach', 'user-nina'],
    ]);
    expect(rt.functions.asyncFailures()).toEqual([]);
    const mails = await eventually(() => {
      const m = rt.mailbox.messages().filter((x) => x.tags.ticket === t.number && x.tags.kind === 'escalated');
      return m.length >= 2 ? m : undefined;
    });
    expect(mails.flatMap((m) => m.to).sort()).toEqual(['duty@provider.example', 'nina@provider.example']);
    // A warning on a group without a manager goes to the duty manager rather than to nobody.
    await publish('SlaWarningReached', {
      ticketId: t.ticketId,
      number: t.number,
      clock: 'first-response',
      agreementId: 'SLA-1',
      priority: 'P2',
      targetMinutes: 30,
      deadline: new Date().toISOString(),
      at: new Date().toISOString(),
      share: 0.75,
    });
    await eventually(async () => {
      const r = await alice.get<Ticket>(`/v1/tickets/${t.ticketId}`);
      return r.body.escalations?.some((e) => e.trigger === 'sla-warning' && e.to === 'user-duke') ? r : undefined;
    });
    expect(rt.functions.asyncFailures()).toEqual([]);
  });
});

describe('request models (FitSM PR9.2)', () => {
  const model = {
    name: 'New laptop',
    serviceId: 'SVC-3',
    fields: [
      { name: 'laptop', type: 'choice', required: true, allowedValues: ['standard', 'developer'] },
      { name: 'neededBy', type: 'date', required: true },
    ],
    tasks: [{ title: 'Order the laptop', group: 'procurement' }, { title: 'Set it up' }],
    approval: { role: 'service-desk-manager' },
    group: 'workplace',
  };

  it('validates the form, waits for approval, then creates the fulfilment tasks', async () => {
    expect((await manager.call('PUT', '/v1/request-models/new-laptop', model)).status).toBe(201);
    expect((await manager.call('PUT', '/v1/request-models/new-laptop', model)).status).toBe(428);
    const bad = await carl.post<Problem>('/v1/requests', {
      modelId: 'new-laptop',
      form: { laptop: 'gaming', colour: 'red' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.field).sort()).toEqual([
      'body.form.colour',
      'body.form.laptop',
      'body.form.neededBy',
    ]);

    const req = await carl.post<Ticket>('/v1/requests', {
      modelId: 'new-laptop',
      form: { laptop: 'developer', neededBy: '2030-01-15' },
    });
    expect(req.status).toBe(201);
    expect(req.body).toMatchObject({
      number: expect.stringMatching(/^REQ-/),
      status: 'pending',
      pendingReason: 'awaiting-approval',
      serviceId: 'SVC-3',
    });
    const t = (await alice.get<Ticket>(`/v1/tickets/${req.body.ticketId}`)).body;
    expect(t.assignmentGroup).toBe('workplace');
    expect((await alice.get<{ items: unknown[] }>(`/v1/tickets/${t.ticketId}/tasks`)).body.items).toEqual([]);
    const early = await alice.patch<Problem>(
      `/v1/tickets/${t.ticketId}`,
      { status: 'in-progress', assigneeId: 'user-alice' },
      t.version,
    );
    expect(early.body.code).toBe('approval-pending');
    expect((await alice.post(`/v1/tickets/${t.ticketId}/approval`, { decision: 'approved' })).status).toBe(403);

    const approved = await manager.post<Ticket>(`/v1/tickets/${t.ticketId}/approval`, {
      decision: 'approved',
      comment: 'ok',
    });
    expect(approved.body).toMatchObject({ status: 'assigned', approval: { status: 'approved' } });
    const tasks = (
      await alice.get<{ items: Array<{ taskId: string; status: string }> }>(`/v1/tickets/${t.ticketId}/tasks`)
    ).body.items;
    expect(tasks.map((x) => [x.taskId, x.status])).toEqual([
      ['T01', 'open'],
      ['T02', 'open'],
    ]);
    const blocked = await alice.post<Problem>(`/v1/tickets/${t.ticketId}/resolve`, {
      resolutionCode: 'fulfilled',
      resolutionSummary: 'Delivered',
    });
    expect(blocked.body.code).toBe('tasks-open');
    for (const x of tasks)
      expect((await alice.post(`/v1/tickets/${t.ticketId}/tasks/${x.taskId}/completion`)).status).toBe(200);
    const done = await alice.post<Ticket>(`/v1/tickets/${t.ticketId}/resolve`, {
      resolutionCode: 'fulfilled',
      resolutionSummary: 'Delivered',
    });
    expect(done.body.status).toBe('resolved');
  });

  it('cancels a rejected request', async () => {
    const req = (
      await carl.post<Ticket>('/v1/requests', {
        modelId: 'new-laptop',
        form: { laptop: 'standard', neededBy: '2030-02-01' },
      })
    ).body;
    const rejected = await manager.post<Ticket>(`/v1/tickets/${req.ticketId}/approval`, {
      decision: 'rejected',
      comment: 'No budget',
    });
    expect(rejected.body).toMatchObject({ status: 'cancelled', approval: { status: 'rejected' } });
  });
});

describe('notifications (FitSM PR9.4)', () => {
  it('tells the caller of caller-facing changes only, once each', async () => {
    const dora = await as('dora', ['customer-user'], 'acme');
    const t = (await dora.post<Ticket>('/v1/incidents', { title: 'Notify me' })).body;
    await alice.patch(`/v1/tickets/${t.ticketId}`, { assigneeId: 'user-alice', urgency: 'high' }, 1);
    await alice.post(`/v1/tickets/${t.ticketId}/comments`, { text: 'secret note', visibility: 'internal' });
    await alice.post(`/v1/tickets/${t.ticketId}/comments`, { text: 'We found the cause' });
    await alice.post(`/v1/tickets/${t.ticketId}/resolve`, {
      resolutionCode: 'fixed',
      resolutionSummary: 'Cleared the mail queue',
    });
    await dora.post(`/v1/tickets/${t.ticketId}/close`, {});
    const kinds = await eventually(() => {
      const k = rt.mailbox
        .messages()
        .filter((m) => m.tags.ticket === t.number)
        .map((m) => m.tags.kind);
      return k.length >= 4 ? k : undefined;
    });
    // EventBridge does not keep order between events, so neither do the mails.
    expect(kinds.sort()).toEqual(['closed', 'comment', 'recorded', 'resolved']);
    const all = rt.mailbox.messages().filter((m) => m.tags.ticket === t.number);
    expect(all.every((m) => m.to.join() === 'dora@acme.example')).toBe(true);
    expect(all.some((m) => m.text.includes('secret note'))).toBe(false);
    expect(all.find((m) => m.tags.kind === 'resolved')?.text).toContain('Cleared the mail queue');
  });
});
