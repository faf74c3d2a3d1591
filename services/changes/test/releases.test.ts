import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import type { DeploymentSummary, ReleaseSnapshot } from '../../../shared/contracts/releases/v1';
import { publishEvents } from '../../../test/support/events';
import { as, type Client, eventually, testRuntime } from '../../../test/support/runtime';
import { changes } from '../service';

/**
 * Changes follow the release that bundles them (FitSM PR13.3, PR13.6): the releases service's
 * events move their windows, start their implementation and record its outcome, through the same
 * paths a person's request takes, whatever the order and however often the events come.
 */
let rt: Runtime;
let manager: Client;
let templateId: string;

type Change = {
  changeId: string;
  number: string;
  type: string;
  status: string;
  version: number;
  plannedStart?: string;
  plannedEnd?: string;
  outcome?: string;
  outcomeNotes?: string;
  reviewReasons: string[];
  executionArn?: string;
  origin?: { source: string; ref: string };
  templateId?: string;
  approval?: { basis?: string };
};
type History = { items: { action: string; reason?: string; actor: { id: string } }[] };

const HOUR = 3_600_000;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const get = async (id: string) => (await manager.get<Change>(`/v1/changes/${id}`)).body;
const history = async (id: string) => (await manager.get<History>(`/v1/changes/${id}/history?limit=100`)).body.items;

/** A standard change from the template: approved at once, its flow waiting for its window. */
async function approvedChange(title: string, start: number, length = HOUR, ciIds?: string[]): Promise<Change> {
  const made = await manager.post<Change>('/v1/changes', {
    templateId,
    title,
    description: 'Deploy the web shop',
    plannedStart: at(start),
    plannedEnd: at(start + length),
    ...(ciIds ? { ciIds } : {}),
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  expect(made.body.status).toBe('approved');
  return made.body;
}

function release(over: Partial<ReleaseSnapshot>): ReleaseSnapshot {
  return {
    releaseId: 'rel-1',
    number: 'REL-1',
    title: 'Web shop 1.5',
    type: 'minor',
    status: 'accepted',
    ownerId: 'user-rita',
    changeIds: [],
    ciIds: [],
    version: 1,
    createdAt: at(-HOUR),
    updatedAt: at(0),
    ...over,
  };
}

function deployment(over: Partial<DeploymentSummary>): DeploymentSummary {
  return {
    deploymentId: `dep-${ulid()}`,
    releaseId: 'rel-1',
    number: 'REL-1',
    title: 'Web shop 1.5',
    changeIds: [],
    ciIds: [],
    trigger: { kind: 'manual', ref: 'user-rita' },
    startedAt: at(0),
    ...over,
  };
}

/** Publish as the releases service does, and wait until the changes service is done with it. */
async function fromReleases(detailType: string, data: unknown, eventId?: string) {
  await publishEvents(rt, [{ source: 'itsm.releases', detailType, data, ...(eventId ? { eventId } : {}) }], 'releases');
  await rt.bus.drain();
}

beforeAll(async () => {
  rt = await testRuntime({ services: [changes] });
  manager = await as(rt, 'max', ['changes-manager']);
  const template = await manager.post<{ templateId: string }>('/v1/change-templates', {
    name: 'Deploy the web shop',
    description: 'A routine deployment of the web shop by its pipeline.',
    implementationPlan: 'Run the pipeline.',
    testPlan: 'The smoke tests pass.',
    backoutPlan: 'Redeploy the previous package.',
  });
  expect(template.status).toBe(201);
  templateId = template.body.templateId;
});

afterAll(async () => {
  await rt?.close();
});

describe("a release's window (FitSM PR13.3)", () => {
  it('moves the changes whose window does not hold it, once, and never back to an older version', async () => {
    // Prepare: one change planned for tomorrow, one whose window already holds the release's.
    const tomorrow = await approvedChange('Tomorrow', 24 * HOUR);
    const holding = await approvedChange('Holding', 2 * HOUR, 4 * HOUR);
    const window = { plannedStart: at(3 * HOUR), plannedEnd: at(4 * HOUR) };
    const scheduled = release({ changeIds: [tomorrow.changeId, holding.changeId], version: 3, ...window });
    const eventId = ulid();

    // Act: the window, twice; then an older version with another window, late.
    await fromReleases('ReleaseScheduled', scheduled, eventId);
    await fromReleases('ReleaseScheduled', scheduled, eventId);
    await fromReleases('ReleaseScheduled', { ...scheduled, version: 3 });
    await fromReleases(
      'ReleaseScheduled',
      release({ changeIds: [tomorrow.changeId], version: 2, plannedStart: at(30 * HOUR), plannedEnd: at(31 * HOUR) }),
    );

    // Assess
    const moved = await get(tomorrow.changeId);
    expect(moved).toMatchObject({ status: 'approved', ...window });
    const moves = (await history(tomorrow.changeId)).filter((h) => h.action === 'rescheduled');
    expect(moves).toEqual([
      expect.objectContaining({
        reason: 'follows release REL-1',
        actor: expect.objectContaining({ id: 'system:changes' }),
      }),
    ]);
    expect(await get(holding.changeId)).toMatchObject({ plannedStart: holding.plannedStart, version: holding.version });
    // Moved as a person's reschedule moves it: ChangeRescheduled announced.
    await rt.drainStreams();
    await rt.bus.drain();
    const rescheduled = rt.bus
      .published()
      .filter((e) => e['detail-type'] === 'ChangeRescheduled')
      .map((e) => (e.detail as { data: Change }).data)
      .filter((c) => c.changeId === tomorrow.changeId);
    expect(rescheduled.map((c) => c.plannedStart)).toEqual([window.plannedStart]);
  });

  it('moves a change still in approval too, so its approvers decide on the window it will have', async () => {
    // Prepare: a normal change, assessed and submitted, waiting at its first approval level.
    expect((await manager.put('/v1/people/user-max', { managerId: 'user-boss' })).status).toBe(200);
    const raised = await manager.post<Change>('/v1/changes', {
      title: 'Database index',
      description: 'Add the index the release needs',
      implementationPlan: 'Create the index concurrently.',
      testPlan: 'Query plans use it.',
      backoutPlan: 'Drop the index.',
      ciIds: [`ci-${ulid()}`],
      plannedStart: at(48 * HOUR),
      plannedEnd: at(49 * HOUR),
    });
    expect(raised.status, JSON.stringify(raised.body)).toBe(201);
    const assessed = await manager.post<Change>(
      `/v1/changes/${raised.body.changeId}/assessment`,
      { benefit: 'Faster orders', effort: 'An hour', feasibility: 'Routine' },
      { 'if-match': `"${raised.body.version}"` },
    );
    expect(assessed.status, JSON.stringify(assessed.body)).toBe(200);
    const submitted = await manager.post(`/v1/changes/${raised.body.changeId}/submission`, undefined, {
      'if-match': `"${assessed.body.version}"`,
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const window = { plannedStart: at(5 * HOUR), plannedEnd: at(6 * HOUR) };

    // Act
    await fromReleases(
      'ReleaseScheduled',
      release({ releaseId: 'rel-3', number: 'REL-3', changeIds: [raised.body.changeId], ...window }),
    );

    // Assess
    expect(await get(raised.body.changeId)).toMatchObject({ status: 'approval', ...window });
  });

  it('keeps the window of a change it cannot move into a blackout window, and says why', async () => {
    // Prepare: a freeze on the change's CI where the release would take it.
    const frozenCi = `ci-${ulid()}`;
    const change = await approvedChange('Frozen', 24 * HOUR, HOUR, [frozenCi]);
    const freeze = { name: 'Freeze', start: at(40 * HOUR), end: at(44 * HOUR), ciIds: [frozenCi] };
    expect((await manager.post('/v1/blackout-windows', freeze)).status).toBe(201);

    // Act
    await fromReleases(
      'ReleaseScheduled',
      release({
        releaseId: 'rel-2',
        number: 'REL-2',
        changeIds: [change.changeId],
        plannedStart: at(41 * HOUR),
        plannedEnd: at(42 * HOUR),
      }),
    );

    // Assess
    expect(await get(change.changeId)).toMatchObject({ status: 'approved', plannedStart: change.plannedStart });
    const actions = (await history(change.changeId)).map((h) => h.action);
    expect(actions).toContain('did not follow release REL-2: its window meets a blackout window');
    expect(actions).not.toContain('rescheduled');
  });
});

describe("a release's deployment (FitSM PR13.6)", () => {
  it('starts its approved changes, early if need be, and records a rolled-back outcome as backed out with its review', async () => {
    // Prepare: a change whose window opens only tomorrow.
    const change = await approvedChange('Rolled back', 24 * HOUR);
    const started = deployment({ changeIds: [change.changeId] });

    // Act
    await fromReleases('ReleaseDeploymentStarted', started);

    // Assess
    const implementing = await get(change.changeId);
    expect(implementing.status).toBe('implementing');
    const start = (await history(change.changeId)).find((h) => h.action.startsWith('implementation started'));
    expect(start?.action).toBe(`implementation started by release REL-1 deployment ${started.deploymentId}`);
    expect(start?.reason).toContain('Started early');

    // Act: the second wave fails its verification and the back-out runs.
    const ended = {
      ...started,
      outcome: 'rolled-back' as const,
      endedAt: at(0),
      failedWave: 'wave 2',
      reason: 'The checkout smoke test failed.',
    };
    await fromReleases('ReleaseDeploymentEnded', ended);
    await fromReleases('ReleaseDeploymentEnded', ended);

    // Assess
    const done = await get(change.changeId);
    expect(done).toMatchObject({ status: 'implemented', outcome: 'backed-out' });
    expect(done.outcomeNotes).toContain('failed wave: wave 2');
    expect(done.outcomeNotes).toContain('The checkout smoke test failed.');
    expect(done.reviewReasons).toEqual(['implementation backed-out']);
    const ends = (await history(change.changeId)).filter((h) => h.action.startsWith('implementation ended'));
    expect(ends.map((h) => h.action)).toEqual([
      `implementation ended by release REL-1 deployment ${started.deploymentId}: backed-out`,
    ]);
    // The change flow waited on the window, was woken by the start, and ended with the outcome.
    const exec = await rt.stepFunctions.waitForExecution(done.executionArn!, { timeoutMs: 15_000 });
    expect(exec.status).toBe('SUCCEEDED');
    // Closure needs the review the outcome requires, as for a person's outcome.
    const close = await manager.post<{ code: string }>(`/v1/changes/${change.changeId}/closure`, {});
    expect(close.body.code).toBe('review-required');
  });

  it('starts and ends in one go when the end comes first; a late start changes nothing', async () => {
    // Prepare
    const failed = await approvedChange('Failed', 24 * HOUR);
    const succeeded = await approvedChange('Succeeded', -60_000, 2 * HOUR);
    const d = deployment({ changeIds: [failed.changeId, succeeded.changeId] });

    // Act: the end first (a failure for one deployment names both changes)...
    await fromReleases('ReleaseDeploymentEnded', {
      ...d,
      outcome: 'failure',
      endedAt: at(0),
      reason: 'Wave 1 timed out.',
    });
    const afterEnd = await get(failed.changeId);
    // ...then the start, late.
    await fromReleases('ReleaseDeploymentStarted', d);

    // Assess
    expect(afterEnd).toMatchObject({ status: 'implemented', outcome: 'failed' });
    expect(afterEnd.reviewReasons).toEqual(['implementation failed']);
    expect(await get(failed.changeId)).toMatchObject({ status: 'implemented', version: afterEnd.version });
    const actions = (await history(failed.changeId)).map((h) => h.action);
    expect(actions.filter((a) => a.startsWith('implementation'))).toEqual([
      `implementation ended by release REL-1 deployment ${d.deploymentId}: failed`,
      `implementation started by release REL-1 deployment ${d.deploymentId}`,
    ]);
    const onTime = (await history(succeeded.changeId)).find((h) => h.action.startsWith('implementation started'));
    expect(onTime?.reason).toBeUndefined();
    for (const c of [failed, succeeded]) {
      const exec = await rt.stepFunctions.waitForExecution((await get(c.changeId)).executionArn!, {
        timeoutMs: 15_000,
      });
      expect(exec.status).toBe('SUCCEEDED');
    }
  });
});

describe('a standard change requested by the releases service (a pipeline deployment)', () => {
  it('is made once from the template, pre-approved, with no manual step', async () => {
    // Prepare
    const request = {
      requestId: `exec-${ulid()}`,
      title: 'Deploy web shop 1.5.1',
      description: 'Pipeline web-shop, execution 42',
      requesterId: 'pipeline:web-shop',
      origin: { source: 'releases', ref: 'REL-9' },
      templateId,
    };

    // Act: two events for one request.
    await fromReleases('ChangeRequested', request);
    await fromReleases('ChangeRequested', request);

    // Assess
    const mine = await eventually(async () => {
      const all = await manager.get<{ items: Change[] }>('/v1/changes?limit=100');
      const found = all.body.items.filter((c) => c.origin?.ref === 'REL-9');
      return found.length ? found : undefined;
    });
    expect(mine).toHaveLength(1);
    const c = await get(mine[0]!.changeId);
    expect(c).toMatchObject({
      type: 'standard',
      status: 'approved',
      templateId,
      origin: { source: 'releases', ref: 'REL-9' },
    });
    expect(c.approval?.basis).toContain('pre-approved by standard change template "Deploy the web shop"');
    expect(Date.parse(c.plannedEnd!) - Date.parse(c.plannedStart!)).toBe(HOUR);
    expect(rt.bus.deadLetters()).toEqual([]);
  });
});
