import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { jsonBytes } from '../contracts/limits';
import { ResyncRequested } from '../contracts/reporting/v1';
import { RESYNC_PAGE_MAX_BYTES, type resyncContracts } from '../contracts/resync';
import { systemContext } from './context';
import { requireEnv } from './env';
import { buildEvent, type OutgoingEvent, putEvents, receive } from './events';
import { logger } from './logger';
import { withUsage } from './usage';

/**
 * An owning service's answer to `ResyncRequested` (ADR 28): every record of every type it owns,
 * read with its own paged queries and published as `RecordsResynced` pages of at most
 * `RESYNC_PAGE_BYTES` bytes of records, reading `RESYNC_BATCH_SIZE` items per query. When the invocation has worked `RESYNC_WORK_SECONDS` (or
 * has less than `RESERVE_MS` left before its timeout), it publishes a private `ResyncContinued`
 * with its cursor, which the same function consumes: a table of any size is republished across
 * invocations. Pages are published straight to the bus, not through the outbox: they change no
 * state, and a failed invocation is retried whole (duplicate pages are harmless, consumers keep
 * the highest version of each record).
 */

/**
 * One record type's reader: a batch of records (each its live snapshot) from a cursor, read with
 * queries of at most `limit` items, and the next cursor (none after the last batch).
 */
export interface RecordReader {
  read(cursor: string | undefined, limit: number): Promise<{ records: unknown[]; nextCursor?: string }>;
}

/** Time kept back for the last batch and its pages once the work time is over. */
const RESERVE_MS = 20_000;

const positiveInt = (name: string, min: number, max: number) => {
  const v = Number(requireEnv(name));
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer ${min}-${max}`);
  return v;
};

interface Position {
  requestId: string;
  recordType: string;
  page: number;
  cursor?: string;
}

/**
 * The resync consumer of one owning service: subscribe it to `ResyncRequested` (itsm.reporting)
 * and to its own `ResyncContinued`; it needs `publish` access. Record types run in the order given.
 *
 * @example
 * export const handler = resyncConsumer('portfolio', portfolioResync, { service: { read: readServices } });
 */
export function resyncConsumer(
  service: string,
  contracts: ReturnType<typeof resyncContracts>,
  readers: Record<string, RecordReader>,
) {
  const types = contracts.recordTypes;
  for (const t of types) if (!readers[t]) throw new Error(`${service} has no reader for record type ${t}`);
  const known = [ResyncRequested, contracts.ResyncContinued];

  const run = async (raw: EventBridgeEvent<string, unknown>, context: Context) => {
    const { event } = receive(raw, known);
    const ctx = systemContext(`${service}-resync`, event.metadata.correlationId, event.metadata.eventId);
    let at: Position;
    if (event.detailType === ResyncRequested.detailType) {
      const data = event.data as { requestId: string; services?: string[] };
      if (data.services && !data.services.includes(service)) {
        logger.info('resync not asked of this service', { requestId: data.requestId });
        return;
      }
      at = { requestId: data.requestId, recordType: types[0]!, page: 1 };
    } else {
      at = event.data as Position;
    }
    const pageBytes = positiveInt('RESYNC_PAGE_BYTES', 2, RESYNC_PAGE_MAX_BYTES);
    const batchSize = positiveInt('RESYNC_BATCH_SIZE', 1, 1000);
    const workUntil = Date.now() + positiveInt('RESYNC_WORK_SECONDS', 0, 900) * 1000;
    const timeLeft = () => Date.now() < workUntil && context.getRemainingTimeInMillis() > RESERVE_MS;

    const publish = async (e: OutgoingEvent) => {
      // One entry per request: PutEvents counts the whole request against 256 KB.
      const accepted = await putEvents([e]);
      if (!accepted.has(e.eventId)) throw new Error(`${e.detailType} was not accepted by the bus`);
    };
    const page = (records: unknown[], last: boolean) =>
      publish(
        buildEvent(
          contracts.RecordsResynced,
          { requestId: at.requestId, recordType: at.recordType, page: at.page++, last, records } as never,
          ctx,
        ),
      );

    for (let t = types.indexOf(at.recordType); t < types.length; t++) {
      const reader = readers[at.recordType]!;
      let pending: unknown[] = [];
      let pendingBytes = 2; // "[]"
      for (;;) {
        const batch = await reader.read(at.cursor, batchSize);
        for (const r of batch.records) {
          const size = jsonBytes(r);
          if (size + 2 > pageBytes) throw new Error(`a ${at.recordType} record of ${size} bytes exceeds the page`);
          if (pendingBytes + size + 1 > pageBytes) {
            await page(pending, false);
            pending = [];
            pendingBytes = 2;
          }
          pending.push(r);
          pendingBytes += size + (pending.length > 1 ? 1 : 0);
        }
        if (batch.nextCursor === undefined) {
          await page(pending, true);
          break;
        }
        at.cursor = batch.nextCursor;
        if (!timeLeft()) {
          if (pending.length) await page(pending, false);
          return handOver(at);
        }
      }
      const next = types[t + 1];
      if (next === undefined) break;
      at = { requestId: at.requestId, recordType: next, page: 1 };
      if (!timeLeft()) return handOver(at);
    }
    logger.info('resync published', { requestId: at.requestId });

    async function handOver(p: Position) {
      logger.info('resync continues in the next invocation', { ...p });
      await publish(buildEvent(contracts.ResyncContinued, p, ctx));
    }
  };

  return middy<EventBridgeEvent<string, unknown>, void, Error, Context>()
    .use(injectLambdaContext(logger))
    .handler((raw, context) => withUsage(() => run(raw, context)));
}
