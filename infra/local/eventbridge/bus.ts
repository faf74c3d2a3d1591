/**
 * The local EventBridge: event buses with rules that target Lambda functions, served through the
 * AWS-compatible endpoint (`X-Amz-Target: AWSEvents.<Action>`).
 *
 * Actions: PutEvents, TestEventPattern, ListRules, DescribeEventBus. Rules are added in code
 * (`addRule`), from the service definitions, not through PutRule.
 */

import type { AsyncSettled } from '../async-invoke';
import { AwsError, type AwsService, type CallContext, type RecordedCall } from '../aws-service';
import { Journal } from '../journal';
import { busArn, LOCAL_ACCOUNT, LOCAL_REGION, PLATFORM_BUS } from '../names';
import {
  type DeadLetter,
  type DeliveryMode,
  DeliveryQueue,
  type DeliveryRef,
  type DeliveryRoute,
  type StoredDelivery,
} from './delivery';
import { type AcceptedEvent, type EventFilter, EventStore, type MatchedRule, type StoredEvent } from './event-store';
import {
  type CompiledPattern,
  compilePattern,
  flattenEvent,
  InvalidEventError,
  InvalidPatternError,
  matches,
  validateEvent,
} from './pattern';
import {
  buildEvent,
  busNameOf,
  type EntryOutcome,
  type EventBridgeEvent,
  readEntries,
  type ServiceEventInput,
  serviceEvent,
} from './put-events';

export type { DeadLetter, DeliveryMode, DeliveryRef, EventBridgeEvent, EventFilter, ServiceEventInput, StoredEvent };

export interface TargetSpec {
  functionName: string;
  /** Retries after the first attempt, 0-185; default 185 (AWS's default). */
  retryAttempts?: number;
  /** Retries stop once the event is this old; default 86,400 (24 h, AWS's default and maximum). */
  maximumEventAgeSeconds?: number;
}

export interface RuleSpec {
  /** Bus name or ARN. */
  bus: string;
  name: string;
  pattern: Record<string, unknown>;
  targets: TargetSpec[];
}

export interface LocalEventBridgeOptions {
  /**
   * Hands the event to a Lambda target; a rejected promise is a failed delivery, retried then
   * dead-lettered. The runtime queues an asynchronous invocation here, as EventBridge does, and
   * answers with its request id; `ref` names the delivery, to hand back to `invocationSettled`.
   */
  invoke(functionName: string, event: EventBridgeEvent, ref?: DeliveryRef): Promise<unknown>;
  /**
   * Resolves once the targets have finished what was handed to them (their asynchronous
   * invocations), so `drain()` waits for consumers and the events they publish in turn.
   */
  drainTargets?(): Promise<void>;
  /**
   * A journal file for accepted, undelivered events and dead letters (data mode): written before
   * PutEvents answers, replayed by `resume()`. Without it they live in memory only.
   */
  journalFile?: string;
  /**
   * A folder for every accepted event, its matched rules and its deliveries' outcomes (data mode,
   * see `event-store.ts`); without it only the latest `eventWindow` events are kept, in memory.
   */
  eventsDir?: string;
  /** Memory mode: how many of the latest events are kept at least; default 10,000. */
  eventWindow?: number;
  /** Size at which the event store starts a new segment; default 4 MiB (tests make it small). */
  eventSegmentBytes?: number;
  /** Called for every call to record for the fidelity proof. */
  record?(call: RecordedCall): void;
  /** First retry waits about this long, then doubles; default 1,000 ms. */
  retryBaseDelayMs?: number;
  /** How long shuffle mode holds first attempts before releasing them; default 50 ms. */
  shuffleWindowMs?: number;
  /** Buses besides `default` and the platform bus. */
  buses?: string[];
  /** Randomness for jitter and shuffling (tests pass a seeded one); default Math.random. */
  random?: () => number;
}

interface Rule {
  readonly name: string;
  readonly arn: string;
  readonly pattern: CompiledPattern;
  readonly targets: Required<TargetSpec>[];
}

interface Bus {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: Date;
  readonly rules: Map<string, Rule>;
}

const MAX_RETRY_ATTEMPTS = 185;
const MAX_EVENT_AGE_SECONDS = 86_400;
const PUBLISHED_CAP = 10_000;
const MAX_PAGE = 100;
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

export class LocalEventBridge implements AwsService {
  readonly targetPrefix = 'AWSEvents';
  private readonly buses = new Map<string, Bus>();
  private readonly delivery: DeliveryQueue;
  private readonly store: EventStore;
  /** Every event accepted since start (what the meter counts). */
  private accepted = 0;

  constructor(private readonly options: LocalEventBridgeOptions) {
    for (const name of ['default', PLATFORM_BUS, ...(options.buses ?? [])]) {
      this.buses.set(name, { name, arn: busArn(name), createdAt: new Date(), rules: new Map() });
    }
    this.store = new EventStore({
      ...(options.eventsDir ? { dir: options.eventsDir } : {}),
      ...(options.eventWindow ? { window: options.eventWindow } : {}),
      ...(options.eventSegmentBytes ? { segmentBytes: options.eventSegmentBytes } : {}),
    });
    this.delivery = new DeliveryQueue({
      invoke: options.invoke,
      onOutcome: (outcome) => this.store.outcome(outcome),
      retryBaseDelayMs: options.retryBaseDelayMs ?? 1000,
      shuffleWindowMs: options.shuffleWindowMs ?? 50,
      random: options.random ?? Math.random,
      ...(options.journalFile ? { journal: new Journal<StoredDelivery>(options.journalFile) } : {}),
    });
  }

  /** Delivers what a previous run accepted but had not delivered (call once targets can run). */
  resume(): void {
    this.delivery.resume();
  }

  /**
   * Adds (or replaces) a rule. Throws `InvalidPatternError` with AWS's message when the pattern
   * is one EventBridge would reject, so a bad subscription fails at start-up, not on delivery.
   */
  addRule(spec: RuleSpec): void {
    const bus = this.bus(busNameOf(spec.bus));
    if (!bus) throw new Error(`Event bus ${busNameOf(spec.bus)} does not exist.`);
    if (!RULE_NAME.test(spec.name))
      throw new Error(`Invalid rule name ${JSON.stringify(spec.name)}: [.-_A-Za-z0-9]{1,64}`);
    const targets = spec.targets.map((t) => targetOf(spec.name, t));
    const pattern = compilePattern(JSON.stringify(spec.pattern));
    bus.rules.set(spec.name, { name: spec.name, arn: ruleArnOf(bus.name, spec.name), pattern, targets });
  }

  async handle(action: string, input: Record<string, unknown>, ctx: CallContext): Promise<unknown> {
    switch (action) {
      case 'PutEvents':
        return this.putEvents(input, ctx);
      case 'TestEventPattern':
        return this.testEventPattern(input);
      case 'ListRules':
        return this.listRules(input);
      case 'DescribeEventBus':
        return this.describeEventBus(input);
      default:
        throw new AwsError('UnknownOperationException', `The local EventBridge does not support ${action}.`);
    }
  }

  /** See `DeliveryQueue` / README: duplicate delivers everything twice, shuffle reorders batches. */
  setDeliveryMode(mode: DeliveryMode): void {
    this.delivery.setMode(mode);
  }

  /**
   * Resolves once every queued, in-flight and retrying delivery has finished, and what the
   * targets were handed too (and so on, for the events they publish).
   */
  async drain(): Promise<void> {
    for (;;) {
      await this.delivery.drain();
      if (!this.options.drainTargets) return;
      await this.options.drainTargets();
      if (this.delivery.idle()) return;
    }
  }

  deadLetters(): DeadLetter[] {
    return this.delivery.deadLetters();
  }

  /** Re-delivers one dead letter (removing it from the store); throws for an unknown id. */
  redrive(id: string): void {
    this.delivery.redrive(id);
  }

  /** How many events were accepted since start (without reading them). */
  publishedCount(): number {
    return this.accepted;
  }

  /** Every event accepted on any bus, oldest first, up to the last 10,000 (tests read this). */
  published(): EventBridgeEvent[] {
    return this.store.latest(PUBLISHED_CAP).reverse();
  }

  /**
   * Accepted events, newest first, with the rules each matched and what became of each delivery
   * (the event console reads this). `cursor` is the `cursor` of the previous page; a page that is
   * full has one, and the next page may be empty. Throws `EventQueryError` for a bad query.
   */
  async events(query: EventQuery): Promise<{ items: StoredEvent[]; cursor?: string }> {
    const limit = query.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new EventQueryError('invalid-limit', `limit must be an integer from 1 to ${MAX_PAGE}`);
    }
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const page = await this.store.page(filterOf(query), limit, before);
    return { items: page.items, ...(page.next === undefined ? {} : { cursor: encodeCursor(page.next) }) };
  }

  /** One accepted event by id, with its matched rules and deliveries; undefined if it is not kept. */
  async event(id: string): Promise<StoredEvent | undefined> {
    return this.store.get(id);
  }

  /**
   * Accepted events, oldest first, without their deliveries: what a read model's rebuild replays.
   * Memory holds one segment of the store at a time; the event loop runs between segments.
   */
  async *eventsOldestFirst(query: Omit<EventQuery, 'limit' | 'cursor'> = {}): AsyncGenerator<EventBridgeEvent> {
    let n = 0;
    for (const { event } of this.store.oldestFirst(filterOf(query))) {
      yield event;
      if (++n % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Records what Lambda made of a delivered event (the runtime wires Lambda's `onSettled` here). */
  invocationSettled(settled: AsyncSettled): void {
    const tag = settled.tag as Partial<DeliveryRef> | undefined;
    if (typeof tag?.seq !== 'number' || typeof tag.delivery !== 'string') return;
    this.store.outcome({
      ref: tag.seq,
      delivery: tag.delivery,
      step: 'invocation',
      state: settled.state,
      attempts: settled.attempts,
      requestId: settled.requestId,
      ...(settled.error ? { error: settled.error.errorMessage } : {}),
      ...(settled.failureId ? { failureId: settled.failureId } : {}),
      ...(settled.condition ? { condition: settled.condition } : {}),
    });
  }

  /** What the event store holds (events, segments, lines in memory): memory stays flat in data mode. */
  storeStats() {
    return this.store.stats();
  }

  async close(): Promise<void> {
    this.delivery.close();
    this.store.close();
  }

  private async putEvents(input: Record<string, unknown>, ctx: CallContext) {
    const entries = readEntries(input);
    // IAM authorises PutEvents on each bus the request names, whatever becomes of the entries.
    const named = new Set(entries.map((entry) => busNameOf(entry.EventBusName)));
    for (const name of named) {
      this.options.record?.({
        caller: ctx.caller,
        action: 'events:PutEvents',
        resource: this.bus(name)?.arn ?? busArn(name),
      });
    }
    const results = entries.map((entry) => buildEvent(entry, (name) => this.buses.has(name)));
    await this.accept(results.filter((r): r is Extract<EntryOutcome, { ok: true }> => r.ok));
    return {
      FailedEntryCount: results.filter((r) => !r.ok).length,
      Entries: results.map((r) =>
        r.ok ? { EventId: r.event.id } : { ErrorCode: r.errorCode, ErrorMessage: r.errorMessage },
      ),
    };
  }

  /**
   * Puts an event on the default bus the way an AWS service does (CodePipeline, CodeDeploy, ...):
   * not through PutEvents, which refuses `aws.` sources from every caller, but as the service's own
   * delivery, so rules on the default bus see exactly what AWS would send them. For tests and the
   * operator's demos (the runtime's `emitAwsEvent`, `POST /_local/aws-events`); functions reach the
   * bus only through PutEvents, so they cannot pass for AWS. Resolves once the event is accepted.
   */
  async emitServiceEvent(input: ServiceEventInput): Promise<EventBridgeEvent> {
    const built = serviceEvent(input);
    await this.accept([built]);
    return built.event;
  }

  /** Stores accepted events and queues their deliveries; durable (data mode) before it resolves. */
  private async accept(results: Extract<EntryOutcome, { ok: true }>[]): Promise<void> {
    const routed: DeliveryRoute[][] = [];
    const accepted: AcceptedEvent[] = [];
    for (const result of results) {
      this.accepted++;
      const routes = this.route(result.bus, result.event, result.eventJson);
      routed.push(routes);
      accepted.push({ bus: result.bus, event: result.event, rules: matchedRules(routes) });
    }
    const seqs = this.store.append(accepted);
    this.delivery.enqueue(routed.flatMap((routes, i) => routes.map((route) => ({ ...route, ref: seqs[i]! }))));
    // Stored events and queued deliveries are both on disk (data mode) before PutEvents answers:
    // an accepted event is never lost, as on AWS. The store's sync ran while the queue's did.
    if (accepted.length > 0) await this.store.durable();
  }

  /** Every (rule, target) of the bus whose pattern matches the event. */
  private route(busName: string, event: EventBridgeEvent, eventJson: string): DeliveryRoute[] {
    const bus = this.bus(busName);
    if (!bus || bus.rules.size === 0) return [];
    const flat = flattenEvent(eventJson);
    const routes: DeliveryRoute[] = [];
    for (const rule of bus.rules.values()) {
      if (!matches(rule.pattern, flat)) continue;
      for (const target of rule.targets)
        routes.push({ event, bus: bus.name, rule: rule.name, ruleArn: rule.arn, target });
    }
    return routes;
  }

  private testEventPattern(input: Record<string, unknown>) {
    const patternJson = requiredString(input, 'EventPattern', 'eventPattern');
    const eventJson = requiredString(input, 'Event', 'event');
    try {
      const pattern = compilePattern(patternJson);
      validateEvent(eventJson);
      return { Result: matches(pattern, eventJson) };
    } catch (error) {
      if (error instanceof InvalidPatternError) throw new AwsError('InvalidEventPatternException', error.message);
      // Recorded from AWS: an invalid event is a ValidationException, not InvalidArgumentException.
      if (error instanceof InvalidEventError) throw new AwsError('ValidationException', error.message);
      throw error;
    }
  }

  private listRules(input: Record<string, unknown>) {
    const bus = this.existingBus(input.EventBusName);
    const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
    const limit = input.Limit === undefined ? 100 : Number(input.Limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${String(input.Limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
      );
    }
    const start = input.NextToken === undefined ? 0 : decodeToken(input.NextToken);
    const rules = [...bus.rules.values()]
      .filter((rule) => rule.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const page = rules.slice(start, start + limit);
    return {
      Rules: page.map((rule) => ({
        Name: rule.name,
        Arn: rule.arn,
        EventPattern: rule.pattern.source,
        State: 'ENABLED',
        EventBusName: bus.name,
      })),
      ...(start + limit < rules.length ? { NextToken: encodeToken(start + limit) } : {}),
    };
  }

  private describeEventBus(input: Record<string, unknown>) {
    const bus = this.existingBus(input.Name);
    const created = Math.floor(bus.createdAt.getTime() / 1000);
    return { Name: bus.name, Arn: bus.arn, CreationTime: created, LastModifiedTime: created };
  }

  private bus(name: string): Bus | undefined {
    return this.buses.get(name);
  }

  private existingBus(nameOrArn: unknown): Bus {
    const name = busNameOf(nameOrArn);
    const bus = this.bus(name);
    if (!bus) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return bus;
  }
}

/** What `events` takes: filters (all optional), a page size of 1-100 and the previous page's cursor. */
export interface EventQuery {
  /** Event `time` at or after / at or before. */
  from?: Date | string | number;
  to?: Date | string | number;
  source?: string;
  detailType?: string;
  /** The platform's `detail.metadata.correlationId`. */
  correlationId?: string;
  limit: number;
  cursor?: string;
}

/** A query the event console answers with 400; `code` is stable. */
export class EventQueryError extends Error {
  constructor(
    readonly code: 'invalid-limit' | 'invalid-cursor' | 'invalid-time',
    message: string,
  ) {
    super(message);
    this.name = 'EventQueryError';
  }
}

function filterOf(query: Omit<EventQuery, 'limit' | 'cursor'>): EventFilter {
  const instant = (value: Date | string | number | undefined, name: string) => {
    if (value === undefined) return undefined;
    // Date parses almost anything ("5" is the year 2005): a string must look like ISO 8601.
    if (
      typeof value === 'string' &&
      !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value)
    ) {
      throw new EventQueryError('invalid-time', `${name} must be an ISO 8601 date-time`);
    }
    const ms = new Date(value).getTime();
    if (Number.isNaN(ms)) throw new EventQueryError('invalid-time', `${name} must be an ISO 8601 date-time`);
    return ms;
  };
  const from = instant(query.from, 'from');
  const to = instant(query.to, 'to');
  return {
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(query.source === undefined ? {} : { source: query.source }),
    ...(query.detailType === undefined ? {} : { detailType: query.detailType }),
    ...(query.correlationId === undefined ? {} : { correlationId: query.correlationId }),
  };
}

const encodeCursor = (before: number) => Buffer.from(JSON.stringify({ before })).toString('base64url');

function decodeCursor(cursor: string): number {
  let before: unknown;
  try {
    before = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown }).before;
  } catch {
    before = undefined;
  }
  if (typeof before !== 'number' || !Number.isSafeInteger(before) || before < 1) {
    throw new EventQueryError('invalid-cursor', 'cursor is not one this console gave');
  }
  return before;
}

/** The rules among the routes, each with its targets, in the order they matched. */
function matchedRules(routes: readonly DeliveryRoute[]): MatchedRule[] {
  const rules = new Map<string, { rule: string; ruleArn: string; targets: string[] }>();
  for (const route of routes) {
    const rule = rules.get(route.rule) ?? { rule: route.rule, ruleArn: route.ruleArn, targets: [] };
    rule.targets.push(route.target.functionName);
    rules.set(route.rule, rule);
  }
  return [...rules.values()];
}

/** AWS names rules of the default bus `rule/<name>` and others `rule/<bus>/<name>`. */
function ruleArnOf(bus: string, name: string): string {
  const path = bus === 'default' ? name : `${bus}/${name}`;
  return `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${path}`;
}

function targetOf(rule: string, spec: TargetSpec): Required<TargetSpec> {
  const retryAttempts = spec.retryAttempts ?? MAX_RETRY_ATTEMPTS;
  const maximumEventAgeSeconds = spec.maximumEventAgeSeconds ?? MAX_EVENT_AGE_SECONDS;
  if (!spec.functionName) throw new Error(`Rule ${rule}: a target needs a functionName`);
  if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > MAX_RETRY_ATTEMPTS) {
    throw new Error(`Rule ${rule}: retryAttempts must be an integer from 0 to ${MAX_RETRY_ATTEMPTS}`);
  }
  // AWS's floor is 60 s; lower values are allowed here so tests can exercise the age limit.
  if (!(maximumEventAgeSeconds > 0) || maximumEventAgeSeconds > MAX_EVENT_AGE_SECONDS) {
    throw new Error(`Rule ${rule}: maximumEventAgeSeconds must be above 0 and at most ${MAX_EVENT_AGE_SECONDS}`);
  }
  return { functionName: spec.functionName, retryAttempts, maximumEventAgeSeconds };
}

function requiredString(input: Record<string, unknown>, key: string, wireName: string): string {
  const value = input[key];
  if (typeof value === 'string') return value;
  throw new AwsError(
    'ValidationException',
    `1 validation error detected: Value null at '${wireName}' failed to satisfy constraint: Member must not be null`,
  );
}

const encodeToken = (offset: number) => Buffer.from(`rules:${offset}`).toString('base64');

function decodeToken(token: unknown): number {
  const match = typeof token === 'string' ? /^rules:(\d+)$/.exec(Buffer.from(token, 'base64').toString()) : null;
  if (!match) throw new AwsError('ValidationException', 'The NextToken provided is invalid.');
  return Number(match[1]);
}
