import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as names from '../../../infra/local/names';
import type { Runtime } from '../../../infra/local/runtime';
import type { Role } from '../../../shared/kit/roles';
import { type Client, client, eventually, testRuntime } from '../../../test/support/runtime';
import { serviceDesk } from '../service';

/**
 * Major incidents (FitSM PR9.6) on the real local runtime: the declaration, the update cadence
 * flow (waits scaled down: a 60 s cadence takes 0.3 s), stakeholder updates and review-before-close.
 */
let rt: Runtime;
let manager: Client;
let alice: Client;
let bob: Client;

type Ticket = {
  ticketId: string;
  number: string;
  version: number;
  status: string;
  major: boolean;
  majorCriteria: string[];
  majorReminders: number;
  majorUpdates: number;
  coordinatorId?: string;
};
type Problem = { code: string };

const as = async (user: string, roles: Role[]) =>
  client(rt, await rt.token({ user, roles, email: `${user}@provider.example` }));

beforeAll(async () => {
  rt = await testRuntime({ waitScale: 0.005, services: [serviceDesk] });
  manager = await as('maria', ['service-desk-manager']);
  alice = await as('alice', ['process-staff']);
  bob = await as('bob', ['process-staff']);
  const current = await manager.get<{ majorIncident: Record<string, unknown> }>('/v1/desk-settings');
  const saved = await manager.call(
    'PUT',
    '/v1/desk-settings',
    {
      ...current.body,
      majorIncident: { ...current.body.majorIncident, cadenceSeconds: 60, stakeholderEmails: ['board@acme.example'] },
    },
    { 'if-match': '"0"' },
  );
  expect(saved.status).toBe(200);
});

afterAll(async () => {
  await rt?.close();
});

const record = async (impact: string, urgency: string) => {
  const res = await alice.post<Ticket>('/v1/incidents', {
    title: `Mail down (${impact}/${urgency})`,
    caller: { id: 'user-dora', name: 'Dora', email: 'dora@acme.example' },
    customerId: 'acme',
    impact,
    urgency,
    assigneeId: 'user-alice',
  });
  expect(res.status).toBe(201);
  return res.body;
};

const executions = async () => {
  const sfn = new SFNClient({
    endpoint: rt.awsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'x' },
  });
  const out = await sfn.send(
    new ListExecutionsCommand({
      stateMachineArn: names.stateMachineArn(names.stateMachineName('service-desk', 'major-incident')),
    }),
  );
  sfn.destroy();
  return out.executions ?? [];
};

describe('major incidents', () => {
  it('are declared by criteria, remind the coordinator at the cadence, and close only after review', async () => {
    const t = await record('high', 'high');
    expect(t.majorCriteria).toEqual(['p1']);
    const declared = await alice.post<Ticket>(`/v1/tickets/${t.ticketId}/major`, {});
    expect(declared.status).toBe(200);
    expect(declared.body).toMatchObject({ major: true, coordinatorId: 'user-alice' });
    expect((await alice.post<Problem>(`/v1/tickets/${t.ticketId}/major`, {})).body.code).toBe('already-major');

    // The flow reminds the coordinator while the incident is open.
    const reminded = await eventually(
      async () => {
        const r = await alice.get<Ticket>(`/v1/tickets/${t.ticketId}`);
        return r.body.majorReminders >= 1 ? r.body : undefined;
      },
      10_000,
      'a reminder',
    );
    expect(reminded.majorReminders).toBeGreaterThanOrEqual(1);
    const types = await eventually(() => {
      const seen = rt.bus
        .published()
        .filter((e) => JSON.stringify(e.detail).includes(t.ticketId))
        .map((e) => e['detail-type']);
      return seen.includes('MajorIncidentUpdateRequested') ? seen : undefined;
    });
    expect(types).toContain('MajorIncidentDeclared');
    await eventually(() =>
      rt.mailbox.messages().some((m) => m.tags.ticket === t.number && m.tags.kind === 'major-update-due')
        ? true
        : undefined,
    );
    const due = rt.mailbox.messages().find((m) => m.tags.kind === 'major-update-due');
    expect(due?.to).toEqual(['alice@provider.example']);
    expect(rt.mailbox.messages().some((m) => m.tags.ticket === t.number && m.tags.kind === 'major-declared')).toBe(
      true,
    );

    // Stakeholder update: the caller and the stakeholders hear of it.
    expect((await bob.post(`/v1/tickets/${t.ticketId}/major/updates`, { summary: 'x' })).status).toBe(403);
    const update = await alice.post(`/v1/tickets/${t.ticketId}/major/updates`, {
      summary: 'Mail is restored for 80% of users; next update in 30 minutes.',
    });
    expect(update.status).toBe(201);
    const sent = await eventually(() =>
      rt.mailbox.messages().find((m) => m.tags.ticket === t.number && m.tags.kind === 'stakeholder-update'),
    );
    expect(sent.to.sort()).toEqual(['board@acme.example', 'dora@acme.example']);

    // Resolution ends the cadence.
    const resolved = await alice.post<Ticket>(`/v1/tickets/${t.ticketId}/resolve`, {
      resolutionCode: 'fixed',
      resolutionSummary: 'Restarted the mail relay',
    });
    expect(resolved.body.status).toBe('resolved');
    const [execution] = await executions();
    expect(execution?.name).toBe(`${t.ticketId}-0`);
    const done = await rt.stepFunctions.waitForExecution(execution!.executionArn!, { timeoutMs: 10_000 });
    expect(done.status).toBe('SUCCEEDED');

    // Review before closure.
    const early = await alice.post<Problem>(`/v1/tickets/${t.ticketId}/close`, {});
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('major-review-required');
    const review = {
      findings: 'Relay ran out of disk',
      rootCause: 'Log rotation off',
      actions: [{ title: 'Enable rotation' }],
    };
    expect((await bob.post(`/v1/tickets/${t.ticketId}/major/review`, review)).status).toBe(403);
    expect((await alice.post(`/v1/tickets/${t.ticketId}/major/review`, review)).status).toBe(200);
    const closed = await alice.post<Ticket>(`/v1/tickets/${t.ticketId}/close`, {});
    expect(closed.body.status).toBe('closed');
  });

  it('outside the criteria, only a manager declares, with a logged reason', async () => {
    const t = await record('low', 'low');
    const refused = await alice.post<Problem>(`/v1/tickets/${t.ticketId}/major`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('criteria-not-met');
    const noReason = await manager.post<Problem>(`/v1/tickets/${t.ticketId}/major`, {});
    expect(noReason.status).toBe(422);
    const ok = await manager.post<Ticket>(`/v1/tickets/${t.ticketId}/major`, {
      reason: 'Board meeting depends on it',
      coordinatorId: 'user-alice',
      coordinatorEmail: 'alice@provider.example',
    });
    expect(ok.body).toMatchObject({ major: true, coordinatorId: 'user-alice' });
    const history = await manager.get<{ items: Array<{ action: string; reason?: string }> }>(
      `/v1/tickets/${t.ticketId}/history`,
    );
    expect(history.body.items[0]).toMatchObject({
      action: 'declared major incident',
      reason: 'Board meeting depends on it',
    });
    await alice.post(`/v1/tickets/${t.ticketId}/cancel`, { reason: 'false alarm' });
  });
});
