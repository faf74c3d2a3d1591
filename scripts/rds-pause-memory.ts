/**
 * What pausing a local query store gives back (ADR 26): the process's resident memory before a
 * cluster resumes, once it has run some statements, and after it paused (its worker ended).
 * `npx tsx scripts/rds-pause-memory.ts [memory|data]`. Not a test: it prints figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { AwsEndpoint } from '../infra/local/endpoint';
import * as names from '../infra/local/names';
import { LocalRdsData } from '../infra/local/rds-data/local-rds-data';
import { LocalSecretsManager } from '../infra/local/secrets';

const mode = process.argv[2] === 'data' ? 'data' : 'memory';
const dir = mode === 'data' ? mkdtempSync(join(tmpdir(), 'itsm-rds-mem-')) : undefined;
const mb = () => Math.round(process.memoryUsage().rss / 1048576);
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 500));
  }
};

const secrets = new LocalSecretsManager();
secrets.ensure('itsm-m-db-owner', () => JSON.stringify({ username: 'postgres', password: 'pw' }));
const rds = new LocalRdsData({ secrets });
const cluster = rds.addCluster({
  service: 'm',
  database: 'reports',
  ownerSecret: 'itsm-m-db-owner',
  secondsUntilAutoPause: 300,
  ...(dir ? { dataDir: join(dir, 'rds', 'itsm-m') } : {}),
});
const endpoint = new AwsEndpoint([secrets]);
endpoint.addRestService(rds);
const client = new RDSDataClient({
  endpoint: await endpoint.listen(0),
  region: names.LOCAL_REGION,
  credentials: { accessKeyId: 'measure', secretAccessKey: 'local' },
});
const run = async (sql: string) => {
  for (;;) {
    try {
      return await client.send(
        new ExecuteStatementCommand({ resourceArn: cluster.options.arn, secretArn: 'itsm-m-db-owner', sql }),
      );
    } catch (err) {
      if ((err as Error).name !== 'DatabaseResumingException') throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
};

await settle();
const before = mb();
await run('CREATE TABLE facts (id int PRIMARY KEY, body text)');
await run("INSERT INTO facts SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
await run('SELECT count(*), sum(length(body)) FROM facts');
await settle();
const running = mb();
await cluster.pause();
await settle();
const paused = mb();
console.log(JSON.stringify({ mode, rssMb: { before, running, paused }, givenBackMb: running - paused }));
client.destroy();
await endpoint.close();
if (dir) rmSync(dir, { recursive: true, force: true });
