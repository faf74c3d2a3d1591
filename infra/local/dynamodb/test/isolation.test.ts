import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, type Harness, rejectionOf, startHarness } from './harness';

const TABLE = 'itsm-isolation';

/** A writer that lost a race backs off a random moment before retrying, as a real client does. */
const jitter = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 20));

describe('isolation of transactions and single-item writes', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await createTable(h.client, TABLE);
  });
  afterAll(() => h.stop());

  const versionOf = async (pk: string) =>
    (await h.doc.send(new GetCommand({ TableName: TABLE, Key: { pk, sk: 'record' }, ConsistentRead: true }))).Item
      ?.version as number;

  /** One version-conditional change as the services write it: the record and its history entry in one transaction. */
  const transactionalChange = (pk: string, expected: number, writer: string) =>
    h.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: TABLE,
              Key: { pk, sk: 'record' },
              UpdateExpression: 'SET version = :next, lastWriter = :w',
              ConditionExpression: 'version = :expected',
              ExpressionAttributeValues: { ':next': expected + 1, ':expected': expected, ':w': writer },
            },
          },
          {
            Put: {
              TableName: TABLE,
              Item: { pk, sk: `history#${String(expected + 1).padStart(4, '0')}`, writer },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );

  const singleChange = (pk: string, expected: number, writer: string) =>
    h.doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk, sk: 'record' },
        UpdateExpression: 'SET version = :next, lastWriter = :w',
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':next': expected + 1, ':expected': expected, ':w': writer },
      }),
    );

  it('lets exactly one of 50 concurrent changes from the same version win', async () => {
    // Prepare
    const pk = 'race-once';
    await h.doc.send(new PutCommand({ TableName: TABLE, Item: { pk, sk: 'record', version: 0 } }));

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 ? transactionalChange(pk, 0, `w${i}`) : singleChange(pk, 0, `w${i}`),
      ),
    );

    // Assess
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).name] : []));
    expect(won).toHaveLength(1);
    // A single write that meets an in-flight transaction is refused with TransactionConflictException (ADR 0017).
    expect(lost).toContain('TransactionCanceledException');
    expect(lost).toContain('ConditionalCheckFailedException');
    expect(
      lost.every((name) =>
        ['TransactionCanceledException', 'ConditionalCheckFailedException', 'TransactionConflictException'].includes(
          name,
        ),
      ),
    ).toBe(true);
    expect(await versionOf(pk)).toBe(1);
  });

  it('loses no update when 50 writers retry version-conditional changes, transactional and single mixed', async () => {
    // Prepare
    const pk = 'race-all';
    await h.doc.send(new PutCommand({ TableName: TABLE, Item: { pk, sk: 'record', version: 0 } }));
    let conflicts = 0;
    const writeOnce = async (i: number) => {
      for (;;) {
        const version = await versionOf(pk);
        try {
          await (i % 2 ? transactionalChange(pk, version, `w${i}`) : singleChange(pk, version, `w${i}`));
          return;
        } catch (err) {
          const name = (err as Error).name;
          // Lost to another writer: a failed condition, or (ADR 0017) an in-flight transaction on the item.
          const lost = [
            'TransactionCanceledException',
            'ConditionalCheckFailedException',
            'TransactionConflictException',
          ];
          if (!lost.includes(name)) throw err;
          conflicts++;
          await jitter();
        }
      }
    };

    // Act
    await Promise.all(Array.from({ length: 50 }, (_, i) => writeOnce(i)));

    // Assess: 50 increments, and one history entry for each of the 25 transactional ones, each version once.
    expect(await versionOf(pk)).toBe(50);
    const history = await h.doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
        ExpressionAttributeValues: { ':pk': pk, ':h': 'history#' },
        ConsistentRead: true,
      }),
    );
    expect(history.Items).toHaveLength(25);
    expect(new Set(history.Items?.map((i) => i.writer)).size).toBe(25);
    expect(conflicts).toBeGreaterThan(0);
  });

  it('never shows a reader half of a transaction (TransactGetItems snapshot, Query read-committed)', async () => {
    // Prepare: 100 units moved one by one between two accounts while others read both.
    const pk = 'transfer';
    await h.doc.send(new PutCommand({ TableName: TABLE, Item: { pk, sk: 'a', balance: 100 } }));
    await h.doc.send(new PutCommand({ TableName: TABLE, Item: { pk, sk: 'b', balance: 0 } }));
    const moveOnce = (from: string, to: string) =>
      h.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: TABLE,
                Key: { pk, sk: from },
                UpdateExpression: 'SET balance = balance - :one',
                ConditionExpression: 'balance >= :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            {
              Update: {
                TableName: TABLE,
                Key: { pk, sk: to },
                UpdateExpression: 'SET balance = balance + :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      );
    /** A move cancelled by another move in flight (TransactionConflict) wrote nothing, so it is sent again. */
    const move = async (from: string, to: string) => {
      for (;;) {
        try {
          return await moveOnce(from, to);
        } catch (err) {
          const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
          if (!reasons.some((r) => r.Code === 'TransactionConflict')) throw err;
          await jitter();
        }
      }
    };
    const snapshotSum = async () => {
      const out = await h.doc.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: TABLE, Key: { pk, sk: 'a' } } },
            { Get: { TableName: TABLE, Key: { pk, sk: 'b' } } },
          ],
        }),
      );
      return (out.Responses ?? []).reduce((sum, r) => sum + (r.Item?.balance as number), 0);
    };
    const querySum = async () => {
      const out = await h.doc.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
        }),
      );
      return (out.Items ?? []).reduce((sum, i) => sum + (i.balance as number), 0);
    };

    // Act
    const [, snapshots, queries] = await Promise.all([
      // 10 movers of 10 moves each: 100 concurrent moves of one item would mostly cancel each other.
      Promise.all(
        Array.from({ length: 10 }, async () => {
          for (let i = 0; i < 10; i++) await move('a', 'b');
        }),
      ),
      Promise.all(Array.from({ length: 100 }, snapshotSum)),
      Promise.all(Array.from({ length: 100 }, querySum)),
    ]);

    // Assess
    expect(new Set(snapshots)).toEqual(new Set([100]));
    expect(new Set(queries)).toEqual(new Set([100]));
    expect(await snapshotSum()).toBe(100);
    const rejected = await rejectionOf(move('a', 'b'));
    expect(rejected.name).toBe('TransactionCanceledException');
  });
});
