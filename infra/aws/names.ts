/**
 * Physical names of the AWS deployment. Everything a person or another tool looks up by
 * name is named explicitly from one prefix, the stack name in lower case: the default stack
 * `Itsm` gives `itsm`, `itsm-configuration`, `itsm-configuration-api`, which are exactly the
 * names the local runtime uses (`infra/local/names.ts`). A second stack in the same account
 * (`-c stackName=ItsmTest`) gets its own prefix and so its own names.
 *
 * Names are checked against the service limits here, at synth time, so a long service or
 * function id fails with a clear message instead of a failed deployment.
 */
export const DEFAULT_STACK_NAME = 'Itsm';

/** Tag keys put on every resource of a service (and on the platform's, with service `platform`). */
export const SERVICE_TAG = 'itsm:service';
/** Tag key put on every Lambda function, naming its id in the service definition. */
export const FUNCTION_TAG = 'itsm:function';
/** The pseudo-service that owns the shared resources (bus, API, user pool, alarms). */
export const PLATFORM_SERVICE = 'platform';

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;

/** The resource name prefix for a stack name (`Itsm` -> `itsm`). */
export function resourcePrefix(stackName: string): string {
  if (!STACK_NAME.test(stackName)) {
    throw new Error(`stack name "${stackName}" must start with a letter and hold only letters, digits and hyphens`);
  }
  return stackName.toLowerCase();
}

function limited(kind: string, name: string, max: number, pattern: RegExp): string {
  if (name.length > max) throw new Error(`${kind} name "${name}" is ${name.length} characters; AWS allows ${max}`);
  if (!pattern.test(name)) throw new Error(`${kind} name "${name}" has characters AWS does not allow (${pattern})`);
  return name;
}

/** The physical names of one deployment, derived from its prefix. */
export class AwsNames {
  constructor(readonly prefix: string) {}

  get bus(): string {
    return limited('event bus', this.prefix, 256, /^[A-Za-z0-9._-]+$/);
  }

  get archive(): string {
    return limited('archive', `${this.prefix}-events`, 48, /^[A-Za-z0-9._-]+$/);
  }

  get userPool(): string {
    return `${this.prefix}-users`;
  }

  get api(): string {
    return this.prefix;
  }

  get alarmTopic(): string {
    return limited('SNS topic', `${this.prefix}-alarms`, 256, /^[A-Za-z0-9_-]+$/);
  }

  /** The secret holding the cursor keys (ADR 19); the same name as the local runtime's. */
  get cursorKeySecret(): string {
    return limited('secret', `${this.prefix}-cursor-key`, 512, /^[A-Za-z0-9/_+=.@-]+$/);
  }

  /**
   * The managed login domain prefix (`https://<prefix>.auth.<region>.amazoncognito.com`), unique
   * per region across all accounts, hence the account id. Cognito refuses prefixes holding `aws`,
   * `amazon` or `cognito`, so a stack name with one of them fails here, not at deploy.
   */
  authDomainPrefix(account: string): string {
    const prefix = `${this.prefix}-${account}`;
    if (/aws|amazon|cognito/.test(this.prefix))
      throw new Error(
        `stack name "${this.prefix}" holds aws, amazon or cognito, which Cognito refuses in a domain prefix`,
      );
    return prefix;
  }

  /**
   * The name of a bucket with `consoleUploads`: fixed (the console's content security policy must
   * name its endpoint, and the console's own stack cannot wait for the service's generated name),
   * and exactly the local runtime's (`bucketName` in `infra/local/names.ts`). Other buckets keep
   * CloudFormation's generated names.
   */
  objectsBucket(service: string, account: string): string {
    // Checked with a 12-digit account id: at synth the account is usually a token.
    limited('S3 bucket', `${this.prefix}-${service}-000000000000`, 63, /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/);
    return `${this.prefix}-${service}-${account}`;
  }

  table(service: string): string {
    return limited('table', `${this.prefix}-${service}`, 255, /^[A-Za-z0-9._-]{3,}$/);
  }

  function(service: string, fnId: string): string {
    return limited('Lambda function', `${this.prefix}-${service}-${fnId}`, 64, /^[A-Za-z0-9_-]+$/);
  }

  stateMachine(service: string, flowId: string): string {
    return limited('state machine', `${this.prefix}-${service}-${flowId}`, 80, /^[A-Za-z0-9_-]+$/);
  }

  /**
   * A service's query store cluster (ADR 25); the same name as the local runtime's
   * (`clusterName`). RDS: 1-63 letters, digits and hyphens, starting with a letter, no two
   * hyphens in a row and no hyphen at the end.
   */
  cluster(service: string): string {
    return limited('DB cluster', `${this.prefix}-${service}`, 63, /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/);
  }

  /** The secret of a query store's owner (the cluster's master user) or read-only user (local `databaseSecret`). */
  databaseSecret(service: string, user: 'owner' | 'reader'): string {
    return limited('secret', `${this.prefix}-${service}-db-${user}`, 512, /^[A-Za-z0-9/_+=.@-]+$/);
  }

  /** Rules of subscriptions and schedules share one namespace per service (checked by the service construct). */
  rule(service: string, id: string): string {
    return limited('EventBridge rule', `${this.prefix}-${service}-${id}`, 64, /^[A-Za-z0-9._-]+$/);
  }
}
