/**
 * Physical names and ARNs the local runtime uses. The account and region are fixed, loopback
 * only; names follow the same scheme as the CDK stack's explicit names where it has them.
 */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';
export const PLATFORM_BUS = 'itsm';

export const tableName = (service: string) => `itsm-${service}`;
export const functionName = (service: string, fnId: string) => `itsm-${service}-${fnId}`;
export const stateMachineName = (service: string, flowId: string) => `itsm-${service}-${flowId}`;

/** The secret holding the cursor keys (ADR 19); the stack names it `<prefix>-cursor-key` too. */
export const CURSOR_KEY_SECRET = 'itsm-cursor-key';

export const tableArn = (name: string) => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${name}`;
export const busArn = (name: string) => `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${name}`;
export const functionArn = (name: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;
export const stateMachineArn = (name: string) => `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
/**
 * A secret's ARN. AWS appends six random characters to the name; the local runtime does not,
 * and the synthesized stack's references resolve to this form in the fidelity test.
 */
export const secretArn = (name: string) => `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}`;
/** SES identity (an address or a domain) as IAM names it. */
export const sesIdentityArn = (identity: string) => `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:identity/${identity}`;
export const ruleArn = (bus: string, name: string) =>
  `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${bus}/${name}`;

/** The query store cluster of a service (ADR 25), as the stack names it. */
export const clusterName = (service: string) => `itsm-${service}`;
export const clusterArn = (name: string) => `arn:aws:rds:${LOCAL_REGION}:${LOCAL_ACCOUNT}:cluster:${name}`;
/** Secrets of a query store's users: the owner (migrations, writes) and the read-only user. */
export const databaseSecret = (service: string, user: 'owner' | 'reader') => `itsm-${service}-db-${user}`;
/** A service's bucket. S3 names are global on AWS, so the stack lets CloudFormation name it; locally it is fixed. */
export const bucketName = (service: string) => `itsm-${service}-${LOCAL_ACCOUNT}`;
export const bucketArn = (name: string) => `arn:aws:s3:::${name}`;
