import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTimeToLiveCommand, ListTablesCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDynamoDB } from '../local-dynamodb';
import { createTable, type Harness, queryByStatus, startHarness } from './harness';

const TABLE = 'itsm-disk';

describe('on-disk mode', () => {
  let parent: string;
  let folder: string;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'itsm-dynamodb-'));
    folder = join(parent, 'data');
  });
  afterAll(() => rm(parent, { recursive: true, force: true }));

  it('keeps tables, items, index entries and TTL settings across close and start', async () => {
    // Prepare
    const first: Harness = await startHarness({ path: folder });
    await createTable(first.client, TABLE);
    await first.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: { pk: 'inc-1', sk: 'record', status: 'open', updatedAt: '2026-11-01' } } },
          { Put: { TableName: TABLE, Item: { pk: 'inc-1', sk: 'history#1', change: 'registered' } } },
        ],
      }),
    );
    await first.client.send(
      new UpdateTimeToLiveCommand({
        TableName: TABLE,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
      }),
    );
    await first.stop();

    // Act
    const second = await startHarness({ path: folder });
    try {
      // Assess
      expect((await second.client.send(new ListTablesCommand({}))).TableNames).toEqual([TABLE]);
      const history = await second.doc.send(
        new GetCommand({ TableName: TABLE, Key: { pk: 'inc-1', sk: 'history#1' } }),
      );
      expect(history.Item?.change).toBe('registered');
      const open = await queryByStatus(second.doc, TABLE, 'open');
      expect(open.Items?.map((i) => i.pk)).toEqual(['inc-1']);
      const ttl = await second.client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
      expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    } finally {
      await second.stop();
    }
  });

  it('refuses a second instance on a folder in use, with a clear error', async () => {
    // Prepare
    const first = await LocalDynamoDB.start({ path: folder });
    try {
      // Act / Assess
      await expect(LocalDynamoDB.start({ path: folder })).rejects.toThrow(/Cannot open the DynamoDB data folder/);
    } finally {
      await first.close();
    }
  });
});
