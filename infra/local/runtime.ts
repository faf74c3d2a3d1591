import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTimeToLiveCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  SFNClient,
  StateMachineAlreadyExists,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { SERVICES } from '../../services/index';
import {
  asyncInvokeConfig,
  DEFAULT_MAIL_FROM,
  DEFAULT_MAX_EVENT_AGE_SECONDS,
  DEFAULT_MEMORY_MB,
  DEFAULT_RETRY_ATTEMPTS,
  DEFAULT_TIMEOUT_SECONDS,
  flowSubstitutions,
  functionEnvironment,
  type ServiceDefinition,
  substituteDefinition,
} from '../../shared/kit/definition';
import { apiCors, consoleUploadsCors } from '../api/cors';
import { AwsError, type AwsService, type CallContext, type RecordedCall } from './aws-service';
import { ConsoleServer, consoleConfig } from './console-server';
import { LocalDynamoDB } from './dynamodb/local-dynamodb';
import { LocalDynamoDBStreams } from './dynamodb/streams-api';
import { AwsEndpoint } from './endpoint';
import { type EventBridgeEvent, LocalEventBridge, type ServiceEventInput } from './eventbridge/bus';
import { serveEvents } from './eventbridge/console';
import { LocalFunctions } from './functions';
import { type GatewayRoute, LocalGateway } from './gateway';
import { ISSUER_PATH, LocalIdentity, type TokenRequest } from './identity';
import { LocalMailbox } from './mail/mailbox';
import * as names from './names';
import { LocalOidcProvider } from './oidc';
import { LocalRdsData } from './rds-data/local-rds-data';
import { LocalS3 } from './s3/local-s3';
import { LocalSecretsManager } from './secrets';
import { DEMO_USERS } from './seed';
import { LocalStepFunctions } from './stepfunctions/local-stepfunctions';
import { StreamMappings } from './streams/event-source-mapping';
import { ensureTable } from './tables';

/**
 * The embedded local runtime: the whole platform in one Node process, no cloud, no Docker.
 * It interprets the same service definitions the CDK stack does: tables, functions (with the
 * same environment), routes, rules, state machines (same ASL) and schedules.
 */
export interface RuntimeOptions {
  /** Folder for data (`.itsm`); undefined keeps everything in memory. */
  dataDir?: string;
  /** AWS-compatible endpoint port (default 4566; 0 = any free port). */
  awsPort?: number;
  /** HTTP API port (default 3000; 0 = any free port). */
  apiPort?: number;
  /** Multiplies Step Functions waits (0 = no waiting), for tests. */
  waitScale?: number;
  /** Run schedules on their timers (default true; tests trigger them with runSchedule). */
  schedules?: boolean;
  /**
   * Base delay of retries (default 1000 ms): EventBridge's delivery retries wait about this,
   * doubling; Lambda's retries of a failed asynchronous invocation wait 60 times this (1 minute,
   * then 2, as Lambda does). Tests shorten both with it.
   */
  retryBaseDelayMs?: number;
  /**
   * Seconds without a statement after which each query store pauses (default: its definition's
   * `database.secondsUntilAutoPause`). Clusters start paused either way (ADR 26).
   */
  databasePauseSeconds?: number;
  /**
   * The web console's port on loopback (default 0: any free port). The console is served whether
   * or not it is built (unbuilt, it says how to build it); functions' links point to it.
   */
  consolePort?: number;
  /** Where the development signing key lives (default `<dataDir>/dev-signing-key.json`; in memory, a throwaway key). */
  identityFile?: string;
  services?: ServiceDefinition[];
}

export const PLATFORM_FUNCTION = 'itsm-platform-api';
/** The console's OpenID Connect client (on AWS, the user pool's console app client). */
export const CONSOLE_CLIENT_ID = 'itsm-console';
/** Lambda waits about 1 minute before retrying a failed asynchronous invocation: 60 x the 1 s base. */
const LAMBDA_RETRY_FACTOR = 60;
const PLATFORM_ENTRY = fileURLToPath(new URL('../api/handler.ts', import.meta.url));

/** Switches for failure tests: what real AWS can do to us that we must survive. */
export interface Faults {
  /** PutEvents answers 500 (EventBridge unavailable). */
  eventsUnavailable: boolean;
  /** DynamoDB throttles the calls this selects (every retry too), as a hot partition would. */
  dynamodbThrottles?: (action: string, input: Record<string, unknown>) => boolean;
}

export class Runtime {
  private readonly calls = new Map<string, RecordedCall & { count: number }>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    readonly awsUrl: string,
    readonly apiUrl: string,
    readonly identity: LocalIdentity,
    readonly dynamodb: LocalDynamoDB,
    readonly bus: LocalEventBridge,
    readonly stepFunctions: LocalStepFunctions,
    readonly functions: LocalFunctions,
    /** Where e-mail sent through SES lands locally. */
    readonly mailbox: LocalMailbox,
    /** Secrets Manager: the cursor key secret (ADR 19). */
    readonly secrets: LocalSecretsManager,
    readonly services: ServiceDefinition[],
    /** Failure switches shared with the emulators. */
    readonly faults: Faults,
    private readonly closers: Array<() => Promise<void>>,
  ) {}

  record(call: RecordedCall): void {
    const key = `${call.caller}|${call.action}|${call.resource}`;
    const known = this.calls.get(key);
    if (known) known.count++;
    else this.calls.set(key, { ...call, count: 1 });
  }

  /** Every distinct AWS call made so far, with counts (the fidelity proof reads this). */
  recordedCalls(): Array<RecordedCall & { count: number }> {
    return [...this.calls.values()];
  }

  /**
   * What AWS would bill so far, counted by the emulators: invocations and busy time per function,
   * capacity units and requests per table, events put, state transitions, API requests, mail.
   * `GET /_local/metrics` on the AWS endpoint serves it; the bench's cost model reads it.
   */
  metrics() {
    return {
      functions: this.functions.stats(),
      /** Every distinct AWS call so far by caller, IAM action and resource, with counts (as `recordedCalls`). */
      calls: this.recordedCalls(),
      dynamodb: Object.fromEntries(this.dynamodb.meter),
      events: { put: this.bus.publishedCount() },
      stepFunctions: { transitions: this.stepFunctions.transitions() },
      api: { requests: this.gateway?.requests ?? 0 },
      mail: { sent: this.mailbox.messages().length },
      // Lambda does not bill a stream trigger's reads; its invocations are in `functions`.
      streams: this.streamMappings?.metrics() ?? {},
      // Aurora bills capacity while a query store runs (not while paused): `runningMs` per cluster.
      rdsData: this.rdsData?.stats() ?? {},
      s3: this.s3?.metrics() ?? {},
    };
  }

  /** The HTTP API (set once it listens). */
  gateway?: LocalGateway;

  /** The web console (`console/dist`) as CloudFront serves it on AWS. */
  console?: ConsoleServer;

  /** The web console's base URL (no trailing slash). */
  get consoleUrl(): string {
    return this.console?.url ?? '';
  }

  /**
   * The OpenID Connect provider the console signs in with (ADR 29); `registerClient` adds an app
   * client, whose id the HTTP API then accepts as an audience.
   */
  oidc!: LocalOidcProvider;

  /** The RDS Data API over the services' query stores (PGlite, ADR 26). */
  rdsData?: LocalRdsData;

  /** Settles once the definitions' `onDeploy` hooks have run (before `startRuntime` resolves). */
  deployHooks: Promise<void> = Promise.resolve();

  /** Lambda's event source mappings on the tables' streams (`streamConsumers`). */
  streamMappings?: StreamMappings;

  /** S3: the buckets of the services that have one (`bucket`). */
  s3?: LocalS3;

  /** Resolves once every stream consumer has read all there is and nothing is being retried (tests). */
  drainStreams(): Promise<void> {
    return this.streamMappings?.drain() ?? Promise.resolve();
  }

  token(req: TokenRequest): Promise<string> {
    return this.identity.mint(req);
  }

  /**
   * Set the instant functions act on through the kit clock (the SLA timer), as if the machine's
   * clock read `at`; `undefined` goes back to real time. Their input cannot do this (deployed
   * functions read the real clock), so this is how tests move time.
   */
  setTime(at: Date | string | number | undefined): void {
    this.functions.clock = at === undefined ? undefined : new Date(at).getTime();
  }

  /**
   * Put an AWS service's event (CodePipeline, CodeDeploy, ...) on the account's default bus, as
   * the service itself would: the way tests and demos stand in for AWS, since PutEvents refuses
   * `aws.` sources from every caller, functions included. Resolves with the event once accepted.
   */
  emitAwsEvent(input: ServiceEventInput): Promise<EventBridgeEvent> {
    return this.bus.emitServiceEvent(input);
  }

  /** Invoke a schedule's function now, as EventBridge Scheduler would. */
  runSchedule(service: string, scheduleId: string): Promise<unknown> {
    const def = this.services.find((s) => s.name === service);
    const schedule = def?.schedules.find((s) => s.id === scheduleId);
    if (!def || !schedule) throw new Error(`no schedule ${service}/${scheduleId}`);
    return this.functions.invoke(names.functionName(service, schedule.function), scheduledEvent(def, scheduleId));
  }

  startSchedules(): void {
    for (const def of this.services) {
      for (const s of def.schedules) {
        // EventBridge invokes a schedule's target asynchronously, as it does subscribers: a failure
        // gets Lambda's retries and then an on-failure record (`functions.asyncFailures()`).
        const timer = setInterval(() => {
          this.functions.invokeAsync(names.functionName(def.name, s.function), scheduledEvent(def, s.id));
        }, rateMs(s.rate));
        timer.unref();
        this.timers.push(timer);
      }
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const close of this.closers.reverse()) await close();
  }
}

export function rateMs(rate: string): number {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(rate.trim());
  if (!m) throw new Error(`unsupported schedule expression ${rate}`);
  const unit = m[2]!.startsWith('minute') ? 60_000 : m[2]!.startsWith('hour') ? 3_600_000 : 86_400_000;
  return Number(m[1]) * unit;
}

/** The event EventBridge sends a scheduled target (its `time` has no milliseconds, as on AWS). */
const scheduledEvent = (def: ServiceDefinition, id: string) => ({
  version: '0',
  id: crypto.randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: names.LOCAL_ACCOUNT,
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: names.LOCAL_REGION,
  resources: [names.ruleArn('default', `${def.name}-${id}`)],
  detail: {},
});

/** The id of an EventBridge event (what a consumer's on-failure record carries as its payload). */
function eventIdOf(payload: unknown): { eventId?: string } {
  const event = payload as { id?: unknown; 'detail-type'?: unknown } | null;
  return typeof event?.id === 'string' && typeof event['detail-type'] === 'string' ? { eventId: event.id } : {};
}

/** Wraps an emulator so tests can make it fail like an outage or throttling would. */
class FaultyService implements AwsService {
  constructor(
    private readonly inner: AwsService,
    private readonly fault: (action: string, input: Record<string, unknown>) => AwsError | undefined,
  ) {}
  get targetPrefix() {
    return this.inner.targetPrefix;
  }
  handle(action: string, input: Record<string, unknown>, ctx: CallContext) {
    const fault = this.fault(action, input);
    if (fault) return Promise.reject(fault);
    return this.inner.handle(action, input, ctx);
  }
  close() {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

export async function startRuntime(opts: RuntimeOptions = {}): Promise<Runtime> {
  const services = opts.services ?? SERVICES;
  const closers: Array<() => Promise<void>> = [];
  let runtime: Runtime | undefined;
  const record = (c: RecordedCall) => runtime?.record(c);
  const faults: Faults = { eventsUnavailable: false };

  const dynamodb = await LocalDynamoDB.start({
    ...(opts.dataDir ? { path: join(opts.dataDir, 'dynamodb') } : {}),
    record,
  });
  const awsEnv: Record<string, string> = { AWS_REGION: names.LOCAL_REGION, AWS_DEFAULT_REGION: names.LOCAL_REGION };
  const retryBaseDelayMs = opts.retryBaseDelayMs ?? 1000;
  // In data mode accepted events and queued invocations are journaled, as AWS keeps them durably.
  const functions = new LocalFunctions(awsEnv, {
    asyncRetryBaseDelayMs: LAMBDA_RETRY_FACTOR * retryBaseDelayMs,
    ...(opts.dataDir ? { asyncJournalFile: join(opts.dataDir, 'lambda', 'async-invocations.jsonl') } : {}),
    // What a consumer made of a delivered event, for the event console.
    onAsyncSettled: (settled) => bus.invocationSettled(settled),
  });
  const bus = new LocalEventBridge({
    // EventBridge invokes Lambda targets asynchronously: its retries cover only the hand-off;
    // the function's own failures get Lambda's async retries and on-failure destination.
    invoke: async (fn, event, ref) => functions.invokeAsync(fn, event, ref),
    // Consumers' events now leave through their tables' streams (ADR 23): drained with them.
    drainTargets: async () => {
      await functions.drainAsync();
      await runtime?.drainStreams();
    },
    record,
    retryBaseDelayMs,
    ...(opts.dataDir
      ? {
          journalFile: join(opts.dataDir, 'eventbridge', 'deliveries.jsonl'),
          eventsDir: join(opts.dataDir, 'eventbridge', 'events'),
        }
      : {}),
  });
  const stepFunctions = new LocalStepFunctions({
    invokeFunction: (arn, payload) => functions.invoke(arn, payload),
    record,
    waitScale: opts.waitScale ?? 1,
    ...(opts.dataDir ? { dataDir: join(opts.dataDir, 'stepfunctions') } : {}),
  });
  const mailbox = new LocalMailbox({ ...(opts.dataDir ? { file: join(opts.dataDir, 'mail.jsonl') } : {}), record });
  const secrets = new LocalSecretsManager({
    ...(opts.dataDir ? { cursorKeyFile: join(opts.dataDir, 'cursor-key.json') } : {}),
    record,
  });
  const endpoint = new AwsEndpoint(
    [
      new FaultyService(dynamodb, (action, input) =>
        faults.dynamodbThrottles?.(action, input)
          ? new AwsError('ProvisionedThroughputExceededException', 'Rate exceeded (injected fault)', 400)
          : undefined,
      ),
      new FaultyService(bus, () =>
        faults.eventsUnavailable
          ? new AwsError('InternalException', 'Service unavailable (injected fault)', 500)
          : undefined,
      ),
      // The DynamoDB Streams API, for tools; Lambda's pollers read the streams in-process.
      new LocalDynamoDBStreams(dynamodb.streams, record),
      stepFunctions,
      secrets,
    ],
    mailbox,
  );
  // Query stores: a cluster and its two users' secrets per service with a database, as the stack
  // creates them (the owner is Aurora's master user; migrations create the reader's role).
  const rdsData = new LocalRdsData({
    secrets,
    record,
    ...(opts.databasePauseSeconds !== undefined ? { pauseSeconds: opts.databasePauseSeconds } : {}),
  });
  const databaseNames = new Map<string, { clusterArn: string; ownerSecretArn: string; readerSecretArn: string }>();
  for (const def of services) {
    if (!def.database) continue;
    const cluster = names.clusterName(def.name);
    const userSecret = (user: 'owner' | 'reader', username: string) => {
      const name = names.databaseSecret(def.name, user);
      secrets.ensure(
        name,
        () => JSON.stringify({ username, password: randomBytes(24).toString('base64url') }),
        opts.dataDir ? join(opts.dataDir, 'secrets', `${name}.json`) : undefined,
      );
      return name;
    };
    const ownerSecret = userSecret('owner', 'postgres');
    const readerSecret = userSecret('reader', def.database.readerUser);
    rdsData.addCluster({
      service: def.name,
      database: def.database.name,
      ownerSecret,
      secondsUntilAutoPause: def.database.secondsUntilAutoPause,
      ...(opts.dataDir ? { dataDir: join(opts.dataDir, 'rds', cluster) } : {}),
    });
    databaseNames.set(def.name, {
      clusterArn: names.clusterArn(cluster),
      ownerSecretArn: names.secretArn(ownerSecret),
      readerSecretArn: names.secretArn(readerSecret),
    });
  }
  // Closed with the endpoint, after the functions that use it.
  endpoint.addRestService(rdsData);
  // S3: one bucket per service that declares one, with its lifecycle expiry or its versioning and lock.
  // The stack grants functions object actions only (infra/aws README): no s3:ListBucket.
  const functionNames = new Set([
    PLATFORM_FUNCTION,
    ...services.flatMap((def) => Object.keys(def.functions).map((fnId) => names.functionName(def.name, fnId))),
  ]);
  const s3 = new LocalS3({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    record,
    listsBucket: (caller) => !functionNames.has(caller),
    // Nor s3:BypassGovernanceRetention: no function may delete a locked version.
    bypassesGovernance: (caller) => !functionNames.has(caller),
  });
  // The console before the buckets and functions: upload buckets allow its origin (CORS), as the
  // deployment allows the console's domain, and functions' links (CONSOLE_URL) point to it.
  const consoleServer = new ConsoleServer();
  const consoleUrl = await consoleServer.listen(opts.consolePort ?? 0);
  closers.push(() => consoleServer.close());
  for (const def of services) {
    if (!def.bucket) continue;
    s3.createBucket(names.bucketName(def.name), {
      ...(def.bucket.expireAfterDays !== undefined ? { expireAfterDays: def.bucket.expireAfterDays } : {}),
      ...(def.bucket.versioned ? { versioned: true } : {}),
      ...(def.bucket.objectLock ? { objectLock: def.bucket.objectLock } : {}),
      ...(def.bucket.consoleUploads ? { cors: [consoleUploadsCors(new URL(consoleUrl).origin)] } : {}),
    });
  }
  endpoint.s3 = s3;
  const awsUrl = await endpoint.listen(opts.awsPort ?? 4566);
  closers.push(() => s3.close());
  closers.push(() => endpoint.close());
  closers.push(() => functions.close());
  awsEnv.AWS_ENDPOINT_URL = awsUrl;
  // Functions' SDK calls reach the endpoint over a message port each, not loopback HTTP (ADR 24).
  functions.channel = () => endpoint.channel();

  // Functions, with the environment the CDK stack gives them.
  const stateMachineArn = (service: string, flowId: string) =>
    names.stateMachineArn(names.stateMachineName(service, flowId));
  for (const def of services) {
    for (const [fnId, fn] of Object.entries(def.functions)) {
      const functionName = names.functionName(def.name, fnId);
      functions.add({
        service: def.name,
        fnId,
        functionName,
        functionArn: names.functionArn(functionName),
        entry: fn.entry,
        environment: functionEnvironment(def, fnId, {
          tableName: names.tableName(def.name),
          busName: names.PLATFORM_BUS,
          flowArn: (flowId) => stateMachineArn(def.name, flowId),
          mailFrom: DEFAULT_MAIL_FROM,
          cursorSecretArn: names.secretArn(names.CURSOR_KEY_SECRET),
          ...(databaseNames.has(def.name) ? { database: databaseNames.get(def.name)! } : {}),
          ...(def.bucket ? { bucketName: names.bucketName(def.name) } : {}),
          consoleUrl,
        }),
        memoryMb: fn.memoryMb ?? DEFAULT_MEMORY_MB,
        timeoutSeconds: fn.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        asyncInvoke: asyncInvokeConfig(fn),
        reservedConcurrency: fn.reservedConcurrency,
        tracing: fn.tracing,
      });
    }
  }
  functions.add({
    service: 'platform',
    fnId: 'api',
    functionName: PLATFORM_FUNCTION,
    functionArn: names.functionArn(PLATFORM_FUNCTION),
    entry: PLATFORM_ENTRY,
    environment: { SERVICE_NAME: 'platform', POWERTOOLS_SERVICE_NAME: 'platform', LOG_LEVEL: 'INFO' },
    memoryMb: 256,
    timeoutSeconds: 10,
  });

  // Tables, state machines and rules, through the same APIs a deployment would use.
  const sdk = {
    endpoint: awsUrl,
    region: names.LOCAL_REGION,
    credentials: { accessKeyId: 'itsm-runtime', secretAccessKey: 'local' },
  };
  const ddb = new DynamoDBClient(sdk);
  const sfn = new SFNClient(sdk);
  for (const def of services) {
    const table = names.tableName(def.name);
    await ensureTable(ddb, def, table);
    if (def.table.timeToLiveAttribute) {
      // A kept data folder remembers TTL; enabling it twice is an error, as on AWS.
      const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: table }));
      if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
        await ddb.send(
          new UpdateTimeToLiveCommand({
            TableName: table,
            TimeToLiveSpecification: { Enabled: true, AttributeName: def.table.timeToLiveAttribute },
          }),
        );
      }
    }
    for (const flow of def.flows) {
      const subs = flowSubstitutions(flow, (fnId) => names.functionArn(names.functionName(def.name, fnId)));
      const name = names.stateMachineName(def.name, flow.id);
      const definition = substituteDefinition(flow.definition, subs);
      const roleArn = `arn:aws:iam::${names.LOCAL_ACCOUNT}:role/${name}`;
      try {
        await sfn.send(new CreateStateMachineCommand({ name, definition, roleArn, type: 'STANDARD' }));
      } catch (err) {
        // A kept data folder holds the previous definition: update it, as a deployment would.
        if (!(err instanceof StateMachineAlreadyExists)) throw err;
        await sfn.send(
          new UpdateStateMachineCommand({ stateMachineArn: stateMachineArn(def.name, flow.id), definition, roleArn }),
        );
      }
    }
    for (const sub of def.subscriptions) {
      bus.addRule({
        bus: sub.bus === 'default' ? 'default' : names.PLATFORM_BUS,
        name: `${def.name}-${sub.id}`,
        pattern: sub.pattern,
        targets: [
          {
            functionName: names.functionName(def.name, sub.function),
            retryAttempts: sub.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
            maximumEventAgeSeconds: sub.maximumEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS,
          },
        ],
      });
    }
  }
  ddb.destroy();
  sfn.destroy();

  // Event source mappings, one per stream consumer, on the stream its table now has.
  const streamMappings = new StreamMappings({
    source: dynamodb.streams,
    invoke: (fn, event) => functions.invoke(fn, event),
    retryBaseDelayMs,
    ...(opts.dataDir ? { journalFile: join(opts.dataDir, 'lambda', 'stream-mappings.jsonl') } : {}),
  });
  for (const def of services) {
    const table = names.tableName(def.name);
    for (const consumer of def.streamConsumers ?? []) {
      const stream = dynamodb.streams.of(table);
      if (!stream) throw new Error(`stream consumer ${def.name}/${consumer.id}: table ${table} has no stream`);
      const functionName = names.functionName(def.name, consumer.function);
      streamMappings.add({
        name: `${table}-${consumer.id}`,
        functionName,
        functionArn: names.functionArn(functionName),
        streamArn: stream.arn,
        spec: consumer,
      });
    }
  }

  // The HTTP API: every route of every service, plus the platform routes.
  // The issuer is the provider's real URL (ADR 29), kept beside the key for `npx itsm token`.
  const identity = await LocalIdentity.open(
    opts.identityFile ?? (opts.dataDir ? join(opts.dataDir, 'dev-signing-key.json') : undefined),
    `${awsUrl}${ISSUER_PATH}`,
  );
  const oidc = new LocalOidcProvider(identity, DEMO_USERS);
  // The console's app client, as the user pool's console client on AWS (in the API's audience).
  oidc.registerClient({
    clientId: CONSOLE_CLIENT_ID,
    redirectUris: [`${consoleUrl}/callback`],
    postLogoutRedirectUris: [`${consoleUrl}/`],
  });
  const routes: GatewayRoute[] = [
    { method: 'GET', path: '/v1/openapi.json', functionName: PLATFORM_FUNCTION, authorized: false },
    ...services.flatMap((def) =>
      def.routes.map((r) => ({
        method: r.method,
        path: r.path,
        functionName: names.functionName(def.name, r.function),
        authorized: !r.public,
      })),
    ),
  ];
  const gateway = new LocalGateway(
    routes,
    PLATFORM_FUNCTION,
    identity,
    (fn, event) => functions.invoke(fn, event),
    () => oidc.audiences(),
  );
  // CORS for the console's origin only, as the CDK stack configures the HTTP API.
  gateway.cors = apiCors(consoleUrl);
  const apiUrl = await gateway.listen(opts.apiPort ?? 3000);
  // What the CDK stack writes to the console's bucket at deploy, from the local URLs; the sign-out
  // endpoint takes Cognito's `client_id` + `logout_uri` form, as the managed login's does.
  consoleServer.settings = () => ({
    config: consoleConfig({ apiUrl, issuer: identity.issuer, consoleUrl }),
    origins: { api: [apiUrl], auth: [awsUrl], uploads: [awsUrl] },
  });
  // Closed in reverse: the gateway stops taking requests first, then functions, then the endpoint.
  closers.push(() => gateway.close());
  // Closed before the gateway and the functions: no batch is invoked on a closing runtime.
  closers.push(() => streamMappings.close());

  runtime = new Runtime(
    awsUrl,
    apiUrl,
    identity,
    dynamodb,
    bus,
    stepFunctions,
    functions,
    mailbox,
    secrets,
    services,
    faults,
    closers,
  );
  runtime.gateway = gateway;
  runtime.console = consoleServer;
  runtime.oidc = oidc;
  runtime.rdsData = rdsData;
  runtime.streamMappings = streamMappings;
  runtime.s3 = s3;
  // With the SDK requests as they reached the endpoint (a transaction is one request, many calls above).
  // `sdk.calls` is their total, the bench's SDK calls per ticket.
  endpoint.metrics = () => ({
    ...runtime!.metrics(),
    requests: Object.fromEntries(endpoint.requests),
    sdk: { calls: [...endpoint.requests.values()].reduce((a, b) => a + b, 0) },
  });
  endpoint.invoke = (fn, payload) => functions.invoke(fn, payload);
  // The dead-letter and on-failure queues an operator would inspect on AWS (kept across restarts).
  // Each links to its event in the console (`/_local/events/{eventId}`).
  endpoint.failures = () => ({
    deadLetters: bus.deadLetters().map((letter) => ({ eventId: letter.event.id, ...letter })),
    asyncFailures: functions.asyncFailures().map((failure) => ({ ...eventIdOf(failure.requestPayload), ...failure })),
    streamFailures: streamMappings.failures(),
  });
  endpoint.events = (url, accept) => serveEvents(bus, url, accept);
  // An event as an AWS service sends it (a corpus sample), for demos: a fresh id, as each emission has.
  endpoint.awsEvents = async (e) => {
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    const event = await bus.emitServiceEvent({
      source: text(e.source),
      detailType: text(e['detail-type']),
      detail: e.detail as Record<string, unknown>,
      ...(Array.isArray(e.resources) ? { resources: e.resources.map(String) } : {}),
      ...(typeof e.time === 'string' ? { time: e.time } : {}),
    });
    return { id: event.id };
  };
  // What a previous run accepted and had not finished is delivered now that everything is wired.
  functions.resumeAsync();
  bus.resume();
  await streamMappings.start();
  // Deploy hooks, as the CDK Trigger runs them after an update (ADR 23): only a kept data folder
  // can hold what a previous version left (its outbox). They run beside the ready platform rather
  // than before it (each is a cold start, about 2 s here), side by side; a failure is reported, and
  // the hook runs again on the next start.
  // Deploy hooks run on every start, as a deployment runs its Triggers (the first one too): they
  // finish what a previous version left (the outbox) and bring query stores' schemas up to date,
  // so the runtime is ready only once they have run.
  runtime.deployHooks = Promise.all(
    services.flatMap((def) =>
      (def.onDeploy ?? []).map((hook) =>
        functions.invoke(names.functionName(def.name, hook.function), {}).then(
          () => undefined,
          (err: Error) => console.error(`deploy hook ${def.name}/${hook.id} failed: ${err.message}`),
        ),
      ),
    ),
  ).then(() => undefined);
  await runtime.deployHooks;
  // Closed first: a hook in flight finishes before the functions stop.
  closers.push(() => runtime!.deployHooks);
  endpoint.oidc = oidc;
  if (opts.schedules ?? true) runtime.startSchedules();
  return runtime;
}
