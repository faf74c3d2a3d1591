import { type ApiRequest, apiHandler } from '../../../shared/kit/http';
import { parse } from '../../../shared/kit/validation';
import { ListQuery } from '../schemas';
import { serviceLevel } from '../service';
import { defineCalendar, getCalendar, listCalendars } from '../use-cases/calendars';
import { evaluate } from '../use-cases/evaluate';

/** Thin adapter: validate, call one use case, map the result. */
const paging = (req: ApiRequest) => {
  const q = parse(ListQuery, req.query, 'query');
  return { limit: Math.min(Math.max(Number(q.limit ?? 25), 1), 100), ...(q.cursor ? { cursor: q.cursor } : {}) };
};

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
