/**
 * The synthesized deployment as plain JSON, for tests that compare it with what the local
 * runtime does (the fidelity proof) and for the CDK tests here.
 *
 * How a function in the templates maps to its definition: every Lambda function carries the
 * tags `itsm:service` (service name, or `platform`) and `itsm:function` (its id in the
 * definition's `functions`), and is named `<prefix>-<service>-<fnId>` (`itsm-…` for the
 * default stack `Itsm`). Each service's resources sit in that service's nested stack template
 * (`services[name]`); the platform's in the root template (`platform`). `deployedFunctions`
 * does the mapping and resolves the CloudFormation intrinsics in environments and IAM policies
 * to concrete strings, using the same account, region and names as the local runtime, so its
 * ARNs compare equal to the ones the local runtime records.
 *
 * @example
 * const synth = await synthTemplates({ services: SERVICES });
 * const fns = deployedFunctions(synth); // account 000000000000, region us-east-1 by default
 * const api = fns.find((f) => f.service === 'configuration' && f.fnId === 'api')!;
 * api.environment.TABLE_NAME; // 'itsm-configuration'
 * allows(api, 'dynamodb:PutItem', 'arn:aws:dynamodb:us-east-1:000000000000:table/itsm-configuration'); // true
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ServiceDefinition } from '../../shared/kit/definition';
import { asRecord } from './json';
import { FUNCTION_TAG, PLATFORM_SERVICE, resourcePrefix, SERVICE_TAG } from './names';
import { createItsmApp, type ItsmStack } from './stack';

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResourceJson>;
  Parameters?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SynthesizedItsm {
  readonly stackName: string;
  /** The root stack: platform resources, plus one `AWS::CloudFormation::Stack` per service. */
  readonly platform: CfnTemplate;
  /** Each service's nested stack template, by service name. */
  readonly services: Record<string, CfnTemplate>;
  /** Logical id, in `platform`, of each service's `AWS::CloudFormation::Stack` resource. */
  readonly serviceStackIds: Record<string, string>;
}

export interface SynthOptions {
  /** The service definitions to deploy (the fidelity test passes `SERVICES`). */
  readonly services: readonly ServiceDefinition[];
  /** Run esbuild (default false: the templates do not depend on the bundles, only asset hashes do). */
  readonly bundle?: boolean;
  /** Run cdk-nag and CDK's template validation (default false). */
  readonly validate?: boolean;
  readonly stackName?: string;
  /** Entry of the platform API function (default `infra/api/handler.ts`). */
  readonly apiEntry?: string;
  /** A folder of built console files (default `console/`, whose build is skipped without bundling). */
  readonly consoleAssets?: string;
}

/** Synthesizes the whole app in memory (no AWS credentials, no Docker) and returns its templates. */
export async function synthTemplates(options: SynthOptions): Promise<SynthesizedItsm> {
  const { stack } = createItsmApp({
    services: options.services,
    bundle: options.bundle ?? false,
    validate: options.validate ?? false,
    apiEntry: options.apiEntry,
    consoleAssets: options.consoleAssets,
    context: options.stackName ? { stackName: options.stackName } : undefined,
  });
  return templatesOf(stack);
}

/** The templates of an `ItsmStack` already built (synthesizes its app if not done yet). */
export function templatesOf(stack: ItsmStack): SynthesizedItsm {
  const platform = Template.fromStack(stack).toJSON() as CfnTemplate;
  const services: Record<string, CfnTemplate> = {};
  const serviceStackIds: Record<string, string> = {};
  for (const [name, nested] of Object.entries(stack.services)) {
    services[name] = Template.fromStack(nested).toJSON() as CfnTemplate;
    const resource = nested.nestedStackResource;
    if (!CfnResource.isCfnResource(resource)) throw new Error(`nested stack of ${name} has no resource`);
    serviceStackIds[name] = Stack.of(resource).getLogicalId(resource);
  }
  return { stackName: stack.stackName, platform, services, serviceStackIds };
}

export interface DeploymentEnv {
  account: string;
  region: string;
  partition: string;
}
/** The local runtime's account and region (`infra/local/names.ts`). */
export const LOCAL_ENV: DeploymentEnv = { account: '000000000000', region: 'us-east-1', partition: 'aws' };

/** An Allow statement of a role's policies, with every intrinsic resolved to a string. */
export interface ResolvedStatement {
  actions: string[];
  resources: string[];
  /** Conditions are kept as they are; `allows` does not evaluate them. */
  condition?: unknown;
}

export interface DeployedFunction {
  service: string;
  fnId: string;
  logicalId: string;
  functionName: string;
  /** The template that holds the function (a service's nested template, or the root for `platform`). */
  template: CfnTemplate;
  /** The function's CloudFormation properties as synthesized (intrinsics unresolved). */
  properties: Record<string, unknown>;
  environment: Record<string, string>;
  /** Allow statements of the function's execution role (inline and attached customer policies). */
  statements: ResolvedStatement[];
}

/** Every Lambda function of the deployment, mapped to its definition through its tags. */
export function deployedFunctions(synth: SynthesizedItsm, env: DeploymentEnv = LOCAL_ENV): DeployedFunction[] {
  const out: DeployedFunction[] = [];
  const scopes = [
    scopeOf(synth, PLATFORM_SERVICE, env),
    ...Object.keys(synth.services).map((s) => scopeOf(synth, s, env)),
  ];
  for (const scope of scopes) {
    for (const [logicalId, resource] of Object.entries(scope.template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const props = resource.Properties ?? {};
      const tags = tagsOf(props);
      const service = tags[SERVICE_TAG];
      const fnId = tags[FUNCTION_TAG];
      if (!service || !fnId) continue; // not one of ours (none today)
      const variables = asRecord(asRecord(props.Environment).Variables);
      out.push({
        service,
        fnId,
        logicalId,
        functionName: String(resolve(props.FunctionName, scope)),
        template: scope.template,
        properties: props,
        environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(resolve(v, scope))])),
        statements: roleStatements(props.Role, scope),
      });
    }
  }
  return out;
}

/**
 * Whether the statements allow `action` on `resource` (IAM wildcards `*` and `?`; actions are
 * case-insensitive). Conditions are not evaluated: our grants carry none.
 */
export function allows(fn: Pick<DeployedFunction, 'statements'>, action: string, resource: string): boolean {
  return fn.statements.some(
    (s) =>
      s.actions.some((a) => globMatch(a.toLowerCase(), action.toLowerCase())) &&
      s.resources.some((r) => globMatch(r, resource)),
  );
}

// --- Intrinsic resolution -------------------------------------------------------------------------

/** Where `resolve` looks names up: one template, and for a nested stack its parent. */
export interface ResolveScope {
  template: CfnTemplate;
  env: DeploymentEnv;
  /** The deployment's name prefix (`itsm` for the stack `Itsm`), for names CloudFormation generates. */
  prefix?: string;
  /** For a nested stack: the parent and the Parameters its stack resource passes. */
  parent?: { scope: ResolveScope; parameters: Record<string, unknown> };
}

/** The scope of the root template (`platform`) or of a service's nested template. */
export function scopeOf(synth: SynthesizedItsm, service: string, env: DeploymentEnv = LOCAL_ENV): ResolveScope {
  const root: ResolveScope = { template: synth.platform, env, prefix: resourcePrefix(synth.stackName) };
  if (service === PLATFORM_SERVICE) return root;
  const template = synth.services[service];
  const stackId = synth.serviceStackIds[service];
  if (!template || !stackId) throw new Error(`no service "${service}" in the synthesized app`);
  const parameters = (synth.platform.Resources[stackId]?.Properties?.Parameters ?? {}) as Record<string, unknown>;
  return { template, env, prefix: root.prefix, parent: { scope: root, parameters } };
}

const PSEUDO: Record<string, (env: DeploymentEnv) => string> = {
  'AWS::Region': (e) => e.region,
  'AWS::AccountId': (e) => e.account,
  'AWS::Partition': (e) => e.partition,
  'AWS::URLSuffix': () => 'amazonaws.com',
};

/** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Select and Fn::Split to strings; anything else stays `<…>`. */
export function resolve(value: unknown, scope: ResolveScope): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, scope));
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length !== 1) return Object.fromEntries(keys.map((k) => [k, resolve(obj[k], scope)]));
  const [key] = keys as [string];
  const arg = obj[key];
  switch (key) {
    case 'Ref':
      return refOf(String(arg), scope);
    case 'Fn::GetAtt': {
      const [id, attr] = (Array.isArray(arg) ? arg : String(arg).split('.')) as [string, string];
      return getAtt(id, attr, scope);
    }
    case 'Fn::Join': {
      const [sep, parts] = arg as [string, unknown[]];
      return (resolve(parts, scope) as unknown[]).map(String).join(sep);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [number, unknown];
      return (resolve(list, scope) as unknown[])[Number(index)];
    }
    case 'Fn::Split': {
      const [sep, source] = arg as [string, unknown];
      return String(resolve(source, scope)).split(sep);
    }
    default:
      return Object.fromEntries(keys.map((k) => [k, resolve(obj[k], scope)]));
  }
}

function refOf(id: string, scope: ResolveScope): unknown {
  const pseudo = PSEUDO[id];
  if (pseudo) return pseudo(scope.env);
  const parameter = scope.parent?.parameters[id];
  if (parameter !== undefined && scope.parent) return resolve(parameter, scope.parent.scope);
  const r = scope.template.Resources[id];
  const p = r?.Properties ?? {};
  switch (r?.Type) {
    case 'AWS::DynamoDB::Table':
      return resolve(p.TableName, scope) ?? id;
    case 'AWS::Events::EventBus':
      return resolve(p.Name, scope);
    case 'AWS::Lambda::Function':
      return resolve(p.FunctionName, scope) ?? id;
    case 'AWS::StepFunctions::StateMachine':
    case 'AWS::SNS::Topic':
      return getAtt(id, 'Arn', scope);
    case 'AWS::Logs::LogGroup':
      return resolve(p.LogGroupName, scope) ?? id;
    case 'AWS::RDS::DBCluster':
      return resolve(p.DBClusterIdentifier, scope) ?? id;
    case 'AWS::S3::Bucket':
      return bucketName(id, scope);
    case 'AWS::SecretsManager::Secret': {
      // Ref of a secret is its ARN; AWS adds a random suffix, the local runtime's ARN has none.
      const { partition: P, region: R, account: A } = scope.env;
      return `arn:${P}:secretsmanager:${R}:${A}:secret:${String(resolve(p.Name, scope) ?? id)}`;
    }
    default:
      return `<${id}>`;
  }
}

function getAtt(id: string, attr: string, scope: ResolveScope): unknown {
  const r = scope.template.Resources[id];
  const p = r?.Properties ?? {};
  const { partition: P, region: R, account: A } = scope.env;
  const name = (v: unknown) => String(resolve(v, scope) ?? id);
  if (attr === 'Arn') {
    switch (r?.Type) {
      case 'AWS::DynamoDB::Table':
        return `arn:${P}:dynamodb:${R}:${A}:table/${name(p.TableName)}`;
      case 'AWS::Events::EventBus':
        return `arn:${P}:events:${R}:${A}:event-bus/${name(p.Name)}`;
      case 'AWS::Lambda::Function':
        return `arn:${P}:lambda:${R}:${A}:function:${name(p.FunctionName)}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${P}:states:${R}:${A}:stateMachine:${name(p.StateMachineName)}`;
      case 'AWS::SQS::Queue':
        return `arn:${P}:sqs:${R}:${A}:${name(p.QueueName)}`;
      case 'AWS::SNS::Topic':
        return `arn:${P}:sns:${R}:${A}:${name(p.TopicName)}`;
      case 'AWS::Logs::LogGroup':
        return `arn:${P}:logs:${R}:${A}:log-group:${name(p.LogGroupName)}:*`;
      case 'AWS::S3::Bucket':
        return `arn:${P}:s3:::${bucketName(id, scope)}`;
      case 'AWS::IAM::Role':
        return `arn:${P}:iam::${A}:role/${name(p.RoleName)}`;
    }
  }
  if (attr === 'StreamArn' && r?.Type === 'AWS::DynamoDB::Table') {
    // A stream's ARN ends in a label (its creation time) known only once it exists: any label.
    return `arn:${P}:dynamodb:${R}:${A}:table/${name(p.TableName)}/stream/*`;
  }
  return `<${id}.${attr}>`;
}

/**
 * A bucket's name. Bucket names are global, so the stack lets CloudFormation generate them
 * (`itsm-reporting-objectsbucket…-<random>`); they resolve to the local runtime's name for the
 * service's bucket (`<prefix>-<service>-<account>`, `bucketName` in `infra/local/names.ts`),
 * found through the bucket's `itsm:service` tag, so that grants and BUCKET_NAME compare equal.
 */
function bucketName(id: string, scope: ResolveScope): string {
  const p = scope.template.Resources[id]?.Properties ?? {};
  if (p.BucketName !== undefined) return String(resolve(p.BucketName, scope));
  const service = tagsOf(p)[SERVICE_TAG];
  if (!service || !scope.prefix) return `<${id}>`;
  // A bucket that receives another's server access logs is not the service's bucket.
  const logTarget = Object.values(scope.template.Resources).some(
    (r) => asRecord(asRecord(r.Properties?.LoggingConfiguration).DestinationBucketName).Ref === id,
  );
  return `${scope.prefix}-${service}-${scope.env.account}${logTarget ? '-access-logs' : ''}`;
}

/** Allow statements of the role a resource names by `{ "Fn::GetAtt": [role, "Arn"] }`, resolved. */
export function roleStatements(roleRef: unknown, scope: ResolveScope): ResolvedStatement[] {
  const getAttArg = asRecord(roleRef)['Fn::GetAtt'];
  const roleId = Array.isArray(getAttArg) ? String(getAttArg[0]) : undefined;
  if (!roleId) return [];
  const documents: unknown[] = [];
  const role = scope.template.Resources[roleId];
  for (const p of (role?.Properties?.Policies ?? []) as Record<string, unknown>[]) documents.push(p.PolicyDocument);
  for (const r of Object.values(scope.template.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const roles = (r.Properties?.Roles ?? []) as unknown[];
    if (roles.some((x) => asRecord(x).Ref === roleId)) documents.push(r.Properties?.PolicyDocument);
  }
  const out: ResolvedStatement[] = [];
  for (const doc of documents) {
    for (const s of (asRecord(doc).Statement ?? []) as Record<string, unknown>[]) {
      if (s.Effect !== 'Allow') continue;
      out.push({
        actions: ([] as unknown[]).concat(s.Action ?? []).map(String),
        resources: ([] as unknown[]).concat(resolve(s.Resource ?? [], scope) as unknown[]).map(String),
        ...(s.Condition ? { condition: s.Condition } : {}),
      });
    }
  }
  return out;
}

function tagsOf(props: Record<string, unknown>): Record<string, string> {
  const tags = Array.isArray(props.Tags) ? (props.Tags as { Key: string; Value: string }[]) : [];
  return Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
}

function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}
