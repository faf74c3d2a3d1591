/**
 * The composition, which reads like the architecture: the platform, then one service each.
 * Each service lives in its own nested stack: fifteen services with their routes, rules,
 * queues and alarms need far more than the 500 resources one CloudFormation stack may hold,
 * and a nested stack per service keeps each template small and each service's resources
 * together. `cdk deploy` still deploys everything as one stack.
 */
import { App, Aws, NestedStack, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { ServiceDefinition } from '../../shared/kit/definition';
import { FEDERATION_CONTEXT, parseFederation } from './federation';
import { AwsNames, DEFAULT_STACK_NAME, PLATFORM_SERVICE, resourcePrefix, SERVICE_TAG } from './names';
import { Platform, type PlatformProps } from './platform';
import { ServiceConstruct } from './service';

export interface ItsmStackProps extends StackProps {
  readonly services: readonly ServiceDefinition[];
  readonly platform?: Omit<PlatformProps, 'names' | 'consoleUploadBuckets'>;
}

export class ItsmStack extends Stack {
  readonly names: AwsNames;
  readonly platform: Platform;
  /** Nested stack of each service, by service name. */
  readonly services: Record<string, ServiceStack> = {};

  constructor(scope: Construct, id: string, props: ItsmStackProps) {
    super(scope, id, props);
    this.names = new AwsNames(resourcePrefix(this.stackName));
    const names = this.names;
    this.platform = new Platform(this, 'Platform', {
      ...props.platform,
      names,
      consoleUploadBuckets: props.services
        .filter((s) => s.bucket?.consoleUploads)
        .map((s) => names.objectsBucket(s.name, Aws.ACCOUNT_ID)),
    });
    for (const definition of props.services) {
      if (definition.name === PLATFORM_SERVICE || this.services[definition.name]) {
        throw new Error(`service name "${definition.name}" is used twice or is reserved`);
      }
      this.services[definition.name] = new ServiceStack(this, definition.name, { platform: this.platform, definition });
    }
  }
}

/** A service's nested stack: holds exactly one `ServiceConstruct`. */
export class ServiceStack extends NestedStack {
  readonly service: ServiceConstruct;

  constructor(scope: Construct, id: string, props: { platform: Platform; definition: ServiceDefinition }) {
    super(scope, id, { description: `${props.definition.title} (FitSM ${props.definition.fitsm})` });
    Tags.of(this).add(SERVICE_TAG, props.definition.name);
    this.service = new ServiceConstruct(this, 'Service', props);
  }
}

export interface ItsmAppOptions {
  readonly services: readonly ServiceDefinition[];
  /** Extra context, as `-c key=value` would give (tests). Keys read: stackName, alarmEmail, mailFrom, archiveRetentionDays, consoleAssets, itsm:federation. */
  readonly context?: Record<string, unknown>;
  /** Bundle the functions with esbuild (default true). Tests that only read the template turn it off. */
  readonly bundle?: boolean;
  /** Run cdk-nag AwsSolutions and CDK's built-in template validation at synth (default true). */
  readonly validate?: boolean;
  /** Entry of the platform API function (default `infra/api/handler.ts`). */
  readonly apiEntry?: string;
  /** Cloud assembly directory (default: a temporary one, or `cdk.out` under the CLI). */
  readonly outdir?: string;
  /** A folder of built console files (tests: a fixture); default the context `consoleAssets`, else `console/` built at synth. */
  readonly consoleAssets?: string;
}

/** The whole app: one `ItsmStack`, checked by cdk-nag AwsSolutions at synth. */
export function createItsmApp(options: ItsmAppOptions): { app: App; stack: ItsmStack } {
  const validate = options.validate ?? true;
  const app = new App({
    outdir: options.outdir,
    context: {
      // Server access logs are delivered under a bucket policy (the log bucket has ACLs disabled),
      // not the LogDeliveryWrite ACL.
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
      ...options.context,
      // An empty list of stacks to bundle skips esbuild (the asset hash is then made up).
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
    },
    builtinCloudFormationValidation: validate,
  });
  if (validate) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stackName = String(app.node.tryGetContext('stackName') ?? DEFAULT_STACK_NAME);
  const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;
  const mailFrom = app.node.tryGetContext('mailFrom') as string | undefined;
  const consoleAssets = options.consoleAssets ?? (app.node.tryGetContext('consoleAssets') as string | undefined);
  const retention = app.node.tryGetContext('archiveRetentionDays') as string | number | undefined;
  if (retention !== undefined && !(Number.isInteger(Number(retention)) && Number(retention) > 0)) {
    throw new Error(`context archiveRetentionDays must be a whole number of days, not "${retention}"`);
  }
  const stack = new ItsmStack(app, stackName, {
    stackName,
    description: 'ITSM platform (FitSM): event bus, HTTP API, users, and one nested stack per service',
    services: options.services,
    platform: {
      apiEntry: options.apiEntry,
      consoleAssets,
      templatesOnly: options.bundle === false,
      federation: parseFederation(app.node.tryGetContext(FEDERATION_CONTEXT)),
      alarmEmail,
      mailFrom,
      archiveRetentionDays: retention === undefined ? undefined : Number(retention),
    },
  });
  return { app, stack };
}
