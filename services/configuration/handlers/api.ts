import { type ApiRequest, apiHandler, requireIfMatch } from '../../../shared/kit/http';
import { pageRequest } from '../../../shared/kit/paging';
import { configuration } from '../service';
import { ciView } from '../store';
import { baselineDiff, captureBaseline, getBaseline, listBaselines } from '../use-cases/baselines';
import { getChangeControl, listUnauthorised, putChangeControl } from '../use-cases/changes';
import {
  createCiType,
  createRelationshipType,
  getCiType,
  listCiTypes,
  listRelationshipTypes,
  updateCiType,
} from '../use-cases/ci-types';
import { ciHistory, getCi, listCis, registerCi, updateCi } from '../use-cases/cis';
import { importCis } from '../use-cases/imports';
import { addRelationship, impact, listRelationships, removeRelationship } from '../use-cases/relationships';
import {
  getCampaign,
  listCampaigns,
  listResults,
  planCampaign,
  recordResult,
  requestClosure,
} from '../use-cases/verification';

const paging = (req: ApiRequest) => pageRequest(req.query);

export const handler = apiHandler(configuration, 'api', {
  'GET /v1/ci-types': async (req) => {
    const p = paging(req);
    return { status: 200, body: await listCiTypes(p.limit, p.cursor) };
  },
  'POST /v1/ci-types': async (req) => {
    const t = await createCiType(req.ctx, req.body);
    return { status: 201, body: t, version: t.version, headers: { location: `/v1/ci-types/${t.typeId}` } };
  },
  'GET /v1/ci-types/{typeId}': async (req) => {
    const t = await getCiType(req.params.typeId!);
    return { status: 200, body: t, version: t.version };
  },
  'PATCH /v1/ci-types/{typeId}': async (req) => {
    const t = await updateCiType(req.ctx, req.params.typeId!, requireIfMatch(req), req.body);
    return { status: 200, body: t, version: t.version };
  },
  'GET /v1/relationship-types': async () => ({ status: 200, body: { items: await listRelationshipTypes() } }),
  'POST /v1/relationship-types': async (req) => ({
    status: 201,
    body: await createRelationshipType(req.ctx, req.body),
  }),
  'GET /v1/cis': async (req) => {
    const q = req.query;
    const page = await listCis(req.principal, { ...paging(req), ...(q.typeId ? { typeId: q.typeId } : {}) });
    return {
      status: 200,
      body: { items: page.items.map(ciView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
    };
  },
  'POST /v1/cis': async (req) => {
    const ci = await registerCi(req.ctx, req.body);
    return { status: 201, body: ciView(ci), version: ci.version, headers: { location: `/v1/cis/${ci.ciId}` } };
  },
  'GET /v1/cis/{id}': async (req) => {
    const ci = await getCi(req.principal, req.params.id!);
    return { status: 200, body: ciView(ci), version: ci.version };
  },
  'PATCH /v1/cis/{id}': async (req) => {
    const ci = await updateCi(req.ctx, req.principal, req.params.id!, requireIfMatch(req), req.body);
    return { status: 200, body: ciView(ci), version: ci.version };
  },
  'GET /v1/cis/{id}/history': async (req) => ({ status: 200, body: await ciHistory(req.params.id!, paging(req)) }),
  'GET /v1/cis/{id}/relationships': async (req) => ({
    status: 200,
    body: { items: await listRelationships(req.principal, req.params.id!) },
  }),
  'POST /v1/cis/{id}/relationships': async (req) => ({
    status: 201,
    body: await addRelationship(req.ctx, req.principal, req.params.id!, req.body),
  }),
  'DELETE /v1/cis/{id}/relationships/{type}/{targetId}': async (req) => {
    await removeRelationship(
      req.ctx,
      req.principal,
      req.params.id!,
      req.params.type!,
      req.params.targetId!,
      req.query.changeId,
    );
    return { status: 204 };
  },
  'GET /v1/cis/{id}/impact': async (req) => {
    const q = req.query;
    return { status: 200, body: await impact(req.params.id!, q.direction ?? 'downstream', Number(q.depth ?? 5)) };
  },
  'POST /v1/ci-imports': async (req) => ({ status: 200, body: await importCis(req.ctx, req.body) }),
  'GET /v1/change-control': async () => {
    const c = await getChangeControl();
    return { status: 200, body: c, version: c.version };
  },
  'PUT /v1/change-control': async (req) => {
    const c = await putChangeControl(req.ctx, requireIfMatch(req), req.body);
    return { status: 200, body: c, version: c.version };
  },
  'GET /v1/unauthorised-ci-changes': async (req) => {
    const p = paging(req);
    return { status: 200, body: await listUnauthorised(p.limit, p.cursor) };
  },
  'GET /v1/baselines': async (req) => {
    const p = paging(req);
    return { status: 200, body: await listBaselines(p.limit, p.cursor) };
  },
  'POST /v1/baselines': async (req) => ({ status: 201, body: await captureBaseline(req.ctx, req.body) }),
  'GET /v1/baselines/{id}': async (req) => ({ status: 200, body: await getBaseline(req.params.id!) }),
  'GET /v1/baselines/{id}/diff': async (req) => ({ status: 200, body: await baselineDiff(req.params.id!) }),
  'GET /v1/verification-campaigns': async (req) => {
    const p = paging(req);
    return { status: 200, body: await listCampaigns(p.limit, p.cursor) };
  },
  'POST /v1/verification-campaigns': async (req) => ({ status: 201, body: await planCampaign(req.ctx, req.body) }),
  'GET /v1/verification-campaigns/{id}': async (req) => ({ status: 200, body: await getCampaign(req.params.id!) }),
  'GET /v1/verification-campaigns/{id}/results': async (req) => {
    const p = paging(req);
    return { status: 200, body: await listResults(req.params.id!, p.limit, p.cursor) };
  },
  'POST /v1/verification-campaigns/{id}/results': async (req) => ({
    status: 201,
    body: await recordResult(req.ctx, req.principal, req.params.id!, req.body),
  }),
  'POST /v1/verification-campaigns/{id}/closure': async (req) => ({
    status: 202,
    body: await requestClosure(req.ctx, req.params.id!, req.body),
  }),
});
