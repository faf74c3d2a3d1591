import * as z from 'zod/mini';
import { ListQuery, pageOf } from '../../shared/kit/paging';

/** API schemas of pipeline registrations (routes-pipelines.ts); validation and OpenAPI derive from them. */
export { ListQuery };

/** CodePipeline names pipelines, stages and actions with 1-100 of `[A-Za-z0-9.@\-_]`. */
const AwsName = z
  .string()
  .check(z.maxLength(100), z.regex(/^[A-Za-z0-9.@\-_]{1,100}$/, 'must be 1-100 of A-Z a-z 0-9 . @ - _'));
const Id = z.string().check(z.minLength(1), z.maxLength(100));
const Name = z.string().check(z.minLength(1), z.maxLength(200));
/** A CodeDeploy deployment group, alone or as `application/group` (each at most 100 characters). */
const DeploymentGroup = z
  .string()
  .check(z.maxLength(201), z.regex(/^[^/]{1,100}(\/[^/]{1,100})?$/, 'must be group or application/group'));

export const PutPipelineBody = z.strictObject({
  /** The changes service's standard change template routine executions are raised from. */
  templateId: Id,
  /** Title of the releases the pipeline creates; default `<pipeline> deployment`. */
  title: z.optional(Name),
  ciIds: z.array(Id).check(z.maxLength(50)),
  serviceIds: z._default(z.array(Id).check(z.maxLength(40)), []),
  /** Stage → wave of a release's plan, in deployment order. */
  stages: z
    .array(z.strictObject({ stage: AwsName, wave: Name, deploymentGroup: z.optional(DeploymentGroup) }))
    .check(z.minLength(1), z.maxLength(20)),
  /** Test action → acceptance criterion whose evidence its result is. */
  tests: z._default(
    z
      .array(z.strictObject({ action: AwsName, stage: z.optional(AwsName), criterionId: Id, name: z.optional(Name) }))
      .check(z.maxLength(30)),
    [],
  ),
});

export const PipelineView = z.object({
  name: z.string(),
  templateId: z.string(),
  title: z.optional(z.string()),
  ciIds: z.array(z.string()),
  serviceIds: z.array(z.string()),
  stages: z.array(z.object({ stage: z.string(), wave: z.string(), deploymentGroup: z.optional(z.string()) })),
  tests: z.array(
    z.object({
      action: z.string(),
      stage: z.optional(z.string()),
      criterionId: z.string(),
      name: z.optional(z.string()),
    }),
  ),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const PipelinePage = pageOf(PipelineView);

z.globalRegistry.add(PipelineView, { id: 'Pipeline' });
