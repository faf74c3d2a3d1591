import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyLocks } from '../key-locks';
import { createTable, type Harness, startHarness } from './harness';

const TABLE = 'itsm-conflict';

/**
 * DynamoDB refuses, rather than queues, writes that meet an in-flight transaction on one of
 * their items (ADR 0017). Locally a transaction is in flight for a few milliseconds, so the
 * tests race writers on one item, round after round, until the conflict shows; each round
 * also proves that a refused write wrote nothing.
 */
describe('transaction conflicts, as DynamoDB reports them', () => {
  let h: Harness;
  let n = 0;

  beforeAll(async () => {
    h = await startHarness();
    await createTable(h.client, TABLE);
  });
  afterAll(() => h.stop());

  /** The record and one history entry, in one transaction, as the kit writes a change. */
  const transactionalIncrement = (pk: string, writer: string) =>
    h.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: { pk, sk: `history#${writer}` } } },
          {
            Update: {
              TableName: TABLE,
              Key: { pk, sk: 'record' },
              UpdateExpression: 'ADD hits :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
        ],
      }),
    );
  const singleIncrement = (pk: string) =>
    h.doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk, sk: 'record' },
        UpdateExpression: 'ADD hits :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  const hitsOf = async (pk: string) =>
    ((await h.doc.send(new GetCommand({ TableName: TABLE, Key: { pk, sk: 'record' }, ConsistentRead: true }))).Item
      ?.hits as number | undefined) ?? 0;
  const historyOf = async (pk: string) =>
    (
      await h.doc.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
          ExpressionAttributeValues: { ':pk': pk, ':h': 'history#' },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];

  /** Runs rounds of concurrent writers on a fresh item until one is refused; that round's outcome. */
  async function raceUntilRefused(
    writers: (pk: string) => Array<Promise<unknown>>,
    refusal: string,
    alsoExpected: string[] = [],
  ) {
    for (let round = 0; round < 30; round++) {
      const pk = `race-${++n}`;
      await h.doc.send(new PutCommand({ TableName: TABLE, Item: { pk, sk: 'record' } }));
      const results = await Promise.allSettled(writers(pk));
      const refused = results.flatMap((r) =>
        r.status === 'rejected' && (r.reason as Error).name === refusal
          ? [r.reason as Error & Record<string, unknown>]
          : [],
      );
      const others = results.flatMap((r) =>
        r.status === 'rejected' && ![refusal, ...alsoExpected].includes((r.reason as Error).name) ? [r.reason] : [],
      );
      if (others.length) throw others[0];
      if (refused.length) return { pk, results, refused };
    }
    throw new Error(`no ${refusal} in 30 rounds`);
  }

  it('cancels a transaction on an item another transaction is writing, with TransactionConflict at its index', async () => {
    // Act
    const { pk, results, refused } = await raceUntilRefused(
      (pk) => Array.from({ length: 20 }, (_, i) => transactionalIncrement(pk, `w${i}`)),
      'TransactionCanceledException',
    );

    // Assess: the shape the SDK surfaces on AWS; the history item (index 0) was not contended.
    const err = refused[0]!;
    expect(err.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]',
    );
    expect(err.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
    ]);
    expect((err.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    // A cancelled transaction wrote nothing: one increment and one history entry per success.
    const won = results.filter((r) => r.status === 'fulfilled').length;
    expect(won).toBeGreaterThan(0);
    expect(await hitsOf(pk)).toBe(won);
    expect(await historyOf(pk)).toHaveLength(won);
  });

  it('fails a single write on an item a transaction is writing with TransactionConflictException', async () => {
    // Act: transactions and plain updates of one item, interleaved.
    const { pk, results, refused } = await raceUntilRefused(
      (pk) => Array.from({ length: 30 }, (_, i) => (i % 3 ? singleIncrement(pk) : transactionalIncrement(pk, `w${i}`))),
      'TransactionConflictException',
      ['TransactionCanceledException'],
    );

    // Assess
    const err = refused[0]!;
    expect(err.message).toBe('Transaction is ongoing for the item');
    expect(err.$fault).toBe('client');
    expect((err.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    const won = results.filter((r) => r.status === 'fulfilled').length;
    expect(await hitsOf(pk)).toBe(won);
  });
});

describe('KeyLocks claims (what makes a transaction in flight)', () => {
  it('claims all keys or none, and names the keys another transaction holds', () => {
    // Prepare
    const locks = new KeyLocks();
    const first = locks.claim(['a', 'b']);

    // Act
    const second = locks.claim(['b', 'c']);

    // Assess
    expect('release' in first).toBe(true);
    expect(second).toEqual({ conflicting: new Set(['b']) });
    expect(locks.isClaimed('c')).toBe(false);
    if ('release' in first) first.release();
    expect(locks.isClaimed('b')).toBe(false);
    expect('release' in locks.claim(['b', 'c'])).toBe(true);
  });
});
