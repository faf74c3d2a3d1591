import { type ApiRequest, apiHandler, requireIfMatch } from '../../../shared/kit/http';
import { pageRequest } from '../../../shared/kit/paging';
import { serviceLevel } from '../service';
import {
  agreementHistory,
  createAgreement,
  getAgreement,
  listAgreements,
  updateAgreement,
} from '../use-cases/agreements';
import { defineCalendar, getCalendar, listCalendars } from '../use-cases/calendars';
import { complianceReport } from '../use-cases/compliance';
import { evaluate } from '../use-cases/evaluate';
import { listNotices } from '../use-cases/notices';
import { explainTicketClocks } from '../use-cases/ticket-clocks';

const paging = (req: ApiRequest) => pageRequest(req.query);

export const handler = apiHandler(serviceLevel, 'api', {
  'GET /v1/calendars': async (req) => {
    const p = paging(req);
    return { status: 200, body: await listCalendars(p.limit, p.cursor) };
  },
  'POST /v1/calendars': async (req) => {
    const c = await defineCalendar(req.ctx, req.body);
    return { status: 201, body: c, version: c.version, headers: { location: `/v1/calendars/${c.calendarId}` } };
  },
  'GET /v1/calendars/{calendarId}': async (req) => {
    const c = await getCalendar(req.params.calendarId!);
    return { status: 200, body: c, version: c.version };
  },
  'POST /v1/sla-evaluations': async (req) => ({ status: 200, body: await evaluate(req.body) }),
  'GET /v1/agreements': async (req) => ({
    status: 200,
    body: await listAgreements(req.principal, req.query, paging(req)),
  }),
  'POST /v1/agreements': async (req) => {
    const a = await createAgreement(req.ctx, req.body);
    return { status: 201, body: a, version: a.version, headers: { location: `/v1/agreements/${a.agreementId}` } };
  },
  'GET /v1/agreements/{id}': async (req) => {
    const a = await getAgreement(req.principal, req.params.id!);
    return { status: 200, body: a, version: a.version };
  },
  'PATCH /v1/agreements/{id}': async (req) => {
    const a = await updateAgreement(req.ctx, req.params.id!, requireIfMatch(req), req.body);
    return { status: 200, body: a, version: a.version };
  },
  'GET /v1/agreements/{id}/history': async (req) => ({
    status: 200,
    body: await agreementHistory(req.principal, req.params.id!, paging(req)),
  }),
  'GET /v1/agreements/{id}/compliance': async (req) => ({
    status: 200,
    body: await complianceReport(req.principal, req.params.id!, req.query),
  }),
  'GET /v1/tickets/{id}/clocks': async (req) => ({
    status: 200,
    body: await explainTicketClocks(req.params.id!),
  }),
  'GET /v1/violation-notices': async (req) => ({
    status: 200,
    body: await listNotices(req.principal, req.query, paging(req)),
  }),
});
