import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { newId, type OperationContext } from '../context';
import { ConflictError, TooLargeError, UnavailableError, VersionConflictError } from '../errors';
import type { OutgoingEvent } from '../events';
import { logger } from '../logger';
import { assertUnitOfWorkFits, isItemSizeRefusal } from '../size';
import { addCapacity } from '../usage';
import { client, type Key, nowIso } from './client';
import { type TransactItem, toTransactItem, type Write } from './expressions';
import { DuplicateEventError, inboxMarker } from './inbox';
import { eventItem } from './publication';

/** Audit trail entry (FitSM GR2.3): who, when, what changed, why. Stored beside the record. */
export interface HistoryEntry {
  /** Partition of the record the entry belongs to (e.g. `CI#01H...`). */
  pk: string;
  entityType: string;
  entityId: string;
  action: string;
  changes?: Record<string, { from?: unknown; to?: unknown }>;
  reason?: string;
  /** The change (RFC) the record was changed under, as the caller named it (FitSM PR11.4). */
  changeId?: string;
}

/** A history entry as the API shows it. */
export interface HistoryView {
  at: string;
  actor: { id: string; name: string; kind: string };
  action: string;
  changes?: Record<string, { from?: unknown; to?: unknown }>;
  reason?: string;
  changeId?: string;
  correlationId: string;
}

export interface UnitOfWork {
  writes: Write[];
  history?: HistoryEntry[];
  events?: OutgoingEvent[];
  /**
   * The event this unit of work handles (`handled(ctx)`), recorded in the consumer's inbox in the
   * same transaction: a second delivery of the event then fails with DuplicateEventError.
   */
  handles?: string;
  /**
   * The instant the writes record (`updatedAt`, the history's `at`); now when absent. Give the
   * instant the events' snapshots carry, so a record read back (a resync) equals its last event.
   */
  at?: string;
}

/**
 * A unit of work cancelled only because another transaction was writing one of its items
 * (TransactionConflict) wrote nothing, so it is sent again as it is: up to this many times,
 * after a random pause of up to 20, 40, 80, 160, 320 ms (full jitter, about 0.3 s at most).
 */
const CONTENTION_REPEATS = 5;
const CONTENTION_BASE_MS = 20;

/**
 * Sends again while DynamoDB reports a transaction in flight on an item; then 503 `contention`,
 * naming the contended record (`record`, as version conflicts do) so a caller may retry in turn.
 */
export async function repeatOnContention<T>(send: () => Promise<T>, record: (err: unknown) => string): Promise<T> {
  for (let repeat = 0; ; repeat++) {
    try {
      return await send();
    } catch (err) {
      if (!isTransactionConflict(err)) throw err;
      if (repeat >= CONTENTION_REPEATS) {
        logger.warn('transaction contention persisted; giving up', { repeats: repeat });
        throw new UnavailableError(
          'contention',
          'The record is being changed by other requests right now. Nothing was changed; send the request again.',
          1,
          record(err),
        );
      }
      await new Promise((r) => setTimeout(r, Math.random() * CONTENTION_BASE_MS * 2 ** repeat));
    }
  }
}

/**
 * DynamoDB's contention signals: a transaction cancelled for TransactionConflict and for no
 * failed condition (a failed condition is a real conflict, see `translate`), or a single write
 * refused with TransactionConflictException.
 */
function isTransactionConflict(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  if (name === 'TransactionConflictException') return true;
  if (name !== 'TransactionCanceledException') return false;
  const codes = ((err as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code);
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}

/** The history entry item a unit of work writes beside its record. */
function historyItem(TableName: string, h: HistoryEntry, ctx: OperationContext, at: string): TransactItem {
  return {
    Put: {
      TableName,
      Item: {
        pk: h.pk,
        sk: `HIST#${newId()}`,
        type: 'history',
        entityType: h.entityType,
        entityId: h.entityId,
        action: h.action,
        at,
        actor: ctx.actor,
        correlationId: ctx.correlationId,
        ...(h.changes ? { changes: h.changes } : {}),
        ...(h.reason ? { reason: h.reason } : {}),
        ...(h.changeId ? { changeId: h.changeId } : {}),
      },
    },
  };
}

/**
 * Commit a unit of work atomically: the writes, their history entries, an item per event, and
 * the inbox marker of the event it `handles`. Nothing is published here: the table's stream
 * carries the event items to the relay, which publishes them (ADR 23), so an event is published
 * exactly when its change is committed, and never lost.
 */
export async function commitUnitOfWork(TableName: string, ctx: OperationContext, work: UnitOfWork): Promise<void> {
  const at = work.at ?? nowIso();
  const tx: TransactItem[] = work.writes.map((w) => toTransactItem(TableName, w, ctx, at));
  for (const h of work.history ?? []) tx.push(historyItem(TableName, h, ctx, at));
  const events = work.events ?? [];
  const now = Date.now();
  for (const e of events) tx.push({ Put: { TableName, Item: eventItem(e, now) } });
  if (work.handles !== undefined) tx.push(inboxMarker(TableName, work.handles));
  if (tx.length === 0) return;
  // Measured as DynamoDB and EventBridge measure, before sending: 413, nothing written (ADR 20).
  assertUnitOfWorkFits(tx, events);
  try {
    const out = await repeatOnContention(
      () => client().send(new TransactWriteCommand({ TransactItems: tx, ReturnConsumedCapacity: 'TOTAL' })),
      (err) => {
        // The item another transaction held: its index in the cancellation reasons is its index here.
        const reasons = (err as Partial<TransactionCanceledException>).CancellationReasons ?? [];
        const at = Math.max(
          0,
          reasons.findIndex((r) => r.Code === 'TransactionConflict'),
        );
        const op = tx[at] as Record<string, { Key?: Key; Item?: Key } | undefined> | undefined;
        const key = op && Object.values(op).find((v) => v !== undefined);
        const k = key?.Key ?? key?.Item;
        return k ? `${TableName}|${k.pk}|${k.sk}` : TableName;
      },
    );
    addCapacity(out.ConsumedCapacity, 'write');
  } catch (err) {
    throw translate(TableName, err, work.writes, work.handles !== undefined);
  }
  if (ctx.inbox && work.handles === ctx.inbox.eventId) ctx.inbox.recorded = true;
}

/** Map a cancelled transaction to the domain error the failing write means (contention is handled before). */
function translate(TableName: string, err: unknown, writes: Write[], hasInbox: boolean): unknown {
  // An update whose result outgrows 400 KB can only be seen by DynamoDB itself.
  if (isItemSizeRefusal(err)) {
    return new TooLargeError('A record this change writes would exceed the 400 KB DynamoDB stores per item.');
  }
  if (!(err instanceof TransactionCanceledException) && (err as Error)?.name !== 'TransactionCanceledException') {
    return err;
  }
  const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
  const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
  if (failed < 0) return err;
  const w = writes[failed];
  if (!w) {
    // A condition past the writes can only be the inbox marker: the event was processed already.
    if (hasInbox && failed === reasons.length - 1) return new DuplicateEventError();
    return err;
  }
  if (w.kind === 'create') return new ConflictError('A record with this identity already exists.', 'already-exists');
  if (w.kind === 'check') {
    return new ConflictError(
      w.exists ? 'A record this change depends on does not exist.' : 'A conflicting record exists.',
      w.exists ? 'dependency-missing' : 'already-exists',
    );
  }
  if ('expectVersion' in w && w.expectVersion !== undefined) {
    const key = w.kind === 'replace' ? { pk: w.item.pk, sk: w.item.sk } : w.key;
    return new VersionConflictError(`${TableName}|${key.pk}|${key.sk}`);
  }
  return new ConflictError('The record does not exist any more.', 'record-missing');
}
