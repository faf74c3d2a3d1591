import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsError, type RecordedCall } from '../../aws-service';
import { busArn } from '../../names';
import { type EventBridgeEvent, LocalEventBridge, type LocalEventBridgeOptions } from '../bus';
import { InvalidPatternError } from '../pattern';

const ctx = { caller: 'AKIDTEST' };

/** A deterministic random source (mulberry32), so jitter and shuffles repeat. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Harness {
  bus: LocalEventBridge;
  calls: { functionName: string; event: EventBridgeEvent }[];
  recorded: RecordedCall[];
  /** Set to make a function fail: return an error to throw, or undefined to succeed. */
  failures: Map<string, (attempt: number) => Error | undefined>;
}

const open: LocalEventBridge[] = [];

function harness(options: Partial<LocalEventBridgeOptions> = {}): Harness {
  const calls: Harness['calls'] = [];
  const recorded: RecordedCall[] = [];
  const failures: Harness['failures'] = new Map();
  const attempts = new Map<string, number>();
  const bus = new LocalEventBridge({
    retryBaseDelayMs: 2,
    random: seeded(7),
    record: (call) => recorded.push(call),
    invoke: async (functionName, event) => {
      calls.push({ functionName, event });
      const n = (attempts.get(functionName) ?? 0) + 1;
      attempts.set(functionName, n);
      const error = failures.get(functionName)?.(n);
      if (error) throw error;
    },
    ...options,
  });
  open.push(bus);
  return { bus, calls, recorded, failures };
}

afterEach(async () => {
  for (const bus of open.splice(0)) await bus.close();
});

const entry = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Source: 'itsm.service-desk',
  DetailType: 'IncidentRegistered',
  Detail: JSON.stringify(detail),
  EventBusName: 'itsm',
  ...extra,
});

async function put(bus: LocalEventBridge, ...entries: Record<string, unknown>[]) {
  return (await bus.handle('PutEvents', { Entries: entries }, ctx)) as {
    FailedEntryCount: number;
    Entries: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
  };
}

async function awsError(promise: Promise<unknown>): Promise<AwsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error('expected an AwsError');
}

/** The rule most tests use: everything from the service desk, to function `f`. */
function addServiceDeskRule(bus: LocalEventBridge): void {
  bus.addRule({ bus: 'itsm', name: 'r', pattern: { source: ['itsm.service-desk'] }, targets: [{ functionName: 'f' }] });
}

describe('PutEvents', () => {
  it('returns before targets run, then delivers to the matching rule only', async () => {
    // Prepare
    const { bus, calls } = harness();
    bus.addRule({
      bus: 'itsm',
      name: 'p1',
      pattern: { detail: { priority: [1] } },
      targets: [{ functionName: 'urgent' }],
    });
    bus.addRule({
      bus: 'itsm',
      name: 'p3',
      pattern: { detail: { priority: [3] } },
      targets: [{ functionName: 'routine' }],
    });

    // Act
    const out = await put(bus, entry({ priority: 1 }));
    const callsBeforeDrain = calls.length;
    await bus.drain();

    // Assess
    expect(out).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
    expect(callsBeforeDrain).toBe(0);
    expect(calls.map((c) => c.functionName)).toEqual(['urgent']);
  });

  it('builds the full EventBridge envelope', async () => {
    // Prepare
    const { bus, calls } = harness();
    bus.addRule({ bus: 'itsm', name: 'all', pattern: { source: [{ prefix: '' }] }, targets: [{ functionName: 'f' }] });

    // Act
    const out = await put(bus, entry({ n: 1 }, { Resources: ['arn:x'] }));
    await bus.drain();

    // Assess
    expect(calls[0]?.event).toEqual({
      version: '0',
      id: out.Entries[0]?.EventId,
      'detail-type': 'IncidentRegistered',
      source: 'itsm.service-desk',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: ['arn:x'],
      detail: { n: 1 },
    });
    expect(out.Entries[0]?.EventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('takes the event time from Time (epoch seconds, as the SDK sends it)', async () => {
    // Prepare
    const { bus } = harness();

    // Act
    await put(bus, entry({}, { Time: Date.parse('2024-05-06T07:08:09.500Z') / 1000 }));

    // Assess
    expect(bus.published()[0]?.time).toBe('2024-05-06T07:08:09Z');
  });

  it('matches numbers as sent in Detail (300.0 matches 300)', async () => {
    // Prepare
    const { bus, calls } = harness();
    bus.addRule({ bus: 'itsm', name: 'n', pattern: { detail: { n: [300] } }, targets: [{ functionName: 'f' }] });

    // Act
    await put(bus, { ...entry({}), Detail: '{"n": 300.0}' });
    await bus.drain();

    // Assess
    expect(calls).toHaveLength(1);
  });

  it('sends entries without EventBusName to default, and accepts a bus ARN', async () => {
    // Prepare
    const { bus, calls } = harness();
    bus.addRule({
      bus: 'default',
      name: 'd',
      pattern: { source: ['monitoring.tool'] },
      targets: [{ functionName: 'onDefault' }],
    });
    bus.addRule({
      bus: busArn('itsm'),
      name: 'i',
      pattern: { source: ['monitoring.tool'] },
      targets: [{ functionName: 'onItsm' }],
    });

    // Act
    await put(bus, { Source: 'monitoring.tool', DetailType: 'Probe Failed', Detail: '{}' });
    await put(bus, {
      Source: 'monitoring.tool',
      DetailType: 'Probe Failed',
      Detail: '{}',
      EventBusName: busArn('itsm'),
    });
    await bus.drain();

    // Assess
    expect(calls.map((c) => c.functionName)).toEqual(['onDefault', 'onItsm']);
  });

  it("refuses entries whose source is an AWS service's, as AWS does, and accepts the rest", async () => {
    // Prepare
    const { bus, calls } = harness();
    bus.addRule({ bus: 'default', name: 'd', pattern: { source: [{ prefix: '' }] }, targets: [{ functionName: 'f' }] });

    // Act
    const out = await put(
      bus,
      { Source: 'aws.codepipeline', DetailType: 'CodePipeline Pipeline Execution State Change', Detail: '{}' },
      { Source: 'monitoring.tool', DetailType: 'Probe Failed', Detail: '{}' },
    );
    await bus.drain();

    // Assess
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries[0]).toEqual({
      ErrorCode: 'NotAuthorizedForSourceException',
      ErrorMessage: 'Not authorized for the source.',
    });
    expect(out.Entries[1]?.EventId).toBeDefined();
    expect(calls.map((c) => c.event.source)).toEqual(['monitoring.tool']);
  });

  it("delivers an AWS service event to the default bus's rules only, in the envelope AWS sends", async () => {
    // Prepare
    const { bus, calls } = harness();
    const pattern = { source: ['aws.codepipeline'], 'detail-type': ['CodePipeline Pipeline Execution State Change'] };
    bus.addRule({ bus: 'default', name: 'cicd', pattern, targets: [{ functionName: 'onDefault' }] });
    bus.addRule({ bus: 'itsm', name: 'cicd', pattern, targets: [{ functionName: 'onItsm' }] });
    const detail = { pipeline: 'shop-web', 'execution-id': 'e-1', state: 'STARTED', version: 1 };

    // Act
    const event = await bus.emitServiceEvent({
      source: 'aws.codepipeline',
      detailType: 'CodePipeline Pipeline Execution State Change',
      detail,
      resources: ['arn:aws:codepipeline:us-east-1:000000000000:shop-web'],
      time: '2026-12-03T15:00:00.250Z',
    });
    await bus.drain();

    // Assess
    expect(calls.map((c) => c.functionName)).toEqual(['onDefault']);
    expect(calls[0]?.event).toEqual(event);
    expect(event).toMatchObject({
      version: '0',
      source: 'aws.codepipeline',
      'detail-type': 'CodePipeline Pipeline Execution State Change',
      time: '2026-12-03T15:00:00Z',
      resources: ['arn:aws:codepipeline:us-east-1:000000000000:shop-web'],
      detail,
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await bus.event(event.id))?.rules.map((r) => r.rule)).toEqual(['cicd']);
  });

  it("emits only AWS services' events that way", async () => {
    // Prepare
    const { bus } = harness();

    // Act + Assess
    await expect(
      bus.emitServiceEvent({ source: 'itsm.releases', detailType: 'ReleaseUpdated', detail: {} }),
    ).rejects.toThrow(/not an AWS service's source/);
    expect(bus.publishedCount()).toBe(0);
  });

  it('fails invalid entries in place, as AWS does, and accepts the rest', async () => {
    // Prepare
    const { bus } = harness();

    // Act
    const out = await put(
      bus,
      entry({ ok: true }),
      { DetailType: 'T', Detail: '{}' },
      { Source: 's', Detail: '{}' },
      { Source: 's', DetailType: 'T' },
      { Source: 's', DetailType: 'T', Detail: 'not json' },
      { Source: 's', DetailType: 'T', Detail: '[1, 2]' },
      { Source: 's', DetailType: 'T', Detail: '{}', EventBusName: 'nope' },
    );

    // Assess
    expect(out.FailedEntryCount).toBe(6);
    expect(out.Entries.slice(1)).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus nope does not exist.' },
    ]);
    expect(bus.published()).toHaveLength(1);
  });

  it('rejects more than 10 entries, no entries, and requests over 256 KB', async () => {
    // Prepare
    const { bus } = harness();
    const big = { Source: 's', DetailType: 'T', Detail: JSON.stringify({ pad: 'x'.repeat(140_000) }) };

    // Act
    const tooMany = await awsError(put(bus, ...Array.from({ length: 11 }, () => entry({}))));
    const none = await awsError(put(bus));
    const tooBig = await awsError(put(bus, big, big));

    // Assess
    expect(tooMany.code).toBe('ValidationException');
    expect(tooMany.message).toContain('Member must have length less than or equal to 10');
    expect(none.message).toContain('Member must have length greater than or equal to 1');
    expect(tooBig.message).toBe('Total size of the entries in the request is over the limit.');
    expect(bus.published()).toHaveLength(0);
  });

  it('records one events:PutEvents call per distinct bus', async () => {
    // Prepare
    const { bus, recorded } = harness();

    // Act
    await put(bus, entry({}), entry({}), { ...entry({}), EventBusName: undefined });

    // Assess
    expect(recorded).toEqual([
      { caller: 'AKIDTEST', action: 'events:PutEvents', resource: busArn('itsm') },
      { caller: 'AKIDTEST', action: 'events:PutEvents', resource: busArn('default') },
    ]);
  });

  it('keeps every accepted event, in order, up to the last 10,000', async () => {
    // Prepare
    const { bus } = harness();
    const batch = Array.from({ length: 10 }, (_, i) => i);

    // Act
    for (let call = 0; call < 1001; call++) await put(bus, ...batch.map((i) => entry({ seq: call * 10 + i })));

    // Assess
    const published = bus.published();
    expect(published).toHaveLength(10_000);
    expect(published[0]?.detail).toEqual({ seq: 10 });
    expect(published.at(-1)?.detail).toEqual({ seq: 10_009 });
  });
});

describe('retries and dead letters', () => {
  it('retries with backoff until retryAttempts is spent, then dead-letters with the error', async () => {
    // Prepare
    const { bus, calls, failures } = harness();
    failures.set('flaky', () => new Error('boom'));
    bus.addRule({
      bus: 'itsm',
      name: 'r',
      pattern: { source: ['itsm.service-desk'] },
      targets: [{ functionName: 'flaky', retryAttempts: 2 }],
    });

    // Act
    const out = await put(bus, entry({ n: 1 }));
    await bus.drain();

    // Assess
    expect(calls).toHaveLength(3);
    const letters = bus.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      event: { id: out.Entries[0]?.EventId },
      bus: 'itsm',
      rule: 'r',
      ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/itsm/r',
      functionName: 'flaky',
      errorMessage: 'boom',
      attempts: 3,
      reason: 'retries-exhausted',
    });
  });

  it('stops retrying once the event would pass its maximum age', async () => {
    // Prepare: the first retry would wait 50-100 ms, beyond a 0.04 s maximum age.
    const { bus, calls, failures } = harness({ retryBaseDelayMs: 100 });
    failures.set('slow', () => new Error('down'));
    bus.addRule({
      bus: 'itsm',
      name: 'r',
      pattern: { source: ['itsm.service-desk'] },
      targets: [{ functionName: 'slow', maximumEventAgeSeconds: 0.04 }],
    });

    // Act
    await put(bus, entry({}));
    await bus.drain();

    // Assess
    expect(calls).toHaveLength(1);
    expect(bus.deadLetters()[0]).toMatchObject({
      attempts: 1,
      reason: 'maximum-event-age-exceeded',
      errorMessage: 'down',
    });
  });

  it('delivers once a retry succeeds, leaving no dead letter', async () => {
    // Prepare
    const { bus, calls, failures } = harness();
    failures.set('f', (attempt) => (attempt < 3 ? new Error('not yet') : undefined));
    addServiceDeskRule(bus);

    // Act
    await put(bus, entry({}));
    await bus.drain();

    // Assess
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.event.id)).size).toBe(1);
    expect(bus.deadLetters()).toEqual([]);
  });

  it('redrives a dead letter to its target, and rejects unknown ids', async () => {
    // Prepare
    const { bus, calls, failures } = harness();
    failures.set('f', () => new Error('broken'));
    bus.addRule({
      bus: 'itsm',
      name: 'r',
      pattern: { source: ['itsm.service-desk'] },
      targets: [{ functionName: 'f', retryAttempts: 0 }],
    });
    await put(bus, entry({ n: 7 }));
    await bus.drain();
    const [letter] = bus.deadLetters();
    failures.delete('f');

    // Act
    bus.redrive(letter!.id);
    await bus.drain();

    // Assess
    expect(calls.map((c) => c.event.id)).toEqual([letter!.event.id, letter!.event.id]);
    expect(bus.deadLetters()).toEqual([]);
    expect(() => bus.redrive(letter!.id)).toThrow(`No dead letter with id ${letter!.id}`);
  });

  it('drain waits for scheduled retries, and close() cancels them', async () => {
    // Prepare
    const { bus, calls, failures } = harness({ retryBaseDelayMs: 60_000 });
    failures.set('f', () => new Error('down'));
    addServiceDeskRule(bus);
    await put(bus, entry({}));
    let drained = false;
    const draining = bus.drain().then(() => {
      drained = true;
    });
    await until(() => calls.length === 1);

    // Act
    const drainedBeforeClose = drained;
    await bus.close();
    await draining;

    // Assess: the retry was a minute away; drain was still waiting for it until close.
    expect(drainedBeforeClose).toBe(false);
    expect(calls).toHaveLength(1);
  });
});

describe('delivery modes', () => {
  it('duplicate delivers every event twice, with the same id', async () => {
    // Prepare
    const { bus, calls } = harness();
    addServiceDeskRule(bus);
    bus.setDeliveryMode({ duplicate: true });

    // Act
    await put(bus, entry({ n: 1 }), entry({ n: 2 }));
    await bus.drain();

    // Assess
    expect(calls).toHaveLength(4);
    const ids = calls.map((c) => c.event.id);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(ids.filter((x) => x === id)).toHaveLength(2);
  });

  it('shuffle holds a batch and delivers it in random order', async () => {
    // Prepare
    const { bus, calls } = harness({ shuffleWindowMs: 60_000 });
    addServiceDeskRule(bus);
    bus.setDeliveryMode({ shuffle: true });
    const sent = Array.from({ length: 20 }, (_, i) => i);

    // Act
    for (const seq of sent) await put(bus, entry({ seq }));
    const heldBack = calls.length;
    await bus.drain();

    // Assess
    const received = calls.map((c) => (c.event.detail as { seq: number }).seq);
    expect(heldBack).toBe(0);
    expect([...received].sort((a, b) => a - b)).toEqual(sent);
    expect(received).not.toEqual(sent);
  });

  it('shuffle releases the batch on its own after the window', async () => {
    // Prepare
    const { bus, calls } = harness({ shuffleWindowMs: 5 });
    addServiceDeskRule(bus);
    bus.setDeliveryMode({ shuffle: true });

    // Act
    await put(bus, entry({}), entry({}));

    // Assess
    await until(() => calls.length === 2);
  });

  it('duplicate and shuffle together deliver both copies in one shuffled batch', async () => {
    // Prepare
    const { bus, calls } = harness({ shuffleWindowMs: 60_000 });
    addServiceDeskRule(bus);
    bus.setDeliveryMode({ duplicate: true, shuffle: true });

    // Act
    for (let seq = 0; seq < 10; seq++) await put(bus, entry({ seq }));
    await bus.drain();

    // Assess
    const received = calls.map((c) => (c.event.detail as { seq: number }).seq);
    expect(received).toHaveLength(20);
    expect([...received].sort((a, b) => a - b)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
    expect(received).not.toEqual([...received].sort((a, b) => a - b));
  });
});

describe('TestEventPattern, ListRules, DescribeEventBus', () => {
  it('answers TestEventPattern and raises the exceptions AWS raises', async () => {
    // Prepare
    const { bus } = harness();
    const event = JSON.stringify({ id: '1', account: 'a', source: 's', time: 't', region: 'r', 'detail-type': 'd' });
    const test = (EventPattern: string, Event: string) => bus.handle('TestEventPattern', { EventPattern, Event }, ctx);

    // Act
    const result = await test('{"source": ["s"]}', event);
    const badPattern = await awsError(test('{"source": "s"}', event));
    const badEvent = await awsError(test('{"source": ["s"]}', '{"source": "s"}'));

    // Assess
    expect(result).toEqual({ Result: true });
    expect(badPattern.code).toBe('InvalidEventPatternException');
    expect(badPattern.message).toContain('Event pattern is not valid. Reason: "source" must be an object or an array');
    expect(badEvent.code).toBe('ValidationException');
    expect(badEvent.message).toBe('Parameter Event is not valid.');
  });

  it('lists rules by name with paging, and describes buses', async () => {
    // Prepare
    const { bus } = harness();
    for (const name of ['c', 'a', 'b']) {
      bus.addRule({ bus: 'itsm', name, pattern: { source: [name] }, targets: [{ functionName: 'f' }] });
    }

    // Act
    const first = (await bus.handle('ListRules', { EventBusName: 'itsm', Limit: 2 }, ctx)) as {
      Rules: { Name: string }[];
      NextToken?: string;
    };
    const second = (await bus.handle('ListRules', { EventBusName: 'itsm', NextToken: first.NextToken }, ctx)) as {
      Rules: { Name: string }[];
      NextToken?: string;
    };
    const described = await bus.handle('DescribeEventBus', { Name: 'itsm' }, ctx);
    const missing = await awsError(bus.handle('DescribeEventBus', { Name: 'nope' }, ctx));

    // Assess
    expect(first.Rules[0]).toEqual({
      Name: 'a',
      Arn: 'arn:aws:events:us-east-1:000000000000:rule/itsm/a',
      EventPattern: '{"source":["a"]}',
      State: 'ENABLED',
      EventBusName: 'itsm',
    });
    expect(first.Rules.map((r) => r.Name)).toEqual(['a', 'b']);
    expect(second).toEqual({ Rules: [expect.objectContaining({ Name: 'c' })] });
    expect(described).toEqual({
      Name: 'itsm',
      Arn: busArn('itsm'),
      CreationTime: expect.any(Number),
      LastModifiedTime: expect.any(Number),
    });
    expect(missing.code).toBe('ResourceNotFoundException');
  });

  it('refuses an invalid rule pattern when the rule is added', () => {
    // Prepare
    const { bus } = harness();

    // Act and Assess
    expect(() =>
      bus.addRule({ bus: 'itsm', name: 'bad', pattern: { detail: { n: [{ numeric: ['>'] }] } }, targets: [] }),
    ).toThrow(InvalidPatternError);
  });
});

const RULES_CORPUS = resolve(
  process.cwd(),
  '../shared/corpus/patterns/localstack-aws-validated-rules/put_events_rule_delivery.json',
);

describe.skipIf(!existsSync(RULES_CORPUS))(
  'rule delivery recorded on AWS (corpus tier localstack-aws-validated-rules)',
  () => {
    it('delivers exactly the entries AWS delivered', async () => {
      // Prepare
      const doc = JSON.parse(readFileSync(RULES_CORPUS, 'utf8')) as {
        vectors: {
          id: string;
          expected: string;
          pattern: Record<string, unknown>;
          put_events_entry: Record<string, unknown>;
        }[];
      };
      const { bus, calls } = harness();

      // Act
      const outcomes: string[] = [];
      for (const [i, v] of doc.vectors.entries()) {
        bus.addRule({
          bus: 'default',
          name: `rule-${i}`,
          pattern: v.pattern,
          targets: [{ functionName: `target-${i}` }],
        });
        const before = calls.length;
        await put(bus, v.put_events_entry);
        await bus.drain();
        const delivered = calls.slice(before).some((c) => c.functionName === `target-${i}`);
        outcomes.push(`${v.id}: ${delivered ? 'match' : 'no_match'}`);
        bus.addRule({ bus: 'default', name: `rule-${i}`, pattern: { source: ['never'] }, targets: [] });
      }

      // Assess
      expect(outcomes).toEqual(doc.vectors.map((v) => `${v.id}: ${v.expected}`));
    });
  },
);

/** Polls until the condition holds, failing after a deadline (no fixed sleeps). */
async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 2));
  }
}
