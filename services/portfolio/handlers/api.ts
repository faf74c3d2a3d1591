import { type ApiRequest, apiHandler, requireIfMatch } from '../../../shared/kit/http';
import { pageRequest } from '../../../shared/kit/paging';
import { portfolio } from '../service';
import { catalogue } from '../use-cases/catalogue';
import {
  fulfilCriterion,
  getService,
  listServices,
  registerService,
  serviceHistory,
  updateService,
} from '../use-cases/services';

const paging = (req: ApiRequest) => pageRequest(req.query);

export const handler = apiHandler(portfolio, 'api', {
  'GET /v1/services': async (req) => {
    const q = req.query;
    return { status: 200, body: await listServices({ ...paging(req), ...(q.status ? { status: q.status } : {}) }) };
  },
  'POST /v1/services': async (req) => {
    const s = await registerService(req.ctx, req.body);
    return { status: 201, body: s, version: s.version, headers: { location: `/v1/services/${s.serviceId}` } };
  },
  'GET /v1/services/{id}': async (req) => {
    const s = await getService(req.params.id!);
    return { status: 200, body: s, version: s.version };
  },
  'PATCH /v1/services/{id}': async (req) => {
    const s = await updateService(req.ctx, req.principal, req.params.id!, requireIfMatch(req), req.body);
    return { status: 200, body: s, version: s.version };
  },
  'GET /v1/services/{id}/history': async (req) => ({
    status: 200,
    body: await serviceHistory(req.params.id!, paging(req)),
  }),
  'POST /v1/services/{id}/acceptance-criteria/{criterionId}/fulfilment': async (req) => {
    const s = await fulfilCriterion(
      req.ctx,
      req.principal,
      req.params.id!,
      req.params.criterionId!,
      req.body,
      req.ifMatch,
    );
    return { status: 200, body: s, version: s.version };
  },
  'GET /v1/catalogue': async (req) => ({ status: 200, body: await catalogue(req.principal, paging(req)) }),
});
