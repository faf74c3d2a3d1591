/**
 * Every cdk-nag (AwsSolutions) finding this app accepts, with its reason, in one place. Each is
 * applied to a single resource (or a single IAM policy), never to a stack or the app, so a
 * new resource with the same problem is still reported. The README lists them.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The logical id of a service's object bucket in its nested stack, fixed so its IAM5 finding id is. */
export const OBJECTS_BUCKET_LOGICAL_ID = 'ObjectsBucket';

const BUCKET_DEPLOYMENT =
  "CDK's BucketDeployment function (one per stack) runs only during deployments: it copies the built console from " +
  "CDK's asset bucket into the console's bucket and invalidates the distribution. Its role is CDK's: the managed " +
  "basic execution policy for its logs, read on the staged assets, read/write/delete on the console bucket's " +
  'objects (the S3 grant helpers use action wildcards such as s3:GetObject*), and CloudFront invalidations, which ' +
  'CDK grants on "*". Nothing at run time uses it.';

export const ACCEPTED_FINDINGS = {
  /** On each Lambda function. */
  lambdaRuntime: {
    id: 'AwsSolutions-L1',
    reason:
      'nodejs22.x is pinned on purpose: the local runtime, CI and the bundler target (node22) all run Node 22, ' +
      'so what is tested is what runs. The runtime moves in one change across all of them.',
  },
  /** On each Lambda function role's default policy. */
  xrayWrite: {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level ' +
      'permissions (Resource must be "*"). Every other statement in this policy names its resource.',
  },
  /** On each state machine role's default policy. */
  statesLogsAndXray: {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Step Functions logging needs logs:CreateLogDelivery and related CloudWatch Logs delivery actions, and ' +
      'tracing needs X-Ray writes; none of these support resource-level permissions. The Lambda invoke ' +
      'statements in this policy name each function ARN.',
  },
  /** On the cursor key secret. */
  cursorKeyManualRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'The secret holds HMAC keys for list cursors (ADR 19), not credentials: a leaked key lets a client forge a ' +
      'cursor into its own query only, since reads are still scoped by the caller. Automatic rotation would need a ' +
      'rotation Lambda for one JSON write; rotate by hand instead (README: put {"current": new, "previous": old}), ' +
      'cursors signed with either key are accepted.',
  },
  /** On each query store secret (owner and read-only user). */
  databaseSecretManualRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'Automatic rotation needs a rotation Lambda function inside the VPC that connects to the cluster, and, ' +
      'without NAT, a Secrets Manager interface endpoint (about $15 a month in two AZs) on top of a deployment ' +
      'that otherwise costs cents at rest. The password alone opens nothing: the cluster has no ingress, and the ' +
      'only way in is the Data API, which first requires IAM (rds-data:* on this cluster and GetSecretValue on ' +
      'this secret, granted to its own functions only). Rotate by hand (README, Deploy); the Data API reads the ' +
      'secret at each call, so functions pick up a new password at once.',
  },
  /** On each query store cluster. */
  dataApiOnly: {
    id: 'AwsSolutions-RDS6',
    reason:
      'Nothing connects to the cluster over the network (isolated subnets, a security group with no ingress); ' +
      'functions use the RDS Data API, which authorises every call with IAM (rds-data:* on this cluster ARN) ' +
      'before it signs in with the secret. IAM database authentication would add a second, unused way in.',
  },
  /** On the default policy of each function role with `access.bucket`. */
  bucketObjects: {
    id: `AwsSolutions-IAM5[Resource::<${OBJECTS_BUCKET_LOGICAL_ID}.Arn>/*]`,
    reason:
      "Object actions (s3:GetObject, and s3:GetObjectVersion on a versioned bucket; s3:PutObject and s3:DeleteObject for writers) on the service's own bucket's " +
      'objects: object keys are made at run time (one per export), so the resource is <bucket ARN>/*. No bucket-' +
      'level action (list, policy, ACL) is granted.',
  },
  /** On each dead-letter queue. */
  queueIsDlq: {
    id: 'AwsSolutions-SQS3',
    reason:
      "This queue is itself a dead-letter queue (of an EventBridge target, of a function's asynchronous " +
      "invocations, or a stream mapping's on-failure destination); it is alarmed on its first message, and a " +
      'dead-letter queue of a dead-letter queue adds nothing.',
  },
  /** On the user pool. */
  mfaOptional: {
    id: 'AwsSolutions-COG2',
    reason:
      'MFA is optional (TOTP) so organisations can roll it out; Plus-tier threat protection in full-function mode ' +
      'blocks risky sign-ins. Set it to required per organisation policy.',
  },
  /** On the GET /v1/openapi.json route only. */
  publicOpenApi: {
    id: 'AwsSolutions-APIG4',
    reason:
      'GET /v1/openapi.json serves the public API description (no data); tools and people must be able to read ' +
      'it before they hold a token. Every other route, including $default, uses the JWT authorizer.',
  },
  /** On routes a service declares `public` (a survey link): the path carries its own secret. */
  publicSecretRoute: {
    id: 'AwsSolutions-APIG4',
    reason:
      'This route is reached from a link sent by e-mail to someone who may have no account (a satisfaction ' +
      'survey). The path carries a random 256-bit token whose hash the service checks; it reveals and accepts ' +
      'only that one record. Declared `public` in the service definition; every other route uses the JWT authorizer.',
  },
  /** On the console's CloudFront distribution. */
  consoleNoWaf: {
    id: 'AwsSolutions-CFR2',
    reason:
      'The distribution serves static files only (the built console and config.json, no secrets, no data); every ' +
      'request with data goes to the HTTP API, which checks a JWT on every route. A web ACL costs at least $5 a ' +
      'month plus rules and requests on a deployment that otherwise costs cents at rest; attach one ' +
      '(Distribution.attachWebAclId) where policy asks for it.',
  },
  /** On the console's CloudFront distribution. */
  consoleNoGeoRestriction: {
    id: 'AwsSolutions-CFR1',
    reason:
      "Which countries may reach the console is each organisation's decision (staff travel, customers abroad); the " +
      'console holds no data and every API call needs a token. Add a geo restriction to the distribution where needed.',
  },
  /** On the console's CloudFront distribution. */
  consoleDefaultCertificate: {
    id: 'AwsSolutions-CFR4',
    reason:
      "The console is served on its *.cloudfront.net name with CloudFront's default certificate, whose security " +
      'policy CloudFront fixes (TLSv1 minimum; browsers negotiate TLS 1.2/1.3). A custom domain with an ACM ' +
      'certificate allows TLSv1.2_2021 and is the way to raise it (README, Console).',
  },
  /** On the bucket deployment function (CDK's singleton). */
  deploymentRuntime: {
    id: 'AwsSolutions-L1',
    reason:
      "CDK's BucketDeployment brings its own function and runtime (Python, with the AWS CLI in a layer), moved " +
      'forward with aws-cdk-lib; it runs only during deployments, to copy the console into its bucket.',
  },
  /** On the bucket deployment function's role. */
  deploymentBasicExecution: {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: BUCKET_DEPLOYMENT,
  },
  /** On the bucket deployment function's role. */
  deploymentGetObject: { id: 'AwsSolutions-IAM5[Action::s3:GetObject*]', reason: BUCKET_DEPLOYMENT },
  /** On the bucket deployment function's role. */
  deploymentGetBucket: { id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]', reason: BUCKET_DEPLOYMENT },
  /** On the bucket deployment function's role. */
  deploymentList: { id: 'AwsSolutions-IAM5[Action::s3:List*]', reason: BUCKET_DEPLOYMENT },
  /** On the bucket deployment function's role. */
  deploymentDeleteObject: { id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]', reason: BUCKET_DEPLOYMENT },
  /** On the bucket deployment function's role. */
  deploymentAbort: { id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason: BUCKET_DEPLOYMENT },
  /** On the bucket deployment function's role. */
  deploymentStagedAssets: {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
    reason: BUCKET_DEPLOYMENT,
  },
  /** On the bucket deployment function's role. */
  deploymentConsoleObjects: {
    id: 'AwsSolutions-IAM5[Resource::<PlatformConsoleSite2B9FADE4.Arn>/*]',
    reason: BUCKET_DEPLOYMENT,
  },
  /** On the bucket deployment function's role. */
  deploymentInvalidation: { id: 'AwsSolutions-IAM5[Resource::*]', reason: BUCKET_DEPLOYMENT },
} as const;

export type AcceptedFinding = keyof typeof ACCEPTED_FINDINGS;

/** Records that `construct` (and only it and its children) accepts the given findings. */
export function accept(construct: IConstruct, ...findings: AcceptedFinding[]): void {
  Validations.of(construct).acknowledge(...findings.map((f) => ACCEPTED_FINDINGS[f]));
}
