/**
 * What deploying a service definition must produce, stated once and checked for any
 * definition: the fixture (every feature) and each real service. ARNs and names are compared
 * with the local runtime's (`infra/local/names.ts`): the default stack `Itsm` must name things
 * exactly as the local runtime does, so that what runs locally is what deploys.
 */
import { describe, expect, it } from 'vitest';
import {
  asyncInvokeConfig,
  DEFAULT_MAIL_FROM,
  functionEnvironment,
  functionPages,
  indexProjection,
  type ServiceDefinition,
  substituteDefinition,
} from '../../../shared/kit/definition';
import { consoleUploadsCors } from '../../api/cors';
import * as local from '../../local/names';
import { ABORT_INCOMPLETE_UPLOADS_DAYS, BUCKET_WRITE_ACTIONS, bucketReadActions } from '../bucket';
import { DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS } from '../function';
import { asRecord } from '../json';
import {
  BACKUP_RETENTION_DAYS,
  DATA_API_ACTIONS,
  DATABASE_OWNER_USER,
  QUERY_STORE_ENGINE_VERSION,
  READ_DATABASE_SECRET_ACTIONS,
} from '../query-store';
import {
  COMPLETE_TASK_ACTIONS,
  DEFAULT_MAX_EVENT_AGE_SECONDS,
  DEFAULT_RETRY_ATTEMPTS,
  PUBLISH_ACTIONS,
  READ_CURSOR_KEY_ACTIONS,
  SEND_MAIL_ACTIONS,
  START_FLOW_ACTIONS,
  STREAM_READ_ACTIONS,
  TABLE_READ_ACTIONS,
  TABLE_WRITE_ACTIONS,
} from '../service';
import {
  allows,
  type CfnResourceJson,
  type DeployedFunction,
  deployedFunctions,
  type ResolveScope,
  resolve,
  roleStatements,
  type SynthesizedItsm,
  scopeOf,
} from '../synth';

export const BUS_ARN = local.busArn(local.PLATFORM_BUS);
export const ALARM_TOPIC_ARN = `arn:aws:sns:${local.LOCAL_REGION}:${local.LOCAL_ACCOUNT}:itsm-alarms`;

/**
 * The console's base URL as the templates resolve it: `https://` and the distribution's domain
 * name, which only CloudFront knows (`<logical id.DomainName>`).
 */
export function consoleUrlOf(synth: SynthesizedItsm): string {
  const root = scopeOf(synth, 'platform');
  const [id] = resourcesOf(root, 'AWS::CloudFront::Distribution').map(([d]) => d);
  return `https://${String(resolve({ 'Fn::GetAtt': [id, 'DomainName'] }, root))}`;
}

export function resourcesOf(scope: ResolveScope, type: string): [string, CfnResourceJson][] {
  return Object.entries(scope.template.Resources).filter(([, r]) => r.Type === type);
}

/** `action resource` pairs, the unit grants are compared in. */
export function pairsOf(statements: { actions: string[]; resources: string[] }[]): string[] {
  return statements.flatMap((s) => s.actions.flatMap((a) => s.resources.map((r) => `${a} ${r}`)));
}

const pairs = (actions: readonly string[], resources: string[]) =>
  actions.flatMap((a) => resources.map((r) => `${a} ${r}`));

/** The query store's ARNs as the local runtime names them (`infra/local/names.ts`). */
export function databaseArns(def: ServiceDefinition) {
  return def.database
    ? {
        clusterArn: local.clusterArn(local.clusterName(def.name)),
        ownerSecretArn: local.secretArn(local.databaseSecret(def.name, 'owner')),
        readerSecretArn: local.secretArn(local.databaseSecret(def.name, 'reader')),
      }
    : undefined;
}
/** The objects of the service's bucket, as the local runtime names them. */
export const bucketObjectsArn = (def: ServiceDefinition) => `${local.bucketArn(local.bucketName(def.name))}/*`;

/** The grants a function's `access` asks for, as ARNs the local runtime records. */
export function expectedGrants(def: ServiceDefinition, fnId: string): string[] {
  const access = def.functions[fnId]?.access ?? {};
  const table = local.tableArn(local.tableName(def.name));
  const indexes = def.table.indexes.map((i) => `${table}/index/${i.name}`);
  const flow = (id: string) => local.stateMachineArn(local.stateMachineName(def.name, id));
  const db = databaseArns(def);
  return [
    ...(access.table ? pairs(TABLE_READ_ACTIONS, [table, ...indexes]) : []),
    ...(access.table === 'write' ? pairs(TABLE_WRITE_ACTIONS, [table]) : []),
    ...(access.publish ? pairs(PUBLISH_ACTIONS, [BUS_ARN]) : []),
    ...pairs(START_FLOW_ACTIONS, (access.startFlows ?? []).map(flow)),
    ...pairs(COMPLETE_TASK_ACTIONS, (access.completeFlowTasks ?? []).map(flow)),
    ...(access.sendMail
      ? pairs(SEND_MAIL_ACTIONS, [DEFAULT_MAIL_FROM, DEFAULT_MAIL_FROM.split('@')[1]!].map(local.sesIdentityArn))
      : []),
    ...(functionPages(def, fnId) ? pairs(READ_CURSOR_KEY_ACTIONS, [local.secretArn(local.CURSOR_KEY_SECRET)]) : []),
    ...(access.database && db ? pairs(DATA_API_ACTIONS, [db.clusterArn]) : []),
    ...(access.database && db
      ? pairs(
          READ_DATABASE_SECRET_ACTIONS,
          access.database === 'write' ? [db.ownerSecretArn, db.readerSecretArn] : [db.readerSecretArn],
        )
      : []),
    ...(access.bucket && def.bucket ? pairs(bucketReadActions(def.bucket), [bucketObjectsArn(def)]) : []),
    ...(access.bucket === 'write' ? pairs(BUCKET_WRITE_ACTIONS, [bucketObjectsArn(def)]) : []),
  ];
}

/** Functions that read the table's stream, by consumer. */
export const streamReaders = (def: ServiceDefinition) => new Set((def.streamConsumers ?? []).map((c) => c.function));

/** Functions that EventBridge invokes (subscriptions and schedules). */
export const ruleTargets = (def: ServiceDefinition) =>
  new Set([...def.subscriptions.map((s) => s.function), ...def.schedules.map((s) => s.function)]);

export function describeServiceDeployment(def: ServiceDefinition, getSynth: () => SynthesizedItsm): void {
  describe(`service "${def.name}" as deployed`, () => {
    const scope = () => scopeOf(getSynth(), def.name);
    const functions = () => deployedFunctions(getSynth()).filter((f) => f.service === def.name);
    const fn = (fnId: string): DeployedFunction => {
      const found = functions().filter((f) => f.fnId === fnId);
      expect(found, `exactly one function tagged ${def.name}/${fnId}`).toHaveLength(1);
      return found[0] as DeployedFunction;
    };
    const fnArn = (fnId: string) => local.functionArn(local.functionName(def.name, fnId));
    const tableArn = local.tableArn(local.tableName(def.name));
    const rq = (v: unknown) => resolve(v, scope());

    it('has one table: pk/sk, on demand, PITR, retained, deletion protected, AWS-managed encryption, its GSIs and TTL', () => {
      const tables = resourcesOf(scope(), 'AWS::DynamoDB::Table');
      expect(tables).toHaveLength(1);
      const [, table] = tables[0] as [string, CfnResourceJson];
      const p = asRecord(table.Properties);
      expect(p.TableName).toBe(local.tableName(def.name));
      expect(p.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.DeletionProtectionEnabled).toBe(true);
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      // SSEEnabled without a key is the AWS managed key (alias/aws/dynamodb).
      expect(p.SSESpecification).toEqual({ SSEEnabled: true });
      const gsis = (p.GlobalSecondaryIndexes ?? []) as Record<string, unknown>[];
      expect(gsis).toEqual(
        def.table.indexes.map((i) => ({
          IndexName: i.name,
          KeySchema: [
            { AttributeName: `${i.name}pk`, KeyType: 'HASH' },
            { AttributeName: `${i.name}sk`, KeyType: 'RANGE' },
          ],
          Projection: indexProjection(i),
        })),
      );
      const ttl = def.table.timeToLiveAttribute;
      expect(p.TimeToLiveSpecification).toEqual(ttl ? { AttributeName: ttl, Enabled: true } : undefined);
      expect(p.StreamSpecification).toEqual(def.table.stream ? { StreamViewType: def.table.stream } : undefined);
    });

    it('deploys each function on nodejs22.x arm64, JSON logs, active tracing, its memory, timeout and reserved concurrency', () => {
      expect(
        functions()
          .map((f) => f.fnId)
          .sort(),
      ).toEqual(Object.keys(def.functions).sort());
      for (const [fnId, spec] of Object.entries(def.functions)) {
        const p = fn(fnId).properties;
        expect(fn(fnId).functionName).toBe(local.functionName(def.name, fnId));
        expect(p.Runtime).toBe('nodejs22.x');
        expect(p.Architectures).toEqual(['arm64']);
        expect(p.Handler).toBe('index.handler');
        expect(p.MemorySize).toBe(spec.memoryMb ?? DEFAULT_MEMORY_MB);
        expect(p.Timeout).toBe(spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS);
        // Reserved concurrency throttles the same on AWS as locally (ADR 22); none reserved, none set.
        expect(p.ReservedConcurrentExecutions).toBe(spec.reservedConcurrency);
        expect(p.TracingConfig).toEqual({ Mode: spec.tracing === 'pass-through' ? 'PassThrough' : 'Active' });
        expect(asRecord(p.LoggingConfig).LogFormat).toBe('JSON');
        expect(p.Description).toBe(spec.description);
      }
    });

    it('gives each function exactly the environment its definition gives, with the local names', () => {
      for (const fnId of Object.keys(def.functions)) {
        const expected = functionEnvironment(def, fnId, {
          tableName: local.tableName(def.name),
          busName: local.PLATFORM_BUS,
          flowArn: (flowId) => local.stateMachineArn(local.stateMachineName(def.name, flowId)),
          mailFrom: DEFAULT_MAIL_FROM,
          cursorSecretArn: local.secretArn(local.CURSOR_KEY_SECRET),
          database: databaseArns(def),
          bucketName: def.bucket ? local.bucketName(def.name) : undefined,
          consoleUrl: consoleUrlOf(getSynth()),
        });
        expect(fn(fnId).environment, fnId).toEqual(expected);
        // CONSOLE_URL comes from the root stack's distribution, through a nested stack parameter.
        if (def.functions[fnId]?.access.consoleLinks)
          expect(expected.CONSOLE_URL).toMatch(/^https:\/\/<\w+\.DomainName>$/);
      }
    });

    it('grants each function exactly what its access asks for, beyond its own logs, X-Ray and failure queue', () => {
      for (const fnId of Object.keys(def.functions)) {
        const f = fn(fnId);
        const logGroup = rq({ 'Fn::GetAtt': [asRecord(asRecord(f.properties.LoggingConfig).LogGroup).Ref, 'Arn'] });
        const baseline = [
          ...pairs(['logs:CreateLogStream', 'logs:PutLogEvents'], [String(logGroup)]),
          ...pairs(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']),
        ];
        if (ruleTargets(def).has(fnId)) {
          const [config] = resourcesOf(scope(), 'AWS::Lambda::EventInvokeConfig').filter(
            ([, r]) => rq(asRecord(r.Properties).FunctionName) === f.functionName,
          );
          const destination = asRecord(
            asRecord(asRecord(config?.[1].Properties).DestinationConfig).OnFailure,
          ).Destination;
          baseline.push(
            ...pairs(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], [String(rq(destination))]),
          );
        }
        if (streamReaders(def).has(fnId)) {
          // Reading this table's streams, and sending abandoned batches to its mapping's failure queue.
          baseline.push(...pairs(STREAM_READ_ACTIONS, [`${tableArn}/stream/*`]));
          for (const [, m] of resourcesOf(scope(), 'AWS::Lambda::EventSourceMapping')) {
            const mp = asRecord(m.Properties);
            if (rq(mp.FunctionName) !== f.functionName) continue;
            const destination = asRecord(asRecord(mp.DestinationConfig).OnFailure).Destination;
            baseline.push(
              ...pairs(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], [String(rq(destination))]),
            );
          }
        }
        expect(new Set(pairsOf(f.statements)), fnId).toEqual(new Set([...baseline, ...expectedGrants(def, fnId)]));
      }
    });

    it('lets a function that only reads not write its table', () => {
      const readers = Object.entries(def.functions).filter(([, s]) => s.access.table === 'read');
      for (const [fnId] of readers) {
        for (const action of [...TABLE_WRITE_ACTIONS, 'dynamodb:Scan']) {
          expect(allows(fn(fnId), action, tableArn), `${fnId} ${action}`).toBe(false);
        }
      }
    });

    it("lets a function that only reads its query store or bucket not use the owner's secret nor change objects", () => {
      const db = databaseArns(def);
      for (const [fnId, spec] of Object.entries(def.functions)) {
        const f = fn(fnId);
        if (db) {
          // Only the owner (write) signs in as the owner; nobody may change or describe the secrets.
          expect(allows(f, 'secretsmanager:GetSecretValue', db.ownerSecretArn), fnId).toBe(
            spec.access.database === 'write',
          );
          expect(allows(f, 'rds-data:ExecuteStatement', db.clusterArn), fnId).toBe(spec.access.database !== undefined);
          for (const action of [
            'secretsmanager:PutSecretValue',
            'secretsmanager:DescribeSecret',
            'rds-data:ExecuteSql',
          ])
            expect(allows(f, action, db.ownerSecretArn) || allows(f, action, db.clusterArn), `${fnId} ${action}`).toBe(
              false,
            );
        }
        if (def.bucket) {
          const object = bucketObjectsArn(def).replace(/\*$/, 'exports/e1.csv');
          expect(allows(f, 's3:GetObject', object), fnId).toBe(spec.access.bucket !== undefined);
          // A version by its id only from a versioned bucket, and only for its readers.
          expect(allows(f, 's3:GetObjectVersion', object), fnId).toBe(
            spec.access.bucket !== undefined && def.bucket.versioned === true,
          );
          for (const action of BUCKET_WRITE_ACTIONS)
            expect(allows(f, action, object), `${fnId} ${action}`).toBe(spec.access.bucket === 'write');
          const bucket = local.bucketArn(local.bucketName(def.name));
          // Nobody may remove a version, shorten its retention or bypass a GOVERNANCE lock.
          for (const action of [
            's3:ListBucket',
            's3:PutBucketPolicy',
            's3:PutObjectAcl',
            's3:DeleteObjectVersion',
            's3:BypassGovernanceRetention',
            's3:PutObjectRetention',
            's3:PutBucketObjectLockConfiguration',
            's3:PutBucketVersioning',
          ])
            expect(allows(f, action, bucket) || allows(f, action, object), `${fnId} ${action}`).toBe(false);
        }
      }
    });

    it('has a query store when it declares one: Aurora PostgreSQL Serverless v2 that pauses at 0 ACU, Data API on, encrypted, protected', () => {
      const clusters = resourcesOf(scope(), 'AWS::RDS::DBCluster');
      expect(clusters).toHaveLength(def.database ? 1 : 0);
      if (!def.database) return;
      const [clusterId, cluster] = clusters[0] as [string, CfnResourceJson];
      const p = asRecord(cluster.Properties);
      expect(p).toMatchObject({
        DBClusterIdentifier: local.clusterName(def.name),
        Engine: 'aurora-postgresql',
        EngineVersion: QUERY_STORE_ENGINE_VERSION.auroraPostgresFullVersion,
        DatabaseName: def.database.name,
        EnableHttpEndpoint: true,
        StorageEncrypted: true,
        DeletionProtection: true,
        BackupRetentionPeriod: BACKUP_RETENTION_DAYS,
        ServerlessV2ScalingConfiguration: {
          MinCapacity: 0,
          MaxCapacity: def.database.maxCapacity,
          SecondsUntilAutoPause: def.database.secondsUntilAutoPause,
        },
      });
      // The first minor of each major that both scales to 0 ACU and has the Data API (Aurora User
      // Guide: "Scaling to Zero ACUs with automatic pause and resume"; "Supported Regions and Aurora
      // DB engines for RDS Data API").
      const [major, minor] = String(p.EngineVersion).split('.').map(Number) as [number, number];
      const lowest: Record<number, number> = { 13: 15, 14: 12, 15: 7, 16: 3, 17: 4, 18: 3 };
      expect(lowest[major], `Aurora PostgreSQL ${major}`).toBeDefined();
      expect(minor).toBeGreaterThanOrEqual(lowest[major] ?? Number.POSITIVE_INFINITY);
      expect(p.EnableIAMDatabaseAuthentication).toBeUndefined();
      // Deleting the stack leaves a final snapshot.
      expect(cluster.DeletionPolicy).toBe('Snapshot');
      expect(cluster.UpdateReplacePolicy).toBe('Snapshot');
      // The master user is the owner, from the owner secret.
      expect(JSON.stringify(p.MasterUsername)).toContain(':SecretString:username::');
      expect(p.MasterUserPassword).toBeDefined();
      const instances = resourcesOf(scope(), 'AWS::RDS::DBInstance').map(([, r]) => asRecord(r.Properties));
      expect(instances).toEqual([
        expect.objectContaining({
          DBClusterIdentifier: { Ref: clusterId },
          DBInstanceClass: 'db.serverless',
          PubliclyAccessible: false,
        }),
      ]);
      // In the platform's isolated subnets, behind a security group that lets nothing in.
      const [, group] = resourcesOf(scope(), 'AWS::RDS::DBSubnetGroup')[0] as [string, CfnResourceJson];
      expect(asRecord(group.Properties).SubnetIds).toHaveLength(2);
      const groups = resourcesOf(scope(), 'AWS::EC2::SecurityGroup');
      expect(groups).toHaveLength(1);
      expect(asRecord(groups[0]?.[1].Properties).SecurityGroupIngress).toBeUndefined();
      expect(resourcesOf(scope(), 'AWS::EC2::SecurityGroupIngress')).toEqual([]);
    });

    it("keeps the query store's credentials in two generated secrets: the owner (master user) and the read-only user", () => {
      const secrets = resourcesOf(scope(), 'AWS::SecretsManager::Secret').map(([, r]) => asRecord(r.Properties));
      expect(secrets).toHaveLength(def.database ? 2 : 0);
      if (!def.database) return;
      const byName = (user: 'owner' | 'reader') => secrets.find((x) => x.Name === local.databaseSecret(def.name, user));
      for (const [user, username] of [
        ['owner', DATABASE_OWNER_USER],
        ['reader', def.database.readerUser],
      ] as const) {
        const secret = byName(user);
        expect(secret?.SecretString, user).toBeUndefined();
        const generated = asRecord(secret?.GenerateSecretString);
        expect(JSON.parse(String(generated.SecretStringTemplate))).toEqual({ username });
        expect(generated.GenerateStringKey).toBe('password');
        // Safe in a master password and in a SQL string literal (ALTER ROLE ... PASSWORD '...').
        for (const c of [' ', '"', "'", '@', '/', '\\']) expect(String(generated.ExcludeCharacters)).toContain(c);
      }
      // The owner secret is the cluster's: the template resolves the master credentials from it.
      const [ownerId] = resourcesOf(scope(), 'AWS::SecretsManager::Secret').find(
        ([, r]) => asRecord(r.Properties).Name === local.databaseSecret(def.name, 'owner'),
      ) as [string, CfnResourceJson];
      const [, cluster] = resourcesOf(scope(), 'AWS::RDS::DBCluster')[0] as [string, CfnResourceJson];
      expect(JSON.stringify(asRecord(cluster.Properties).MasterUserPassword)).toContain(`"Ref":"${ownerId}"`);
    });

    it('has a private bucket when it declares one: S3-managed encryption, TLS only, objects expire, access logged', () => {
      const bucket = scope().template.Resources.ObjectsBucket;
      expect(bucket !== undefined).toBe(def.bucket !== undefined);
      if (!def.bucket || !bucket) return;
      const p = asRecord(bucket.Properties);
      // Names are global: CloudFormation generates them, except for a bucket the console reaches
      // (its content security policy names it): then the local runtime's name, with the account.
      expect(p.BucketName === undefined ? undefined : rq(p.BucketName)).toBe(
        def.bucket.consoleUploads ? local.bucketName(def.name) : undefined,
      );
      expect(p.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(p.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      // Versioned (and locked) exactly as the definition says.
      expect(p.VersioningConfiguration).toEqual(def.bucket.versioned ? { Status: 'Enabled' } : undefined);
      expect(p.ObjectLockEnabled).toBe(def.bucket.objectLock ? true : undefined);
      expect(p.ObjectLockConfiguration).toEqual(
        def.bucket.objectLock
          ? {
              ObjectLockEnabled: 'Enabled',
              Rule: { DefaultRetention: { Mode: def.bucket.objectLock.mode, Days: def.bucket.objectLock.days } },
            }
          : undefined,
      );
      // Browsers may use its presigned URLs from the console's origin only, when it declares so.
      const cors = consoleUploadsCors(consoleUrlOf(getSynth()));
      expect(rq(p.CorsConfiguration)).toEqual(
        def.bucket.consoleUploads
          ? {
              CorsRules: [
                {
                  AllowedOrigins: cors.allowedOrigins,
                  AllowedMethods: cors.allowedMethods,
                  AllowedHeaders: cors.allowedHeaders,
                  ExposedHeaders: cors.exposeHeaders,
                  MaxAge: cors.maxAgeSeconds,
                },
              ],
            }
          : undefined,
      );
      expect(asRecord(p.LifecycleConfiguration).Rules).toEqual([
        {
          ...(def.bucket.expireAfterDays !== undefined ? { ExpirationInDays: def.bucket.expireAfterDays } : {}),
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_DAYS },
          Status: 'Enabled',
        },
      ]);
      expect(bucket.DeletionPolicy).toBe('Retain');
      const logs = asRecord(asRecord(p.LoggingConfiguration).DestinationBucketName).Ref;
      expect(scope().template.Resources[String(logs)]?.Type).toBe('AWS::S3::Bucket');
      const policies = resourcesOf(scope(), 'AWS::S3::BucketPolicy').map(([, r]) => asRecord(r.Properties));
      for (const id of ['ObjectsBucket', String(logs)]) {
        const policy = policies.find((x) => asRecord(x.Bucket).Ref === id);
        expect(asRecord(policy?.PolicyDocument).Statement, id).toContainEqual(
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        );
      }
    });

    it('allows events:PutEvents only on the platform bus, and only to publishers', () => {
      for (const f of functions()) {
        const putEvents = f.statements.filter((s) => s.actions.some((a) => a.startsWith('events:')));
        const publishes = def.functions[f.fnId]?.access.publish === true;
        expect(putEvents.flatMap((s) => s.resources)).toEqual(publishes ? [BUS_ARN] : []);
      }
    });

    it('routes each of its API routes to its function through the JWT authorizer', () => {
      const root = scopeOf(getSynth(), 'platform');
      const [authorizerId] = resourcesOf(root, 'AWS::ApiGatewayV2::Authorizer').map(([id]) => id);
      const [apiId] = resourcesOf(root, 'AWS::ApiGatewayV2::Api').map(([id]) => id);
      const routes = resourcesOf(scope(), 'AWS::ApiGatewayV2::Route');
      expect(routes.map(([, r]) => asRecord(r.Properties).RouteKey).sort()).toEqual(
        def.routes.map((r) => `${r.method} ${r.path}`).sort(),
      );
      const integrations = Object.fromEntries(resourcesOf(scope(), 'AWS::ApiGatewayV2::Integration'));
      for (const route of def.routes) {
        const [, r] = routes.find(([, x]) => asRecord(x.Properties).RouteKey === `${route.method} ${route.path}`) ?? [];
        const p = asRecord(r?.Properties);
        if (route.public) {
          expect(p.AuthorizationType, `${route.path} is public`).toBe('NONE');
        } else {
          expect(p.AuthorizationType).toBe('JWT');
          expect(rq(p.AuthorizerId)).toBe(`<${authorizerId}>`);
        }
        expect(rq(p.ApiId)).toBe(`<${apiId}>`);
        const target = String(rq(p.Target));
        const integration = asRecord(integrations[target.replace(/^integrations\/<(.*)>$/, '$1')]?.Properties);
        expect(integration.IntegrationType).toBe('AWS_PROXY');
        expect(integration.PayloadFormatVersion).toBe('2.0');
        expect(rq(integration.IntegrationUri)).toBe(fnArn(route.function));
      }
      for (const fnId of new Set(def.routes.map((r) => r.function))) {
        const permissions = resourcesOf(scope(), 'AWS::Lambda::Permission')
          .map(([, r]) => asRecord(r.Properties))
          .filter((p) => p.Principal === 'apigateway.amazonaws.com' && rq(p.FunctionName) === fnArn(fnId));
        expect(permissions.map((p) => rq(p.SourceArn))).toEqual([
          `arn:aws:execute-api:${local.LOCAL_REGION}:${local.LOCAL_ACCOUNT}:<${apiId}>/*/*/*`,
        ]);
      }
    });

    const expectRuleTarget = (
      rule: Record<string, unknown>,
      fnId: string,
      retry: { attempts: number; age: number },
    ) => {
      const targets = rule.Targets as Record<string, unknown>[];
      expect(targets).toHaveLength(1);
      const target = targets[0] as Record<string, unknown>;
      expect(rq(target.Arn)).toBe(fnArn(fnId));
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: retry.attempts, MaximumEventAgeInSeconds: retry.age });
      const dlqArn = String(rq(asRecord(target.DeadLetterConfig).Arn));
      const queues = resourcesOf(scope(), 'AWS::SQS::Queue').filter(
        ([id]) => rq({ 'Fn::GetAtt': [id, 'Arn'] }) === dlqArn,
      );
      expect(queues, `dead-letter queue of ${String(rule.Name)}`).toHaveLength(1);
    };

    it('subscribes with a rule per subscription: exact pattern, right bus, retry policy and a dead-letter queue', () => {
      const rules = resourcesOf(scope(), 'AWS::Events::Rule').map(([, r]) => asRecord(r.Properties));
      for (const sub of def.subscriptions) {
        const rule = rules.find((r) => r.Name === `itsm-${def.name}-${sub.id}`);
        expect(rule, sub.id).toBeDefined();
        expect(rule?.EventPattern).toEqual(sub.pattern);
        expect(rq(rule?.EventBusName)).toBe(sub.bus === 'default' ? 'default' : local.PLATFORM_BUS);
        expect(rule?.State).toBe('ENABLED');
        expectRuleTarget(rule ?? {}, sub.function, {
          attempts: sub.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
          age: sub.maximumEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS,
        });
      }
    });

    it('runs each schedule from a rule with its rate, retry policy and a dead-letter queue', () => {
      const rules = resourcesOf(scope(), 'AWS::Events::Rule').map(([, r]) => asRecord(r.Properties));
      for (const schedule of def.schedules) {
        const rule = rules.find((r) => r.Name === `itsm-${def.name}-${schedule.id}`);
        expect(rule?.ScheduleExpression).toBe(schedule.rate);
        expectRuleTarget(rule ?? {}, schedule.function, {
          attempts: DEFAULT_RETRY_ATTEMPTS,
          age: DEFAULT_MAX_EVENT_AGE_SECONDS,
        });
      }
      expect(rules).toHaveLength(def.subscriptions.length + def.schedules.length);
    });

    it('hands failed asynchronous invocations of rule targets to a failure queue, after the retries the definition sets', () => {
      const configs = resourcesOf(scope(), 'AWS::Lambda::EventInvokeConfig').map(([, r]) => asRecord(r.Properties));
      expect(configs.map((c) => rq(c.FunctionName)).sort()).toEqual(
        [...ruleTargets(def)].map((id) => local.functionName(def.name, id)).sort(),
      );
      for (const c of configs) {
        // The same numbers the local runtime's Lambda applies (asyncInvokeConfig), so neither drifts.
        const fnId = [...ruleTargets(def)].find((id) => local.functionName(def.name, id) === rq(c.FunctionName))!;
        const expected = asyncInvokeConfig(def.functions[fnId]!);
        expect(c.MaximumRetryAttempts).toBe(expected.maximumRetryAttempts);
        expect(c.MaximumEventAgeInSeconds).toBe(expected.maximumEventAgeSeconds);
        expect(String(rq(asRecord(asRecord(c.DestinationConfig).OnFailure).Destination))).toMatch(/^arn:aws:sqs:/);
      }
    });

    it('encrypts every queue, refuses non-TLS access, and alarms on its first message', () => {
      const queues = resourcesOf(scope(), 'AWS::SQS::Queue');
      expect(queues).toHaveLength(
        def.subscriptions.length + def.schedules.length + ruleTargets(def).size + (def.streamConsumers?.length ?? 0),
      );
      const policies = resourcesOf(scope(), 'AWS::SQS::QueuePolicy').map(([, r]) => asRecord(r.Properties));
      const alarms = resourcesOf(scope(), 'AWS::CloudWatch::Alarm').map(([, r]) => asRecord(r.Properties));
      for (const [id, queue] of queues) {
        expect(asRecord(queue.Properties).SqsManagedSseEnabled).toBe(true);
        const policy = policies.find((p) => (p.Queues as unknown[]).some((q) => asRecord(q).Ref === id));
        const statements = asRecord(policy?.PolicyDocument).Statement as Record<string, unknown>[];
        expect(statements).toContainEqual(
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        );
        const alarm = alarms.filter((a) =>
          (a.Dimensions as Record<string, unknown>[] | undefined)?.some(
            (d) => JSON.stringify(d.Value) === JSON.stringify({ 'Fn::GetAtt': [id, 'QueueName'] }),
          ),
        );
        expect(alarm, `alarm of ${id}`).toHaveLength(1);
        expect(alarm[0]).toMatchObject({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
        });
        expect(rq(alarm[0]?.AlarmActions)).toEqual([ALARM_TOPIC_ARN]);
      }
    });

    it("reads the table's stream through one event source mapping per stream consumer, as defined, with a failure queue", () => {
      const mappings = resourcesOf(scope(), 'AWS::Lambda::EventSourceMapping').map(([, r]) => asRecord(r.Properties));
      const consumers = def.streamConsumers ?? [];
      expect(mappings).toHaveLength(consumers.length);
      const [tableId] = resourcesOf(scope(), 'AWS::DynamoDB::Table')[0] as [string, CfnResourceJson];
      const queues = new Set(resourcesOf(scope(), 'AWS::SQS::Queue').map(([id]) => id));
      for (const c of consumers) {
        const m = mappings.find((x) => rq(x.FunctionName) === local.functionName(def.name, c.function));
        expect(m, `mapping of ${c.id}`).toBeDefined();
        expect(m?.EventSourceArn).toEqual({ 'Fn::GetAtt': [tableId, 'StreamArn'] });
        expect(m).toMatchObject({
          StartingPosition: c.startingPosition,
          BatchSize: c.batchSize,
          MaximumBatchingWindowInSeconds: c.maximumBatchingWindowSeconds,
          BisectBatchOnFunctionError: c.bisectBatchOnFunctionError,
          MaximumRetryAttempts: c.maximumRetryAttempts,
          MaximumRecordAgeInSeconds: c.maximumRecordAgeInSeconds,
        });
        expect(m?.FunctionResponseTypes).toEqual(c.reportBatchItemFailures ? ['ReportBatchItemFailures'] : undefined);
        // The filters exactly as defined: Lambda drops every record that matches none, unbilled.
        const filters = (asRecord(m?.FilterCriteria).Filters ?? []) as Array<{ Pattern: string }>;
        expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual(c.filters ?? []);
        const destination = asRecord(asRecord(asRecord(m?.DestinationConfig).OnFailure).Destination)['Fn::GetAtt'];
        expect(queues.has(String((destination as unknown[] | undefined)?.[0])), `failure queue of ${c.id}`).toBe(true);
      }
    });

    it('runs each deploy hook from a Trigger after the table and the functions, failing the deployment when it fails', () => {
      const triggers = resourcesOf(scope(), 'Custom::Trigger');
      const hooks = def.onDeploy ?? [];
      expect(triggers).toHaveLength(hooks.length);
      const [tableId] = resourcesOf(scope(), 'AWS::DynamoDB::Table')[0] as [string, CfnResourceJson];
      for (const hook of hooks) {
        const fnLogicalId = fn(hook.function).logicalId;
        // A Trigger invokes the function's current version, so it runs again whenever the function changes.
        const versionOf = (t: CfnResourceJson) =>
          scope().template.Resources[String(asRecord(asRecord(t.Properties).HandlerArn).Ref)];
        const found = triggers.find(
          ([, t]) =>
            versionOf(t)?.Type === 'AWS::Lambda::Version' &&
            asRecord(versionOf(t)?.Properties?.FunctionName).Ref === fnLogicalId,
        );
        expect(found, `trigger of ${hook.id}`).toBeDefined();
        const [, trigger] = found as [string, CfnResourceJson];
        expect(asRecord(trigger.Properties)).toMatchObject({
          InvocationType: 'RequestResponse',
          ExecuteOnHandlerChange: true,
        });
        expect(trigger.DependsOn as string[]).toEqual(expect.arrayContaining([tableId, fnLogicalId]));
        // Migrations need the writer instance, not only the cluster.
        for (const [id] of resourcesOf(scope(), 'AWS::RDS::DBInstance'))
          expect(trigger.DependsOn as string[]).toContain(id);
      }
    });

    it('deploys each flow as a Standard state machine whose definition is the flow ASL after substitution', () => {
      const machines = resourcesOf(scope(), 'AWS::StepFunctions::StateMachine');
      expect(machines).toHaveLength(def.flows.length);
      for (const flow of def.flows) {
        const name = local.stateMachineName(def.name, flow.id);
        const [, machine] = machines.find(([, m]) => asRecord(m.Properties).StateMachineName === name) ?? [];
        const p = asRecord(machine?.Properties);
        expect(p.StateMachineType).toBe('STANDARD');
        const substitutions = resolve(p.DefinitionSubstitutions, scope()) as Record<string, string>;
        const deployed = JSON.parse(substituteDefinition(JSON.parse(String(p.DefinitionString)), substitutions));
        const expected = JSON.parse(
          substituteDefinition(flow.definition, Object.fromEntries(flow.taskFunctions.map((id) => [id, fnArn(id)]))),
        );
        expect(deployed).toEqual(expected);
        expect(JSON.stringify(deployed)).not.toContain('${');
        expect(asRecord(p.LoggingConfiguration).Level).toBe('ALL');
        expect(p.TracingConfiguration).toEqual({ Enabled: true });
        const logGroupId = asRecord(
          asRecord((asRecord(p.LoggingConfiguration).Destinations as unknown[])[0]).CloudWatchLogsLogGroup,
        ).LogGroupArn;
        expect(String(rq(logGroupId))).toContain(`:log-group:/aws/vendedlogs/states/${name}:`);
        const invoke = roleStatements(p.RoleArn, scope()).filter((s) => s.actions.includes('lambda:InvokeFunction'));
        expect(invoke.flatMap((s) => s.resources).sort()).toEqual(flow.taskFunctions.map(fnArn).sort());
      }
    });

    it('uses "*" resources only for actions that support no resource-level permissions', () => {
      const anyResource = new Set([
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
      ]);
      for (const [, policy] of resourcesOf(scope(), 'AWS::IAM::Policy')) {
        for (const s of asRecord(asRecord(policy.Properties).PolicyDocument).Statement as Record<string, unknown>[]) {
          const resources = ([] as unknown[]).concat(s.Resource);
          if (resources.includes('*')) {
            for (const action of ([] as unknown[]).concat(s.Action)) expect(anyResource).toContain(action);
          }
        }
      }
    });
  });
}
