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
      'process-staff',
    ],
    description:
      'SMS owner; manages the portfolio, the CMDB, service levels, the service desk and customers (the admin token)',
  },
  { user: 'maria', roles: ['sms-manager'], description: 'SMS manager' },
  { user: 'petra', roles: ['portfolio-manager'], description: 'Portfolio (SPM) process manager' },
  { user: 'sam', roles: ['service-level-manager'], description: 'Service level (SLM) process manager' },
  { user: 'conrad', roles: ['configuration-manager'], description: 'Configuration (CMDB) process manager' },
  { user: 'olivia', roles: ['configuration-owner'], description: 'Configuration process owner' },
  { user: 'dana', roles: ['service-desk-manager'], description: 'Service desk (ISRM) process manager' },
  { user: 'cora', roles: ['customers-manager'], description: 'Customer relationship (CRM) process manager' },
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

async function must(api: Api, method: string, path: string, body?: unknown) {
  const r = await api(method, path, body);
  if (r.status >= 300) throw new Error(`seed: ${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function seedDemo(
  apiUrl: string,
  adminToken: string,
): Promise<{ services: number; cis: number; relationships: number }> {
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
    services: SERVICES.length,
    cis: dcs.length + switches.length + servers.length + dbs.length + apps.length,
    relationships,
  };
}
