import * as z from 'zod/mini';
import { LIMITS, str } from '../limits';
import { defineAwsEvent } from './envelope';

/**
 * CodePipeline's execution state changes, as CodePipeline puts them on the default bus (at least
 * once: the same change may arrive twice). Written from "Monitoring CodePipeline events"
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html)
 * and checked against the team corpus samples (`shared/contracts/aws/test`).
 *
 * - `detail.version` is the pipeline structure's version, not the event's;
 * - `detail.execution-id` is the pipeline execution (GetPipelineExecution);
 * - states are kept as text: AWS adds states (SUPERSEDED, CANCELED, RESUMED came later), and an
 *   unknown one must not dead-letter the event. The ones documented today are listed below.
 */
const SOURCE = 'aws.codepipeline';

/** Pipeline, stage and action names: 1-100 of `[A-Za-z0-9.@\-_]` (CodePipeline API reference). */
const Name = z.string().check(z.minLength(1), z.maxLength(100));
/** A pipeline execution id (a UUID on AWS; kept loose, within our id limit). */
const ExecutionId = str(LIMITS.ref, 1);
const State = str(LIMITS.code, 1);

export const PIPELINE_EXECUTION_STATES = [
  'STARTED',
  'STOPPING',
  'STOPPED',
  'SUCCEEDED',
  'FAILED',
  'SUPERSEDED',
  'CANCELED',
  'RESUMED',
] as const;
export const ACTION_EXECUTION_STATES = ['STARTED', 'SUCCEEDED', 'FAILED', 'ABANDONED', 'CANCELED'] as const;
/** Action categories (ActionTypeId.category). */
export const ACTION_CATEGORIES = ['Source', 'Build', 'Deploy', 'Test', 'Invoke', 'Approval', 'Compute'] as const;

export const PipelineExecutionStateChange = defineAwsEvent({
  source: SOURCE,
  detailType: 'CodePipeline Pipeline Execution State Change',
  description: 'A pipeline execution started, succeeded, failed, was stopped or superseded.',
  reference: 'https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html',
  detail: z.looseObject({
    pipeline: Name,
    'execution-id': ExecutionId,
    state: State,
    version: z.optional(z.number()),
    'execution-trigger': z.optional(
      z.looseObject({
        'trigger-type': z.optional(z.string()),
        'trigger-detail': z.optional(z.string()),
      }),
    ),
  }),
  correlate: (d) => d['execution-id'],
});

export const ActionExecutionStateChange = defineAwsEvent({
  source: SOURCE,
  detailType: 'CodePipeline Action Execution State Change',
  description: 'An action of a pipeline execution (a build, a test, a deployment) started, succeeded or failed.',
  reference: 'https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html',
  detail: z.looseObject({
    pipeline: Name,
    'execution-id': ExecutionId,
    stage: Name,
    action: Name,
    state: State,
    region: z.optional(z.string()),
    version: z.optional(z.number()),
    type: z.looseObject({
      owner: z.optional(z.string()),
      provider: z.optional(z.string()),
      /** Which kind of action: the consumer tells tests from deployments by it. */
      category: str(LIMITS.code, 1),
      version: z.optional(z.string()),
    }),
    /** Present once the action has a result (a link to the provider's run, its summary, an error code). */
    'execution-result': z.optional(
      z.looseObject({
        'external-execution-url': z.optional(z.string()),
        'external-execution-summary': z.optional(z.string()),
        'external-execution-id': z.optional(z.string()),
        'error-code': z.optional(z.string()),
      }),
    ),
  }),
  correlate: (d) => d['execution-id'],
});

export const codePipelineEvents = [PipelineExecutionStateChange, ActionExecutionStateChange];
