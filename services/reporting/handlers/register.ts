import { now } from '../../../shared/kit/clock';
import { systemContext } from '../../../shared/kit/context';
import { queryStore } from '../../../shared/kit/database';
import { type ApiRequest, apiHandler, requireIfMatch } from '../../../shared/kit/http';
import { pageRequest } from '../../../shared/kit/paging';
import type { ReadModel } from '../db/schema';
import { reporting } from '../service';
import {
  computeKpiNow,
  createKpi,
  ensureBuiltInKpis,
  getKpi,
  kpiHistory,
  listKpis,
  listKpiValues,
  updateKpi,
} from '../use-cases/kpis';
import {
  createReport,
  getReport,
  listReports,
  listRuns,
  reportHistory,
  runCsvLink,
  runReportNow,
  updateReport,
} from '../use-cases/reports';

/** The report register (FitSM PR3.1-PR3.3) and the KPI catalogue (GR6.1). */
const db = () => queryStore<ReadModel>();
const paging = (req: ApiRequest) => pageRequest(req.query as { limit?: string; cursor?: string });
const id = (req: ApiRequest) => req.params.id!;

export const handler = apiHandler(reporting, 'register', {
  'GET /v1/reports': async (req) => ({
    status: 200,
    body: await listReports({
      ...paging(req),
      ...(req.query.contentType ? { contentType: req.query.contentType } : {}),
    }),
  }),
  'POST /v1/reports': async (req) => {
    const r = await createReport(req.ctx, req.body);
    return { status: 201, body: r, version: r.version, headers: { location: `/v1/reports/${r.reportId}` } };
  },
  'GET /v1/reports/{id}': async (req) => {
    const r = await getReport(id(req));
    return { status: 200, body: r, version: r.version };
  },
  'PATCH /v1/reports/{id}': async (req) => {
    const r = await updateReport(req.ctx, id(req), requireIfMatch(req), req.body);
    return { status: 200, body: r, version: r.version };
  },
  'GET /v1/reports/{id}/history': async (req) => ({ status: 200, body: await reportHistory(id(req), paging(req)) }),
  'GET /v1/reports/{id}/runs': async (req) => ({ status: 200, body: await listRuns(id(req), paging(req)) }),
  'GET /v1/reports/{id}/runs/{runId}/csv': async (req) => ({
    status: 200,
    body: await runCsvLink(id(req), req.params.runId!, Date.now()),
  }),
  'POST /v1/reports/{id}/runs': async (req) => ({
    status: 201,
    body: await runReportNow(req.ctx, db(), id(req), now()),
  }),
  'GET /v1/kpis': async (req) => {
    // The catalogue is never empty, even before the deploy hook's first run.
    await ensureBuiltInKpis(systemContext('kpi-seed'), now());
    return { status: 200, body: await listKpis(paging(req)) };
  },
  'POST /v1/kpis': async (req) => {
    const k = await createKpi(req.ctx, req.body, now());
    return { status: 201, body: k, version: k.version, headers: { location: `/v1/kpis/${k.kpiId}` } };
  },
  'GET /v1/kpis/{id}': async (req) => {
    await ensureBuiltInKpis(systemContext('kpi-seed'), now());
    const k = await getKpi(id(req));
    return { status: 200, body: k, version: k.version };
  },
  'PATCH /v1/kpis/{id}': async (req) => {
    await ensureBuiltInKpis(systemContext('kpi-seed'), now());
    const k = await updateKpi(req.ctx, id(req), requireIfMatch(req), req.body, now());
    return { status: 200, body: k, version: k.version };
  },
  'GET /v1/kpis/{id}/history': async (req) => ({ status: 200, body: await kpiHistory(id(req), paging(req)) }),
  'GET /v1/kpis/{id}/values': async (req) => ({ status: 200, body: await listKpiValues(id(req), paging(req)) }),
  'POST /v1/kpis/{id}/values': async (req) => ({
    status: 201,
    body: await computeKpiNow(req.ctx, db(), id(req), now()),
  }),
});
