import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../infra/local/runtime';
import { SERVICES } from '../services/index';
import { multipliedServices } from './fixtures/multiplied-services';
import { testRuntime } from './support/runtime';

/**
 * The "services multiplied" fixture the bench measures idle memory with (issue 8): fifteen
 * services whose names, and everything named after them, are valid and unique, and that the local
 * runtime starts as it starts the five.
 */
const services = multipliedServices();

describe('services multiplied fixture', () => {
  it('registers the five definitions three times under unique, valid AWS names', () => {
    // Prepare
    const functions = services.flatMap((s) => Object.keys(s.functions).map((f) => `itsm-${s.name}-${f}`));
    const rules = services.flatMap((s) => [...s.subscriptions, ...s.schedules].map((r) => `${s.name}-${r.id}`));
    const routes = services.flatMap((s) => s.routes.map((r) => `${r.method} ${r.path}`));
    const tables = services.map((s) => `itsm-${s.name}`);

    // Assess: Lambda function names 64 characters at most, rule names 64, table names 3 to 255.
    expect(services).toHaveLength(3 * SERVICES.length);
    for (const [names, pattern] of [
      [functions, /^[A-Za-z0-9_-]{1,64}$/],
      [rules, /^[A-Za-z0-9._-]{1,64}$/],
      [tables, /^[A-Za-z0-9._-]{3,255}$/],
    ] as const) {
      for (const n of names) expect(n).toMatch(pattern);
      expect(new Set(names).size).toBe(names.length);
    }
    expect(new Set(routes).size).toBe(routes.length);
    expect(new Set(services.map((s) => s.name)).size).toBe(services.length);
  });

  describe('on the local runtime', () => {
    let rt: Runtime;
    beforeAll(async () => {
      rt = await testRuntime({ services });
    }, 120_000);
    afterAll(() => rt?.close());

    it("creates every copy's table and functions", async () => {
      // Prepare
      const ddb = new DynamoDBClient({
        endpoint: rt.awsUrl,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'local' },
      });

      // Act
      const listed = await ddb.send(new ListTablesCommand({}));
      ddb.destroy();

      // Assess
      expect(listed.TableNames?.sort()).toEqual(services.map((s) => `itsm-${s.name}`).sort());
      expect(rt.functions.stats().map((f) => f.functionName)).toContain('itsm-service-desk-x3-api');
    });
  });
});
