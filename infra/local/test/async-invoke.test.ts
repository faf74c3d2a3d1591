import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually';
import { AsyncInvocations, type AsyncInvokeConfig, type StoredInvocation } from '../async-invoke';
import { Journal } from '../journal';

/** Lambda's asynchronous invocation queue: retries per config, on-failure records, and its journal. */
const dir = mkdtempSync(join(tmpdir(), 'itsm-async-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const open: AsyncInvocations[] = [];
afterEach(() => {
  for (const q of open.splice(0)) q.close();
});

interface Harness {
  queue: AsyncInvocations;
  /** Attempts per function, with the time each started. */
  attempts: { functionName: string; payload: unknown; at: number }[];
}

function harness(
  options: {
    fail?: (functionName: string, attempt: number) => boolean;
    config?: Partial<AsyncInvokeConfig>;
    journal?: string;
    retryBaseDelayMs?: number;
  } = {},
): Harness {
  const attempts: Harness['attempts'] = [];
  const queue = new AsyncInvocations({
    invoke: async (functionName, payload) => {
      attempts.push({ functionName, payload, at: Date.now() });
      const n = attempts.filter((a) => a.functionName === functionName).length;
      if (options.fail?.(functionName, n)) throw Object.assign(new Error(`attempt ${n} failed`), { name: 'Boom' });
    },
    config: (functionName) => {
      if (functionName === 'missing') throw new Error('Function not found: missing');
      return {
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
        maximumRetryAttempts: 2,
        maximumEventAgeSeconds: 21_600,
        ...options.config,
      };
    },
    retryBaseDelayMs: options.retryBaseDelayMs ?? 20,
    ...(options.journal ? { journal: new Journal<StoredInvocation>(options.journal) } : {}),
  });
  open.push(queue);
  return { queue, attempts };
}

describe('asynchronous invocation', () => {
  it('answers at once and invokes later, with a copy of the payload', async () => {
    // Prepare
    const { queue, attempts } = harness();
    const payload = { n: 1 };
    // Act
    const requestId = queue.enqueue('fn', payload);
    payload.n = 2;
    // Assess
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(attempts).toEqual([]);
    await queue.drain();
    expect(attempts.map((a) => a.payload)).toEqual([{ n: 1 }]);
    expect(queue.failures()).toEqual([]);
  });

  it('retries a failing function twice, waiting the base delay then twice it, then records the failure as Lambda does', async () => {
    // Prepare
    const { queue, attempts } = harness({ fail: () => true, retryBaseDelayMs: 50 });
    // Act
    const requestId = queue.enqueue('consumer', { detail: { x: 1 } });
    await queue.drain();
    // Assess: 1 attempt + 2 retries, about 1 then 2 units apart (Lambda: 1 minute, then 2).
    expect(attempts).toHaveLength(3);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(45);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(95);
    const [failure] = queue.failures();
    expect(failure).toMatchObject({
      functionName: 'consumer',
      version: '1.0',
      requestContext: {
        requestId,
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { detail: { x: 1 } },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Boom', errorMessage: 'attempt 3 failed' },
    });
    expect(queue.failures('other')).toEqual([]);
  });

  it("applies the function's own retry count, and stops early for an event too old to retry", async () => {
    // Prepare
    const once = harness({ fail: () => true, config: { maximumRetryAttempts: 0 } });
    const old = harness({ fail: () => true, config: { maximumEventAgeSeconds: 0.03 }, retryBaseDelayMs: 50 });
    // Act
    once.queue.enqueue('fn', {});
    old.queue.enqueue('fn', {});
    await Promise.all([once.queue.drain(), old.queue.drain()]);
    // Assess
    expect(once.attempts).toHaveLength(1);
    expect(once.queue.failures()[0]?.requestContext.condition).toBe('RetriesExhausted');
    expect(old.attempts).toHaveLength(1);
    expect(old.queue.failures()[0]?.requestContext).toMatchObject({
      condition: 'EventAgeExceeded',
      approximateInvokeCount: 1,
    });
  });

  it('succeeds on a retry without a failure record', async () => {
    const { queue, attempts } = harness({ fail: (_, n) => n === 1 });
    queue.enqueue('fn', {});
    await queue.drain();
    expect(attempts).toHaveLength(2);
    expect(queue.failures()).toEqual([]);
  });

  it('refuses an unknown function at hand-off', () => {
    const { queue } = harness();
    expect(() => queue.enqueue('missing', {})).toThrow('Function not found: missing');
  });

  it('redrives a failure as a new invocation and removes its record', async () => {
    const { queue, attempts } = harness({ fail: (_, n) => n <= 3 });
    queue.enqueue('fn', { k: 'v' });
    await queue.drain();
    const [failure] = queue.failures();
    queue.redrive(failure!.id);
    await queue.drain();
    expect(attempts).toHaveLength(4);
    expect(attempts[3]!.payload).toEqual({ k: 'v' });
    expect(queue.failures()).toEqual([]);
    expect(() => queue.redrive(failure!.id)).toThrow(`No failed invocation with id ${failure!.id}`);
  });
});

describe('with a journal (data mode)', () => {
  it('invokes after a restart what was queued and not finished, and not what finished', async () => {
    // Prepare: one invocation finishes; one waits for a retry a minute away when the process dies.
    const journal = join(dir, 'pending.jsonl');
    const first = harness({ journal, fail: (fn) => fn === 'slow', retryBaseDelayMs: 60_000 });
    first.queue.enqueue('done', { a: 1 });
    first.queue.enqueue('slow', { b: 2 });
    await eventually(() => first.attempts.length === 2, 5000, 'first attempts');
    first.queue.close(); // as a crash: nothing more runs, memory is gone
    // Act
    const second = harness({ journal });
    second.queue.resume();
    await second.queue.drain();
    // Assess
    expect(second.attempts.map((a) => [a.functionName, a.payload])).toEqual([['slow', { b: 2 }]]);
  });

  it('keeps an invocation queued in the same turn as a crash (written before enqueue returns)', async () => {
    const journal = join(dir, 'same-turn.jsonl');
    const first = harness({ journal });
    first.queue.enqueue('fn', { kept: true });
    first.queue.close();
    expect(first.attempts).toEqual([]);
    const second = harness({ journal });
    second.queue.resume();
    await second.queue.drain();
    expect(second.attempts.map((a) => a.payload)).toEqual([{ kept: true }]);
  });

  it('keeps failure records across a restart, and ignores a line torn by a crash', async () => {
    // Prepare
    const journal = join(dir, 'failures.jsonl');
    const first = harness({ journal, fail: () => true, config: { maximumRetryAttempts: 0 } });
    first.queue.enqueue('fn', { lost: false });
    await first.queue.drain();
    first.queue.close();
    writeFileSync(journal, `${readFileSync(journal, 'utf8')}{"put":"i:torn","value":{"invoc`);
    // Act
    const second = harness({ journal });
    second.queue.resume();
    await second.queue.drain();
    // Assess
    expect(second.queue.failures().map((f) => f.requestPayload)).toEqual([{ lost: false }]);
    expect(second.attempts).toEqual([]);
  });
});
