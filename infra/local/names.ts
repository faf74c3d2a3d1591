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
