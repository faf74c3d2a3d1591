import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/support/eventually';
import { type EventBridgeEvent, LocalEventBridge } from '../bus';

/** With a journal (data mode), what PutEvents accepted is delivered even if the process dies first. */
const dir = mkdtempSync(join(tmpdir(), 'itsm-bus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ctx = { caller: 'AKIDTEST' };
const open: LocalEventBridge[] = [];
afterEach(async () => {
  for (const bus of open.splice(0)) await bus.close();
});

function harness(journalFile: string, fail: (functionName: string) => boolean = () => false) {
  const calls: { functionName: string; event: EventBridgeEvent }[] = [];
  const bus = new LocalEventBridge({
    journalFile,
    retryBaseDelayMs: 60_000,
    invoke: async (functionName, event) => {
      calls.push({ functionName, event });
      if (fail(functionName)) throw new Error(`${functionName} is down`);
    },
  });
  for (const [name, functionName] of [
    ['to-a', 'a'],
    ['to-b', 'b'],
  ] as const) {
    bus.addRule({
      bus: 'itsm',
      name,
      pattern: { source: ['itsm.test'] },
      targets: [{ functionName, retryAttempts: functionName === 'b' ? 0 : 3 }],
    });
  }
  open.push(bus);
  return { bus, calls };
}

const put = (bus: LocalEventBridge, n: number) =>
  bus.handle(
    'PutEvents',
    { Entries: [{ EventBusName: 'itsm', Source: 'itsm.test', DetailType: 'Tested', Detail: JSON.stringify({ n }) }] },
    ctx,
  ) as Promise<{ Entries: { EventId: string }[] }>;

describe('a durable bus', () => {
  it('delivers after a restart what it accepted in the same turn as a crash', async () => {
    // Prepare
    const journal = join(dir, 'same-turn.jsonl');
    const first = harness(journal);
    const accepted = await put(first.bus, 1);
    await first.bus.close(); // as a crash, before any delivery started
    expect(first.calls).toEqual([]);
    // Act
    const second = harness(journal);
    second.bus.resume();
    await second.bus.drain();
    // Assess: each target once, the same event (same id).
    expect(second.calls.map((c) => [c.functionName, c.event.id]).sort()).toEqual([
      ['a', accepted.Entries[0]!.EventId],
      ['b', accepted.Entries[0]!.EventId],
    ]);
  });

  it('keeps retries pending across a restart, and does not deliver again what was delivered', async () => {
    // Prepare: target a is down (its retry is a minute away when the process dies); b took it.
    const journal = join(dir, 'retries.jsonl');
    const first = harness(journal, (fn) => fn === 'a');
    await put(first.bus, 2);
    await eventually(() => first.calls.length === 2, 5000, 'first attempts');
    await first.bus.close();
    // Act
    const second = harness(journal);
    second.bus.resume();
    await second.bus.drain();
    // Assess
    expect(second.calls.map((c) => [c.functionName, c.event.detail])).toEqual([['a', { n: 2 }]]);
  });

  it('keeps dead letters across a restart, and redrives them', async () => {
    // Prepare: b has no retries, so its failure is dead-lettered at once.
    const journal = join(dir, 'letters.jsonl');
    const first = harness(journal, (fn) => fn === 'b');
    await put(first.bus, 3);
    await first.bus.drain();
    await first.bus.close();
    // Act
    const second = harness(journal);
    second.bus.resume();
    await second.bus.drain();
    const letters = second.bus.deadLetters();
    second.bus.redrive(letters[0]!.id);
    await second.bus.drain();
    // Assess
    expect(letters.map((l) => [l.functionName, l.errorMessage, l.event.detail])).toEqual([
      ['b', 'b is down', { n: 3 }],
    ]);
    expect(second.calls.map((c) => c.functionName)).toEqual(['b']);
    expect(second.bus.deadLetters()).toEqual([]);
  });
});
