/**
 * Asynchronous delivery of matched events to Lambda targets, with EventBridge's retry policy
 * (exponential backoff with jitter, bounded by a number of retries and by the event's age) and
 * a dead-letter store for what could not be delivered.
 *
 * Test modes (see README.md, "Delivery modes"):
 * - duplicate: every delivery is made twice, as two independent deliveries of the same event
 *   (same id), each with its own retries; consumers must be idempotent on the event id.
 * - shuffle: first attempts are held in a batch instead of starting at once. The batch is
 *   released by `drain()`, by switching shuffle off, or `shuffleWindowMs` after the first
 *   delivery entered it, whichever comes first. On release it is put in a uniformly random
 *   order (Fisher-Yates) and the deliveries are started one after another in that order; they
 *   then run concurrently. Retries and redrives are never held back.
 *
 * Durability: with a journal (data mode), every accepted delivery is on disk before `enqueue`
 * returns (so before PutEvents answers), its progress and dead letter are recorded, and a new
 * queue on the same journal delivers what was pending once `resume()` is called.
 */
import { randomUUID } from 'node:crypto';
import type { Journal } from '../journal';
import { WorkCount } from '../work-count';
import type { DeliveryOutcome } from './event-store';
import type { EventBridgeEvent } from './put-events';

export interface DeliveryTarget {
  readonly functionName: string;
  readonly retryAttempts: number;
  readonly maximumEventAgeSeconds: number;
}

/** Where a delivery comes from: the event, and the rule and target that matched it. */
export interface DeliveryRoute {
  readonly event: EventBridgeEvent;
  readonly bus: string;
  readonly rule: string;
  readonly ruleArn: string;
  readonly target: DeliveryTarget;
  /** The event's seq in the event store, for recording outcomes (absent in journals of older versions). */
  readonly ref?: number;
}

/** Which delivery of which stored event an invocation is for: handed to the target with the event. */
export interface DeliveryRef {
  readonly seq: number;
  readonly delivery: string;
}

/** An event that could not be delivered to a target: EventBridge's dead-letter message. */
export interface DeadLetter {
  /** Id of this dead letter, for `redrive`. */
  readonly id: string;
  readonly event: EventBridgeEvent;
  readonly bus: string;
  readonly rule: string;
  readonly ruleArn: string;
  readonly functionName: string;
  /** Message of the error the last attempt threw. */
  readonly errorMessage: string;
  /** Attempts made, the first included. */
  readonly attempts: number;
  readonly reason: 'retries-exhausted' | 'maximum-event-age-exceeded';
  /** ISO 8601. */
  readonly deadLetteredAt: string;
}

export interface DeliveryMode {
  duplicate?: boolean;
  shuffle?: boolean;
}

export interface DeliveryOptions {
  /** Hands the event over; may answer with the target's request id (Lambda's, for an asynchronous invocation). */
  invoke(functionName: string, event: EventBridgeEvent, ref?: DeliveryRef): Promise<unknown>;
  /** Told of each step of a delivery of a stored event: handed over, retrying, dead-lettered. */
  onOutcome?(outcome: DeliveryOutcome): void;
  retryBaseDelayMs: number;
  shuffleWindowMs: number;
  random: () => number;
  /** Keeps pending deliveries and dead letters across restarts; none keeps them in memory only. */
  journal?: Journal<StoredDelivery>;
}

/** What the journal keeps: a pending delivery (key `d:<id>`) or a dead letter (key `l:<id>`). */
export type StoredDelivery = { delivery: Delivery } | { letter: DeadLetter; route: DeliveryRoute };

interface Delivery extends DeliveryRoute {
  readonly id: string;
  attempts: number;
  /** When the event was accepted (ms); its age bounds the retries. */
  readonly acceptedAt: number;
}

export class DeliveryQueue {
  private mode: Required<DeliveryMode> = { duplicate: false, shuffle: false };
  private batch: Delivery[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  /** Dead letters with the route they failed on, so a redrive retries as the rule says. */
  private readonly letters = new Map<string, { letter: DeadLetter; route: DeliveryRoute }>();
  /** Deliveries not yet finished: batched, scheduled, in flight or waiting for a retry. */
  private readonly work = new WorkCount();
  private closed = false;
  /** Deliveries found pending in the journal, started by `resume()`. */
  private restored: Delivery[] = [];

  constructor(private readonly options: DeliveryOptions) {
    for (const [, stored] of options.journal?.entries() ?? []) {
      if ('delivery' in stored) this.restored.push(stored.delivery);
      else this.letters.set(stored.letter.id, { letter: stored.letter, route: stored.route });
    }
  }

  /** Starts the deliveries a previous run left pending (once the targets can be invoked). */
  resume(): void {
    const restored = this.restored;
    this.restored = [];
    for (const delivery of restored) {
      this.work.start();
      this.start(delivery);
    }
  }

  /** Replaces the mode; an option left out is off. Switching shuffle off releases the batch. */
  setMode(mode: DeliveryMode): void {
    this.mode = { duplicate: mode.duplicate ?? false, shuffle: mode.shuffle ?? false };
    if (!this.mode.shuffle) this.releaseBatch();
  }

  /** Queues the first attempt of each route; returns at once. */
  enqueue(routes: readonly DeliveryRoute[]): void {
    if (this.closed) return;
    const acceptedAt = Date.now();
    const deliveries: Delivery[] = [];
    for (const route of routes) {
      const copies = this.mode.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i++) deliveries.push({ ...route, id: randomUUID(), attempts: 0, acceptedAt });
    }
    // On disk before PutEvents answers: an accepted event survives a crash, as on AWS.
    this.options.journal?.put(
      deliveries.map((d) => [`d:${d.id}`, { delivery: d }] as const),
      { sync: true },
    );
    for (const delivery of deliveries) this.add(delivery);
  }

  /** Resolves once every queued, in-flight and retrying delivery has finished. */
  drain(): Promise<void> {
    this.releaseBatch();
    return this.closed ? Promise.resolve() : this.work.whenIdle();
  }

  /** Nothing batched, scheduled, in flight or waiting for a retry. */
  idle(): boolean {
    return this.work.idle || this.closed;
  }

  /** Copies of the dead letters, oldest first. */
  deadLetters(): DeadLetter[] {
    return [...this.letters.values()].map(({ letter }) => ({ ...letter, event: structuredClone(letter.event) }));
  }

  /** Delivers a dead letter again, as a new delivery with the rule's full retry budget. */
  redrive(id: string): void {
    const entry = this.letters.get(id);
    if (!entry) throw new Error(`No dead letter with id ${id}`);
    if (this.closed) return;
    const delivery: Delivery = { ...entry.route, id: randomUUID(), attempts: 0, acceptedAt: Date.now() };
    this.options.journal?.put([[`d:${delivery.id}`, { delivery }]], { sync: true });
    this.letters.delete(id);
    this.options.journal?.delete(`l:${id}`);
    this.work.start();
    this.start(delivery);
  }

  /** Stops everything: timers are cleared, batched and retrying deliveries dropped. */
  close(): void {
    this.closed = true;
    if (this.batchTimer) clearTimeout(this.batchTimer);
    for (const t of this.timers) clearTimeout(t);
    for (const i of this.immediates) clearImmediate(i);
    this.timers.clear();
    this.immediates.clear();
    this.batch = [];
    this.options.journal?.close();
    this.work.reset();
  }

  private add(delivery: Delivery): void {
    this.work.start();
    if (!this.mode.shuffle) {
      this.start(delivery);
      return;
    }
    this.batch.push(delivery);
    this.batchTimer ??= setTimeout(() => this.releaseBatch(), this.options.shuffleWindowMs);
  }

  private releaseBatch(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const batch = this.batch;
    this.batch = [];
    for (let i = batch.length - 1; i > 0; i--) {
      const j = Math.floor(this.options.random() * (i + 1));
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    for (const delivery of batch) void this.attempt(delivery);
  }

  /** Starts an attempt on the next turn of the event loop, so PutEvents returns first. */
  private start(delivery: Delivery): void {
    const handle = setImmediate(() => {
      this.immediates.delete(handle);
      void this.attempt(delivery);
    });
    this.immediates.add(handle);
  }

  private async attempt(delivery: Delivery): Promise<void> {
    if (this.closed) return;
    delivery.attempts++;
    let failure: string | undefined;
    let requestId: unknown;
    const ref = delivery.ref === undefined ? undefined : { seq: delivery.ref, delivery: delivery.id };
    try {
      // A copy, so a handler that mutates its event cannot change other deliveries or the log.
      requestId = await this.options.invoke(delivery.target.functionName, structuredClone(delivery.event), ref);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    if (this.closed) return;
    if (failure === undefined) {
      this.options.journal?.delete(`d:${delivery.id}`);
      this.outcome(delivery, 'handed', typeof requestId === 'string' ? { requestId } : {});
      this.work.done();
    } else this.failed(delivery, failure);
  }

  private failed(delivery: Delivery, errorMessage: string): void {
    const { retryAttempts, maximumEventAgeSeconds } = delivery.target;
    if (delivery.attempts > retryAttempts) {
      this.deadLetter(delivery, errorMessage, 'retries-exhausted');
      return;
    }
    const delay = this.backoff(delivery.attempts);
    // Waiting would take the event past its maximum age: AWS would give up, so do we, now.
    if (Date.now() + delay - delivery.acceptedAt > maximumEventAgeSeconds * 1000) {
      this.deadLetter(delivery, errorMessage, 'maximum-event-age-exceeded');
      return;
    }
    // Progress need not be synced: losing it only repeats attempts after a crash.
    this.options.journal?.put([[`d:${delivery.id}`, { delivery }]], { sync: false });
    this.outcome(delivery, 'retrying', { error: errorMessage });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(delivery);
    }, delay);
    this.timers.add(timer);
  }

  /** Base * 2^(n-1), with "equal jitter": a random point in the upper half of that interval. */
  private backoff(attempts: number): number {
    const ceiling = this.options.retryBaseDelayMs * 2 ** (attempts - 1);
    return ceiling / 2 + this.options.random() * (ceiling / 2);
  }

  private deadLetter(delivery: Delivery, errorMessage: string, reason: DeadLetter['reason']): void {
    const letter: DeadLetter = {
      id: randomUUID(),
      event: delivery.event,
      bus: delivery.bus,
      rule: delivery.rule,
      ruleArn: delivery.ruleArn,
      functionName: delivery.target.functionName,
      errorMessage,
      attempts: delivery.attempts,
      reason,
      deadLetteredAt: new Date().toISOString(),
    };
    const { event, bus, rule, ruleArn, target, ref } = delivery;
    const route = { event, bus, rule, ruleArn, target, ...(ref === undefined ? {} : { ref }) };
    this.letters.set(letter.id, { letter, route });
    this.options.journal?.put([[`l:${letter.id}`, { letter, route }]], { sync: true });
    this.options.journal?.delete(`d:${delivery.id}`);
    this.outcome(delivery, 'dead-lettered', { error: errorMessage, deadLetterId: letter.id });
    this.work.done();
  }

  private outcome(
    delivery: Delivery,
    state: 'handed' | 'retrying' | 'dead-lettered',
    more: { error?: string; requestId?: string; deadLetterId?: string },
  ): void {
    if (delivery.ref === undefined) return;
    this.options.onOutcome?.({
      ref: delivery.ref,
      delivery: delivery.id,
      step: 'handoff',
      rule: delivery.rule,
      target: delivery.target.functionName,
      state,
      attempts: delivery.attempts,
      ...more,
    });
  }
}
