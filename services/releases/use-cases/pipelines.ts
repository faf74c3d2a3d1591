import type * as z from 'zod/mini';
import type { OperationContext } from '../../../shared/kit/context';
import { requireEnv } from '../../../shared/kit/env';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import type { PageRequest } from '../../../shared/kit/paging';
import { type Item, type Page, Store } from '../../../shared/kit/store';
import { PIPELINE_NAME, type Pipeline, pipelineProblems } from '../domain/pipeline';
import type { PutPipelineBody } from '../schemas-pipelines';

/**
 * Pipeline registrations: one item per pipeline (`PIPELINE#<name>`), listed by name through the
 * `gsi1` partition `PIPELINES`, each change audited beside it. A deployment group a stage deploys
 * to has its own item naming the pipeline (`DEPLOYGROUP#<group>`), so a CodeDeploy event, which
 * names no pipeline, finds its pipeline with one read.
 */
const table = () => new Store(requireEnv('TABLE_NAME'));
export const pipelineKeys = {
  pipeline: (name: string) => ({ pk: `PIPELINE#${name}`, sk: 'PIPELINE' }),
  deploymentGroup: (group: string) => ({ pk: `DEPLOYGROUP#${group}`, sk: 'DEPLOYGROUP' }),
};

const toPipeline = (i: Item): Pipeline => ({
  name: String(i.name),
  templateId: String(i.templateId),
  ...(i.title ? { title: String(i.title) } : {}),
  ciIds: (i.ciIds as string[]) ?? [],
  serviceIds: (i.serviceIds as string[]) ?? [],
  stages: (i.stages as Pipeline['stages']) ?? [],
  tests: (i.tests as Pipeline['tests']) ?? [],
  version: Number(i.version),
  createdAt: String(i.createdAt),
  updatedAt: String(i.updatedAt),
});

const checkName = (name: string) => {
  if (!PIPELINE_NAME.test(name))
    throw new ValidationError('A pipeline name is 1-100 of A-Z a-z 0-9 . @ - _ (as CodePipeline names it).', [
      { field: 'name', message: 'must be 1-100 of A-Z a-z 0-9 . @ - _' },
    ]);
};

/** The registration of a pipeline, or undefined (the CI/CD consumer asks of every pipeline it hears of). */
export async function findPipeline(name: string): Promise<Pipeline | undefined> {
  if (!PIPELINE_NAME.test(name)) return undefined;
  const item = await table().get(pipelineKeys.pipeline(name), true);
  return item ? toPipeline(item) : undefined;
}

export async function getPipeline(name: string): Promise<Pipeline> {
  checkName(name);
  const p = await findPipeline(name);
  if (!p) throw new NotFoundError('pipeline-not-found', `No pipeline ${name} is registered.`);
  return p;
}

/** The pipeline whose stage deploys to a CodeDeploy deployment group (`application/group` or `group`). */
export async function pipelineOfDeploymentGroup(application: string, group: string): Promise<string | undefined> {
  const [qualified, bare] = await Promise.all([
    table().get(pipelineKeys.deploymentGroup(`${application}/${group}`), true),
    table().get(pipelineKeys.deploymentGroup(group), true),
  ]);
  const item = qualified ?? bare;
  return item ? String(item.pipeline) : undefined;
}

export function listPipelines(q: PageRequest): Promise<Page<Pipeline>> {
  return table().page(
    { index: 'gsi1', pk: 'PIPELINES', limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) },
    toPipeline,
  );
}

/**
 * Register a pipeline (If-Match 0) or replace its registration (If-Match its version). A deployment
 * group belongs to one pipeline: naming one another pipeline deploys to is a conflict.
 */
export async function putPipeline(
  ctx: OperationContext,
  name: string,
  ifMatch: number,
  input: z.infer<typeof PutPipelineBody>,
): Promise<Pipeline> {
  checkName(name);
  const problems = pipelineProblems(input);
  if (problems.length) throw new ValidationError('The pipeline registration contradicts itself.', problems);
  const current = await findPipeline(name);
  if ((current?.version ?? 0) !== ifMatch)
    throw new ConflictError(
      current
        ? `Pipeline ${name} was changed by someone else (version ${current.version}). Read it again and retry with its version.`
        : `Pipeline ${name} is not registered: register it with If-Match "0".`,
    );
  const groups = (p: { stages: { deploymentGroup?: string | undefined }[] } | undefined) =>
    new Set((p?.stages ?? []).flatMap((s) => (s.deploymentGroup ? [s.deploymentGroup] : [])));
  const before = groups(current);
  const after = groups(input);
  for (const g of after) {
    if (before.has(g)) continue;
    const owner = (await table().get(pipelineKeys.deploymentGroup(g), true))?.pipeline;
    if (owner && owner !== name)
      throw new ConflictError(`Deployment group ${g} is deployed by pipeline ${String(owner)} already.`);
  }
  const record = {
    name,
    templateId: input.templateId,
    ...(input.title ? { title: input.title } : {}),
    ciIds: input.ciIds,
    serviceIds: input.serviceIds,
    stages: input.stages.map((s) => ({
      stage: s.stage,
      wave: s.wave,
      ...(s.deploymentGroup ? { deploymentGroup: s.deploymentGroup } : {}),
    })),
    tests: input.tests.map((t) => ({
      action: t.action,
      criterionId: t.criterionId,
      ...(t.stage ? { stage: t.stage } : {}),
      ...(t.name ? { name: t.name } : {}),
    })),
  };
  const now = new Date().toISOString();
  const item = {
    ...pipelineKeys.pipeline(name),
    type: 'pipeline',
    gsi1pk: 'PIPELINES',
    gsi1sk: name,
    ...record,
    createdAt: current?.createdAt ?? now,
    updatedAt: now,
  };
  const changes = current
    ? Object.fromEntries(
        Object.entries(record)
          .filter(([k, v]) => JSON.stringify(v) !== JSON.stringify((current as unknown as Record<string, unknown>)[k]))
          .map(([k, v]) => [k, { from: (current as unknown as Record<string, unknown>)[k], to: v }]),
      )
    : undefined;
  await table().commit(ctx, {
    at: now,
    writes: [
      current ? { kind: 'replace', item, expectVersion: current.version } : { kind: 'create', item },
      ...[...after]
        .filter((g) => !before.has(g))
        .map((g) => ({
          kind: 'create' as const,
          item: { ...pipelineKeys.deploymentGroup(g), type: 'deployment-group', pipeline: name },
        })),
      ...[...before]
        .filter((g) => !after.has(g))
        .map((g) => ({ kind: 'delete' as const, key: pipelineKeys.deploymentGroup(g) })),
    ],
    history: [
      {
        pk: pipelineKeys.pipeline(name).pk,
        entityType: 'pipeline',
        entityId: name,
        action: current ? 'pipeline registration changed' : 'pipeline registered',
        ...(changes && Object.keys(changes).length ? { changes } : {}),
      },
    ],
  });
  return getPipeline(name);
}
