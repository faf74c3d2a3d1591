import { createHash } from 'node:crypto';
import type { Role } from '../../shared/kit/roles';

/**
 * The demo organisation seeded on first start: people in each role, CI types, a few dozen CIs
 * with relationships, through the public API (so the seed exercises what users use).
 */
export interface DemoUser {
  user: string;
  roles: Role[];
  customer?: string;
  description: string;
}

export const DEMO_USERS: DemoUser[] = [
  {
    user: 'admin',
    roles: [
      'sms-owner',
      'portfolio-manager',
      'configuration-manager',
      'configuration-owner',
      'service-level-manager',
      'service-desk-manager',
      'customers-manager',
      'reporting-manager',
      'changes-manager',
      'releases-manager',
      'process-staff',
    ],
    description:
      'SMS owner; manages the portfolio, the CMDB, service levels, the service desk, customers, reporting, changes and releases (the admin token)',
  },
  { user: 'maria', roles: ['sms-manager'], description: 'SMS manager' },
  { user: 'petra', roles: ['portfolio-manager'], description: 'Portfolio (SPM) process manager' },
  { user: 'sam', roles: ['service-level-manager'], description: 'Service level (SLM) process manager' },
  { user: 'conrad', roles: ['configuration-manager'], description: 'Configuration (CMDB) process manager' },
  { user: 'olivia', roles: ['configuration-owner'], description: 'Configuration process owner' },
  { user: 'dana', roles: ['service-desk-manager'], description: 'Service desk (ISRM) process manager' },
  { user: 'cora', roles: ['customers-manager'], description: 'Customer relationship (CRM) process manager' },
  { user: 'rita', roles: ['reporting-manager'], description: 'Service reporting (SRM) process manager' },
  { user: 'chloe', roles: ['changes-manager'], description: 'Change management (CHM) process manager' },
  { user: 'reuben', roles: ['releases-manager'], description: 'Release and deployment (RDM) process manager' },
  { user: 'alice', roles: ['process-staff'], description: 'Process staff (service desk agent); owns the web servers' },
  { user: 'bob', roles: ['process-staff'], description: 'Process staff' },
  { user: 'carol', roles: ['customer-user'], customer: 'acme', description: 'Customer user at ACME Corp' },
  { user: 'audrey', roles: ['auditor'], description: 'Auditor (read only)' },
];

/** The demo portfolio: two live services (their acceptance criteria met) and one being planned. */
const SERVICES = [
  { key: 'svc-email', name: 'Email and calendar', live: true, customerIds: [] as string[] },
  { key: 'svc-webshop', name: 'ACME web shop', live: true, customerIds: ['acme'] },
  { key: 'svc-hr', name: 'HR portal', live: false, customerIds: [] as string[] },
];

type Api = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: Record<string, unknown> }>;

export function apiClient(apiUrl: string, token: string): Api {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}

async function must(api: Api, method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const r = await api(method, path, body, headers);
  if (r.status >= 300) throw new Error(`seed: ${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** What the demo seed created, as `npm start` reports it. */
export interface Seeded {
  services: number;
  cis: number;
  relationships: number;
  customers: number;
  agreements: number;
  tickets: number;
  changes: number;
  releases: number;
}

export async function seedDemo(apiUrl: string, adminToken: string): Promise<Seeded> {
  const api = apiClient(apiUrl, adminToken);
  // The portfolio first (FitSM PR1): CIs link to its services, and the CMDB keeps its copy of
  // each service from the portfolio's events.
  const serviceIds: Record<string, string> = {};
  for (const svc of SERVICES) {
    const created = await must(api, 'POST', '/v1/services', {
      name: svc.name,
      description: `${svc.name} for the demo organisation`,
      owner: 'user-admin',
      status: 'planned',
      customerIds: svc.customerIds,
      suppliers: [
        {
          name: 'Example Hosting Ltd',
          role: 'infrastructure provider',
          responsibilities: 'data centre and network',
          contact: 'noc@example.org',
        },
      ],
      acceptanceCriteria: [{ id: 'runbook', text: 'Operations runbook reviewed' }],
    });
    const id = String(created.serviceId);
    serviceIds[svc.key] = id;
    if (!svc.live) continue;
    const fulfilled = await must(api, 'POST', `/v1/services/${id}/acceptance-criteria/runbook/fulfilment`, {
      note: 'Reviewed in the demo',
    });
    const r = await api(
      'PATCH',
      `/v1/services/${id}`,
      { status: 'live' },
      { 'if-match': `"${String(fulfilled.version)}"` },
    );
    if (r.status >= 300) throw new Error(`seed: going live answered ${r.status}: ${JSON.stringify(r.body)}`);
  }

  // The CMDB beside customers -> service levels -> service desk (each needs the one before it).
  const [cmdb, rest] = await Promise.all([
    seedCmdb(api, serviceIds),
    (async () => {
      const customers = await seedCustomers(api, serviceIds);
      const agreements = await seedServiceLevels(api, serviceIds);
      return { customers, agreements, tickets: await seedServiceDesk(api, serviceIds) };
    })(),
  ]);
  const { changes, standardChangeId, templateId } = await seedChanges(api, serviceIds);
  const releases = await seedReleases(api, serviceIds, standardChangeId, templateId);
  return { services: SERVICES.length, ...cmdb, ...rest, changes, releases };
}

/**
 * Change management (FitSM PR12): who manages whom and where to mail approvers, a CAB and its next
 * meeting, a standard change template, a normal change waiting for approval and a standard change
 * scheduled next week.
 */
async function seedChanges(
  api: Api,
  serviceIds: Record<string, string>,
): Promise<{ changes: number; standardChangeId: string; templateId: string }> {
  for (const u of DEMO_USERS) {
    if (u.roles.includes('customer-user')) continue;
    const managerId = u.user === 'alice' ? 'user-bob' : u.user === 'admin' ? 'user-maria' : undefined;
    await must(api, 'PUT', `/v1/people/user-${u.user}`, {
      name: u.user.charAt(0).toUpperCase() + u.user.slice(1),
      email: `${u.user}@example.org`,
      ...(managerId ? { managerId } : {}),
    });
  }
  const cab = await must(api, 'POST', '/v1/cabs', {
    name: 'Change advisory board',
    members: ['user-bob', 'user-maria', 'user-conrad'],
  });
  const day = 86_400_000;
  const at = (days: number, hour: number) => {
    const d = new Date(Date.now() + days * day);
    d.setUTCHours(hour, 0, 0, 0);
    return d.toISOString();
  };
  await must(api, 'POST', '/v1/cab-meetings', { cabId: cab.cabId, title: 'Weekly CAB', startsAt: at(2, 14) });
  const template = await must(api, 'POST', '/v1/change-templates', {
    name: 'Restart a web server',
    description: 'Rolling restart of one web server behind the load balancer.',
    implementationPlan: 'Drain the server, restart it, put it back in the pool.',
    testPlan: 'Health check green and the shop answers through it.',
    backoutPlan: 'Leave it drained and open an incident.',
    fields: [{ name: 'host', label: 'Host name', required: true }],
  });
  const web = (await must(api, 'GET', '/v1/cis?typeId=server&limit=1')) as { items: { ciId: string }[] };
  const ciIds = web.items.map((c) => c.ciId);
  const shop = Object.entries(serviceIds).find(([k]) => k.includes('shop'))?.[1];
  const normal = await must(api, 'POST', '/v1/changes', {
    type: 'normal',
    title: 'Upgrade the web servers to the new runtime',
    description: 'Move the web tier to the supported runtime version.',
    reason: 'The current runtime is out of support at the end of the year.',
    ciIds,
    ...(shop ? { serviceIds: [shop] } : {}),
    plannedStart: at(3, 21),
    plannedEnd: at(3, 23),
    implementationPlan: 'Upgrade one server at a time, draining it from the load balancer first.',
    testPlan: 'Run the shop smoke tests after each server.',
    backoutPlan: 'Reinstall the previous runtime from the baseline image.',
  });
  const assessed = await must(
    api,
    'POST',
    `/v1/changes/${normal.changeId}/assessment`,
    {
      benefit: 'Security fixes and support',
      effort: 'Two hours in the evening window',
      feasibility: 'Tested in staging',
      answers: { tested: 'yes', 'done-before': 'once', downtime: 'none' },
    },
    { 'if-match': `"${String(normal.version)}"` },
  );
  await must(api, 'POST', `/v1/changes/${normal.changeId}/submission`, undefined, {
    'if-match': `"${String(assessed.version)}"`,
  });
  const standard = await must(api, 'POST', '/v1/changes', {
    templateId: template.templateId,
    title: 'Restart web-1',
    description: 'Clear the memory leak until the fix ships.',
    fields: { host: 'web-1' },
    ciIds,
    plannedStart: at(7, 6),
    plannedEnd: at(7, 7),
  });
  return { changes: 2, standardChangeId: String(standard.changeId), templateId: String(template.templateId) };
}

/**
 * Release management (FitSM PR13): a fixed-cycle strategy for the web shop, and a release in
 * planning that bundles the approved standard change, with two waves, criteria and one evidence.
 */
async function seedReleases(
  api: Api,
  serviceIds: Record<string, string>,
  changeId: string,
  templateId: string,
): Promise<number> {
  const shop = Object.entries(serviceIds).find(([k]) => k.includes('shop'))?.[1];
  const servers = (await must(api, 'GET', '/v1/cis?typeId=server&limit=100')) as { items: { ciId: string }[] };
  const strategy = await must(api, 'POST', '/v1/release-strategies', {
    name: 'Web shop fortnightly',
    description: 'Web shop releases every second Tuesday evening; emergency releases as needed.',
    approach: 'fixed-cycle',
    frequency: 'every second Tuesday, 21:00-23:00',
    ciIds: servers.items.map((c) => c.ciId),
    serviceIds: shop ? [shop] : [],
    releaseTypes: ['major', 'minor', 'emergency'],
    testing: [
      { releaseType: 'minor', criteria: [{ name: 'Unit tests', stage: 'build' }] },
      {
        releaseType: 'major',
        criteria: [
          { name: 'Unit tests', stage: 'build' },
          { name: 'Load test', stage: 'test' },
        ],
      },
    ],
    changeTypes: ['standard', 'normal', 'major'],
  });
  const day = 86_400_000;
  const start = new Date(Date.now() + 7 * day);
  start.setUTCHours(6, 0, 0, 0);
  const body = {
    title: 'Web shop December maintenance',
    description: 'Restart of the web tier to clear the memory leak until the fix ships.',
    type: 'minor',
    strategyId: strategy.strategyId,
    changeIds: [changeId],
    plan: {
      plannedStart: start.toISOString(),
      plannedEnd: new Date(start.getTime() + 3_600_000).toISOString(),
      waves: [
        { name: 'canary', environment: 'production (web-1)', verification: 'manual' },
        { name: 'everyone', environment: 'production', verification: 'manual' },
      ],
      backoutPlan: 'Take the restarted server out of the pool and open an incident.',
      communication: 'Status page notice the day before.',
      notify: ['ops@example.org'],
    },
    criteria: [{ name: 'Smoke tests', stage: 'deployment', required: true }],
  };
  // The releases service knows the change from its events: wait for its copy.
  let made: { status: number; body: Record<string, unknown> } | undefined;
  for (let i = 0; i < 150; i++) {
    made = await api('POST', '/v1/releases', body);
    if (made.status !== 409 || !JSON.stringify(made.body).includes('not known')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!made || made.status >= 300)
    throw new Error(`seed: POST /v1/releases answered ${made?.status}: ${JSON.stringify(made?.body)}`);
  await must(api, 'POST', `/v1/releases/${made.body.releaseId}/evidence`, {
    criterionId: 'unit-tests',
    result: 'passed',
    summary: '412 unit tests passed',
    url: 'https://ci.example.org/web-shop/runs/1207',
  });
  // The definitive media library: the web tier's build, uploaded as a pipeline would (presigned PUT
  // bound to its SHA-256), then confirmed with the version S3 made.
  const build = Buffer.from('web-shop 4.2.1\n', 'utf8');
  const media = await must(api, 'POST', '/v1/media', {
    fileName: 'web-shop-4.2.1.tar.gz',
    contentType: 'application/gzip',
    contentLength: build.length,
    sha256: createHash('sha256').update(build).digest('hex'),
  });
  const upload = media.upload as { url: string; headers: Record<string, string> };
  const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: build });
  if (!put.ok) throw new Error(`seed: the library upload answered ${put.status}: ${await put.text()}`);
  await must(api, 'POST', `/v1/media/${String(media.mediaId)}/confirmation`);
  // The web shop's pipeline: its routine executions deploy under the standard change template
  // (`npx itsm aws-event` with a CodePipeline sample naming it shows a routine release).
  await must(
    api,
    'PUT',
    '/v1/pipelines/web-shop',
    {
      templateId,
      ciIds: servers.items.slice(0, 2).map((c) => c.ciId),
      serviceIds: shop ? [shop] : [],
      stages: [
        { stage: 'DeployCanary', wave: 'canary' },
        { stage: 'DeployAll', wave: 'everyone' },
      ],
      tests: [{ action: 'unit-tests', criterionId: 'unit-tests' }],
    },
    { 'if-match': '"0"' },
  );
  return 1;
}

/** CI types, a few dozen CIs and their relationships (FitSM PR11), the applications linked to the portfolio. */
async function seedCmdb(api: Api, serviceIds: Record<string, string>): Promise<{ cis: number; relationships: number }> {
  const types = [
    { typeId: 'datacenter', name: 'Data centre', attributes: [{ name: 'city', type: 'string', required: true }] },
    {
      typeId: 'network-switch',
      name: 'Network switch',
      attributes: [
        { name: 'ports', type: 'number', required: true },
        { name: 'vendor', type: 'enum', required: false, allowedValues: ['cisco', 'juniper', 'arista'] },
      ],
    },
    {
      typeId: 'server',
      name: 'Server',
      attributes: [
        { name: 'cpu', type: 'number', required: true },
        { name: 'memoryGb', type: 'number', required: true },
        { name: 'os', type: 'enum', required: true, allowedValues: ['linux', 'windows'] },
        { name: 'virtual', type: 'boolean', required: false },
      ],
    },
    {
      typeId: 'database',
      name: 'Database',
      attributes: [
        { name: 'engine', type: 'enum', required: true, allowedValues: ['postgresql', 'mysql', 'dynamodb'] },
        { name: 'backupVerifiedOn', type: 'date', required: false },
      ],
    },
    {
      typeId: 'application',
      name: 'Application',
      attributes: [
        { name: 'version', type: 'string', required: true },
        { name: 'url', type: 'string', required: false },
      ],
    },
  ];
  for (const t of types) await must(api, 'POST', '/v1/ci-types', t);

  const ci = async (
    typeId: string,
    name: string,
    attributes: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) => String((await must(api, 'POST', '/v1/cis', { typeId, name, attributes, status: 'active', ...extra })).ciId);
  const rel = async (source: string, type: string, target: string) =>
    must(api, 'POST', `/v1/cis/${source}/relationships`, { type, targetCiId: target });

  let relationships = 0;
  const dcs = [
    await ci('datacenter', 'DC Frankfurt', { city: 'Frankfurt' }),
    await ci('datacenter', 'DC Dublin', { city: 'Dublin' }),
  ];
  const switches: string[] = [];
  for (let i = 0; i < 4; i++) {
    const sw = await ci('network-switch', `core-sw-${i + 1}`, { ports: 48, vendor: i % 2 ? 'arista' : 'cisco' });
    await rel(sw, 'part-of', dcs[i % 2]!);
    switches.push(sw);
    relationships++;
  }
  const servers: string[] = [];
  for (let i = 0; i < 12; i++) {
    const web = i < 4;
    const s = await ci(
      'server',
      `${web ? 'web' : 'app'}-${String(i + 1).padStart(2, '0')}`,
      { cpu: web ? 4 : 8, memoryGb: web ? 16 : 64, os: 'linux', virtual: true },
      web ? { owner: 'user-alice' } : {},
    );
    await rel(s, 'connects-to', switches[i % 4]!);
    servers.push(s);
    relationships++;
  }
  const dbs: string[] = [];
  for (let i = 0; i < 4; i++) {
    const d = await ci('database', `db-${['orders', 'mail', 'hr', 'catalogue'][i]}`, {
      engine: i === 1 ? 'mysql' : 'postgresql',
    });
    await rel(d, 'runs-on', servers[4 + i]!);
    dbs.push(d);
    relationships++;
  }
  const apps: Array<[string, string, string[], string[]]> = [
    ['Web shop front end', serviceIds['svc-webshop']!, [servers[0]!, servers[1]!], ['acme']],
    ['Order service', serviceIds['svc-webshop']!, [servers[8]!], ['acme']],
    ['Mail transfer agent', serviceIds['svc-email']!, [servers[2]!], []],
    ['Calendar server', serviceIds['svc-email']!, [servers[3]!], []],
    ['HR portal', serviceIds['svc-hr']!, [servers[9]!], []],
    ['Catalogue API', serviceIds['svc-webshop']!, [servers[10]!], ['acme']],
  ];
  const dbOf: Record<string, string> = {
    'Web shop front end': dbs[3]!,
    'Order service': dbs[0]!,
    'Mail transfer agent': dbs[1]!,
    'Calendar server': dbs[1]!,
    'HR portal': dbs[2]!,
    'Catalogue API': dbs[3]!,
  };
  for (const [name, service, hosts, customers] of apps) {
    const a = await ci('application', name, { version: '1.0.0' }, { serviceIds: [service], customerIds: customers });
    for (const h of hosts) {
      await rel(a, 'runs-on', h);
      relationships++;
    }
    await rel(a, 'depends-on', dbOf[name]!);
    relationships++;
  }
  return {
    cis: dcs.length + switches.length + servers.length + dbs.length + apps.length,
    relationships,
  };
}

/** Carol at ACME Corp: the demo customer user (`npx itsm token --user carol`) and the caller of ACME's tickets. */
const CAROL = { id: 'user-carol', name: 'Carol', email: 'carol@acme.example' };
const GINA = { id: 'globex-gina', name: 'Gina Berg', email: 'gina.berg@globex.example' };

/**
 * Customers (FitSM PR7): ACME uses the web shop and e-mail, Globex e-mail. The survey links in
 * mails point at the console's survey page (its default), so they can be clicked locally.
 */
async function seedCustomers(api: Api, serviceIds: Record<string, string>): Promise<number> {
  const customers = [
    {
      customerId: 'acme',
      name: 'ACME Corp',
      accountManager: 'user-cora',
      services: [
        { serviceId: serviceIds['svc-webshop']!, since: '2025-03-01', notes: 'Their online shop, run by us' },
        { serviceId: serviceIds['svc-email']!, since: '2025-06-01' },
      ],
      channels: {
        portal: true,
        email: 'it-support@acme.example',
        phone: '+49 30 5550 100',
        escalation: 'Account manager (Cora), then the SMS manager (Maria)',
        complaints: 'Through the portal or to the account manager',
      },
      notes: 'Biggest customer of the demo; the web shop is business critical in the run-up to Christmas.',
      contacts: [
        {
          name: CAROL.name,
          email: CAROL.email,
          phone: '+49 30 5550 123',
          role: 'primary',
          receivesServiceLevelNotices: true,
          portalUser: true,
        },
        { name: 'Tom Becker', email: 'tom.becker@acme.example', role: 'technical', portalUser: false },
      ],
    },
    {
      customerId: 'globex',
      name: 'Globex',
      accountManager: 'user-cora',
      services: [{ serviceId: serviceIds['svc-email']!, since: '2026-01-01' }],
      channels: { portal: false, email: 'it@globex.example' },
      contacts: [
        {
          name: GINA.name,
          email: GINA.email,
          role: 'primary',
          receivesServiceLevelNotices: true,
          portalUser: false,
        },
      ],
    },
  ];
  await Promise.all([
    ...customers.map(async ({ contacts, ...customer }) => {
      await must(api, 'POST', '/v1/customers', customer);
      for (const contact of contacts) await must(api, 'POST', `/v1/customers/${customer.customerId}/contacts`, contact);
    }),
  ]);
  return customers.length;
}

/**
 * Service levels (FitSM PR2): two calendars, a default SLA for every live service, ACME's web shop
 * SLA in Berlin office hours, the web team's OLA and the hosting supplier's UA supporting it.
 */
async function seedServiceLevels(api: Api, serviceIds: Record<string, string>): Promise<number> {
  const day = [{ start: '08:00', end: '18:00' }];
  await Promise.all([
    must(api, 'POST', '/v1/calendars', {
      calendarId: 'office-berlin',
      name: 'Office hours Berlin (Mon-Fri 08:00-18:00)',
      calendar: {
        timeZone: 'Europe/Berlin',
        hours: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: [], sun: [] },
        holidays: [
          { date: '2026-10-03', name: 'Day of German Unity' },
          { date: '2026-12-25', name: 'Christmas Day' },
          { date: '2026-12-26', name: 'Boxing Day' },
          { date: '2027-01-01', name: "New Year's Day" },
          { date: '2027-03-26', name: 'Good Friday' },
          { date: '2027-05-01', name: 'Labour Day' },
        ],
      },
    }),
    must(api, 'POST', '/v1/calendars', {
      calendarId: 'always',
      name: 'Around the clock (24x7, UTC)',
      calendar: { timeZone: 'UTC', twentyFourSeven: true },
    }),
  ]);
  const agreement = async (body: Record<string, unknown>) =>
    String((await must(api, 'POST', '/v1/agreements', { owner: 'user-sam', status: 'active', ...body })).agreementId);
  const [standard, acme] = await Promise.all([
    agreement({
      kind: 'sla',
      name: 'Standard service levels',
      description: 'For every live service and customer without an SLA of its own',
      default: true,
      calendarId: 'always',
      targets: {
        P1: { firstResponseMinutes: 30, resolutionMinutes: 240 },
        P2: { firstResponseMinutes: 60, resolutionMinutes: 480 },
        P3: { firstResponseMinutes: 240, resolutionMinutes: 1440 },
        P4: { firstResponseMinutes: 480, resolutionMinutes: 4320 },
      },
      availabilityTargetPercent: 99.5,
      validFrom: '2026-01-01',
      reviewDate: '2027-01-15',
    }),
    agreement({
      kind: 'sla',
      name: 'ACME web shop SLA',
      description: 'Service levels agreed with ACME Corp for their web shop',
      customerId: 'acme',
      serviceIds: [serviceIds['svc-webshop']!],
      calendarId: 'office-berlin',
      targets: {
        P1: { firstResponseMinutes: 15, resolutionMinutes: 120 },
        P2: { firstResponseMinutes: 30, resolutionMinutes: 240 },
        P3: { firstResponseMinutes: 120, resolutionMinutes: 960 },
        P4: { firstResponseMinutes: 240, resolutionMinutes: 2400 },
      },
      availabilityTargetPercent: 99.9,
      warningShare: 0.75,
      validFrom: '2026-01-01',
      validTo: '2027-12-31',
      reviewDate: '2027-03-01',
    }),
  ]);
  await Promise.all([
    agreement({
      kind: 'ola',
      name: 'Web team OLA',
      description: 'The web team supports the web shop SLA',
      supportingGroup: 'web-team',
      supports: [acme],
      calendarId: 'office-berlin',
      targets: {
        P1: { firstResponseMinutes: 10, resolutionMinutes: 90 },
        P2: { firstResponseMinutes: 20, resolutionMinutes: 180 },
        P3: { resolutionMinutes: 720 },
        P4: { resolutionMinutes: 1920 },
      },
      reviewDate: '2027-03-01',
    }),
    agreement({
      kind: 'ua',
      name: 'Example Hosting Ltd underpinning contract',
      description: 'Data centre and network for every service',
      supplierId: 'example-hosting',
      supports: [standard, acme],
      calendarId: 'always',
      targets: { P1: { firstResponseMinutes: 15, resolutionMinutes: 60 }, P2: { resolutionMinutes: 240 } },
      availabilityTargetPercent: 99.95,
      validFrom: '2026-01-01',
      validTo: '2027-12-31',
      reviewDate: '2027-06-30',
    }),
  ]);
  return 4;
}

/**
 * The service desk (FitSM PR9): three support groups, a standard request for a new laptop, and a
 * handful of ACME and Globex tickets in every stage of their life, recorded as the desk would
 * (the admin on the caller's behalf: the seed holds only the admin token).
 */
async function seedServiceDesk(api: Api, serviceIds: Record<string, string>): Promise<number> {
  const groups = [
    { group: 'service-desk', name: 'Service desk', managerId: 'user-dana', members: ['user-alice', 'user-bob'] },
    { group: 'web-team', name: 'Web team', managerId: 'user-dana', members: ['user-alice'] },
    { group: 'infra-team', name: 'Infrastructure team', managerId: 'user-dana', members: ['user-bob'] },
  ];
  await Promise.all([
    ...groups.map(({ group, ...body }) =>
      must(api, 'PUT', `/v1/groups/${group}`, { ...body, managerEmail: 'dana@example.org' }),
    ),
    must(api, 'PUT', '/v1/request-models/new-laptop', {
      name: 'New laptop',
      description: 'A laptop for a new starter or to replace a broken one; your manager approves it.',
      serviceId: serviceIds['svc-email']!,
      fields: [
        { name: 'model', label: 'Model', type: 'choice', required: true, allowedValues: ['14-inch', '16-inch'] },
        { name: 'keyboard', label: 'Keyboard layout', type: 'choice', required: true, allowedValues: ['DE', 'US'] },
        { name: 'neededBy', label: 'Needed by', type: 'date', required: true },
        { name: 'justification', label: 'Why', type: 'string', required: false },
      ],
      tasks: [
        { title: 'Order the laptop', group: 'infra-team' },
        { title: 'Install and enrol the laptop, set up e-mail', group: 'service-desk' },
      ],
      approval: { role: 'service-desk-manager' },
      group: 'service-desk',
    }),
  ]);

  const webshop = serviceIds['svc-webshop']!;
  const email = serviceIds['svc-email']!;
  const incident = async (body: Record<string, unknown>) => {
    const t = await must(api, 'POST', '/v1/incidents', {
      channel: 'portal',
      caller: CAROL,
      customerId: 'acme',
      ...body,
    });
    return { id: String(t.ticketId), version: Number(t.version) };
  };
  const change = async (t: { id: string; version: number }, body: Record<string, unknown>) => {
    const r = await must(api, 'PATCH', `/v1/tickets/${t.id}`, body, { 'if-match': `"${t.version}"` });
    t.version = Number(r.version);
  };
  const resolve = (t: { id: string }, resolutionSummary: string) =>
    must(api, 'POST', `/v1/tickets/${t.id}/resolve`, { resolutionCode: 'fixed', resolutionSummary });

  // Each ticket's story runs beside the others'.
  await Promise.all([
    // In progress, with a public reply (the first response on the SLA clock).
    (async () => {
      const checkout = await incident({
        title: 'Web shop checkout fails with error 500',
        description: 'Since this morning customers cannot pay: the checkout page shows "Internal Server Error".',
        serviceId: webshop,
        impact: 'medium',
        urgency: 'high',
        assignmentGroup: 'web-team',
        assigneeId: 'user-alice',
      });
      await change(checkout, { status: 'in-progress', reason: 'Looking into the payment provider logs' });
      await must(api, 'POST', `/v1/tickets/${checkout.id}/comments`, {
        text: 'We can reproduce it and are checking the connection to the payment provider. Next update within the hour.',
        visibility: 'public',
      });
    })(),
    // Waiting for the caller.
    (async () => {
      const slow = await incident({
        title: 'Order confirmation e-mails arrive hours late',
        description: 'Several customers wrote that their order confirmation came the next day.',
        serviceId: email,
        category: ['software', 'email'],
        urgency: 'medium',
        assignmentGroup: 'service-desk',
        assigneeId: 'user-bob',
      });
      await change(slow, {
        status: 'pending',
        pendingReason: 'awaiting-caller',
        reason: 'Asked Carol for two order numbers and the times the mails arrived',
      });
    })(),
    // Resolved, waiting for Carol's confirmation.
    (async () => {
      const login = await incident({
        title: 'Cannot log in to the web shop back office',
        serviceId: webshop,
        category: ['access', 'password'],
        urgency: 'high',
        assignmentGroup: 'web-team',
        assigneeId: 'user-alice',
      });
      await resolve(login, 'The back-office account was locked after failed logins; unlocked and the password reset.');
    })(),
    // Closed: Carol gets a satisfaction survey by mail.
    (async () => {
      const images = await incident({
        title: 'Product images do not load',
        serviceId: webshop,
        urgency: 'low',
        impact: 'low',
        assignmentGroup: 'web-team',
        assigneeId: 'user-alice',
      });
      await resolve(images, 'The image CDN certificate had expired; renewed it and purged the cache.');
      await must(api, 'POST', `/v1/tickets/${images.id}/close`, { comment: 'Carol confirmed by phone' });
    })(),
    // New, in the desk's queue: Globex's shared mailbox.
    (async () => {
      await incident({
        title: 'Shared mailbox does not sync on mobile phones',
        serviceId: email,
        category: ['software', 'email'],
        channel: 'email',
        caller: GINA,
        customerId: 'globex',
      });
    })(),
    // A standard request waiting for a desk manager's approval.
    (async () => {
      const neededBy = new Date(Date.now() + 21 * 86_400_000).toISOString().slice(0, 10);
      await must(api, 'POST', '/v1/requests', {
        modelId: 'new-laptop',
        caller: CAROL,
        customerId: 'acme',
        form: { model: '14-inch', keyboard: 'DE', neededBy, justification: 'New colleague in the web shop team' },
      });
    })(),
  ]);
  return 6;
}
