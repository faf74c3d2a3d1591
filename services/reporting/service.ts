import { fileURLToPath } from 'node:url';
import { reportingEvents } from '../../shared/contracts/reporting/v1';
import { defineService } from '../../shared/kit/definition';
import { drainOutboxOnDeploy, eventRelayFunction, eventRelayStream } from '../../shared/kit/relay';
import { ALL_ROLES, type Role } from '../../shared/kit/roles';
import * as s from './schemas';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The reporting process manager and owner keep the report register and the read model (FitSM PR3). */
export const ADMINS: readonly Role[] = ['reporting-manager', 'reporting-owner', 'sms-owner', 'sms-manager'];
/** Everyone inside the organisation searches: search is how people find their work. */
export const STAFF: readonly Role[] = ALL_ROLES.filter((r) => r !== 'customer-user');
/** Staff plus customer users, who see only their own organisation (checked in every query). */
export const SEARCHERS: readonly Role[] = ALL_ROLES;

/** Events the read model is built from: every owner's record events (ADR 25). */
const RECORD_EVENTS = {
  'itsm.service-desk': [
    'TicketCreated',
    'TicketChanged',
    'TicketResolved',
    'TicketReopened',
    'TicketClosed',
    'TicketEscalated',
    'MajorIncidentDeclared',
  ],
  'itsm.service-level': ['SlaClocksChanged'],
  'itsm.configuration': ['CiRegistered', 'CiUpdated', 'CiRetired'],
  'itsm.portfolio': ['ServiceRegistered', 'ServiceUpdated', 'ServiceRetired'],
  'itsm.customers': [
    'CustomerRegistered',
    'CustomerUpdated',
    'ComplaintRegistered',
    'ComplaintClosed',
    // Satisfaction for reports and KPIs (survey_answers).
    'SurveyAnswered',
  ],
};

export const reporting = defineService({
  name: 'reporting',
  title: 'Service reporting',
  fitsm: 'PR3',
  table: {
    indexes: [{ name: 'gsi1' }, { name: 'gsi2' }],
    timeToLiveAttribute: 'expiresAt',
    stream: 'NEW_IMAGE',
  },
  database: {
    name: 'reporting',
    readerUser: 'reporting_reader',
    // Aurora's shortest pause; an idle platform pays storage only.
    secondsUntilAutoPause: 300,
    maxCapacity: 4,
  },
  functions: {
    api: {
      entry: entry('./handlers/api.ts'),
      description: 'Reporting HTTP API: ticket search and lists, record search, pickers.',
      timeoutSeconds: 29,
      access: { table: 'write', publish: true, database: 'read' },
    },
    project: {
      entry: entry('./handlers/project.ts'),
      description: "Keeps the read model current from every service's record events.",
      timeoutSeconds: 60,
      access: { table: 'write', database: 'write' },
    },
    migrate: {
      entry: entry('./handlers/migrate.ts'),
      description: "Applies the read model's schema migrations and (re)creates the read-only user.",
      timeoutSeconds: 300,
      access: { database: 'write' },
    },
    relay: eventRelayFunction,
  },
  routes: [
    {
      method: 'GET',
      path: '/v1/tickets',
      function: 'api',
      roles: SEARCHERS,
      customerScope: 'list',
      summary:
        'Search and list tickets: filters, keywords, sort, cursor paging with a total; customer users get their organisation only',
      query: s.TicketSearchQuery,
      response: { status: 200, schema: s.TicketPage },
    },
    {
      method: 'GET',
      path: '/v1/search/{kind}',
      function: 'api',
      roles: SEARCHERS,
      customerScope: 'list',
      summary: 'Search CIs, services, agreements, customers or complaints by keyword and fields',
      query: s.RecordSearchQuery,
      response: { status: 200, schema: s.RecordPage },
    },
    {
      method: 'GET',
      path: '/v1/pickers/{kind}',
      function: 'api',
      roles: SEARCHERS,
      customerScope: 'list',
      summary: 'Typeahead: tickets, CIs, services, users, groups or customers by what was typed so far',
      query: s.PickerQuery,
      response: { status: 200, schema: s.PickerAnswer },
    },
  ],
  subscriptions: Object.entries(RECORD_EVENTS).map(([source, types]) => ({
    id: `records-${source.replace('itsm.', '')}`,
    description: `Record events of ${source.replace('itsm.', '')}, applied to the read model.`,
    pattern: { source: [source], 'detail-type': types },
    function: 'project',
  })),
  flows: [],
  schedules: [],
  streamConsumers: [eventRelayStream('relay')],
  onDeploy: [
    { id: 'migrate', description: "Brings the read model's schema up to date.", function: 'migrate' },
    drainOutboxOnDeploy('relay'),
  ],
  publishes: reportingEvents.map((e) => ({
    detailType: e.detailType,
    version: e.version,
    description: e.description,
  })),
});
