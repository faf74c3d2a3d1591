import { randomBytes } from 'node:crypto';
import { AwsError, type CallContext, type RecordedCall, type RestJsonService } from '../aws-service';
import * as names from '../names';
import type { LocalSecretsManager } from '../secrets';
import { type Auth, Cluster, type Params, PostgresError, type Rows } from './cluster';
import { columnMetadata, type Field, fieldValue, jsonValue, parameters, type ResultOptions } from './values';

/**
 * The RDS Data API for the local runtime (restJson, SigV4 service `rds-data`): `POST /Execute`,
 * `/BatchExecute`, `/BeginTransaction`, `/CommitTransaction`, `/RollbackTransaction`, answered by
 * one PGlite per cluster (cluster.ts, ADR 26). Like the real API it reads the caller's secret
 * (recorded as the caller's `secretsmanager:GetSecretValue`, which it needs on AWS), logs in as
 * the secret's user, and enforces the API's limits: 1 MiB responses, 64 KiB SQL, 4 MiB requests,
 * transactions rolled back after 3 minutes unused (24 hours at most).
 * Sources: the Data API reference and the Aurora User Guide's "Limitations for the Amazon RDS
 * Data API" and "Troubleshooting Amazon RDS Data API" pages.
 */
export const RESPONSE_LIMIT_BYTES = 1024 * 1024;
export const REQUEST_LIMIT_BYTES = 4 * 1024 * 1024;
export const SQL_MAX_LENGTH = 65_536;
/** A transaction no call used for three minutes is rolled back (BeginTransaction's documentation). */
export const TRANSACTION_IDLE_MS = 3 * 60_000;
const TRANSACTION_MAX_MS = 24 * 3_600_000;
/** A Data API call not finished in 45 s times out (Aurora User Guide, "Controlling Data API timeout behavior"). */
const CALL_TIMEOUT_MS = 45_000;

interface Transaction {
  id: string;
  cluster: Cluster;
  secretArn: string;
  release: () => void;
  busy: boolean;
  idle?: NodeJS.Timeout;
  max: NodeJS.Timeout;
}

export interface ClusterSpec {
  /** The service owning it: the cluster is `names.clusterName(service)`. */
  service: string;
  database: string;
  /** Secret (name) holding the owner's `{"username":"postgres","password":…}`. */
  ownerSecret: string;
  /** Seconds without a statement before it pauses. */
  secondsUntilAutoPause: number;
  /** Its folder (data mode); undefined keeps it in memory. */
  dataDir?: string;
}

export class LocalRdsData implements RestJsonService {
  readonly signingName = 'rds-data';
  private readonly clusters = new Map<string, Cluster>();
  private readonly transactions = new Map<string, Transaction>();
  /** Why recently ended transactions ended: the Data API appends the cause to "is not found". */
  private readonly ended = new Map<string, string>();

  constructor(
    private readonly options: {
      secrets: LocalSecretsManager;
      record?: (call: RecordedCall) => void;
      /** Overrides every cluster's pause delay (tests). */
      pauseSeconds?: number;
      /** Overrides the 3 minutes after which an unused transaction is rolled back (tests). */
      transactionIdleMs?: number;
    },
  ) {}

  addCluster(spec: ClusterSpec): Cluster {
    const name = names.clusterName(spec.service);
    const arn = names.clusterArn(name);
    const cluster = new Cluster({
      name,
      arn,
      database: spec.database,
      ...(spec.dataDir ? { dataDir: spec.dataDir } : {}),
      pauseAfterMs: 1000 * (this.options.pauseSeconds ?? spec.secondsUntilAutoPause),
      ownerPassword: () => {
        const secret = JSON.parse(this.options.secrets.value(spec.ownerSecret) ?? '{}') as { password?: string };
        if (!secret.password) throw new Error(`owner secret ${spec.ownerSecret} has no password`);
        return secret.password;
      },
    });
    this.clusters.set(arn, cluster);
    return cluster;
  }

  /** Per cluster name: its state, resumes, calls that reached PostgreSQL and time running. */
  stats() {
    return Object.fromEntries([...this.clusters.values()].map((c) => [c.options.name, c.stats()]));
  }

  cluster(arn: string): Cluster | undefined {
    return this.clusters.get(arn);
  }

  async handleRest(method: string, path: string, body: string, ctx: CallContext): Promise<unknown> {
    const action = ACTIONS[path];
    if (method !== 'POST' || !action)
      throw new AwsError('UnknownOperationException', `Unknown operation ${method} ${path}`, 404);
    if (Buffer.byteLength(body) > REQUEST_LIMIT_BYTES) {
      throw new AwsError('BadRequestException', 'Request size exceeded the maximum allowed size of 4 MiB');
    }
    let input: Record<string, unknown>;
    try {
      input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      throw new AwsError('BadRequestException', 'Request body is not valid JSON');
    }
    const resourceArn = requiredString(input, 'resourceArn');
    const secretArn = requiredString(input, 'secretArn');
    this.options.record?.({ caller: ctx.caller, action: `rds-data:${action}`, resource: resourceArn });
    const cluster = this.clusters.get(resourceArn);
    if (!cluster) {
      // What the Data API answers for an ARN that names no cluster with the Data API enabled.
      throw new AwsError(
        'HttpEndpointNotEnabledException',
        `HttpEndpoint is not enabled for resource ${resourceArn}. Please refer to https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.html#data-api.troubleshooting`,
      );
    }
    switch (action) {
      case 'ExecuteStatement':
        return this.execute(cluster, secretArn, input, ctx);
      case 'BatchExecuteStatement':
        return this.batch(cluster, secretArn, input, ctx);
      case 'BeginTransaction':
        return this.begin(cluster, secretArn, input, ctx);
      case 'CommitTransaction':
        return this.end(cluster, requiredString(input, 'transactionId'), true);
      case 'RollbackTransaction':
        return this.end(cluster, requiredString(input, 'transactionId'), false);
    }
  }

  /**
   * The user a call runs as: the Data API reads the secret with the caller's own permission
   * (`secretsmanager:GetSecretValue`, recorded as the caller's), then logs in with it.
   */
  private auth(secretArn: string, ctx: CallContext): Auth {
    const name = secretArn.startsWith('arn:')
      ? secretArn.slice(secretArn.indexOf(':secret:') + ':secret:'.length)
      : secretArn;
    this.options.record?.({
      caller: ctx.caller,
      action: 'secretsmanager:GetSecretValue',
      resource: names.secretArn(name),
    });
    const value = this.options.secrets.value(name);
    if (value === undefined) {
      throw new AwsError('SecretsErrorException', "Secrets Manager can't find the specified secret.");
    }
    let secret: { username?: unknown; password?: unknown };
    try {
      secret = JSON.parse(value) as typeof secret;
    } catch {
      throw new AwsError('InvalidSecretException', 'The secret is not a JSON object with username and password.');
    }
    if (typeof secret.username !== 'string' || typeof secret.password !== 'string') {
      throw new AwsError('InvalidSecretException', 'The secret is not a JSON object with username and password.');
    }
    return { user: secret.username, password: secret.password };
  }

  /** The checks every statement-running call makes before reaching the database. */
  private prepare(cluster: Cluster, input: Record<string, unknown>): void {
    if (input.schema !== undefined && input.schema !== '') {
      // Aurora PostgreSQL: "Schema parameter isn't supported" (Data API troubleshooting).
      throw new AwsError('BadRequestException', 'The schema parameter is not supported for Aurora PostgreSQL.');
    }
    if (input.database !== undefined && input.database !== cluster.options.database) {
      throw databaseError({
        message: `database "${String(input.database)}" does not exist`,
        code: '3D000',
        severity: 'FATAL',
      });
    }
    cluster.ensureAvailable();
  }

  private async execute(cluster: Cluster, secretArn: string, input: Record<string, unknown>, ctx: CallContext) {
    const sql = sqlOf(input);
    const auth = this.auth(secretArn, ctx);
    const tx = this.transactionOf(cluster, input.transactionId);
    this.prepare(cluster, input);
    const { text, params } = parameters(sql, input.parameters);
    const options = resultOptions(input);
    const rows = await this.run(cluster, tx, auth, (a) =>
      cluster.call<Rows>('statement', { ...(a ? { auth: a } : {}), sql: text, ...params }),
    );
    return limited(shapeResult(rows, options));
  }

  private async batch(cluster: Cluster, secretArn: string, input: Record<string, unknown>, ctx: CallContext) {
    const sql = sqlOf(input);
    const auth = this.auth(secretArn, ctx);
    const tx = this.transactionOf(cluster, input.transactionId);
    this.prepare(cluster, input);
    const sets = Array.isArray(input.parameterSets) && input.parameterSets.length ? input.parameterSets : [[]];
    let text = sql;
    const converted: Params[] = sets.map((set) => {
      const p = parameters(sql, set);
      text = p.text;
      return p.params;
    });
    const results = await this.run(cluster, tx, auth, (a) =>
      cluster.call<Rows[]>('batch', { ...(a ? { auth: a } : {}), sql: text, sets: converted }),
    );
    // PostgreSQL gives no generated fields: values come back with RETURNING (ExecuteStatement's documentation).
    return limited({ updateResults: results.map(() => ({ generatedFields: [] })) });
  }

  /**
   * Runs `work` in the transaction (which holds the session; a failed statement ends it, as on
   * the Data API) or, outside one, as the secret's user once the session is free.
   */
  private async run<T>(
    cluster: Cluster,
    tx: Transaction | undefined,
    auth: Auth,
    work: (auth: Auth | undefined) => Promise<T>,
  ): Promise<T> {
    if (tx) {
      if (tx.busy) throw databaseError({ message: 'Transaction is still running a query', code: '' }, false);
      tx.busy = true;
      clearTimeout(tx.idle);
      try {
        return await work(undefined);
      } catch (err) {
        if (err instanceof PostgresError)
          await this.finish(tx, false, 'Transaction has been aborted due to an error from a previous call');
        throw mapError(err);
      } finally {
        tx.busy = false;
        if (this.transactions.has(tx.id)) this.armIdle(tx);
      }
    }
    const release = await cluster.acquire(CALL_TIMEOUT_MS);
    try {
      return await work(auth);
    } catch (err) {
      throw mapError(err);
    } finally {
      release();
    }
  }

  private async begin(cluster: Cluster, secretArn: string, input: Record<string, unknown>, ctx: CallContext) {
    const auth = this.auth(secretArn, ctx);
    this.prepare(cluster, input);
    const release = await cluster.acquire(CALL_TIMEOUT_MS);
    try {
      await cluster.call('begin', { auth });
    } catch (err) {
      release();
      throw mapError(err);
    }
    const id = randomBytes(96).toString('base64');
    cluster.openTransactions++;
    const tx: Transaction = {
      id,
      cluster,
      secretArn,
      release,
      busy: false,
      max: setTimeout(
        () => void this.finish(tx, false, 'Transaction exceeded the maximum duration of 24 hours'),
        TRANSACTION_MAX_MS,
      ),
    };
    tx.max.unref();
    this.transactions.set(id, tx);
    this.armIdle(tx);
    return { transactionId: id };
  }

  private async end(cluster: Cluster, id: string, commit: boolean) {
    const tx = this.transactionOf(cluster, id)!;
    if (tx.busy) throw databaseError({ message: 'Transaction is still running a query', code: '' }, false);
    tx.busy = true;
    try {
      await this.finish(tx, commit, commit ? 'Transaction was committed' : 'Transaction was rolled back');
    } catch (err) {
      throw mapError(err);
    }
    return { transactionStatus: commit ? 'Transaction Committed' : 'Rollback Complete' };
  }

  /** Ends a transaction in PostgreSQL and frees the session; later calls naming it find none. */
  private async finish(tx: Transaction, commit: boolean, why: string): Promise<void> {
    if (!this.transactions.has(tx.id)) return;
    this.transactions.delete(tx.id);
    this.ended.set(tx.id, why);
    if (this.ended.size > 1000) this.ended.delete(this.ended.keys().next().value!);
    clearTimeout(tx.idle);
    clearTimeout(tx.max);
    try {
      if (tx.cluster.state === 'available') await tx.cluster.call('end', { commit });
    } finally {
      tx.cluster.openTransactions--;
      tx.release();
    }
  }

  private armIdle(tx: Transaction): void {
    clearTimeout(tx.idle);
    tx.idle = setTimeout(
      () => void this.finish(tx, false, 'Transaction may be expired').catch(() => undefined),
      this.options.transactionIdleMs ?? TRANSACTION_IDLE_MS,
    );
    tx.idle.unref();
  }

  private transactionOf(cluster: Cluster, id: unknown): Transaction | undefined {
    if (id === undefined || id === '') return undefined;
    const tx = this.transactions.get(String(id));
    if (!tx || tx.cluster !== cluster) {
      const why = this.ended.get(String(id));
      throw new AwsError(
        'TransactionNotFoundException',
        `Transaction ${String(id)} is not found${why ? `: ${why}` : ''}`,
        404,
      );
    }
    return tx;
  }

  async close(): Promise<void> {
    for (const tx of [...this.transactions.values()])
      await this.finish(tx, false, 'The cluster stopped').catch(() => undefined);
    for (const c of this.clusters.values()) await c.close();
  }
}

const ACTIONS: Record<string, string> = {
  '/Execute': 'ExecuteStatement',
  '/BatchExecute': 'BatchExecuteStatement',
  '/BeginTransaction': 'BeginTransaction',
  '/CommitTransaction': 'CommitTransaction',
  '/RollbackTransaction': 'RollbackTransaction',
};

function requiredString(input: Record<string, unknown>, key: string): string {
  const v = input[key];
  if (typeof v !== 'string' || v === '') {
    throw new AwsError(
      'BadRequestException',
      `1 validation error detected: Value at '${key}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

function sqlOf(input: Record<string, unknown>): string {
  const sql = requiredString(input, 'sql');
  if (sql.length > SQL_MAX_LENGTH) {
    throw new AwsError(
      'BadRequestException',
      `1 validation error detected: Value at 'sql' failed to satisfy constraint: Member must have length less than or equal to ${SQL_MAX_LENGTH}`,
    );
  }
  return sql;
}

function resultOptions(input: Record<string, unknown>): ResultOptions {
  const rso = (input.resultSetOptions ?? {}) as { decimalReturnType?: string; longReturnType?: string };
  return {
    includeMetadata: input.includeResultMetadata === true,
    json: input.formatRecordsAs === 'JSON',
    decimalAsDouble: rso.decimalReturnType === 'DOUBLE_OR_LONG',
    longAsString: rso.longReturnType === 'STRING',
  };
}

/** ExecuteStatement's answer from PostgreSQL's rows. */
function shapeResult(rows: Rows, options: ResultOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { numberOfRecordsUpdated: rows.fields.length ? 0 : rows.affectedRows };
  if (!rows.fields.length) return { ...out, generatedFields: [] };
  if (rows.affectedRows && rows.fields.length) out.numberOfRecordsUpdated = rows.affectedRows;
  if (options.json) {
    // With formatRecordsAs JSON, records and columnMetadata are left out (ExecuteStatementResponse).
    const objects = rows.rows.map((row) =>
      Object.fromEntries(row.map((v, i) => [rows.fields[i]!.name, jsonValue(v, rows.fields[i] as Field, options)])),
    );
    return { ...out, formattedRecords: JSON.stringify(objects) };
  }
  out.records = rows.rows.map((row) => row.map((v, i) => fieldValue(v, rows.fields[i] as Field, options)));
  if (options.includeMetadata) out.columnMetadata = rows.fields.map((f) => columnMetadata(f as Field));
  return out;
}

/** The Data API's 1 MiB response limit ("Limitations for the Amazon RDS Data API"). */
function limited<T>(answer: T): T {
  if (Buffer.byteLength(JSON.stringify(answer)) > RESPONSE_LIMIT_BYTES) {
    throw new AwsError('BadRequestException', 'Database returned more than the allowed response size limit');
  }
  return answer;
}

/**
 * A SQL error as the Data API reports it: `DatabaseErrorException` (the non-deprecated type;
 * `BadRequestException` "is deprecated" for it) with PostgreSQL's message and SQLSTATE, in the
 * form the JDBC driver behind the API prints them.
 */
function databaseError(pg: { message: string; code?: string; severity?: string; position?: string }, sqlState = true) {
  const position = pg.position ? `\n  Position: ${pg.position}` : '';
  const message = sqlState ? `${pg.severity ?? 'ERROR'}: ${pg.message}${position}; SQLState: ${pg.code}` : pg.message;
  return new AwsError('DatabaseErrorException', message);
}

function mapError(err: unknown): Error {
  if (err instanceof PostgresError) return databaseError(err.pg);
  return err as Error;
}
