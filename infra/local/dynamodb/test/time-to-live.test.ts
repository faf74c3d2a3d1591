import { DescribeTimeToLiveCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, eventually, type Harness, queryByStatus, rejectionOf, startHarness } from './harness';

const TABLE = 'itsm-ttl';

describe('time to live', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ ttlSweepMs: 50 });
    await createTable(h.client, TABLE);
  });
  afterAll(() => h.stop());

  const setTtl = (TableName: string, Enabled: boolean, AttributeName = 'expiresAt') =>
    h.client.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { Enabled, AttributeName } }));
  const describeTtl = async (TableName = TABLE) =>
    (await h.client.send(new DescribeTimeToLiveCommand({ TableName }))).TimeToLiveDescription;
  const exists = async (sk: string) =>
    (await h.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'ttl', sk }, ConsistentRead: true }))).Item !==
    undefined;

  it('remembers the setting and answers changes that change nothing as AWS does', async () => {
    // Prepare
    await createTable(h.client, 'itsm-ttl-settings');

    // Act / Assess
    expect(await describeTtl('itsm-ttl-settings')).toEqual({ TimeToLiveStatus: 'DISABLED' });
    const enabled = await setTtl('itsm-ttl-settings', true);
    expect(enabled.TimeToLiveSpecification).toEqual({ Enabled: true, AttributeName: 'expiresAt' });
    expect(await describeTtl('itsm-ttl-settings')).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });

    const again = await rejectionOf(setTtl('itsm-ttl-settings', true));
    expect([again.name, again.message]).toEqual(['ValidationException', 'TimeToLive is already enabled']);
    const other = await rejectionOf(setTtl('itsm-ttl-settings', false, 'other'));
    expect(other.message).toBe(
      'TimeToLive is active on a different AttributeName: current value of AttributeName is expiresAt',
    );

    await setTtl('itsm-ttl-settings', false);
    expect(await describeTtl('itsm-ttl-settings')).toEqual({ TimeToLiveStatus: 'DISABLED' });
    const disabledAgain = await rejectionOf(setTtl('itsm-ttl-settings', false));
    expect(disabledAgain.message).toBe('TimeToLive is already disabled');

    const missing = await rejectionOf(setTtl('itsm-no-such-table', true));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('deletes expired items in the background, with their index entries, and only those', async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000);
    const items = {
      expired: { expiresAt: now - 10, status: 'stale', updatedAt: '1' },
      future: { expiresAt: now + 3600 },
      notANumber: { expiresAt: String(now - 10) },
      sixYearsOld: { expiresAt: now - 6 * 365 * 24 * 3600 },
      noAttribute: {},
    };
    await setTtl(TABLE, true);
    await Promise.all(
      Object.entries(items).map(([sk, attrs]) =>
        h.doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'ttl', sk, ...attrs } })),
      ),
    );

    // Act
    await eventually(async () => !(await exists('expired')));

    // Assess
    for (const sk of ['future', 'notANumber', 'sixYearsOld', 'noAttribute']) expect(await exists(sk)).toBe(true);
    const stale = await queryByStatus(h.doc, TABLE, 'stale');
    expect(stale.Items).toEqual([]);
  });

  it('stops deleting once TTL is disabled', async () => {
    // Prepare
    await createTable(h.client, 'itsm-ttl-off');
    await h.client.send(
      new UpdateTimeToLiveCommand({
        TableName: 'itsm-ttl-off',
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
      }),
    );
    await h.client.send(
      new UpdateTimeToLiveCommand({
        TableName: 'itsm-ttl-off',
        TimeToLiveSpecification: { Enabled: false, AttributeName: 'ttl' },
      }),
    );
    await h.doc.send(
      new PutCommand({
        TableName: 'itsm-ttl-off',
        Item: { pk: 'p', sk: 's', ttl: Math.floor(Date.now() / 1000) - 10 },
      }),
    );

    // Act
    await h.dynamodb.sweepExpiredItems();

    // Assess
    const item = await h.doc.send(new GetCommand({ TableName: 'itsm-ttl-off', Key: { pk: 'p', sk: 's' } }));
    expect(item.Item).toBeDefined();
  });
});
