import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../../test/support/events';
import { eventually, testRuntime } from '../../../test/support/runtime';
import { type Runtime, startRuntime } from '../runtime';
import { CONSOLE_SOURCE, consoleService } from './fixtures/console-service';

/** The event console on the AWS endpoint: `GET /_local/events` and `/_local/events/{id}`. */
let rt: Runtime;
const markers = mkdtempSync(join(tmpdir(), 'itsm-console-'));

beforeAll(async () => {
  rt = await testRuntime({ services: [consoleService] });
  // A rule whose target function does not exist: the hand-off fails and the bus dead-letters it,
  // as EventBridge does when a target was deleted.
  rt.bus.addRule({
    bus: 'itsm',
    name: 'to-a-deleted-function',
    pattern: { source: [CONSOLE_SOURCE], detail: { data: { outcome: ['unreachable'] } } },
    targets: [{ functionName: 'console-test-deleted', retryAttempts: 1 }],
  });
});
afterAll(async () => {
  await rt?.close();
  rmSync(markers, { recursive: true, force: true });
});

interface Delivery {
  rule: string;
  target: string;
  state: string;
  attempts: number;
  retries: number;
  deadLetterId?: string;
  error?: string;
  invocation?: { state: string; attempts: number; retries: number; onFailureId?: string; condition?: string };
}
interface Listed {
  id: string;
  source: string;
  detailType: string;
  correlationId: string | null;
  rules: { name: string; targets: string[] }[];
  deliveries: Delivery[];
  href: string;
  event?: { id: string; detail: unknown };
}

async function get<T>(path: string, accept = 'application/json') {
  const res = await fetch(`${rt.awsUrl}${path}`, { headers: { accept } });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    text,
    body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined) as T,
  };
}

/** Publishes one event through the SDK, as a service would; returns its id and correlation id. */
async function publish(outcome: string, detailType = 'ConsoleTested', extra: Record<string, unknown> = {}) {
  const [out] = await publishEvents(rt, [{ source: CONSOLE_SOURCE, detailType, data: { outcome, markers, ...extra } }]);
  const id = out!.Entries![0]!.EventId!;
  const shown = await get<Listed>(`/_local/events/${id}`);
  return { id, correlationId: shown.body.correlationId! };
}

/** Waits until the event's deliveries satisfy `done`. */
const settled = (id: string, done: (d: Delivery[]) => boolean) =>
  eventually(
    async () => {
      const r = await get<Listed>(`/_local/events/${id}`);
      return r.status === 200 && done(r.body.deliveries) ? r.body : undefined;
    },
    15_000,
    `deliveries of ${id}`,
  );

describe('an event and what became of it', () => {
  it('shows the rule it matched, the hand-off and that the consumer succeeded', async () => {
    // Prepare
    const { id } = await publish('ok');
    // Act
    const shown = await settled(id, (d) => d[0]?.invocation?.state === 'succeeded');
    // Assess
    expect(shown.rules).toEqual([
      {
        name: 'console-test-react',
        arn: expect.stringContaining(':rule/itsm/console-test-react'),
        targets: ['itsm-console-test-consumer'],
      },
    ]);
    expect(shown.deliveries).toEqual([
      expect.objectContaining({
        rule: 'console-test-react',
        target: 'itsm-console-test-consumer',
        state: 'handed',
        attempts: 1,
        invocation: expect.objectContaining({ state: 'succeeded', attempts: 1, retries: 0 }),
      }),
    ]);
    expect(shown.event).toMatchObject({ id, source: CONSOLE_SOURCE, detail: { data: { outcome: 'ok' } } });
  });

  it('shows that Lambda retried a consumer that failed once', async () => {
    // Prepare
    const { id } = await publish('fail-once');
    // Act
    const shown = await settled(id, (d) => d[0]?.invocation?.state === 'succeeded');
    // Assess
    expect(shown.deliveries[0]!.invocation).toMatchObject({ state: 'succeeded', attempts: 2, retries: 1 });
  });

  it('links a consumer that always fails to its on-failure record, and the record to the event', async () => {
    // Prepare
    const { id } = await publish('fail');
    // Act
    const shown = await settled(id, (d) => d[0]?.invocation?.state === 'failed');
    // Assess: Lambda's 2 retries, then the on-failure record, which names the event.
    const invocation = shown.deliveries[0]!.invocation!;
    expect(invocation).toMatchObject({ state: 'failed', attempts: 3, retries: 2, condition: 'RetriesExhausted' });
    const failures = await get<{ asyncFailures: { id: string; eventId?: string }[] }>('/_local/failures');
    expect(failures.body.asyncFailures.find((f) => f.id === invocation.onFailureId)?.eventId).toBe(id);
  });

  it('links a dead-lettered delivery to its dead letter, and the dead letter to the event', async () => {
    // Prepare
    const { id } = await publish('unreachable');
    // Act
    const shown = await settled(id, (d) => d[0]?.state === 'dead-lettered');
    // Assess: one retry of the hand-off, then the dead letter, which names the event.
    const delivery = shown.deliveries[0]!;
    expect(delivery).toMatchObject({
      rule: 'to-a-deleted-function',
      target: 'console-test-deleted',
      state: 'dead-lettered',
      attempts: 2,
      retries: 1,
      error: expect.stringContaining('console-test-deleted'),
    });
    const failures = await get<{ deadLetters: { id: string; eventId: string }[] }>('/_local/failures');
    expect(failures.body.deadLetters.find((l) => l.id === delivery.deadLetterId)?.eventId).toBe(id);
  });

  it('shows an event no rule matched with no deliveries', async () => {
    // Prepare
    const { id } = await publish('ignored');
    // Act
    const shown = await get<Listed>(`/_local/events/${id}`);
    // Assess
    expect(shown.body).toMatchObject({ id, rules: [], deliveries: [] });
  });
});

describe('the list', () => {
  it('lists newest first, filters by source, detail-type and correlation id, and pages with a cursor', async () => {
    // Prepare: five events of one detail type, one of another.
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await publish('ignored', 'ListTested', { i })).id);
    const other = await publish('ignored', 'OtherTested');
    // Act
    const first = await get<{ items: Listed[]; nextCursor?: string }>(
      `/_local/events?source=${CONSOLE_SOURCE}&detail-type=ListTested&limit=3`,
    );
    const second = await get<{ items: Listed[]; nextCursor?: string }>(
      `/_local/events?source=${CONSOLE_SOURCE}&detail-type=ListTested&limit=3&cursor=${first.body.nextCursor}`,
    );
    const byCorrelation = await get<{ items: Listed[] }>(`/_local/events?correlation-id=${other.correlationId}`);
    const newest = await get<{ items: Listed[] }>('/_local/events?limit=1');
    // Assess
    expect(first.body.items.map((e) => e.id)).toEqual([ids[4], ids[3], ids[2]]);
    expect(second.body.items.map((e) => e.id)).toEqual([ids[1], ids[0]]);
    expect(second.body.nextCursor).toBeUndefined();
    expect(byCorrelation.body.items.map((e) => e.id)).toEqual([other.id]);
    expect(newest.body.items.map((e) => e.id)).toEqual([other.id]);
    expect(first.body.items[0]).toMatchObject({ source: CONSOLE_SOURCE, detailType: 'ListTested', deliveries: [] });
  });

  it('answers a bad query with a 400 problem and a stable code, an unknown id with 404', async () => {
    // Act
    const cases = await Promise.all(
      [
        '/_local/events?limit=0',
        '/_local/events?limit=101',
        '/_local/events?limit=ten',
        '/_local/events?cursor=not-a-cursor',
        '/_local/events?from=yesterday',
        '/_local/events?colour=blue',
        '/_local/events?source=a&source=b',
        '/_local/events/00000000-0000-4000-8000-000000000000',
      ].map((path) => get<{ status: number; code: string }>(path)),
    );
    // Assess
    expect(cases.map((c) => [c.status, c.type, c.body.code])).toEqual([
      [400, 'application/problem+json', 'invalid-limit'],
      [400, 'application/problem+json', 'invalid-limit'],
      [400, 'application/problem+json', 'invalid-limit'],
      [400, 'application/problem+json', 'invalid-cursor'],
      [400, 'application/problem+json', 'invalid-time'],
      [400, 'application/problem+json', 'unknown-parameter'],
      [400, 'application/problem+json', 'repeated-parameter'],
      [404, 'application/problem+json', 'event-not-found'],
    ]);
    expect(cases[0]!.body).toMatchObject({ status: 400, title: 'Bad Request', type: expect.any(String) });
  });
});

describe('the HTML view', () => {
  it('renders the list and one event for a browser, showing event content as text', async () => {
    // Prepare: an event whose detail carries markup.
    const { id } = await publish('ignored', 'HtmlTested', { note: '<script>alert("x")</script>' });
    // Act
    const list = await get('/_local/events?detail-type=HtmlTested', 'text/html,application/xhtml+xml,*/*;q=0.8');
    const one = await get(`/_local/events/${id}`, 'text/html');
    // Assess
    expect([list.status, list.type, one.status, one.type]).toEqual([
      200,
      'text/html; charset=utf-8',
      200,
      'text/html; charset=utf-8',
    ]);
    expect(list.text).toContain(`<a href="/_local/events/${id}">`);
    expect(list.text).toContain('<form method="get" action="/_local/events"');
    expect(one.text).toContain('&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;');
    expect(one.text).not.toContain('<script>');
  });

  it('escapes what a query echoes back', async () => {
    // Act
    const list = await get('/_local/events?source=%22%3E%3Cscript%3Ealert(1)%3C/script%3E', 'text/html');
    // Assess
    expect(list.status).toBe(200);
    expect(list.text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(list.text).not.toContain('<script>');
  });
});

describe('with a data folder', () => {
  it("still shows an event, its rules and its consumer's outcome after a restart", async () => {
    // Prepare: a runtime on a data folder delivers an event, then stops.
    const dataDir = join(markers, 'data');
    const options = { dataDir, awsPort: 0, apiPort: 0, waitScale: 0, schedules: false, retryBaseDelayMs: 5 };
    const first = await startRuntime({ ...options, services: [consoleService] });
    let id: string;
    try {
      const [out] = await publishEvents(first, [
        { source: CONSOLE_SOURCE, detailType: 'RestartTested', data: { outcome: 'ok', markers } },
      ]);
      id = out!.Entries![0]!.EventId!;
      await first.bus.drain();
    } finally {
      await first.close();
    }
    // Act
    const second = await startRuntime({ ...options, services: [consoleService] });
    try {
      const res = await fetch(`${second.awsUrl}/_local/events/${id}`);
      const shown = (await res.json()) as Listed;
      // Assess
      expect(res.status).toBe(200);
      expect(shown).toMatchObject({ id, detailType: 'RestartTested', rules: [{ name: 'console-test-react' }] });
      expect(shown.deliveries).toEqual([
        expect.objectContaining({ state: 'handed', invocation: expect.objectContaining({ state: 'succeeded' }) }),
      ]);
    } finally {
      await second.close();
    }
  });
});
