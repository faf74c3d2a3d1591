import { type ApiRequest, apiHandler } from '../../../shared/kit/http';
import { pageRequest } from '../../../shared/kit/paging';
import { serviceLevel } from '../service';
import { defineCalendar, getCalendar, listCalendars } from '../use-cases/calendars';
import { evaluate } from '../use-cases/evaluate';

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
});
