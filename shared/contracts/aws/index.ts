import { codeDeployEvents } from './codedeploy';
import { codePipelineEvents } from './codepipeline';
import type { AwsEventContract } from './envelope';

/** Every AWS service event a platform consumer reads, for the corpus check and the catalogue. */
export const AWS_EVENT_CONTRACTS: AwsEventContract[] = [...codePipelineEvents, ...codeDeployEvents];
