import { type ApiResult, type RequestOf, requireIfMatch } from '../../../shared/kit/http';
import { pageRequest } from '../../../shared/kit/paging';
import type { pipelineRoutes } from '../routes-pipelines';
import { getPipeline, listPipelines, putPipeline } from '../use-cases/pipelines';

type Route = (typeof pipelineRoutes)[number];
/** One implementation per pipeline route, typed by the route's own schemas; spread into handlers/api.ts. */
type Implementations = {
  [R in Route as `${R['method']} ${R['path']}`]: (req: RequestOf<R>) => Promise<ApiResult>;
};

const versioned = <T extends { version: number }>(body: T) => ({ status: 200, body, version: body.version });

export const pipelineImplementations: Implementations = {
  'GET /v1/pipelines': async (req) => ({ status: 200, body: await listPipelines(pageRequest(req.query)) }),
  'GET /v1/pipelines/{name}': async (req) => versioned(await getPipeline(req.params.name!)),
  'PUT /v1/pipelines/{name}': async (req) =>
    versioned(await putPipeline(req.ctx, req.params.name!, requireIfMatch(req), req.body)),
};
