import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import * as names from '../infra/local/names';
import { startRuntime } from '../infra/local/runtime';
import { configuration } from '../services/configuration/service';
import { outboxItem } from '../shared/kit/store/publication';
import { client } from './support/runtime';

/** `npm start` keeps its data in a folder: a restart finds everything where it was. */
const dir = mkdtempSync(join(tmpdir(), 'itsm-persist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A restart keeps the AWS endpoint's port, as `npm start` does: a token's issuer is its URL (ADR 29). */
const boot = (awsPort = 0) => startRuntime({ dataDir: dir, awsPort, apiPort: 0, waitScale: 0, schedules: false });
const portOf = (url: string) => Number(new URL(url).port);

describe('a kept data folder', () => {
  it('survives a restart: records, numbers, tokens and the flows are all still there', async () => {
    const first = await boot();
    const token = await first.token({ user: 'conrad', roles: ['configuration-manager'] });
    let api = client(first, token);
    await api.post('/v1/ci-types', { typeId: 'app', name: 'App', attributes: [] });
    const ci = (await api.post<{ ciId: string; number: string }>('/v1/cis', { typeId: 'app', name: 'kept' })).body;
    await first.close();

    const second = await boot(portOf(first.awsUrl));
    try {
      // The signing key is kept too, so the old token is still good.
      api = client(second, token);
      const again = await api.get<{ name: string }>(`/v1/cis/${ci.number}`);
      expect(again.status).toBe(200);
      expect(again.body.name).toBe('kept');
      const next = await api.post<{ number: string }>('/v1/cis', { typeId: 'app', name: 'after restart' });
      expect(Number(next.body.number.slice(3))).toBe(Number(ci.number.slice(3)) + 1);
    } finally {
      await second.close();
    }
  });
});

describe('a data folder made by an older version', () => {
  it('gets the indexes a service added since, with every item in them', async () => {
    const old = mkdtempSync(join(tmpdir(), 'itsm-upgrade-'));
    try {
      // The configuration service as an older version might have had it: no type index yet.
      const before = { ...configuration, table: { ...configuration.table, indexes: [{ name: 'gsi1' }] } };
      const first = await startRuntime({ dataDir: old, awsPort: 0, apiPort: 0, schedules: false, services: [before] });
      const token = await first.token({ user: 'conrad', roles: ['configuration-manager'] });
      let api = client(first, token);
      await api.post('/v1/ci-types', { typeId: 'app', name: 'App', attributes: [] });
      await api.post('/v1/cis', { typeId: 'app', name: 'made before the upgrade' });
      await first.close();

      const second = await startRuntime({
        dataDir: old,
        awsPort: portOf(first.awsUrl),
        apiPort: 0,
        schedules: false,
        services: [configuration],
      });
      try {
        api = client(second, token);
        const byType = await api.get<{ items: Array<{ name: string }> }>('/v1/cis?typeId=app');
        expect(byType.status).toBe(200);
        expect(byType.body.items.map((c) => c.name)).toEqual(['made before the upgrade']);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });

  it('publishes the outbox items the previous version left, and deletes them, when it starts (ADR 23)', async () => {
    const old = mkdtempSync(join(tmpdir(), 'itsm-outbox-'));
    try {
      // Prepare: the configuration service before ADR 23 (no stream, no relay mapping, no deploy
      // hook), whose requests died between commit and publish, leaving two outbox items.
      const { streamConsumers: _s, onDeploy: _d, ...rest } = configuration;
      const before = { ...rest, table: { ...configuration.table, stream: undefined } };
      const first = await startRuntime({ dataDir: old, awsPort: 0, apiPort: 0, schedules: false, services: [before] });
      const db = DynamoDBDocumentClient.from(
        new DynamoDBClient({
          endpoint: first.awsUrl,
          region: names.LOCAL_REGION,
          credentials: { accessKeyId: 'test-old-version', secretAccessKey: 'x' },
        }),
      );
      const left = ['old-1', 'old-2'].map((name) => {
        const eventId = ulid();
        return outboxItem({
          eventId,
          source: 'itsm.configuration',
          detailType: 'CiRegistered',
          detail: { metadata: { eventId }, data: { name } } as never,
        });
      });
      for (const Item of left) await db.send(new PutCommand({ TableName: names.tableName('configuration'), Item }));
      db.destroy();
      await first.close();

      // Act: the new version starts on the kept folder.
      const second = await startRuntime({
        dataDir: old,
        awsPort: 0,
        apiPort: 0,
        schedules: false,
        services: [configuration],
      });
      try {
        // Assess: both published by the deploy hook, and gone from the table.
        await second.deployHooks;
        const published = second.bus
          .published()
          .map((e) => (e.detail as { data?: { name?: string } }).data?.name)
          .filter((n) => n?.startsWith('old-'));
        expect(published.sort()).toEqual(['old-1', 'old-2']);
        const check = DynamoDBDocumentClient.from(
          new DynamoDBClient({
            endpoint: second.awsUrl,
            region: names.LOCAL_REGION,
            credentials: { accessKeyId: 'test-reader', secretAccessKey: 'x' },
          }),
        );
        for (const { pk, sk } of left) {
          const got = await check.send(
            new GetCommand({ TableName: names.tableName('configuration'), Key: { pk, sk } }),
          );
          expect(got.Item).toBeUndefined();
        }
        check.destroy();
      } finally {
        await second.close();
      }
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });
});
