/**
 * The service definition: the single source of truth that both interpreters read.
 * `infra/aws` turns it into CDK constructs; `infra/local` turns it into local wiring.
 * It is plain data (plus zod schemas for the API document), so it can be imported by
 * CDK code, the local runtime and tests alike. It never imports handler code: functions
 * are named by their entry file.
 *
 * @example
 * export const configuration = defineService({
 *   name: 'configuration', fitsm: 'PR11', title: 'Configuration management',
 *   table: { indexes: [{ name: 'gsi1' }], timeToLiveAttribute: 'expiresAt' },
 *   functions: { api: { entry: fileURLToPath(new URL('./handlers/api.ts', import.meta.url)), access: { table: 'write', publish: true } } },
 *   routes: [{ method: 'GET', path: '/v1/cis/{id}', function: 'api', roles: READERS, summary: 'Get a CI' }],
 *   ...
 * });
 */
import type { Role } from './roles';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Minimal structural type for the zod (or zod/mini) schemas used in routes; keeps this file free of zod. */
export interface SchemaLike {
  readonly _zod: unknown;
}

export interface IndexSpec {
  /** Index name; its key attributes are `<name>pk` (string) and `<name>sk` (string). */
  name: string;
  /**
   * What the index copies of each item besides the keys: everything (default), only the keys
   * (`'keys-only'`), or the listed attributes. A smaller projection makes each index entry cheaper,
   * and an update that changes no projected attribute does not write the index at all.
   */
  projection?: 'keys-only' | readonly string[];
}

/** The index projection as DynamoDB's CreateTable takes it. */
export function indexProjection(ix: IndexSpec): {
  ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  NonKeyAttributes?: string[];
} {
  if (ix.projection === undefined) return { ProjectionType: 'ALL' };
  if (ix.projection === 'keys-only') return { ProjectionType: 'KEYS_ONLY' };
  return { ProjectionType: 'INCLUDE', NonKeyAttributes: [...ix.projection] };
}

export interface TableSpec {
  /** Global secondary indexes. The base table key is always `pk` (string) + `sk` (string). */
  indexes: IndexSpec[];
  /** Attribute holding an epoch-seconds expiry (inbox markers, tokens). */
  timeToLiveAttribute?: string;
  /**
   * The table's DynamoDB stream and what each record carries; set when a `streamConsumers` entry
   * reads it (the event relay, ADR 22). Records are kept 24 hours, as on AWS.
   */
  stream?: StreamViewType;
}

/**
 * A PostgreSQL query store the service owns (ADR 25): Aurora Serverless v2 PostgreSQL on AWS, PGlite
 * locally, both reached only through the RDS Data API. The cluster pauses when idle and resumes on
 * the next statement (which fails with `DatabaseResumingException` while it resumes).
 */
export interface DatabaseSpec {
  /** Database name inside the cluster (lower case letters, digits, `_`). */
  name: string;
  /** Seconds without a connection before the cluster pauses (Aurora: 300-86,400). */
  secondsUntilAutoPause: number;
  /** Largest capacity in Aurora capacity units (1-256); the smallest is 0 (paused). */
  maxCapacity: number;
  /** The read-only user's name; functions with `database: 'read'` run as it. */
  readerUser: string;
}

/**
 * An S3 bucket the service owns: private, encrypted, TLS only; objects expire after the given days,
 * or, for a versioned bucket, are kept (every version) and may be locked.
 */
export interface BucketSpec {
  /** Days after which objects are deleted (1-3,650); without it objects are kept. */
  expireAfterDays?: number;
  /**
   * S3 Versioning: each PutObject keeps a new version, a DELETE without a version id only writes a
   * delete marker, and a version is read by its id (`s3:GetObjectVersion`). Not with
   * `expireAfterDays` (expiry on a versioned bucket only adds delete markers).
   */
  versioned?: boolean;
  /**
   * S3 Object Lock's default retention: every new version may not be deleted (nor overwritten in
   * place) for `days` (1-36,500) from its creation. GOVERNANCE may be bypassed by a principal holding
   * `s3:BypassGovernanceRetention`, COMPLIANCE by nobody, the root user included. Needs `versioned`.
   */
  objectLock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; days: number };
  /**
   * The web console's origin may send browser requests (PUT, GET, HEAD) to presigned URLs of this
   * bucket: the bucket gets a CORS rule for exactly that origin (attachments uploaded from the
   * console). Without it a browser cannot use the bucket's presigned URLs from the console.
   */
  consoleUploads?: boolean;
}

export type StreamViewType = 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'OLD_IMAGE' | 'KEYS_ONLY';

/**
 * A Lambda event source mapping on the service's own table stream, as Lambda polls it: batches
 * of records in order per shard, retried whole (or from the first failed item when the function
 * reports batch item failures) until they succeed, run out of retries or grow too old; then the
 * batch's description (shard and sequence numbers, never the records) goes to the failure
 * destination (an SQS queue on AWS).
 */
export interface StreamConsumerSpec {
  /** Stable id; part of the mapping's and failure queue's names. */
  id: string;
  description: string;
  /** Consumer function id. */
  function: string;
  /** Where reading starts when the mapping is created. */
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** Records per invocation at most (1-10,000; Lambda's default 100). */
  batchSize?: number;
  /** Seconds to gather records before invoking (0-300; default 0). */
  maximumBatchingWindowSeconds?: number;
  /** Split a failing batch in two and retry the halves (finds the record that fails). */
  bisectBatchOnFunctionError?: boolean;
  /** Retries of a failing batch (0-10,000); bounded, so one bad record cannot block the shard for a day. */
  maximumRetryAttempts: number;
  /** Records older than this are not retried (60-604,800 s). */
  maximumRecordAgeInSeconds: number;
  /** The function answers `{ batchItemFailures: [{ itemIdentifier: <SequenceNumber> }] }`. */
  reportBatchItemFailures?: boolean;
  /**
   * Lambda filter criteria: EventBridge-syntax patterns over the stream record (`eventName`,
   * `dynamodb.NewImage.<attr>.S`, ...); a record matching none is dropped without an invocation.
   */
  filters?: EventPattern[];
}

/** What a function may do; grants (AWS) and environment (both) derive from this. */
export interface FunctionAccess {
  /** Access to the service's own table. */
  table?: 'read' | 'write';
  /** May publish to the platform bus (sets EVENT_BUS_NAME). */
  publish?: boolean;
  /** Flows (by id) this function may start (sets FLOW_<ID>_ARN). */
  startFlows?: string[];
  /** Flows (by id) whose task tokens this function may complete (SendTaskSuccess/Failure/Heartbeat). */
  completeFlowTasks?: string[];
  /** May send e-mail (SES v2 `SendEmail`) from the platform's sender address (sets MAIL_FROM). */
  sendMail?: boolean;
  /**
   * The service's query store (`ServiceDefinition.database`) through the RDS Data API: `read` runs
   * every statement as the read-only database user, `write` as the owner (sets DATABASE_ARN,
   * DATABASE_SECRET_ARN, DATABASE_NAME; `write` also DATABASE_READER_SECRET_ARN, and may read
   * that secret, so migrations can set the read-only user's password).
   */
  database?: 'read' | 'write';
  /** The service's object bucket (`ServiceDefinition.bucket`): get, or get and put (sets BUCKET_NAME). */
  bucket?: 'read' | 'write';
  /** Puts links to the web console in what it sends (mail): sets CONSOLE_URL, the console's base URL. */
  consoleLinks?: boolean;
}

export interface FunctionSpec {
  /** Absolute path of the entry module; it exports `handler`. */
  entry: string;
  description: string;
  memoryMb?: number;
  timeoutSeconds?: number;
  access: FunctionAccess;
  /**
   * Settings of the function's own (tuning knobs such as a resync's page size), set as environment
   * variables on AWS and locally alike; names in SCREAMING_SNAKE, never a secret.
   */
  environment?: Readonly<Record<string, string>>;
  /**
   * Lambda's retries when the function fails an asynchronous invocation (how EventBridge invokes
   * consumers): retries after the first attempt (0-2) and the age after which it stops retrying
   * (60-21,600 s); then the event goes to the function's on-failure queue. Defaults below.
   */
  asyncRetryAttempts?: number;
  asyncMaximumEventAgeSeconds?: number;
  /**
   * Reserved concurrency: the function never runs more instances than this, and calls beyond it
   * are throttled (429 `TooManyRequestsException` for synchronous calls; asynchronous ones wait
   * in Lambda's queue), as on AWS. Unset: the account's unreserved pool.
   */
  reservedConcurrency?: number;
  /**
   * X-Ray: `active` (default) samples and traces every invocation that arrives without a trace;
   * `pass-through` traces only invocations a traced caller started. The event relay passes
   * through: a stream batch has no caller, and its events carry their writers' traces on.
   */
  tracing?: 'active' | 'pass-through';
}

/**
 * How a route scopes a customer-bound caller (ADR 0015); required exactly when the route lists
 * `customer-user`, so no route can serve customers without saying how it keeps organisations apart.
 * - `customer-path`: the path's `{customerId}` must be the caller's organisation; the kit checks
 *   it before the handler runs (404 `customer-not-found` otherwise, as for a missing customer).
 * - `record`: the handler reads the record and answers 404 unless it belongs to the caller's
 *   organisation, with the same answer as for a missing record.
 * - `list`: the handler lists only the caller's organisation's records.
 * - `create`: the handler stamps the new record with the caller's organisation and refuses
 *   references to other organisations' records.
 * - `shared`: what the route returns belongs to no organisation (the service catalogue,
 *   request models); the handler gives customers the customer view.
 */
export type CustomerScope = 'customer-path' | 'record' | 'list' | 'create' | 'shared';

export interface RouteSpec {
  method: HttpMethod;
  /** API Gateway route path, `{name}` for parameters. */
  path: string;
  /** Function id in `functions`. */
  function: string;
  /** Roles allowed to call this route; enforced by the handler kit, documented in OpenAPI. Empty only when `public`. */
  roles: readonly Role[];
  /**
   * No login: the JWT authorizer is skipped and the handler gets an anonymous principal. Only for
   * routes whose path carries their own unguessable secret (a survey link): the implementation
   * must check it. cdk-nag's APIG4 finding is accepted for exactly these routes, with this reason.
   */
  public?: boolean;
  /** How customer-bound callers are scoped; required when `roles` lists `customer-user`. */
  customerScope?: CustomerScope;
  summary: string;
  /** Request body schema (for validation docs and OpenAPI). */
  body?: SchemaLike;
  /** Query string schema. */
  query?: SchemaLike;
  /**
   * Success status and schema. `contentType` for a route that answers text, not JSON (an
   * iCalendar feed): its implementation answers `ApiResult.text` and the document lists that type.
   */
  response?: { status: number; schema?: SchemaLike; contentType?: string };
}

/** An EventBridge event pattern, exactly as EventBridge takes it. */
export type EventPattern = Record<string, unknown>;

export interface SubscriptionSpec {
  /** Stable id; becomes the rule name suffix. */
  id: string;
  description: string;
  pattern: EventPattern;
  /** Consumer function id. */
  function: string;
  /** Which bus: the platform bus (default) or the account's default bus (AWS service events). */
  bus?: 'platform' | 'default';
  /** Retry policy: attempts and maximum event age, as EventBridge targets take them. */
  retryAttempts?: number;
  maximumEventAgeSeconds?: number;
}

export interface FlowSpec {
  /** Stable id; becomes part of the state machine name. */
  id: string;
  description: string;
  /**
   * Amazon States Language (JSONPath only: no JSONata, no Variables). Lambda tasks use
   * `"Resource": "arn:aws:states:::lambda:invoke"` with `"FunctionName": "${<functionId>}"`;
   * both interpreters substitute `${<functionId>}` with the function's ARN.
   */
  definition: Record<string, unknown>;
  /** Function ids invoked by task states. */
  taskFunctions: string[];
}

/** One function run on deploy (see `ServiceDefinition.onDeploy`); it must be safe to run again. */
export interface DeployHookSpec {
  /** Stable id; part of the trigger's construct id. */
  id: string;
  description: string;
  function: string;
}

export interface ScheduleSpec {
  id: string;
  description: string;
  /** `rate(N minute|minutes|hour|hours)` */
  rate: string;
  function: string;
}

/** A published event's contract: detail-type, major version and the schema of `data`. */
export interface EventContractRef {
  detailType: string;
  version: number;
  description: string;
}

export interface ServiceDefinition {
  /** Folder name; event source is `itsm.<name>`. */
  name: string;
  title: string;
  /** FitSM process id, e.g. `PR11`. */
  fitsm: string;
  table: TableSpec;
  functions: Record<string, FunctionSpec>;
  routes: RouteSpec[];
  subscriptions: SubscriptionSpec[];
  flows: FlowSpec[];
  schedules: ScheduleSpec[];
  /** Event source mappings on the service's own table stream (needs `table.stream`). */
  streamConsumers?: StreamConsumerSpec[];
  /**
   * Functions invoked when the service is deployed, after its resources are updated, with an
   * empty payload (`{}`): a CDK Trigger on AWS, which invokes with none and fails the deployment
   * when the function fails; the local runtime on start with a kept data folder. Used to finish
   * what the previous version left (ADR 23: its outbox is drained).
   */
  onDeploy?: DeployHookSpec[];
  /** A PostgreSQL query store (ADR 25); functions reach it with `access.database`. */
  database?: DatabaseSpec;
  /** An S3 bucket; functions reach it with `access.bucket`. */
  bucket?: BucketSpec;
  publishes: EventContractRef[];
}

/** Identity helper that keeps literal types; validates cross references early with clear messages. */
export function defineService<const T extends ServiceDefinition>(def: T): T {
  const fnIds = new Set(Object.keys(def.functions));
  const problems: string[] = [];
  const need = (id: string, where: string) => {
    if (!fnIds.has(id)) problems.push(`${where} names unknown function "${id}"`);
  };
  for (const r of def.routes) need(r.function, `route ${r.method} ${r.path}`);
  for (const s of def.subscriptions) need(s.function, `subscription ${s.id}`);
  for (const s of def.schedules) need(s.function, `schedule ${s.id}`);
  for (const h of def.onDeploy ?? []) need(h.function, `deploy hook ${h.id}`);
  for (const c of def.streamConsumers ?? []) {
    need(c.function, `stream consumer ${c.id}`);
    if (!def.table.stream) problems.push(`stream consumer ${c.id} reads a stream, so table.stream must be set`);
    const within = (v: number | undefined, lo: number, hi: number, what: string) => {
      if (v !== undefined && (!Number.isInteger(v) || v < lo || v > hi))
        problems.push(`stream consumer ${c.id}: ${what} must be an integer from ${lo} to ${hi}`);
    };
    within(c.batchSize, 1, 10_000, 'batchSize');
    within(c.maximumBatchingWindowSeconds, 0, 300, 'maximumBatchingWindowSeconds');
    within(c.maximumRetryAttempts, 0, 10_000, 'maximumRetryAttempts');
    within(c.maximumRecordAgeInSeconds, 60, 604_800, 'maximumRecordAgeInSeconds');
  }
  for (const [id, fn] of Object.entries(def.functions)) {
    if (
      fn.reservedConcurrency !== undefined &&
      (!Number.isInteger(fn.reservedConcurrency) || fn.reservedConcurrency < 0)
    )
      problems.push(`function ${id}: reservedConcurrency must be a whole number`);
  }
  for (const [id, fn] of Object.entries(def.functions)) {
    if (fn.access.database && !def.database)
      problems.push(`function ${id} uses a database, but the service declares none`);
    if (fn.access.bucket && !def.bucket) problems.push(`function ${id} uses a bucket, but the service declares none`);
  }
  if (def.database) {
    const d = def.database;
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(d.name))
      problems.push(`database name "${d.name}" must be lower case letters, digits, _`);
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(d.readerUser))
      problems.push(`database reader user "${d.readerUser}" must be lower case letters, digits, _`);
    if (!Number.isInteger(d.secondsUntilAutoPause) || d.secondsUntilAutoPause < 300 || d.secondsUntilAutoPause > 86_400)
      problems.push('database secondsUntilAutoPause must be an integer from 300 to 86400');
    if (!(d.maxCapacity >= 1 && d.maxCapacity <= 256)) problems.push('database maxCapacity must be 1-256 ACU');
  }
  if (def.bucket) {
    const b = def.bucket;
    if (
      b.expireAfterDays !== undefined &&
      (!Number.isInteger(b.expireAfterDays) || b.expireAfterDays < 1 || b.expireAfterDays > 3650)
    )
      problems.push('bucket expireAfterDays must be an integer from 1 to 3650');
    if (b.versioned && b.expireAfterDays !== undefined)
      problems.push('a versioned bucket keeps its versions: expireAfterDays is for unversioned buckets');
    if (b.objectLock) {
      // Object Lock works on versions: S3 refuses it on a bucket without versioning.
      if (!b.versioned) problems.push('bucket objectLock needs versioned: true');
      if (b.objectLock.mode !== 'GOVERNANCE' && b.objectLock.mode !== 'COMPLIANCE')
        problems.push('bucket objectLock mode must be GOVERNANCE or COMPLIANCE');
      // At least a day (S3 counts the default retention in whole days); a century is our bound.
      if (!Number.isInteger(b.objectLock.days) || b.objectLock.days < 1 || b.objectLock.days > 36_500)
        problems.push('bucket objectLock days must be an integer from 1 to 36500');
    }
  }
  const flowIds = new Set(def.flows.map((f) => f.id));
  for (const f of def.flows) for (const t of f.taskFunctions) need(t, `flow ${f.id}`);
  for (const [id, fn] of Object.entries(def.functions)) {
    for (const f of [...(fn.access.startFlows ?? []), ...(fn.access.completeFlowTasks ?? [])]) {
      if (!flowIds.has(f)) problems.push(`function ${id} names unknown flow "${f}"`);
    }
  }
  const ruleIds = new Set<string>();
  for (const id of [...def.subscriptions.map((x) => x.id), ...def.schedules.map((x) => x.id)]) {
    if (ruleIds.has(id))
      problems.push(`subscription/schedule id "${id}" is used twice (they share one rule-name space)`);
    ruleIds.add(id);
  }
  for (const sch of def.schedules) {
    const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(sch.rate);
    // EventBridge wants the singular unit exactly when the value is 1.
    if (!m || (m[1] === '1') === m[2]!.endsWith('s'))
      problems.push(`schedule ${sch.id}: "${sch.rate}" is not a valid rate expression`);
  }
  for (const sub of def.subscriptions) {
    if (sub.retryAttempts !== undefined && (sub.retryAttempts < 0 || sub.retryAttempts > 185))
      problems.push(`subscription ${sub.id}: retryAttempts must be 0-185`);
    if (
      sub.maximumEventAgeSeconds !== undefined &&
      (sub.maximumEventAgeSeconds < 60 || sub.maximumEventAgeSeconds > 86_400)
    ) {
      problems.push(`subscription ${sub.id}: maximumEventAgeSeconds must be 60-86400`);
    }
  }
  for (const [id, fn] of Object.entries(def.functions)) {
    const { maximumRetryAttempts, maximumEventAgeSeconds } = asyncInvokeConfig(fn);
    if (!Number.isInteger(maximumRetryAttempts) || maximumRetryAttempts < 0 || maximumRetryAttempts > 2)
      problems.push(`function ${id}: asyncRetryAttempts must be an integer from 0 to 2`);
    if (!Number.isInteger(maximumEventAgeSeconds) || maximumEventAgeSeconds < 60 || maximumEventAgeSeconds > 21_600)
      problems.push(`function ${id}: asyncMaximumEventAgeSeconds must be an integer from 60 to 21600`);
  }
  for (const r of def.routes) {
    const t = def.functions[r.function]?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    if (t > MAX_API_TIMEOUT_SECONDS)
      problems.push(
        `function ${r.function} serves routes, so its timeout must be at most ${MAX_API_TIMEOUT_SECONDS} s`,
      );
  }
  for (const f of def.flows) {
    const used = new Set([...JSON.stringify(f.definition).matchAll(/\$\{([A-Za-z0-9_-]+)\}/g)].map((m) => m[1]!));
    const declared = new Set(f.taskFunctions);
    if (used.size !== declared.size || [...used].some((u) => !declared.has(u))) {
      problems.push(
        `flow ${f.id}: taskFunctions (${[...declared].join(', ')}) differ from the \${...} placeholders in its ASL (${[...used].join(', ')})`,
      );
    }
  }
  const seen = new Set<string>();
  for (const r of def.routes) {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) problems.push(`route ${key} is declared twice`);
    seen.add(key);
    if (r.public && r.roles.length > 0)
      problems.push(`route ${key} is public, so it must not declare roles (its secret is its check)`);
    if (!r.public && r.roles.length === 0) problems.push(`route ${key} declares no roles`);
    const forCustomers = r.roles.includes('customer-user');
    if (forCustomers && r.customerScope === undefined)
      problems.push(`route ${key} lists customer-user, so it must declare its customerScope`);
    if (!forCustomers && r.customerScope !== undefined)
      problems.push(`route ${key} declares a customerScope but does not list customer-user`);
    if (r.customerScope === 'customer-path' && !r.path.includes('{customerId}'))
      problems.push(`route ${key} scopes customers by path but has no {customerId} parameter`);
  }
  if (problems.length > 0) throw new Error(`Service definition "${def.name}" is invalid:\n- ${problems.join('\n- ')}`);
  return def;
}

/**
 * The sender address of platform e-mail when none is configured (`-c mailFrom=...` on AWS, where it
 * must be an SES-verified address or an address at a verified domain).
 */
export const DEFAULT_MAIL_FROM = 'itsm@example.org';

/** Defaults both interpreters use when a function spec does not say. */
export const DEFAULT_MEMORY_MB = 512;
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** API Gateway HTTP APIs give up on an integration after 30 s. */
export const MAX_API_TIMEOUT_SECONDS = 29;
/** EventBridge target retry policy when a subscription does not say. */
export const DEFAULT_RETRY_ATTEMPTS = 8;
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 24 * 60 * 60;
/** Lambda's retries of a failed asynchronous invocation when a function spec does not say (Lambda's defaults). */
export const DEFAULT_ASYNC_RETRY_ATTEMPTS = 2;
export const DEFAULT_ASYNC_MAX_EVENT_AGE_SECONDS = 6 * 60 * 60;

/** A function's asynchronous invocation config, as both interpreters apply it (EventInvokeConfig). */
export function asyncInvokeConfig(fn: FunctionSpec): { maximumRetryAttempts: number; maximumEventAgeSeconds: number } {
  return {
    maximumRetryAttempts: fn.asyncRetryAttempts ?? DEFAULT_ASYNC_RETRY_ATTEMPTS,
    maximumEventAgeSeconds: fn.asyncMaximumEventAgeSeconds ?? DEFAULT_ASYNC_MAX_EVENT_AGE_SECONDS,
  };
}

/** Environment variable naming for a flow's ARN. */
export const flowArnEnv = (flowId: string) => `FLOW_${flowId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_ARN`;

/** Environment variable holding the ARN of the cursor key secret (ADR 19). */
export const CURSOR_SECRET_ENV = 'CURSOR_SECRET_ARN';

/** The keys of a route's query schema (a zod object's shape), read structurally. */
function queryKeys(r: RouteSpec): string[] {
  const def = (r.query as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def;
  return Object.keys(def?.shape ?? {});
}

/** A list route: its query takes a `cursor`, so the kit signs and verifies cursors for it. */
export const routePages = (r: RouteSpec): boolean => queryKeys(r).includes('cursor');

/** Whether a function serves a list route, and so needs the cursor key. */
export const functionPages = (def: ServiceDefinition, fnId: string): boolean =>
  def.routes.some((r) => r.function === fnId && routePages(r));

/**
 * The environment a function gets, from its definition. Both interpreters call this, with
 * their own resolver for physical names, so the local runtime and AWS set the same variables.
 */
export function functionEnvironment(
  def: ServiceDefinition,
  fnId: string,
  names: {
    tableName: string;
    busName: string;
    flowArn: (flowId: string) => string;
    mailFrom: string;
    /** ARN of the cursor key secret, set on functions that serve list routes. */
    cursorSecretArn: string;
    /** The query store's cluster ARN and its secrets' ARNs, when the service has one. */
    database?: { clusterArn: string; ownerSecretArn: string; readerSecretArn: string };
    /** The bucket's name, when the service has one. */
    bucketName?: string;
    /** The web console's base URL (no trailing slash), for functions with `consoleLinks`. */
    consoleUrl?: string;
  },
): Record<string, string> {
  const fn = def.functions[fnId];
  if (!fn) throw new Error(`unknown function ${def.name}.${fnId}`);
  const env: Record<string, string> = {
    ...fn.environment,
    SERVICE_NAME: def.name,
    POWERTOOLS_SERVICE_NAME: def.name,
    LOG_LEVEL: 'INFO',
  };
  if (fn.access.table) env.TABLE_NAME = names.tableName;
  if (fn.access.publish) env.EVENT_BUS_NAME = names.busName;
  if (fn.access.sendMail) env.MAIL_FROM = names.mailFrom;
  if (functionPages(def, fnId)) env[CURSOR_SECRET_ENV] = names.cursorSecretArn;
  if (fn.access.database && def.database) {
    if (!names.database) throw new Error(`no database names given for ${def.name}`);
    env.DATABASE_ARN = names.database.clusterArn;
    env.DATABASE_SECRET_ARN =
      fn.access.database === 'write' ? names.database.ownerSecretArn : names.database.readerSecretArn;
    env.DATABASE_NAME = def.database.name;
    // The owner (migrations) sets the read-only user's password from its secret.
    if (fn.access.database === 'write') env.DATABASE_READER_SECRET_ARN = names.database.readerSecretArn;
  }
  if (fn.access.bucket && def.bucket) {
    if (!names.bucketName) throw new Error(`no bucket name given for ${def.name}`);
    env.BUCKET_NAME = names.bucketName;
  }
  if (fn.access.consoleLinks) {
    if (!names.consoleUrl) throw new Error(`no console URL given for ${def.name}.${fnId}`);
    env.CONSOLE_URL = names.consoleUrl;
  }
  for (const f of new Set([...(fn.access.startFlows ?? []), ...(fn.access.completeFlowTasks ?? [])])) {
    env[flowArnEnv(f)] = names.flowArn(f);
  }
  return env;
}

/** `${fnId}` placeholders a flow definition uses, mapped by the caller to function ARNs. */
export function flowSubstitutions(flow: FlowSpec, functionArn: (fnId: string) => string): Record<string, string> {
  return Object.fromEntries(flow.taskFunctions.map((id) => [id, functionArn(id)]));
}

/** Replace `${name}` placeholders in an ASL document (what Step Functions DefinitionSubstitutions does). */
export function substituteDefinition(definition: Record<string, unknown>, subs: Record<string, string>): string {
  return JSON.stringify(definition).replace(/\$\{([A-Za-z0-9_-]+)\}/g, (m, k: string) => subs[k] ?? m);
}
