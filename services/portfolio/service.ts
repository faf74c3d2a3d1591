import { fileURLToPath } from 'node:url';
import { portfolioEvents } from '../../shared/contracts/portfolio/v1';
import { defineService } from '../../shared/kit/definition';
import { drainOutboxOnDeploy, eventRelayFunction, eventRelayStream } from '../../shared/kit/relay';
import { resyncFunction, resyncSubscriptions } from '../../shared/kit/resync-spec';
import type { Role } from '../../shared/kit/roles';
import * as s from './schemas';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The portfolio's process manager and owner keep it (FitSM-3 SPM). */
export const ADMINS: readonly Role[] = ['portfolio-manager', 'portfolio-owner'];
/** Who may change services: admins, and process staff for services they own (checked per record). */
export const WRITERS: readonly Role[] = [...ADMINS, 'process-staff'];
/** Who may read the portfolio. Customer users are not here: they see only the catalogue. */
export const READERS: readonly Role[] = [...WRITERS, 'sms-owner', 'sms-manager', 'auditor'];
/** Who may read the catalogue; customer users see the live services offered to their organisation. */
export const CATALOGUE_READERS: readonly Role[] = [...READERS, 'customer-user'];

export const portfolio = defineService({
  name: 'portfolio',
  title: 'Service portfolio management',
  fitsm: 'PR1',
  // Events leave through the table's stream (ADR 23); their items expire by TTL.
  table: { indexes: [{ name: 'gsi1' }, { name: 'gsi2' }], timeToLiveAttribute: 'expiresAt', stream: 'NEW_IMAGE' },
  functions: {
    api: {
      entry: entry('./handlers/api.ts'),
      description: 'Portfolio HTTP API: services, their specification and lifecycle, the catalogue.',
      timeoutSeconds: 29,
      access: { table: 'write', publish: true },
    },
    relay: eventRelayFunction,
    resync: resyncFunction(entry('./handlers/resync.ts')),
  },
  routes: [
    {
      method: 'GET',
      path: '/v1/services',
      function: 'api',
      roles: READERS,
      summary: 'List services (by lifecycle status with status)',
      query: s.ListServicesQuery,
      response: { status: 200, schema: s.ServicePage },
    },
    {
      method: 'POST',
      path: '/v1/services',
      function: 'api',
      roles: ADMINS,
      summary: 'Register a service in the portfolio',
      body: s.CreateServiceBody,
      response: { status: 201, schema: s.Service },
    },
    {
      method: 'GET',
      path: '/v1/services/{id}',
      function: 'api',
      roles: READERS,
      summary: 'Get a service by id or number (SVC-12)',
      response: { status: 200, schema: s.Service },
    },
    {
      method: 'PATCH',
      path: '/v1/services/{id}',
      function: 'api',
      roles: WRITERS,
      summary: 'Change a service or move it through its lifecycle (If-Match)',
      body: s.UpdateServiceBody,
      response: { status: 200, schema: s.Service },
    },
    {
      method: 'GET',
      path: '/v1/services/{id}/history',
      function: 'api',
      roles: READERS,
      summary: 'Full history of a service',
      query: s.ListQuery,
      response: { status: 200, schema: s.HistoryPage },
    },
    {
      method: 'POST',
      path: '/v1/services/{id}/acceptance-criteria/{criterionId}/fulfilment',
      function: 'api',
      roles: WRITERS,
      summary: 'Mark an acceptance criterion met, with a note',
      body: s.FulfilCriterionBody,
      response: { status: 200, schema: s.Service },
    },
    {
      method: 'GET',
      path: '/v1/catalogue',
      function: 'api',
      roles: CATALOGUE_READERS,
      customerScope: 'shared',
      summary: 'The service catalogue: live services, customer-facing view',
      query: s.ListQuery,
      response: { status: 200, schema: s.CataloguePage },
    },
  ],
  subscriptions: resyncSubscriptions('portfolio'),
  flows: [],
  schedules: [],
  streamConsumers: [eventRelayStream('relay')],
  onDeploy: [drainOutboxOnDeploy('relay')],
  publishes: portfolioEvents.map((e) => ({
    detailType: e.detailType,
    version: e.version,
    description: e.description,
  })),
});
