import { DeploymentStateChange } from '../../../shared/contracts/aws/codedeploy';
import { ActionExecutionStateChange, PipelineExecutionStateChange } from '../../../shared/contracts/aws/codepipeline';
import { awsEventConsumer, on } from '../../../shared/kit/aws-events';
import { applyActionExecution, applyCodeDeploy, applyPipelineExecution } from '../use-cases/cicd';

/** CodePipeline's and CodeDeploy's events from the account's default bus (use-cases/cicd.ts). */
export const handler = awsEventConsumer('releases-cicd', [
  on(PipelineExecutionStateChange, applyPipelineExecution),
  on(ActionExecutionStateChange, applyActionExecution),
  on(DeploymentStateChange, applyCodeDeploy),
]);
