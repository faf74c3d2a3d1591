import { ALL_ROLES, type Role } from '../../shared/kit/roles';
import * as s from './schemas-pipelines';

/**
 * Routes of pipeline registrations (FitSM PR13.2 with PR12's standard changes), spread into the
 * service's definition; served by its `api` function (handlers/pipeline-routes.ts). The release
 * process's manager and owner register pipelines; everyone on staff and auditors read them.
 */
const MANAGERS: readonly Role[] = ['releases-manager', 'releases-owner'];
const READERS: readonly Role[] = ALL_ROLES.filter((r) => r !== 'customer-user');

export const pipelineRoutes = [
  {
    method: 'GET',
    path: '/v1/pipelines',
    function: 'api',
    roles: READERS,
    summary: 'List registered CodePipeline pipelines by name',
    query: s.ListQuery,
    response: { status: 200, schema: s.PipelinePage },
  },
  {
    method: 'GET',
    path: '/v1/pipelines/{name}',
    function: 'api',
    roles: READERS,
    summary: 'Get a registered pipeline: its standard change template, CIs, stage waves and test criteria',
    response: { status: 200, schema: s.PipelineView },
  },
  {
    method: 'PUT',
    path: '/v1/pipelines/{name}',
    function: 'api',
    roles: MANAGERS,
    summary:
      'Register a pipeline (If-Match "0") or replace its registration (If-Match its version): routine executions then get a release and a pre-approved standard change',
    body: s.PutPipelineBody,
    response: { status: 200, schema: s.PipelineView },
  },
] as const;
