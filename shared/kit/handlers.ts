import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import type { EventContract } from '../contracts/envelope';
import { type OperationContext, systemContext } from './context';
import { requireEnv } from './env';
import { type EventHandler, receive } from './events';
import { logger } from './logger';
import { DuplicateEventError, Store } from './store';
import { publishStreamRecords, redriveEvents, relayOutbox, type StreamRecord } from './store/publication';
import { withUsage } from './usage';

/**
 * What keeps a consumer's handling of an event from applying twice, declared where it is wired:
 *
 * - `by-version`: the work is a versioned copy written only while it is newer (`keepCopy`,
 *   `ifBelow`, a version map): a duplicate or an older event changes nothing, so no marker.
 * - `inbox`: the work is not idempotent by itself (mail, counters, records created): the unit of
 *   work that does it carries the inbox marker (`handles: handled(ctx)`, or `recordHandled`
 *   when there is nothing to do), and the handler fails if it returns without recording it.
 */
export type Idempotency = 'inbox' | 'by-version';

export interface EventHandling {
  idempotency: Idempotency;
  handle: EventHandler;
}

/**
 * Build an event consumer. Errors are thrown, never swallowed: EventBridge retries and then
 * dead-letters. An `inbox` handler runs once per event id: a fast inbox check skips known
 * duplicates, and the conditional marker in its unit of work stops two concurrent deliveries.
 *
 * @example
 * export const handler = eventConsumer('configuration', [ServiceRegistered], {
 *   // A copy that only moves forward on the service's version.
 *   ServiceRegistered: { idempotency: 'by-version', handle: applyService },
 * });
 */
export function eventConsumer(
  consumer: string,
  contracts: readonly EventContract[],
  handlers: Record<string, EventHandling>,
) {
  const store = new Store(requireEnv('TABLE_NAME'));
  const run = (raw: EventBridgeEvent<string, unknown>) => withUsage(() => consume(raw));
  const consume = async (raw: EventBridgeEvent<string, unknown>) => {
    const { event } = receive(raw, contracts);
    const handling = handlers[event.detailType];
    if (!handling) throw new Error(`${consumer} has no handler for ${event.detailType}`);
    const { eventId, correlationId } = event.metadata;
    logger.appendKeys({ correlationId, eventId });
    try {
      const ctx: OperationContext = systemContext(consumer, correlationId, eventId);
      if (handling.idempotency === 'by-version') {
        await handling.handle(event, ctx);
        return;
      }
      if (await store.seen(eventId)) {
        logger.info('duplicate event skipped', { detailType: event.detailType });
        return;
      }
      ctx.inbox = { eventId, recorded: false };
      await handling.handle(event, ctx);
      // Without the marker a redelivery would do the work again: a bug, so the event is retried and dead-lettered.
      if (!ctx.inbox.recorded)
        throw new Error(`${consumer} handled ${event.detailType} without recording it in its inbox`);
    } catch (err) {
      if (err instanceof DuplicateEventError) {
        logger.info('duplicate event lost the race and was skipped', { detailType: event.detailType });
        return;
      }
      throw err;
    } finally {
      logger.removeKeys(['correlationId', 'eventId']);
    }
  };
  return middy<EventBridgeEvent<string, unknown>, void, Error, Context>().use(injectLambdaContext(logger)).handler(run);
}

/** A Step Functions task: the payload names the task; the result is the task output. */
export interface TaskPayload {
  task: string;
  [key: string]: unknown;
}
export type TaskHandler = (payload: TaskPayload, ctx: OperationContext) => Promise<unknown>;

/**
 * A function invoked directly (by a schedule, a flow task, an operator) rather than by the API
 * or a rule: structured logs with the Lambda context, and the run's usage counted.
 */
export function functionHandler<E, R>(fn: (event: E) => Promise<R>) {
  return middy<E, R, Error, Context>()
    .use(injectLambdaContext(logger))
    .handler((event) => withUsage(() => fn(event)));
}

/**
 * Build a flow task function. Business rules stay in TypeScript; the state machine only
 * branches on what these tasks return. Errors keep their class name so ASL `Catch` can match.
 */
export function taskHandler(service: string, tasks: Record<string, TaskHandler>) {
  const perform = async (payload: TaskPayload) => {
    const task = tasks[payload?.task];
    if (!task) throw new Error(`${service} has no task "${String(payload?.task)}"`);
    const correlationId = typeof payload.correlationId === 'string' ? payload.correlationId : undefined;
    return task(payload, systemContext(`${service}-flow`, correlationId));
  };
  return functionHandler(perform);
}

/** What the event relay is invoked with (ADR 23). */
export type RelayPayload =
  | { Records: StreamRecord[] }
  | { redrive: { from: string; to: string } }
  | { drainOutbox: true }
  | Record<string, never>;

const isoTime = (v: unknown): Date | undefined => {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(v)) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
};

/**
 * The event relay every publishing service runs. Its table's stream invokes it with the records
 * of inserted event items (answering the sequence numbers not published, for the mapping to
 * retry); an operator invokes it with `{ redrive: { from, to } }` (ISO times) to publish a range
 * of event items again; `{ drainOutbox: true }` publishes the outbox the previous version left.
 * The deploy hook's empty payload (a CDK Trigger invokes with none) and a scheduled event of the
 * previous version's relay schedule (CloudFormation deletes it only after the new code runs)
 * drain the outbox too.
 */
export function eventRelayHandler() {
  const store = new Store(requireEnv('TABLE_NAME'));
  const relay = async (event: unknown) => {
    const e = (event ?? {}) as Record<string, unknown>;
    if (Array.isArray(e.Records)) return publishStreamRecords(e.Records as StreamRecord[]);
    if (e.redrive !== undefined) {
      const r = e.redrive as { from?: unknown; to?: unknown } | null;
      const from = isoTime(r?.from);
      const to = isoTime(r?.to);
      if (!from || !to || from > to) throw new Error('redrive needs { from, to }: ISO times, from not after to');
      const out = await redriveEvents(store, { from, to });
      logger.info('events redriven', { ...out, from: from.toISOString(), to: to.toISOString() });
      return out;
    }
    const deployHook = Object.keys(e).length === 0;
    const oldSchedule = e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
    if (e.drainOutbox === true || deployHook || oldSchedule) {
      const published = await relayOutbox(store, 0);
      if (published > 0) logger.warn('outbox of the previous version drained', { published });
      return { published };
    }
    throw new Error('the relay takes stream records, { redrive: { from, to } }, { drainOutbox: true } or {}');
  };
  return functionHandler(relay);
}
