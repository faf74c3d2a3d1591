import { type ApiResult, type RequestOf, requireIfMatch } from '../../../shared/kit/http';
import type { scheduleRoutes } from '../routes-schedule';
import { loadChange } from '../use-cases/record';
import {
  conflictsOf,
  createBlackout,
  createFeed,
  createMaintenance,
  deleteBlackout,
  deleteMaintenance,
  feedCalendar,
  getBlackout,
  getMaintenance,
  listBlackouts,
  listFeeds,
  listMaintenance,
  readSchedule,
  revokeFeed,
  updateBlackout,
  updateMaintenance,
} from '../use-cases/schedule';

type Route = (typeof scheduleRoutes)[number];
/** One implementation per schedule route, typed by the route's own schemas; spread into handlers/api.ts. */
type Implementations = {
  [R in Route as `${R['method']} ${R['path']}`]: (req: RequestOf<R>) => Promise<ApiResult>;
};

const versioned = <T extends { version: number }>(body: T, status = 200) => ({ status, body, version: body.version });

export const scheduleImplementations: Implementations = {
  'GET /v1/change-schedule': async (req) => ({ status: 200, body: await readSchedule(req.principal, req.query) }),
  'GET /v1/changes/{id}/conflicts': async (req) => ({
    status: 200,
    body: await conflictsOf(await loadChange(req.params.id!)),
  }),
  'GET /v1/blackout-windows': async (req) => ({ status: 200, body: { items: await listBlackouts(req.query.from) } }),
  'POST /v1/blackout-windows': async (req) => {
    const b = await createBlackout(req.ctx, req.body);
    return { ...versioned(b, 201), headers: { location: `/v1/blackout-windows/${b.windowId}` } };
  },
  'GET /v1/blackout-windows/{id}': async (req) => versioned(await getBlackout(req.params.id!)),
  'PATCH /v1/blackout-windows/{id}': async (req) =>
    versioned(await updateBlackout(req.ctx, req.params.id!, requireIfMatch(req), req.body)),
  'DELETE /v1/blackout-windows/{id}': async (req) => {
    await deleteBlackout(req.ctx, req.params.id!, requireIfMatch(req));
    return { status: 204 };
  },
  'GET /v1/maintenance-windows': async (req) => ({ status: 200, body: { items: await listMaintenance(req.query) } }),
  'POST /v1/maintenance-windows': async (req) => {
    const m = await createMaintenance(req.ctx, req.body);
    return { ...versioned(m, 201), headers: { location: `/v1/maintenance-windows/${m.windowId}` } };
  },
  'GET /v1/maintenance-windows/{id}': async (req) => versioned(await getMaintenance(req.params.id!)),
  'PATCH /v1/maintenance-windows/{id}': async (req) =>
    versioned(await updateMaintenance(req.ctx, req.params.id!, requireIfMatch(req), req.body)),
  'DELETE /v1/maintenance-windows/{id}': async (req) => {
    await deleteMaintenance(req.ctx, req.params.id!, requireIfMatch(req));
    return { status: 204 };
  },
  'GET /v1/calendar-feeds': async (req) => ({ status: 200, body: { items: await listFeeds(req.principal) } }),
  'POST /v1/calendar-feeds': async (req) => ({ status: 201, body: await createFeed(req.ctx, req.principal, req.body) }),
  'DELETE /v1/calendar-feeds/{feedId}': async (req) => {
    await revokeFeed(req.ctx, req.principal, req.params.feedId!);
    return { status: 204 };
  },
  'GET /v1/change-calendars/{token}': async (req) => ({
    status: 200,
    text: { contentType: 'text/calendar; charset=utf-8', body: await feedCalendar(req.params.token!) },
    // Calendar applications poll; the feed carries no personal data beyond its filters, but it
    // is a capability URL: keep it out of shared caches.
    headers: { 'cache-control': 'private, no-store' },
  }),
};
