/**
 * One Lambda function as every service (and the platform) deploys it: Node 22 on arm64, an
 * ESM bundle built by the local esbuild with the AWS SDK inside it, JSON logs into its own log
 * group, active tracing, and a role that starts with nothing but writing to that log group.
 * Callers add the grants the definition asks for.
 */
import { Duration, Tags } from 'aws-cdk-lib';
import { type IRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS } from '../../shared/kit/definition';
import { accept } from './nag';
import { FUNCTION_TAG, SERVICE_TAG } from './names';

export { DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS, MAX_API_TIMEOUT_SECONDS } from '../../shared/kit/definition';
export const RUNTIME = Runtime.NODEJS_22_X;

/**
 * ESM bundles cannot `require`; some dependencies still do (CommonJS inside the AWS SDK and
 * powertools). The banner gives the module a real `require`. The import is aliased so that it
 * cannot collide with an import esbuild hoists from the bundle itself.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __itsmCreateRequire } from 'node:module'; const require = __itsmCreateRequire(import.meta.url);";

export interface ItsmFunctionProps {
  /** Service name (tag `itsm:service`). */
  readonly service: string;
  /** Function id in the service definition (tag `itsm:function`). */
  readonly fnId: string;
  readonly functionName: string;
  /** Absolute path of the entry module; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  /** Reserved concurrency from the definition (the local runtime throttles at the same figure: ADR 22). */
  readonly reservedConcurrency?: number;
  /** X-Ray mode from the definition (default active). */
  readonly tracing?: 'active' | 'pass-through';
  readonly environment: Record<string, string>;
}

export class ItsmFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ItsmFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.THREE_MONTHS });
    // An own role instead of the default one: the default attaches the AWS managed
    // AWSLambdaBasicExecutionRole, which may create log groups and write to any of them.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.functionName}: writes its own log group; everything else is granted from its definition`,
    });
    this.role = role;
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      entry: props.entry,
      handler: 'handler',
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb ?? DEFAULT_MEMORY_MB,
      timeout: Duration.seconds(props.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      environment: props.environment,
      role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: props.tracing === 'pass-through' ? Tracing.PASS_THROUGH : Tracing.ACTIVE,
      // Only meaningful for SDK v2 runtimes; keeps the environment exactly what the definition gives.
      awsSdkConnectionReuse: false,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: false,
        // The AWS SDK v3 comes from the nodejs22.x runtime (ADR 6): bundled, its core alone is
        // ~330 KB minified and every function would break the 300 KB budget.
        bundleAwsSDK: false,
      },
    });
    Tags.of(this.function).add(SERVICE_TAG, props.service);
    Tags.of(this.function).add(FUNCTION_TAG, props.fnId);
    accept(this.function, 'lambdaRuntime');
    // Tracing has just added the X-Ray statement (Resource "*") to the role's default policy.
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) accept(policy, 'xrayWrite');
  }

  get functionArn(): string {
    return this.function.functionArn;
  }
}
