import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually';
import type { RecordedCall } from '../aws-service';
import { AwsEndpoint } from '../endpoint';
import * as names from '../names';
import { LocalRdsData } from '../rds-data/local-rds-data';
import { type Runtime, startRuntime } from '../runtime';
import { LocalSecretsManager } from '../secrets';
import type { ProbeEvent } from './fixtures/query-store-probe';
import { queryStoreService } from './fixtures/query-store-service';

/**
 * The RDS Data API on PGlite (ADR 26), through the endpoint with the unchanged SDK: first against
 * the Data API alone (two clusters: `a`, and `p` which pauses after a second), then in the runtime
 * with a service whose functions use the SDK and Kysely.
 */
const OWNER = { username: 'postgres', password: 'owner-secret-pw' };
const READER = { username: 'rdr', password: 'reader-secret-pw' };
const A = names.clusterArn(names.clusterName('a'));
const P = names.clusterArn(names.clusterName('p'));
const ownerSecret = names.secretArn('itsm-a-db-owner');
const readerSecret = names.secretArn('itsm-a-db-reader');

describe('the Data API alone', () => {
  let endpoint: AwsEndpoint;
  let rds: LocalRdsData;
  let client: RDSDataClient;
  const calls: RecordedCall[] = [];

  /** Runs a statement on cluster `a` as the owner, retrying while the cluster resumes. */
  const exec = (input: Partial<ExecuteStatementCommandInput> & { sql: string }) =>
    resumed(() =>
      client.send(
        new ExecuteStatementCommand({ resourceArn: A, secretArn: ownerSecret, database: 'reports', ...input }),
      ),
    );
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => ({
        name: e.name,
        message: e.message,
        status: e.$metadata?.httpStatusCode,
      }),
    );

  beforeAll(async () => {
    const secrets = new LocalSecretsManager();
    secrets.ensure('itsm-a-db-owner', () => JSON.stringify(OWNER));
    secrets.ensure('itsm-a-db-reader', () => JSON.stringify(READER));
    secrets.ensure('itsm-p-db-owner', () => JSON.stringify(OWNER));
    rds = new LocalRdsData({ secrets, record: (c) => calls.push(c), transactionIdleMs: 1500 });
    rds.addCluster({ service: 'a', database: 'reports', ownerSecret: 'itsm-a-db-owner', secondsUntilAutoPause: 300 });
    rds.addCluster({ service: 'p', database: 'reports', ownerSecret: 'itsm-p-db-owner', secondsUntilAutoPause: 1 });
    endpoint = new AwsEndpoint([secrets]);
    endpoint.addRestService(rds);
    const url = await endpoint.listen(0);
    client = new RDSDataClient({
      endpoint: url,
      region: names.LOCAL_REGION,
      credentials: { accessKeyId: 'itsm-store-test-owner', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    await exec({ sql: 'SELECT 1' });
  });

  afterAll(async () => {
    client?.destroy();
    await endpoint?.close();
  });

  it('takes typed named parameters and answers Aurora-shaped fields and metadata', async () => {
    // Prepare
    await exec({
      sql: `CREATE TABLE kinds (id bigint PRIMARY KEY, ok boolean, ratio float8, amount numeric(10,2), title text,
        due date, at timestamptz, plain timestamp, doc jsonb, ref uuid, raw bytea, tags text[], counts int[], missing text)`,
    });
    // Act
    const inserted = await exec({
      sql: `INSERT INTO kinds VALUES (:id, :ok, :ratio, :amount, :title, :due, :at, :at, :doc, :ref, :raw,
        '{a,"b c"}', '{1,2}', :missing) -- :not_a_parameter ':nor_this'`,
      parameters: [
        { name: 'id', value: { longValue: 7 } },
        { name: 'ok', value: { booleanValue: true } },
        { name: 'ratio', value: { doubleValue: 0.25 } },
        { name: 'amount', value: { stringValue: '12.50' }, typeHint: 'DECIMAL' },
        { name: 'title', value: { stringValue: "it's :here" } },
        { name: 'due', value: { stringValue: '2026-12-03' }, typeHint: 'DATE' },
        { name: 'at', value: { stringValue: '2026-12-03 06:00:00.123' }, typeHint: 'TIMESTAMP' },
        { name: 'doc', value: { stringValue: '{"a":[1,2]}' }, typeHint: 'JSON' },
        { name: 'ref', value: { stringValue: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' }, typeHint: 'UUID' },
        { name: 'raw', value: { blobValue: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) } },
        { name: 'missing', value: { isNull: true } },
      ],
    });
    const out = await exec({
      sql: 'SELECT *, title::varchar AS v FROM kinds WHERE id = :id AND ref = :ref',
      parameters: [
        { name: 'id', value: { longValue: 7 } },
        { name: 'ref', value: { stringValue: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' }, typeHint: 'UUID' },
      ],
      includeResultMetadata: true,
    });
    // Assess
    expect(inserted.numberOfRecordsUpdated).toBe(1);
    expect(inserted.generatedFields).toEqual([]);
    expect(out.numberOfRecordsUpdated).toBe(0);
    expect(out.records).toEqual([
      [
        { longValue: 7 },
        { booleanValue: true },
        { doubleValue: 0.25 },
        { stringValue: '12.50' },
        { stringValue: "it's :here" },
        { stringValue: '2026-12-03' },
        { stringValue: '2026-12-03 06:00:00.123' },
        { stringValue: '2026-12-03 06:00:00.123' },
        { stringValue: '{"a": [1, 2]}' },
        { stringValue: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' },
        { blobValue: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) },
        { arrayValue: { stringValues: ['a', 'b c'] } },
        { arrayValue: { longValues: [1, 2] } },
        { isNull: true },
        { stringValue: "it's :here" },
      ],
    ]);
    expect(out.columnMetadata?.map((c) => [c.name, c.typeName, c.type])).toEqual([
      ['id', 'int8', -5],
      ['ok', 'bool', -7],
      ['ratio', 'float8', 8],
      ['amount', 'numeric', 2],
      ['title', 'text', 12],
      ['due', 'date', 91],
      ['at', 'timestamptz', 93],
      ['plain', 'timestamp', 93],
      ['doc', 'jsonb', 1111],
      ['ref', 'uuid', 1111],
      ['raw', 'bytea', -2],
      ['tags', '_text', 2003],
      ['counts', '_int4', 2003],
      ['missing', 'text', 12],
      ['v', 'varchar', 12],
    ]);
  });

  it('sends a string without a type hint as VARCHAR, which PostgreSQL will not compare with a uuid', async () => {
    // Act
    const failed = await failure(
      exec({
        sql: 'SELECT id FROM kinds WHERE ref = :ref',
        parameters: [{ name: 'ref', value: { stringValue: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' } }],
      }),
    );
    // Assess
    expect(failed).toMatchObject({ name: 'DatabaseErrorException', status: 400 });
    expect(failed?.message).toMatch(
      /^ERROR: operator does not exist: uuid = character varying[\s\S]*; SQLState: 42883$/,
    );
  });

  it('answers formatRecordsAs JSON as formattedRecords, without records or metadata', async () => {
    // Act
    const out = await exec({
      sql: 'SELECT id, ok, title, counts, missing FROM kinds',
      formatRecordsAs: 'JSON',
      includeResultMetadata: true,
    });
    // Assess
    expect(out.records).toBeUndefined();
    expect(out.columnMetadata).toBeUndefined();
    expect(JSON.parse(out.formattedRecords!)).toEqual([
      { id: 7, ok: true, title: "it's :here", counts: [1, 2], missing: null },
    ]);
  });

  it('refuses array parameters, several statements in one call, and the schema parameter', async () => {
    // Act
    const array = await failure(
      exec({ sql: 'SELECT :a', parameters: [{ name: 'a', value: { arrayValue: { longValues: [1] } } }] }),
    );
    const multi = await failure(exec({ sql: 'SELECT 1; SELECT 2' }));
    const schema = await failure(exec({ sql: 'SELECT 1', schema: 'public' }));
    const long = await failure(exec({ sql: `SELECT '${'x'.repeat(65_536)}'` }));
    // Assess
    expect(array).toMatchObject({ name: 'BadRequestException', message: 'Array parameters are not supported.' });
    expect(multi).toMatchObject({ name: 'DatabaseErrorException' });
    expect(multi?.message).toMatch(/cannot insert multiple commands into a prepared statement/);
    expect(schema).toMatchObject({ name: 'BadRequestException' });
    expect(long).toMatchObject({ name: 'BadRequestException' });
    expect(long?.message).toMatch(/Member must have length less than or equal to 65536/);
  });

  it('runs a statement as the secret’s user: the read-only user cannot write, a missing user cannot log in', async () => {
    // Prepare
    const asReader = (sql: string) =>
      failure(client.send(new ExecuteStatementCommand({ resourceArn: A, secretArn: readerSecret, sql })));
    const beforeRole = await asReader('SELECT count(*) FROM kinds');
    await exec({ sql: `CREATE ROLE rdr LOGIN PASSWORD '${READER.password}'` });
    await exec({ sql: 'GRANT SELECT ON kinds TO rdr' });
    // Act
    const write = await asReader('INSERT INTO kinds (id) VALUES (8)');
    const read = await client.send(
      new ExecuteStatementCommand({
        resourceArn: A,
        secretArn: readerSecret,
        sql: 'SELECT current_user, count(*) FROM kinds',
      }),
    );
    // Assess
    expect(beforeRole).toMatchObject({ name: 'DatabaseErrorException' });
    expect(beforeRole?.message).toMatch(/^FATAL: password authentication failed for user "rdr"; SQLState: 28P01$/);
    expect(write).toMatchObject({ name: 'DatabaseErrorException', status: 400 });
    expect(write?.message).toMatch(/^ERROR: permission denied for table kinds; SQLState: 42501$/);
    expect(read.records).toEqual([[{ stringValue: 'rdr' }, { longValue: 1 }]]);
  });

  it('fails with AWS’s errors for an unknown cluster, secret, database or transaction', async () => {
    // Act
    const cluster = await failure(
      client.send(
        new ExecuteStatementCommand({ resourceArn: names.clusterArn('nope'), secretArn: ownerSecret, sql: 'SELECT 1' }),
      ),
    );
    const secret = await failure(
      client.send(new ExecuteStatementCommand({ resourceArn: A, secretArn: names.secretArn('nope'), sql: 'SELECT 1' })),
    );
    const database = await failure(exec({ sql: 'SELECT 1', database: 'other' }));
    const transaction = await failure(exec({ sql: 'SELECT 1', transactionId: 'AQC5SRDIm1nVcA==' }));
    // Assess
    expect(cluster).toMatchObject({ name: 'HttpEndpointNotEnabledException', status: 400 });
    expect(secret).toMatchObject({ name: 'SecretsErrorException', status: 400 });
    expect(database).toMatchObject({ name: 'DatabaseErrorException' });
    expect(database?.message).toMatch(/database "other" does not exist/);
    expect(transaction).toMatchObject({
      name: 'TransactionNotFoundException',
      status: 404,
      message: 'Transaction AQC5SRDIm1nVcA== is not found',
    });
  });

  it('fails an answer over 1 MiB with the documented error, and gives one under it', async () => {
    // Act
    const under = await exec({ sql: "SELECT repeat('x', 1000000) AS big" });
    const over = await failure(exec({ sql: "SELECT repeat('x', 600000) AS big FROM generate_series(1, 2)" }));
    // Assess
    expect(under.records?.[0]?.[0]?.stringValue).toHaveLength(1_000_000);
    expect(over).toMatchObject({
      name: 'BadRequestException',
      message: 'Database returned more than the allowed response size limit',
    });
  });

  it('commits and rolls back transactions; an ended transaction, or one a failed statement aborted, is not found', async () => {
    // Prepare
    await exec({ sql: 'CREATE TABLE IF NOT EXISTS ledger (id int PRIMARY KEY)' });
    const begin = () =>
      resumed(() => client.send(new BeginTransactionCommand({ resourceArn: A, secretArn: ownerSecret })));
    // Act
    const kept = (await begin()).transactionId!;
    await exec({ sql: 'INSERT INTO ledger VALUES (1)', transactionId: kept });
    const committed = await client.send(
      new CommitTransactionCommand({ resourceArn: A, secretArn: ownerSecret, transactionId: kept }),
    );
    const dropped = (await begin()).transactionId!;
    await exec({ sql: 'INSERT INTO ledger VALUES (2)', transactionId: dropped });
    const rolledBack = await client.send(
      new RollbackTransactionCommand({ resourceArn: A, secretArn: ownerSecret, transactionId: dropped }),
    );
    const again = await failure(
      client.send(new CommitTransactionCommand({ resourceArn: A, secretArn: ownerSecret, transactionId: kept })),
    );
    const aborted = (await begin()).transactionId!;
    const duplicate = await failure(exec({ sql: 'INSERT INTO ledger VALUES (1)', transactionId: aborted }));
    const afterError = await failure(
      client.send(new RollbackTransactionCommand({ resourceArn: A, secretArn: ownerSecret, transactionId: aborted })),
    );
    const rows = await exec({ sql: 'SELECT id FROM ledger ORDER BY id' });
    // Assess
    expect(duplicate).toMatchObject({ name: 'DatabaseErrorException' });
    expect(duplicate?.message).toMatch(/duplicate key value violates unique constraint[\s\S]*; SQLState: 23505$/);
    expect(afterError).toMatchObject({ name: 'TransactionNotFoundException' });
    expect(afterError?.message).toMatch(
      /is not found: Transaction has been aborted due to an error from a previous call$/,
    );
    expect(committed.transactionStatus).toBe('Transaction Committed');
    expect(rolledBack.transactionStatus).toBe('Rollback Complete');
    expect(again).toMatchObject({ name: 'TransactionNotFoundException', status: 404 });
    expect(again?.message).toMatch(new RegExp(`^Transaction ${literally(kept)} is not found`));
    expect(rows.records).toEqual([[{ longValue: 1 }]]);
  });

  it('makes other statements wait for an open transaction, and refuses a second call in it while one runs', async () => {
    // Prepare
    await exec({ sql: 'CREATE TABLE IF NOT EXISTS ledger (id int PRIMARY KEY)' });
    const tx = (await client.send(new BeginTransactionCommand({ resourceArn: A, secretArn: ownerSecret })))
      .transactionId!;
    await exec({ sql: 'INSERT INTO ledger VALUES (10)', transactionId: tx });
    // Act: a statement outside the transaction is sent while it is open
    const outside = exec({ sql: 'SELECT count(*) FROM ledger WHERE id = 10' });
    const both = await Promise.all([
      failure(exec({ sql: 'SELECT pg_sleep(0.3)', transactionId: tx })),
      failure(exec({ sql: 'SELECT pg_sleep(0.3)', transactionId: tx })),
    ]);
    await client.send(new RollbackTransactionCommand({ resourceArn: A, secretArn: ownerSecret, transactionId: tx }));
    // Assess: it ran after the rollback (inside the transaction it would have seen the row); one of
    // the two concurrent calls was refused
    expect((await outside).records).toEqual([[{ longValue: 0 }]]);
    expect(both.filter((f) => f === undefined)).toHaveLength(1);
    expect(both.find((f) => f !== undefined)).toMatchObject({
      name: 'DatabaseErrorException',
      message: 'Transaction is still running a query',
    });
  });

  it('rolls back a transaction left unused past its timeout', async () => {
    // Prepare
    await exec({ sql: 'CREATE TABLE IF NOT EXISTS ledger (id int PRIMARY KEY)' });
    const tx = (await client.send(new BeginTransactionCommand({ resourceArn: A, secretArn: ownerSecret })))
      .transactionId!;
    await exec({ sql: 'INSERT INTO ledger VALUES (20)', transactionId: tx });
    // Act: a statement outside it waits for the session, which the timeout frees (polling the
    // transaction would keep it alive)
    const rows = await exec({ sql: 'SELECT count(*) FROM ledger WHERE id = 20' });
    const expired = await failure(
      client.send(new CommitTransactionCommand({ resourceArn: A, secretArn: ownerSecret, transactionId: tx })),
    );
    // Assess
    expect(rows.records).toEqual([[{ longValue: 0 }]]);
    expect(expired).toMatchObject({ name: 'TransactionNotFoundException' });
    expect(expired?.message).toMatch(/is not found: Transaction may be expired$/);
  });

  it('runs a batch once per parameter set, in its own transaction', async () => {
    // Prepare
    await exec({ sql: 'CREATE TABLE IF NOT EXISTS ledger (id int PRIMARY KEY)' });
    // Act
    const out = await resumed(() =>
      client.send(
        new BatchExecuteStatementCommand({
          resourceArn: A,
          secretArn: ownerSecret,
          sql: 'INSERT INTO ledger VALUES (:id)',
          parameterSets: [30, 31, 32].map((id) => [{ name: 'id', value: { longValue: id } }]),
        }),
      ),
    );
    const failed = await failure(
      client.send(
        new BatchExecuteStatementCommand({
          resourceArn: A,
          secretArn: ownerSecret,
          sql: 'INSERT INTO ledger VALUES (:id)',
          parameterSets: [40, 30].map((id) => [{ name: 'id', value: { longValue: id } }]),
        }),
      ),
    );
    const rows = await exec({ sql: 'SELECT id FROM ledger WHERE id >= 30 ORDER BY id' });
    // Assess
    expect(out.updateResults).toEqual([{ generatedFields: [] }, { generatedFields: [] }, { generatedFields: [] }]);
    expect(failed).toMatchObject({ name: 'DatabaseErrorException' });
    expect(rows.records).toEqual([[{ longValue: 30 }], [{ longValue: 31 }], [{ longValue: 32 }]]);
  });

  it('starts paused, answers DatabaseResumingException until resumed, and pauses again when idle, keeping its data', async () => {
    // Prepare
    const onP = (sql: string) =>
      client.send(new ExecuteStatementCommand({ resourceArn: P, secretArn: names.secretArn('itsm-p-db-owner'), sql }));
    // Act
    const first = await failure(onP('SELECT 1'));
    await eventually(() => onP('CREATE TABLE kept (n int)'), 30_000, 'the cluster to resume');
    await onP('INSERT INTO kept VALUES (42)');
    await eventually(() => rds.cluster(P)?.state === 'paused', 10_000, 'the cluster to pause');
    const afterPause = await failure(onP('SELECT n FROM kept'));
    const kept = await eventually(() => onP('SELECT n FROM kept'), 30_000, 'the cluster to resume again');
    // Assess
    expect(first).toMatchObject({ name: 'DatabaseResumingException', status: 400 });
    expect(first?.message).toMatch(/is resuming after being auto-paused\. Please wait a few seconds and try again\.$/);
    expect(afterPause).toMatchObject({ name: 'DatabaseResumingException' });
    expect(kept.records).toEqual([[{ longValue: 42 }]]);
    expect(rds.stats()['itsm-p']).toMatchObject({ state: 'available', resumes: 2, calls: 3 });
  });

  it('records the Data API action and the secret read as the caller’s', () => {
    // Assess
    expect(calls).toContainEqual({ caller: 'itsm-store-test-owner', action: 'rds-data:ExecuteStatement', resource: A });
    expect(calls).toContainEqual({ caller: 'itsm-store-test-owner', action: 'rds-data:BeginTransaction', resource: A });
    expect(calls).toContainEqual({
      caller: 'itsm-store-test-owner',
      action: 'secretsmanager:GetSecretValue',
      resource: ownerSecret,
    });
  });
});

describe('the query store in the runtime', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'itsm-rds-'));
  const options = {
    dataDir,
    awsPort: 0,
    apiPort: 0,
    waitScale: 0,
    schedules: false,
    retryBaseDelayMs: 5,
    services: [queryStoreService],
  };
  let rt: Runtime | undefined;
  const invoke = (fn: 'owner' | 'reader', event: ProbeEvent) =>
    rt!.functions.invoke(names.functionName('store-test', fn), event) as Promise<Record<string, unknown>>;

  beforeAll(async () => {
    process.env.ITSM_LOG_LEVEL ??= 'ERROR';
    rt = await startRuntime(options);
  });
  afterAll(async () => {
    await rt?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves functions with the SDK and Kysely: a committed transaction stays, a failed one is rolled back', async () => {
    // Act
    const first = await invoke('owner', {
      op: 'kysely',
      rows: [
        { id: 1, title: 'one' },
        { id: 2, title: 'two' },
      ],
    });
    const second = await invoke('owner', { op: 'kysely', rows: [{ id: 3, title: 'three' }], fail: true });
    // Assess
    expect(first).toEqual({
      notes: [
        { id: 1, title: 'one' },
        { id: 2, title: 'two' },
      ],
    });
    expect(second).toEqual(first);
    expect(rt!.metrics().rdsData['itsm-store-test']).toMatchObject({ state: 'available', resumes: 1 });
    const owner = names.functionName('store-test', 'owner');
    const cluster = names.clusterArn(names.clusterName('store-test'));
    expect(rt!.recordedCalls()).toContainEqual(
      expect.objectContaining({ caller: owner, action: 'rds-data:ExecuteStatement', resource: cluster }),
    );
    expect(rt!.recordedCalls()).toContainEqual(
      expect.objectContaining({
        caller: owner,
        action: 'secretsmanager:GetSecretValue',
        resource: names.secretArn(names.databaseSecret('store-test', 'owner')),
      }),
    );
  });

  it('gives the reader function the read-only user, whose writes PostgreSQL refuses', async () => {
    // Prepare: what the migrations do, with the password from the reader's secret
    const secret = JSON.parse(rt!.secrets.value(names.databaseSecret('store-test', 'reader'))!) as {
      username: string;
      password: string;
    };
    await invoke('owner', { op: 'sql', sql: `CREATE ROLE ${secret.username} LOGIN PASSWORD '${secret.password}'` });
    await invoke('owner', { op: 'sql', sql: `GRANT SELECT ON notes TO ${secret.username}` });
    // Act
    const read = await invoke('reader', { op: 'sql', sql: 'SELECT count(*) FROM notes' });
    const write = await invoke('reader', { op: 'sql', sql: "INSERT INTO notes VALUES (9, 'nine')" });
    // Assess
    expect(secret.username).toBe('report_reader');
    expect(read.records).toEqual([[{ longValue: 2 }]]);
    expect(write).toMatchObject({ error: { name: 'DatabaseErrorException' } });
    expect((write.error as { message: string }).message).toMatch(/permission denied for table notes/);
  });

  it('keeps the data and the users’ secrets across a restart in data mode', async () => {
    // Prepare
    const secretFile = join(dataDir, 'secrets', `${names.databaseSecret('store-test', 'owner')}.json`);
    const ownerSecretBefore = rt!.secrets.value(names.databaseSecret('store-test', 'owner'));
    await rt!.close();
    rt = undefined;
    // Act
    rt = await startRuntime(options);
    const read = await invoke('reader', { op: 'sql', sql: 'SELECT title FROM notes ORDER BY id' });
    // Assess
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(rt.secrets.value(names.databaseSecret('store-test', 'owner'))).toBe(ownerSecretBefore);
    expect(read.records).toEqual([[{ stringValue: 'one' }], [{ stringValue: 'two' }]]);
  });
});

/** Retries while the cluster resumes, as callers of the Data API must. */
async function resumed<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if ((err as Error).name !== 'DatabaseResumingException' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function literally(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
