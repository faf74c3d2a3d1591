/**
 * One service, deployed from its definition: its table (and its stream), its functions with the
 * grants their `access` asks for (and nothing more), its routes on the shared HTTP API, its rules
 * (event subscriptions and schedules) each with a dead-letter queue and an alarm, its stream
 * consumers (event source mappings, each with a failure queue), its deploy hooks, and its flows.
 * The definition is the only input; nothing here knows about a particular service.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule, type EventPattern as RuleEventPattern, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type EventSourceMapping, FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Trigger } from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import {
  asyncInvokeConfig,
  DEFAULT_MAX_EVENT_AGE_SECONDS,
  DEFAULT_RETRY_ATTEMPTS,
  type FlowSpec,
  flowSubstitutions,
  functionEnvironment,
  functionPages,
  indexProjection,
  type ServiceDefinition,
} from '../../shared/kit/definition';
import { BUCKET_WRITE_ACTIONS, bucketReadActions, ServiceBucket } from './bucket';
import { ItsmFunction, MAX_API_TIMEOUT_SECONDS } from './function';
import { asRecord } from './json';
import { accept } from './nag';
import { SERVICE_TAG } from './names';
import { lambdaIntegration, type Platform } from './platform';
import { DATA_API_ACTIONS, QueryStore, READ_DATABASE_SECRET_ACTIONS } from './query-store';

/** What `table: 'read'` allows. No Scan: no request path may scan (ARCHITECTURE 5). */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;
/** What `table: 'write'` adds; transactions are authorised per item as these (and the read actions). */
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;
export const PUBLISH_ACTIONS = ['events:PutEvents'] as const;
/**
 * What a stream consumer's role needs to read its table's stream, on that stream only (DynamoDB
 * Developer Guide, "IAM policy to allow an AWS Lambda function to access DynamoDB stream
 * records", which scopes them to `<table>/stream/*`; the exact stream ARN is narrower still).
 * CDK's DynamoEventSource would also grant ListStreams on "*", so the mapping is built from its
 * parts here.
 */
export const STREAM_READ_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
] as const;
/** SES v2 SendEmail is authorised against the sending identity: the address, or its verified domain. */
export const SEND_MAIL_ACTIONS = ['ses:SendEmail'] as const;
export const mailIdentityArns = (stack: Stack, from: string): string[] =>
  [from, from.slice(from.indexOf('@') + 1)].map((identity) =>
    stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
  );
/** Functions serving list routes read the cursor key secret, and nothing else of it. */
export const READ_CURSOR_KEY_ACTIONS = ['secretsmanager:GetSecretValue'] as const;
export const START_FLOW_ACTIONS = ['states:StartExecution'] as const;
/** Scoped to the state machine, as CDK's grantTaskResponse does. */
export const COMPLETE_TASK_ACTIONS = [
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  'states:SendTaskHeartbeat',
] as const;

/** EventBridge target retry policy when a subscription does not set one. */
/**
 * Lambda's own retries of an asynchronous invocation (EventBridge invokes asynchronously):
 * EventBridge's retry policy only covers delivery; when the handler throws, Lambda retries per
 * the function's definition (`asyncInvokeConfig`, the same numbers the local runtime applies)
 * and then hands the event to the function's failure queue instead of dropping it.
 */
export {
  DEFAULT_ASYNC_MAX_EVENT_AGE_SECONDS,
  DEFAULT_ASYNC_RETRY_ATTEMPTS,
  DEFAULT_MAX_EVENT_AGE_SECONDS,
  DEFAULT_RETRY_ATTEMPTS,
} from '../../shared/kit/definition';

const LAMBDA_TASK_RESOURCES = new Set([
  'arn:aws:states:::lambda:invoke',
  'arn:aws:states:::lambda:invoke.waitForTaskToken',
]);
/** The definition's `rate(N minute|minutes|hour|hours)`; EventBridge wants the singular exactly when N is 1. */
const RATE = /^rate\((\d+) (minute|minutes|hour|hours)\)$/;

export interface ServiceConstructProps {
  readonly platform: Platform;
  readonly definition: ServiceDefinition;
}

export class ServiceConstruct extends Construct {
  readonly definition: ServiceDefinition;
  readonly table: Table;
  /** The query store, when the definition has a `database`. */
  readonly queryStore?: QueryStore;
  /** The object bucket, when the definition has a `bucket`. */
  readonly bucket?: ServiceBucket;
  readonly functions: Record<string, ItsmFunction> = {};
  readonly stateMachines: Record<string, StateMachine> = {};
  /** Rules by subscription or schedule id. */
  readonly rules: Record<string, Rule> = {};
  /**
   * Dead-letter queues by subscription or schedule id, by `<fnId>:async` for functions' failed
   * invocations, and by `stream:<consumer id>` for batches a stream consumer gave up on.
   */
  readonly deadLetterQueues: Record<string, Queue> = {};
  /** Event source mappings on the table's stream, by stream consumer id. */
  readonly streamMappings: Record<string, EventSourceMapping> = {};

  constructor(scope: Construct, id: string, props: ServiceConstructProps) {
    super(scope, id);
    const { platform, definition: def } = props;
    this.definition = def;
    checkDefinition(def);
    const names = platform.names;
    Tags.of(this).add(SERVICE_TAG, def.name);

    // --- Table --------------------------------------------------------------------------------
    this.table = new Table(this, 'Table', {
      tableName: names.table(def.name),
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: def.table.timeToLiveAttribute,
      ...(def.table.stream ? { stream: StreamViewType[def.table.stream] } : {}),
      // Deleting the stack must not delete the records and their history (audit trail, FitSM GR2.3).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of def.table.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: `${index.name}pk`, type: AttributeType.STRING },
        sortKey: { name: `${index.name}sk`, type: AttributeType.STRING },
        projectionType: ProjectionType[indexProjection(index).ProjectionType],
        ...(Array.isArray(index.projection) ? { nonKeyAttributes: [...index.projection] } : {}),
      });
    }
    const tableArn = this.table.tableArn;
    const indexArns = def.table.indexes.map((i) => `${tableArn}/index/${i.name}`);

    // --- Query store and bucket -----------------------------------------------------------------
    if (def.database) {
      this.queryStore = new QueryStore(this, 'QueryStore', {
        service: def.name,
        spec: def.database,
        names,
        vpc: platform.queryStoreNetwork().vpc,
      });
    }
    if (def.bucket) {
      this.bucket = new ServiceBucket(this, 'Objects', {
        spec: def.bucket,
        ...(def.bucket.consoleUploads
          ? {
              consoleOrigin: platform.consoleUrl,
              bucketName: names.objectsBucket(def.name, Stack.of(this).account),
            }
          : {}),
      });
    }
    const store = this.queryStore;
    const objectsArn = this.bucket ? this.bucket.bucket.arnForObjects('*') : undefined;

    // --- Functions ------------------------------------------------------------------------------
    // Flow ARNs are built from the state machines' explicit names, never referenced from the
    // StateMachine resources. A function that starts (or completes tasks of) a flow whose tasks
    // invoke that same function would otherwise be a cycle: the function's environment and
    // policy would depend on the state machine, whose definition depends on the function's ARN.
    const flowArn = (flowId: string) =>
      Stack.of(this).formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: names.stateMachine(def.name, flowId),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    for (const [fnId, spec] of Object.entries(def.functions)) {
      const fn = new ItsmFunction(this, `Fn-${fnId}`, {
        service: def.name,
        fnId,
        functionName: names.function(def.name, fnId),
        entry: spec.entry,
        description: spec.description,
        memoryMb: spec.memoryMb,
        timeoutSeconds: spec.timeoutSeconds,
        reservedConcurrency: spec.reservedConcurrency,
        tracing: spec.tracing,
        environment: functionEnvironment(def, fnId, {
          tableName: this.table.tableName,
          busName: platform.bus.eventBusName,
          flowArn,
          mailFrom: platform.mailFrom,
          cursorSecretArn: platform.cursorKey.secretArn,
          ...(store
            ? {
                database: {
                  clusterArn: store.clusterArn,
                  ownerSecretArn: store.ownerSecret.secretArn,
                  readerSecretArn: store.readerSecret.secretArn,
                },
              }
            : {}),
          ...(this.bucket ? { bucketName: this.bucket.bucket.bucketName } : {}),
          // A nested stack parameter: the distribution lives in the root stack.
          consoleUrl: platform.consoleUrl,
        }),
      });
      this.functions[fnId] = fn;
      const { access } = spec;
      const grant = (actions: readonly string[], resources: string[]) => {
        if (resources.length > 0)
          fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: [...actions], resources }));
      };
      if (access.table) grant(TABLE_READ_ACTIONS, [tableArn, ...indexArns]);
      if (access.table === 'write') grant(TABLE_WRITE_ACTIONS, [tableArn]);
      if (access.publish) grant(PUBLISH_ACTIONS, [platform.bus.eventBusArn]);
      grant(START_FLOW_ACTIONS, (access.startFlows ?? []).map(flowArn));
      grant(COMPLETE_TASK_ACTIONS, (access.completeFlowTasks ?? []).map(flowArn));
      if (access.sendMail) grant(SEND_MAIL_ACTIONS, mailIdentityArns(Stack.of(this), platform.mailFrom));
      // Only GetSecretValue, and only for functions that sign and verify cursors (ADR 19).
      if (functionPages(def, fnId)) grant(READ_CURSOR_KEY_ACTIONS, [platform.cursorKey.secretArn]);
      // The Data API on this cluster only, as the user whose secret the function may read: the
      // reader's for `read`; the owner's for `write`, and the reader's too (migrations set the
      // read-only role's password from it).
      if (access.database && store) {
        grant(DATA_API_ACTIONS, [store.clusterArn]);
        const secrets = access.database === 'write' ? [store.ownerSecret, store.readerSecret] : [store.readerSecret];
        grant(
          READ_DATABASE_SECRET_ACTIONS,
          secrets.map((s) => s.secretArn),
        );
      }
      // Objects only (`<bucket>/*`): no ListBucket, so a missing key answers 403 AccessDenied, not 404.
      if (access.bucket && objectsArn && def.bucket) {
        grant(bucketReadActions(def.bucket), [objectsArn]);
        if (access.bucket === 'write') grant(BUCKET_WRITE_ACTIONS, [objectsArn]);
        const policy = fn.role.node.tryFindChild('DefaultPolicy');
        if (policy) accept(policy, 'bucketObjects');
      }
    }
    const fnOf = (fnId: string): ItsmFunction => {
      const fn = this.functions[fnId];
      if (!fn) throw new Error(`${def.name}: unknown function "${fnId}"`);
      return fn;
    };

    // --- Routes ---------------------------------------------------------------------------------
    const integrations = new Map<string, ReturnType<typeof lambdaIntegration>>();
    for (const route of def.routes) {
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = lambdaIntegration(`Api-${route.function}`, fnOf(route.function).function);
        integrations.set(route.function, integration);
      }
      const added = platform.addRoute(this, def.name, route, integration, { public: route.public === true });
      if (route.public) accept(added, 'publicSecretRoute');
    }

    // --- Rules: subscriptions and schedules -----------------------------------------------------
    const ruleTargets = new Set<string>();
    const addTarget = (
      rule: Rule,
      key: string,
      fnId: string,
      what: string,
      retry: { retryAttempts?: number; maximumEventAgeSeconds?: number },
    ) => {
      const dlq = platform.deadLetterQueue(this, `${key}-Dlq`, `${def.name} ${what} (EventBridge could not deliver)`);
      this.deadLetterQueues[key] = dlq;
      rule.addTarget(
        new LambdaFunction(fnOf(fnId).function, {
          deadLetterQueue: dlq,
          retryAttempts: retry.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
          maxEventAge: Duration.seconds(retry.maximumEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS),
        }),
      );
      ruleTargets.add(fnId);
    };
    for (const sub of def.subscriptions) {
      const bus: IEventBus = sub.bus === 'default' ? platform.defaultBus : platform.bus;
      const rule = new Rule(this, `Subscription-${sub.id}`, {
        ruleName: names.rule(def.name, sub.id),
        description: sub.description,
        eventBus: bus,
        // The definition holds the pattern exactly as EventBridge takes it; CDK passes keys through.
        eventPattern: sub.pattern as RuleEventPattern,
      });
      this.rules[sub.id] = rule;
      addTarget(rule, sub.id, sub.function, `subscription ${sub.id}`, sub);
    }
    for (const schedule of def.schedules) {
      const rule = new Rule(this, `Schedule-${schedule.id}`, {
        ruleName: names.rule(def.name, schedule.id),
        description: schedule.description,
        schedule: Schedule.expression(schedule.rate),
      });
      this.rules[schedule.id] = rule;
      addTarget(rule, schedule.id, schedule.function, `schedule ${schedule.id}`, {});
    }
    for (const fnId of ruleTargets) {
      const fn = fnOf(fnId);
      const failures = platform.deadLetterQueue(fn, 'AsyncFailures', `${def.name}.${fnId} failed every attempt`);
      this.deadLetterQueues[`${fnId}:async`] = failures;
      const config = asyncInvokeConfig(def.functions[fnId]!);
      fn.function.configureAsyncInvoke({
        onFailure: new SqsDestination(failures),
        retryAttempts: config.maximumRetryAttempts,
        maxEventAge: Duration.seconds(config.maximumEventAgeSeconds),
      });
    }

    // --- Stream consumers: event source mappings on the table's stream ----------------------------
    for (const c of def.streamConsumers ?? []) {
      const fn = fnOf(c.function);
      const streamArn = this.table.tableStreamArn;
      if (!streamArn) throw new Error(`${def.name}: stream consumer ${c.id} needs table.stream`);
      // Lambda reads the stream with the function's role: the stream read actions, on this stream only.
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: [...STREAM_READ_ACTIONS], resources: [streamArn] }));
      // The failure destination receives each abandoned batch's shard and sequence numbers (never
      // the records); the redrive reads the event items back from the table.
      const failures = platform.deadLetterQueue(
        this,
        `Stream-${c.id}-Failures`,
        `${def.name} stream consumer ${c.id} gave up on a batch (redrive: npx itsm events redrive)`,
      );
      this.deadLetterQueues[`stream:${c.id}`] = failures;
      this.streamMappings[c.id] = fn.function.addEventSourceMapping(`Stream-${c.id}`, {
        eventSourceArn: streamArn,
        startingPosition: StartingPosition[c.startingPosition],
        ...(c.batchSize !== undefined ? { batchSize: c.batchSize } : {}),
        ...(c.maximumBatchingWindowSeconds !== undefined
          ? { maxBatchingWindow: Duration.seconds(c.maximumBatchingWindowSeconds) }
          : {}),
        ...(c.bisectBatchOnFunctionError !== undefined ? { bisectBatchOnError: c.bisectBatchOnFunctionError } : {}),
        retryAttempts: c.maximumRetryAttempts,
        maxRecordAge: Duration.seconds(c.maximumRecordAgeInSeconds),
        reportBatchItemFailures: c.reportBatchItemFailures === true,
        onFailure: new SqsDlq(failures),
        // The definition holds EventBridge-syntax patterns exactly as Lambda's filter criteria take them.
        ...(c.filters?.length ? { filters: c.filters.map((f) => FilterCriteria.filter(f)) } : {}),
      });
    }

    // --- Deploy hooks: run once the service's resources are updated --------------------------------
    // A Trigger runs after every resource of this service it depends on is created or updated, and
    // fails the deployment (rolling back) when the function fails; CloudFormation deletes resources
    // a new template drops (the old relay schedule) only in the cleanup phase after that (ADR 23).
    for (const hook of def.onDeploy ?? []) {
      const trigger = new Trigger(this, `OnDeploy-${hook.id}`, {
        handler: fnOf(hook.function).function,
        timeout: Duration.seconds(def.functions[hook.function]?.timeoutSeconds ?? 60),
      });
      // The migrations (the query store's hook) need the writer instance up, not just the cluster.
      trigger.executeAfter(this.table, ...Object.values(this.functions), ...(store ? [store] : []));
    }

    // --- Flows ----------------------------------------------------------------------------------
    for (const flow of def.flows) {
      const stateMachineName = names.stateMachine(def.name, flow.id);
      // The `/aws/vendedlogs/` prefix keeps the CloudWatch Logs resource policy that log
      // delivery maintains small however many flows there are.
      const logGroup = new LogGroup(this, `Flow-${flow.id}-Logs`, {
        logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
        retention: RetentionDays.THREE_MONTHS,
      });
      const machine = new StateMachine(this, `Flow-${flow.id}`, {
        stateMachineName,
        stateMachineType: StateMachineType.STANDARD,
        comment: flow.description,
        definitionBody: DefinitionBody.fromString(JSON.stringify(flow.definition)),
        definitionSubstitutions: flowSubstitutions(flow, (fnId) => fnOf(fnId).functionArn),
        // Execution data stays out of the logs (it holds personal data); the execution history
        // in Step Functions keeps it for 90 days.
        logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
      });
      machine.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: flow.taskFunctions.map((fnId) => fnOf(fnId).functionArn),
        }),
      );
      const policy = machine.role.node.tryFindChild('DefaultPolicy');
      if (policy) accept(policy, 'statesLogsAndXray');
      this.stateMachines[flow.id] = machine;
    }
  }
}

/** Checks what the AWS interpreter relies on beyond `defineService`'s cross-reference checks. */
function checkDefinition(def: ServiceDefinition): void {
  const problems: string[] = [];
  for (const fnId of new Set(def.routes.map((r) => r.function))) {
    const timeout = def.functions[fnId]?.timeoutSeconds ?? 0;
    if (timeout > MAX_API_TIMEOUT_SECONDS) {
      problems.push(
        `function ${fnId} serves API routes; its timeout ${timeout} s exceeds the ${MAX_API_TIMEOUT_SECONDS} s API Gateway waits`,
      );
    }
  }
  const ruleIds = new Set<string>();
  for (const { id } of [...def.subscriptions, ...def.schedules]) {
    if (ruleIds.has(id))
      problems.push(`rule id "${id}" is used twice (subscription and schedule ids share rule names)`);
    ruleIds.add(id);
  }
  for (const sub of def.subscriptions) {
    const attempts = sub.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    const age = sub.maximumEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS;
    if (!Number.isInteger(attempts) || attempts < 0 || attempts > 185)
      problems.push(`subscription ${sub.id}: retryAttempts must be an integer from 0 to 185`);
    if (!Number.isInteger(age) || age < 60 || age > 86_400)
      problems.push(`subscription ${sub.id}: maximumEventAgeSeconds must be an integer from 60 to 86400`);
  }
  for (const s of def.schedules) {
    const m = RATE.exec(s.rate);
    const n = Number(m?.[1]);
    if (!m || n < 1 || (n === 1) === m[2]?.endsWith('s')) {
      problems.push(`schedule ${s.id}: "${s.rate}" is not a rate EventBridge accepts (rate(1 hour), rate(5 minutes))`);
    }
  }
  for (const flow of def.flows) problems.push(...checkFlow(flow));
  if (problems.length > 0) throw new Error(`Service "${def.name}" cannot be deployed:\n- ${problems.join('\n- ')}`);
}

/** Every Task must be a Lambda invoke of a `${fnId}` listed in `taskFunctions`, and every listed function used. */
function checkFlow(flow: FlowSpec): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  const visit = (states: unknown) => {
    for (const [name, state] of Object.entries(asRecord(states))) {
      const s = asRecord(state);
      if (s.Type === 'Task') {
        const fnName = asRecord(s.Parameters).FunctionName;
        const m = typeof fnName === 'string' ? /^\$\{([A-Za-z0-9_-]+)\}$/.exec(fnName) : null;
        if (typeof s.Resource !== 'string' || !LAMBDA_TASK_RESOURCES.has(s.Resource)) {
          problems.push(`flow ${flow.id}: task ${name} uses ${String(s.Resource)}; only lambda:invoke is granted`);
        } else if (!m?.[1] || !flow.taskFunctions.includes(m[1])) {
          problems.push(`flow ${flow.id}: task ${name} must name a function of taskFunctions as "\${<functionId>}"`);
        } else {
          used.add(m[1]);
        }
      }
      for (const branch of Array.isArray(s.Branches) ? s.Branches : []) visit(asRecord(branch).States);
      visit(asRecord(s.ItemProcessor ?? s.Iterator).States);
    }
  };
  visit(flow.definition.States);
  for (const fnId of flow.taskFunctions) {
    if (!used.has(fnId)) problems.push(`flow ${flow.id}: taskFunctions lists "${fnId}" but no task invokes it`);
  }
  return problems;
}
