import { fileURLToPath } from 'node:url';
import { reportingEvents } from '../../shared/contracts/reporting/v1';
import { defineService } from '../../shared/kit/definition';
import { ListQuery } from '../../shared/kit/paging';
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

/** Who reads the report register and KPIs (FitSM PR3: reports are for the organisation, not customers). */
const REPORT_READERS: readonly Role[] = STAFF;

/** Routes of the report register (PR3.1, PR3.2), its runs (PR3.3) and the KPI catalogue (GR6.1). */
const REPORT_ROUTES = [
  {
    method: 'GET',
    path: '/v1/reports',
    function: 'register',
    roles: REPORT_READERS,
    summary: 'The report register, all or by content type (performance, significant events, nonconformities, other)',
    query: s.ListReportsQuery,
    response: { status: 200, schema: s.ReportPage },
  },
  {
    method: 'POST',
    path: '/v1/reports',
    function: 'register',
    roles: ADMINS,
    summary:
      'Specify a report: purpose, audience, frequency, content (saved search or built-in aggregate), format, delivery, owner',
    body: s.CreateReportBody,
    response: { status: 201, schema: s.Report },
  },
  {
    method: 'GET',
    path: '/v1/reports/{id}',
    function: 'register',
    roles: REPORT_READERS,
    summary: 'A report specification by id or number (RPT-1), with its next run',
    response: { status: 200, schema: s.Report },
  },
  {
    method: 'PATCH',
    path: '/v1/reports/{id}',
    function: 'register',
    roles: ADMINS,
    summary: 'Change, activate or retire a report specification (If-Match)',
    body: s.UpdateReportBody,
    response: { status: 200, schema: s.Report },
  },
  {
    method: 'GET',
    path: '/v1/reports/{id}/history',
    function: 'register',
    roles: REPORT_READERS,
    summary: 'Full history of a report specification',
    query: ListQuery,
    response: { status: 200, schema: s.HistoryPage },
  },
  {
    method: 'GET',
    path: '/v1/reports/{id}/runs',
    function: 'register',
    roles: REPORT_READERS,
    summary: 'Runs of a report, newest first: period, status, rows, duration, delivery log, CSV',
    query: ListQuery,
    response: { status: 200, schema: s.ReportRunPage },
  },
  {
    method: 'GET',
    path: '/v1/reports/{id}/runs/{runId}/csv',
    function: 'register',
    roles: REPORT_READERS,
    summary: "A run's full CSV: a download link valid for 5 minutes",
    response: { status: 200, schema: s.CsvLink },
  },
  {
    method: 'POST',
    path: '/v1/reports/{id}/runs',
    function: 'register',
    roles: ADMINS,
    summary: 'Run a report now for its last complete period and deliver it (the schedule is unchanged)',
    response: { status: 201, schema: s.ReportRun },
  },
  {
    method: 'GET',
    path: '/v1/kpis',
    function: 'register',
    roles: REPORT_READERS,
    summary: 'The KPI catalogue (built-ins and defined KPIs)',
    query: ListQuery,
    response: { status: 200, schema: s.KpiPage },
  },
  {
    method: 'POST',
    path: '/v1/kpis',
    function: 'register',
    roles: ADMINS,
    summary: 'Define a KPI: a built-in aggregate or a saved search, target and direction, frequency, owner',
    body: s.CreateKpiBody,
    response: { status: 201, schema: s.Kpi },
  },
  {
    method: 'GET',
    path: '/v1/kpis/{id}',
    function: 'register',
    roles: REPORT_READERS,
    summary: 'A KPI definition',
    response: { status: 200, schema: s.Kpi },
  },
  {
    method: 'PATCH',
    path: '/v1/kpis/{id}',
    function: 'register',
    roles: ADMINS,
    summary: "Change a KPI's target, direction, frequency, owner, or deactivate it (If-Match)",
    body: s.UpdateKpiBody,
    response: { status: 200, schema: s.Kpi },
  },
  {
    method: 'GET',
    path: '/v1/kpis/{id}/history',
    function: 'register',
    roles: REPORT_READERS,
    summary: 'Full history of a KPI definition',
    query: ListQuery,
    response: { status: 200, schema: s.HistoryPage },
  },
  {
    method: 'GET',
    path: '/v1/kpis/{id}/values',
    function: 'register',
    roles: REPORT_READERS,
    summary: "A KPI's values per period, newest first, each against its target and the period before",
    query: ListQuery,
    response: { status: 200, schema: s.KpiValuePage },
  },
  {
    method: 'POST',
    path: '/v1/kpis/{id}/values',
    function: 'register',
    roles: ADMINS,
    summary: "Compute a KPI's value for its last complete period now (replaces that period's value)",
    response: { status: 201, schema: s.KpiValue },
  },
] as const;

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
    'TicketCommented',
  ],
  'itsm.service-level': ['SlaClocksChanged', 'AgreementCreated', 'AgreementChanged'],
  'itsm.configuration': ['CiRegistered', 'CiUpdated', 'CiRetired'],
  'itsm.portfolio': ['ServiceRegistered', 'ServiceUpdated', 'ServiceRetired'],
  'itsm.customers': [
    'CustomerRegistered',
    'CustomerUpdated',
    'ComplaintRegistered',
    'ComplaintResponded',
    'ComplaintChanged',
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
    // `due`: report runs and KPI periods that come due (ADR 13), keys only, sparse.
    indexes: [{ name: 'gsi1' }, { name: 'gsi2' }, { name: 'due', projection: 'keys-only' }],
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
  // Export files (and report outputs) are kept a week.
  bucket: { expireAfterDays: 7 },
  functions: {
    api: {
      entry: entry('./handlers/api.ts'),
      description: 'Reporting HTTP API: ticket search and lists, record search, pickers.',
      timeoutSeconds: 29,
      access: { table: 'write', publish: true, database: 'read', bucket: 'read' },
    },
    project: {
      entry: entry('./handlers/project.ts'),
      description: "Keeps the read model current from every service's record events.",
      timeoutSeconds: 60,
      access: { table: 'write', database: 'write' },
    },
    exporter: {
      entry: entry('./handlers/exporter.ts'),
      description: 'Runs export jobs: pages the read model by keyset and writes the file to the bucket.',
      timeoutSeconds: 300,
      memoryMb: 1024,
      access: { table: 'write', database: 'read', bucket: 'write' },
    },
    migrate: {
      entry: entry('./handlers/migrate.ts'),
      description: "Applies the read model's schema migrations and (re)creates the read-only user.",
      timeoutSeconds: 300,
      access: { database: 'write' },
    },
    // ---- Reports and KPIs (PR3.1-PR3.3, GR6.1) ----
    register: {
      entry: entry('./handlers/register.ts'),
      description: 'Report register and KPI catalogue API: specifications, runs, run now, KPI values.',
      timeoutSeconds: 29,
      access: { table: 'write', publish: true, database: 'read', sendMail: true, bucket: 'write' },
    },
    reports: {
      entry: entry('./handlers/reports.ts'),
      description: 'Every minute: produce and mail the report runs and KPI periods that came due (sparse due index).',
      timeoutSeconds: 300,
      access: { table: 'write', publish: true, database: 'read', sendMail: true, bucket: 'write' },
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
    {
      method: 'POST',
      path: '/v1/exports',
      function: 'api',
      roles: SEARCHERS,
      customerScope: 'create',
      summary: 'Export a search (tickets or another register) as CSV or JSON: 202, then poll the export',
      body: s.CreateExportBody,
      response: { status: 202, schema: s.ExportView },
    },
    {
      method: 'GET',
      path: '/v1/exports',
      function: 'api',
      roles: SEARCHERS,
      customerScope: 'list',
      summary: 'My exports, newest first',
      query: ListQuery,
      response: { status: 200, schema: s.ExportList },
    },
    {
      method: 'GET',
      path: '/v1/exports/{id}',
      function: 'api',
      roles: SEARCHERS,
      customerScope: 'record',
      summary: 'An export of mine: its status, then a download link valid for 5 minutes',
      response: { status: 200, schema: s.ExportView },
    },
    {
      method: 'GET',
      path: '/v1/read-model',
      function: 'api',
      roles: STAFF,
      summary: 'The read model: migrations applied, rows per record type, newest change per source',
      response: { status: 200, schema: s.ReadModelStatus },
    },
    {
      method: 'POST',
      path: '/v1/read-model/rebuilds',
      function: 'api',
      roles: ADMINS,
      summary: 'Rebuild the read model from the owners (ResyncRequested): 202, then poll the rebuild',
      body: s.RebuildBody,
      response: { status: 202, schema: s.RebuildView },
    },
    {
      method: 'GET',
      path: '/v1/read-model/rebuilds/{id}',
      function: 'api',
      roles: STAFF,
      summary: "A rebuild's progress per owner and record type",
      response: { status: 200, schema: s.RebuildView },
    },
    ...REPORT_ROUTES,
  ],
  subscriptions: [
    ...Object.entries(RECORD_EVENTS).map(([source, types]) => ({
      id: `records-${source.replace('itsm.', '')}`,
      description: `Record events of ${source.replace('itsm.', '')}, applied to the read model.`,
      pattern: { source: [source], 'detail-type': types },
      function: 'project',
    })),
    {
      id: 'resync-pages',
      description: 'Resync pages of every owner (answers to ResyncRequested), applied and counted for the rebuild.',
      pattern: {
        source: Object.keys(RECORD_EVENTS),
        'detail-type': ['RecordsResynced'],
      },
      function: 'project',
    },
  ],
  flows: [],
  schedules: [
    {
      id: 'reports',
      description: 'Every minute, produce the reports and KPI values that came due (sparse due index, no scan).',
      rate: 'rate(1 minute)',
      function: 'reports',
    },
  ],
  streamConsumers: [
    eventRelayStream('relay'),
    {
      id: 'export-jobs',
      description: 'Starts an export job when its item is created.',
      function: 'exporter',
      startingPosition: 'TRIM_HORIZON',
      batchSize: 1,
      maximumBatchingWindowSeconds: 0,
      bisectBatchOnFunctionError: false,
      // The job records its own failure; a retry is only for a crash before it could.
      maximumRetryAttempts: 2,
      maximumRecordAgeInSeconds: 3600,
      filters: [{ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['export'] } } } }],
    },
  ],
  onDeploy: [
    { id: 'migrate', description: "Brings the read model's schema up to date.", function: 'migrate' },
    drainOutboxOnDeploy('relay'),
    { id: 'seed-kpis', description: 'Seeds the built-in KPIs that are missing.', function: 'reports' },
  ],
  publishes: reportingEvents.map((e) => ({
    detailType: e.detailType,
    version: e.version,
    description: e.description,
  })),
});
