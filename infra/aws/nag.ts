/**
 * Every cdk-nag (AwsSolutions) finding this app accepts, with its reason, in one place. Each is
 * applied to a single resource (or a single IAM policy), never to a stack or the app, so a
 * new resource with the same problem is still reported. The README lists them.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

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
} as const;

export type AcceptedFinding = keyof typeof ACCEPTED_FINDINGS;

/** Records that `construct` (and only it and its children) accepts the given findings. */
export function accept(construct: IConstruct, ...findings: AcceptedFinding[]): void {
  Validations.of(construct).acknowledge(...findings.map((f) => ACCEPTED_FINDINGS[f]));
}
