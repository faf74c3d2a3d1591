import { ALL_ROLES, type Role } from '../../shared/kit/roles';
import * as s from './schemas-schedule';

/**
 * Routes of the forward schedule of change, conflicts, blackout and maintenance windows and
 * calendar feeds (FitSM PR12.6), spread into the service's definition. The role lists are those
 * of service.ts (kept here so this file does not import the definition that imports it).
 */
const MANAGERS: readonly Role[] = ['changes-manager', 'changes-owner'];
const STAFF: readonly Role[] = ALL_ROLES.filter((r) => r !== 'customer-user' && r !== 'auditor');
const READERS: readonly Role[] = [...STAFF, 'auditor'];
const WITH_CUSTOMERS: readonly Role[] = [...READERS, 'customer-user'];

export const scheduleRoutes = [
  {
    method: 'GET',
    path: '/v1/change-schedule',
    function: 'api',
    roles: WITH_CUSTOMERS,
    customerScope: 'list',
    summary: 'The forward schedule of change for UTC days from..to (62 at most); customers see their own',
    query: s.ScheduleQuery,
    response: { status: 200, schema: s.ScheduleView },
  },
  {
    method: 'GET',
    path: '/v1/changes/{id}/conflicts',
    function: 'api',
    roles: READERS,
    summary:
      "What the change's window meets now: changes on the same or related CIs or services, blackouts, maintenance windows",
    response: { status: 200, schema: s.ConflictsView },
  },
  {
    method: 'GET',
    path: '/v1/blackout-windows',
    function: 'api',
    roles: READERS,
    summary: 'Blackout (freeze) windows still to end, by end',
    query: s.BlackoutsQuery,
    response: { status: 200, schema: s.BlackoutList },
  },
  {
    method: 'POST',
    path: '/v1/blackout-windows',
    function: 'api',
    roles: MANAGERS,
    summary: 'Declare a blackout (freeze) window, global or for some services or CIs',
    body: s.BlackoutBody,
    response: { status: 201, schema: s.BlackoutView },
  },
  {
    method: 'GET',
    path: '/v1/blackout-windows/{id}',
    function: 'api',
    roles: READERS,
    summary: 'Get a blackout window',
    response: { status: 200, schema: s.BlackoutView },
  },
  {
    method: 'PATCH',
    path: '/v1/blackout-windows/{id}',
    function: 'api',
    roles: MANAGERS,
    summary: 'Change a blackout window (If-Match)',
    body: s.BlackoutPatch,
    response: { status: 200, schema: s.BlackoutView },
  },
  {
    method: 'DELETE',
    path: '/v1/blackout-windows/{id}',
    function: 'api',
    roles: MANAGERS,
    summary: 'Remove a blackout window (If-Match)',
  },
  {
    method: 'GET',
    path: '/v1/maintenance-windows',
    function: 'api',
    roles: READERS,
    summary: 'Weekly maintenance windows: of a service (serviceId=), of a CI (ciId=), or all',
    query: s.MaintenanceQuery,
    response: { status: 200, schema: s.MaintenanceList },
  },
  {
    method: 'POST',
    path: '/v1/maintenance-windows',
    function: 'api',
    roles: MANAGERS,
    summary: 'Declare a weekly maintenance window of a service or CI, in its time zone (customers are told)',
    body: s.MaintenanceBody,
    response: { status: 201, schema: s.MaintenanceView },
  },
  {
    method: 'GET',
    path: '/v1/maintenance-windows/{id}',
    function: 'api',
    roles: READERS,
    summary: 'Get a maintenance window',
    response: { status: 200, schema: s.MaintenanceView },
  },
  {
    method: 'PATCH',
    path: '/v1/maintenance-windows/{id}',
    function: 'api',
    roles: MANAGERS,
    summary: 'Change a maintenance window (If-Match; customers are told when it moves)',
    body: s.MaintenancePatch,
    response: { status: 200, schema: s.MaintenanceView },
  },
  {
    method: 'DELETE',
    path: '/v1/maintenance-windows/{id}',
    function: 'api',
    roles: MANAGERS,
    summary: 'Remove a maintenance window (If-Match; customers are told)',
  },
  {
    method: 'GET',
    path: '/v1/calendar-feeds',
    function: 'api',
    roles: WITH_CUSTOMERS,
    customerScope: 'list',
    summary: "The caller's own calendar feeds (their secret URLs are never shown again)",
    response: { status: 200, schema: s.FeedList },
  },
  {
    method: 'POST',
    path: '/v1/calendar-feeds',
    function: 'api',
    roles: WITH_CUSTOMERS,
    customerScope: 'create',
    summary: 'Make an iCalendar feed of the schedule (filters: service, CI, customer); answers its secret URL once',
    body: s.FeedBody,
    response: { status: 201, schema: s.CreatedFeedView },
  },
  {
    method: 'DELETE',
    path: '/v1/calendar-feeds/{feedId}',
    function: 'api',
    roles: WITH_CUSTOMERS,
    customerScope: 'record',
    summary: 'Revoke a calendar feed (its owner or a change manager): its URL answers 404 from then on',
  },
  {
    method: 'GET',
    path: '/v1/change-calendars/{token}',
    function: 'api',
    roles: [],
    public: true,
    summary: 'The calendar feed (RFC 5545) behind a secret URL; calendar applications send no token',
    response: { status: 200, contentType: 'text/calendar' },
  },
] as const;
