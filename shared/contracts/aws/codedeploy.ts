import * as z from 'zod/mini';
import { LIMITS, str } from '../limits';
import { defineAwsEvent } from './envelope';

/**
 * CodeDeploy's deployment state changes on the default bus (best effort delivery). Written from
 * "AWS CodeDeploy events" (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-codedeploy.html)
 * and "Monitoring deployments with Amazon EventBridge" in the CodeDeploy user guide, and checked
 * against the team corpus sample. States are kept as text (documented: START, SUCCESS, FAILURE,
 * STOP, READY); the instance-level notification is not consumed.
 */
export const DEPLOYMENT_STATES = ['START', 'SUCCESS', 'FAILURE', 'STOP', 'READY'] as const;

export const DeploymentStateChange = defineAwsEvent({
  source: 'aws.codedeploy',
  detailType: 'CodeDeploy Deployment State-change Notification',
  description: 'A CodeDeploy deployment started, succeeded, failed, was stopped or is ready for traffic (blue/green).',
  reference: 'https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-codedeploy.html',
  detail: z.looseObject({
    application: str(LIMITS.name, 1),
    deploymentGroup: str(LIMITS.name, 1),
    deploymentId: str(LIMITS.ref, 1),
    state: str(LIMITS.code, 1),
    region: z.optional(z.string()),
    instanceGroupId: z.optional(z.string()),
  }),
  correlate: (d) => d.deploymentId,
});

export const codeDeployEvents = [DeploymentStateChange];
