import { queryStore } from '../../../shared/kit/database';
import { NotFoundError } from '../../../shared/kit/errors';
import { apiHandler } from '../../../shared/kit/http';
import { pageRequest } from '../../../shared/kit/paging';
import type { ReadModel } from '../db/schema';
import {
  type CreateExportBody,
  PICKER_KINDS,
  type PickerKind,
  RECORD_SEARCH_KINDS,
  type RecordFilters,
  type RecordSearchKind,
  type TicketFilters,
} from '../schemas';
import { reporting } from '../service';
import { getExport, listExports, requestExport } from '../use-cases/exports';
import { pick } from '../use-cases/pickers';
import { getRebuild, requestRebuild } from '../use-cases/rebuild';
import { searchRecords } from '../use-cases/records';
import { readModelAsOf, readModelStatus, searchTickets } from '../use-cases/tickets';

const db = () => queryStore<ReadModel>();

const oneOf = <T extends string>(kinds: readonly T[], value: string | undefined, what: string): T => {
  if (value && (kinds as readonly string[]).includes(value)) return value as T;
  throw new NotFoundError(`There is no ${what} "${value}". Known: ${kinds.join(', ')}.`, `${what}-not-found`);
};

/** Query keys that are paging, not filters. */
const filtersOf = <F>(query: Record<string, unknown>): F => {
  const { limit: _l, cursor: _c, ...rest } = query;
  return rest as F;
};

export const handler = apiHandler(reporting, 'api', {
  'POST /v1/exports': async (req) => {
    const job = await requestExport(req.ctx, req.principal, req.body as CreateExportBody);
    return { status: 202, body: job, headers: { location: `/v1/exports/${job.exportId}` } };
  },
  'GET /v1/exports': async (req) => ({
    status: 200,
    body: await listExports(req.principal, pageRequest(req.query as { limit?: string; cursor?: string })),
  }),
  'GET /v1/exports/{id}': async (req) => ({ status: 200, body: await getExport(req.principal, req.params.id!) }),
  'GET /v1/read-model': async () => ({ status: 200, body: await readModelStatus(db()) }),
  'POST /v1/read-model/rebuilds': async (req) => {
    const r = await requestRebuild(req.ctx, (req.body as { services?: string[] } | undefined)?.services);
    return { status: 202, body: r, headers: { location: `/v1/read-model/rebuilds/${r.rebuildId}` } };
  },
  'GET /v1/read-model/rebuilds/{id}': async (req) => ({ status: 200, body: await getRebuild(req.params.id!) }),
  'GET /v1/tickets': async (req) => ({
    status: 200,
    body: await searchTickets(
      db(),
      req.principal,
      filtersOf<TicketFilters>(req.query as Record<string, unknown>),
      pageRequest(req.query as { limit?: string; cursor?: string }),
    ),
  }),
  'GET /v1/search/{kind}': async (req) => {
    const kind = oneOf<RecordSearchKind>(RECORD_SEARCH_KINDS, req.params.kind, 'search');
    return {
      status: 200,
      body: await searchRecords(
        db(),
        req.principal,
        kind,
        filtersOf<RecordFilters>(req.query as Record<string, unknown>),
        pageRequest(req.query as { limit?: string; cursor?: string }),
      ),
    };
  },
  'GET /v1/pickers/{kind}': async (req) => {
    const kind = oneOf<PickerKind>(PICKER_KINDS, req.params.kind, 'picker');
    const q = req.query as { prefix: string; limit?: string };
    const [items, asOf] = await Promise.all([
      pick(db(), req.principal, kind, q.prefix, q.limit ? Number(q.limit) : 10),
      readModelAsOf(db()),
    ]);
    return { status: 200, body: { items, asOf } };
  },
});
