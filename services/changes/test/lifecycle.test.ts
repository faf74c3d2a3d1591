import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, eventually, testRuntime, WITHOUT_QUERY_STORE } from '../../../test/support/runtime';
import { DEFAULT_POLICY } from '../domain/policy';

/**
 * A change from request to closure (FitSM PR12.1-PR12.5), through the API and the real flow:
 * standard changes pre-approved by their template, an emergency change decided in an emergency
 * CAB meeting that cannot close without its retrospective review, RFCs raised from the desk.
 */
let rt: Runtime;
let manager: Client;
let requester: Client;
let ann: Client;
let agent: Client;
let customer: Client;
let ecabId: string;

const id = (name: string) => `user-${name}`;
type Change = {
  changeId: string;
  number: string;
  status: string;
  type: string;
  version: number;
  approval?: {
    levels: { level: number; status: string; approverIds: string[]; votes: { userId: string; rationale?: string }[] }[];
    basis?: string;
  };
  reviewReasons: string[];
  closureCode?: string;
  executionArn?: string;
  origin?: { source: string; ref: string };
  plannedStart?: string;
};
const PLANS = {
  implementationPlan: 'Apply the patch.',
  testPlan: 'Check the health endpoint.',
  backoutPlan: 'Roll back to the previous package.',
};
const soon = (ms: number, length = 3_600_000) => ({
  plannedStart: new Date(Date.now() + ms).toISOString(),
  plannedEnd: new Date(Date.now() + ms + length).toISOString(),
});
const get = async (changeId: string) => (await manager.get<Change>(`/v1/changes/${changeId}`)).body;
const statusIs = (changeId: string, status: string) =>
  eventually(
    async () => {
      const c = await get(changeId);
      return c.status === status ? c : undefined;
    },
    15_000,
    `${changeId} to be ${status}`,
  );

beforeAll(async () => {
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  manager = await as(rt, 'max', ['changes-manager']);
  requester = await as(rt, 'rae', ['process-staff']);
  ann = await as(rt, 'ann', ['process-staff']);
  agent = await as(rt, 'alice', ['service-desk-manager']);
  customer = await as(rt, 'carol', ['customer-user'], 'acme');
  for (const u of ['ann', 'bob'])
    expect((await manager.put(`/v1/people/${id(u)}`, { email: `${u}@example.org` })).status).toBe(200);
  const ecab = await manager.post<{ cabId: string }>('/v1/cabs', {
    name: 'Emergency CAB',
    members: [id('ann'), id('bob')],
    emergency: true,
  });
  ecabId = ecab.body.cabId;
  const policy = {
    ...DEFAULT_POLICY,
    matrix: [
      {
        name: 'emergency: ECAB',
        types: ['emergency'],
        levels: [
          {
            name: 'ECAB',
            approvers: { cabId: ecabId },
            mode: 'any',
            timeoutSeconds: 900,
            onTimeout: 'escalate',
            escalateTo: { role: 'changes-owner' },
          },
        ],
      },
      ...DEFAULT_POLICY.matrix.filter((r) => !r.types?.includes('emergency')),
    ],
  };
  expect((await manager.put('/v1/change-policy', policy, { 'if-match': '"0"' })).status).toBe(200);
});

afterAll(async () => {
  await rt?.close();
});

describe('a standard change', () => {
  it('needs no approval: pre-approved by its template, then implemented in its window and closed', async () => {
    const template = await manager.post<{ templateId: string }>('/v1/change-templates', {
      name: 'Patch a web server',
      description: 'Monthly OS patches on one web server.',
      ...PLANS,
      fields: [{ name: 'host', label: 'Host name', required: true }],
    });
    expect(template.status).toBe(201);
    // Its own fields are required.
    const missing = await requester.post('/v1/changes', {
      templateId: template.body.templateId,
      title: 'Patch web-1',
      description: 'December patches',
      ...soon(2000),
    });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('body.fields.host');

    const made = await requester.post<Change>('/v1/changes', {
      templateId: template.body.templateId,
      title: 'Patch web-1',
      description: 'December patches',
      fields: { host: 'web-1' },
      implementerId: id('rae'),
      ...soon(1500),
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ type: 'standard', status: 'approved' });
    expect(made.body.approval).toMatchObject({ levels: [] });
    expect(made.body.approval!.basis).toContain('pre-approved by standard change template "Patch a web server"');
    await eventually(() =>
      rt.bus
        .published()
        .some((e) => e['detail-type'] === 'ChangeApproved' && JSON.stringify(e.detail).includes(made.body.changeId)),
    );
    // The window opens in a moment; starting before it is refused.
    const early = await requester.post(`/v1/changes/${made.body.changeId}/implementation`, { event: 'started' });
    if (Date.now() < Date.parse(made.body.plannedStart!)) expect(early.status).toBe(409);
    const started = await eventually(
      async () => {
        const r = await requester.post<Change>(`/v1/changes/${made.body.changeId}/implementation`, {
          event: 'started',
        });
        return r.status === 200 ? r.body : undefined;
      },
      10_000,
      'the window to open',
    );
    expect(started.status).toBe('implementing');
    const ended = await requester.post<Change>(`/v1/changes/${made.body.changeId}/implementation`, {
      event: 'ended',
      outcome: 'successful',
    });
    expect(ended.body.status).toBe('implemented');
    expect(ended.body.reviewReasons).toEqual([]);
    const closed = await requester.post<Change>(`/v1/changes/${made.body.changeId}/closure`, {});
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', closureCode: 'successful' });
    // The flow waited for the window, then for the implementation, and ended.
    const exec = await rt.stepFunctions.waitForExecution(closed.body.executionArn!, { timeoutMs: 15_000 });
    expect(exec.status).toBe('SUCCEEDED');
  });
});

describe('an emergency change', () => {
  it('goes to the emergency CAB, is decided in its meeting, and cannot close before its retrospective review', async () => {
    const raised = await requester.post<Change>('/v1/changes', {
      type: 'emergency',
      title: 'Block the exploited endpoint',
      description: 'An exploit is in the wild.',
      ...PLANS,
      serviceIds: ['svc-web'],
      implementerId: id('rae'),
      ...soon(1000),
    });
    expect(raised.status).toBe(201);
    const assessed = await requester.post<Change>(
      `/v1/changes/${raised.body.changeId}/assessment`,
      { benefit: 'Stops the attack', effort: 'Minutes', feasibility: 'A firewall rule' },
      { 'if-match': `"${raised.body.version}"` },
    );
    expect(assessed.status).toBe(200);
    const submitted = await requester.post<Change>(`/v1/changes/${raised.body.changeId}/submission`, undefined, {
      'if-match': `"${assessed.body.version}"`,
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const open = await eventually(async () => {
      const c = await get(raised.body.changeId);
      return c.approval?.levels[0]?.status === 'open' ? c : undefined;
    });
    expect(open.approval!.levels[0]!.approverIds).toEqual([id('ann'), id('bob')]);
    // The ECAB members are mailed a link to the decision page; the link decides nothing.
    const mail = await eventually(() =>
      rt.mailbox.messages('ann@example.org').find((m) => m.subject.includes(raised.body.number)),
    );
    expect(mail.text).toContain(`/changes/${encodeURIComponent(raised.body.changeId)}/decision`);
    expect(mail.text).toContain('Opening the link decides nothing');

    const meeting = await manager.post<{ meetingId: string; agenda: { number: string }[] }>('/v1/cab-meetings', {
      cabId: ecabId,
      title: 'ECAB call',
      startsAt: new Date().toISOString(),
    });
    expect(meeting.status).toBe(201);
    expect(meeting.body.agenda.map((a) => a.number)).toContain(raised.body.number);
    // The requester is not on the board: their vote is refused.
    const selfVote = await manager.post(`/v1/cab-meetings/${meeting.body.meetingId}/decisions`, {
      changeId: raised.body.changeId,
      decision: 'approve',
      rationale: 'ok',
      voters: [id('rae')],
    });
    expect(selfVote.status).toBe(409);
    const decided = await ann.post<{ decisions: { number: string; voters: string[] }[]; agenda: unknown[] }>(
      `/v1/cab-meetings/${meeting.body.meetingId}/decisions`,
      {
        changeId: raised.body.changeId,
        decision: 'approve',
        rationale: 'Risk of waiting is higher',
        voters: [id('ann')],
      },
    );
    expect(decided.status, JSON.stringify(decided.body)).toBe(201);
    expect(decided.body.decisions).toMatchObject([{ number: raised.body.number, voters: [id('ann')] }]);
    const approved = await statusIs(raised.body.changeId, 'approved');
    expect(approved.approval!.levels[0]!.votes[0]).toMatchObject({
      userId: id('ann'),
      rationale: 'Risk of waiting is higher',
    });

    await eventually(
      async () =>
        (await requester.post(`/v1/changes/${raised.body.changeId}/implementation`, { event: 'started' })).status ===
        200,
      10_000,
    );
    const ended = await requester.post<Change>(`/v1/changes/${raised.body.changeId}/implementation`, {
      event: 'ended',
      outcome: 'successful',
    });
    expect(ended.body.reviewReasons).toEqual(['emergency change: retrospective review']);
    const early = await requester.post<{ code: string; detail: string }>(
      `/v1/changes/${raised.body.changeId}/closure`,
      {},
    );
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('review-required');
    const review = await manager.post(`/v1/changes/${raised.body.changeId}/review`, {
      summary: 'The block held; no side effects.',
      objectivesMet: true,
    });
    expect(review.status).toBe(200);
    const closed = await requester.post<Change>(`/v1/changes/${raised.body.changeId}/closure`, {});
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
  });
});

describe('RFCs from the service desk', () => {
  it('raises CHG-n once from the desk request, linked back to the incident', async () => {
    const ticket = await agent.post<{ ticketId: string; number: string }>('/v1/incidents', {
      title: 'Mail relay drops messages',
      description: 'Since the last update',
      caller: { id: 'carl', name: 'Carl' },
      customerId: 'acme',
      impact: 'medium',
      urgency: 'medium',
    });
    expect(ticket.status, JSON.stringify(ticket.body)).toBe(201);
    const rfc = await agent.post(`/v1/tickets/${ticket.body.ticketId}/change-requests`, {
      title: 'Fix the relay queue size',
      description: 'Raise the queue limit',
      reason: 'Incident root cause',
    });
    expect(rfc.status, JSON.stringify(rfc.body)).toBe(202);
    const linked = await eventually(
      async () => {
        const r = await agent.get<{ items: { number: string; changeId: string }[] }>(
          `/v1/tickets/${ticket.body.ticketId}/changes`,
        );
        return r.body.items[0];
      },
      15_000,
      'the change linked on the ticket',
    );
    const change = await get(linked.changeId);
    expect(change).toMatchObject({ status: 'new', origin: { source: 'service-desk', ref: ticket.body.number } });
    const all = await manager.get<{ items: Change[] }>('/v1/changes?limit=100');
    expect(all.body.items.filter((c) => c.origin?.ref === ticket.body.number)).toHaveLength(1);
  });
});

describe('hostile and careless callers', () => {
  it('answers problems, never a 5xx, and hides changes from customer users', async () => {
    expect((await customer.get('/v1/changes')).status).toBe(403);
    expect((await manager.get('/v1/changes/CHG-999999')).status).toBe(404);
    const bad = await requester.post<{ code: string; errors: { field: string }[] }>('/v1/changes', {
      title: '',
      description: 'x',
      plannedStart: '2026-01-02T00:00:00Z',
      plannedEnd: '2026-01-01T00:00:00Z',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['body.title', 'body.plannedEnd']));
    const c = await requester.post<Change>('/v1/changes', { title: 'T', description: 'D' });
    // Without If-Match an edit is refused (428); with a stale one, 409.
    const noIfMatch = await requester.call('PATCH', `/v1/changes/${c.body.changeId}`, { title: 'T2' });
    expect(noIfMatch.status, JSON.stringify(noIfMatch.body)).toBe(428);
    expect((await requester.patch(`/v1/changes/${c.body.changeId}`, { title: 'T2' }, 7)).status).toBe(409);
    // Not ready for approval: the missing parts are named.
    const notReady = await requester.post<{ errors: { field: string }[] }>(
      `/v1/changes/${c.body.changeId}/submission`,
      undefined,
      {
        'if-match': `"${c.body.version}"`,
      },
    );
    expect(notReady.status).toBe(409);
    expect(notReady.body.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['status', 'backoutPlan']));
    // Someone else's change cannot be edited by a bystander.
    expect((await ann.patch(`/v1/changes/${c.body.changeId}`, { title: 'Mine' }, c.body.version)).status).toBe(403);
    // A decision on a change that is not in approval.
    expect(
      (await ann.post(`/v1/changes/${c.body.changeId}/approvals`, { decision: 'approve', rationale: 'x' })).status,
    ).toBe(409);
    // Every state change is audited.
    const history = await manager.get<{ items: { action: string }[] }>(`/v1/changes/${c.body.changeId}/history`);
    expect(history.body.items.map((h) => h.action)).toEqual(['raised']);
  });
});
