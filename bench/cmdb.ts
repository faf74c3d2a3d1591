/**
 * The CMDB's figures (issue 2): CI creation and reads, a graph of `graphCis` CIs (switches,
 * servers, VMs, applications) imported and related, impact analysis from a switch and from a
 * server, and items read per list page as the graph grows.
 */
import { call, load, round } from './harness';

export async function benchCmdb(opts: { quick: boolean; graphCis: number; rssMb: () => number }) {
  const QUICK = opts.quick;
  const GRAPH_CIS = opts.graphCis;
  const results: Record<string, unknown> = {};
  await call('POST', '/v1/ci-types', {
    typeId: 'server',
    name: 'Server',
    attributes: [
      { name: 'cpu', type: 'number', required: true },
      { name: 'os', type: 'enum', required: true, allowedValues: ['linux', 'windows'] },
    ],
  });
  for (const t of ['switch', 'vm', 'app']) await call('POST', '/v1/ci-types', { typeId: t, name: t, attributes: [] });

  const createCount = QUICK ? 500 : 2000;
  const created: string[] = [];
  const create = await load(createCount, 8, async (i) => {
    const r = await call('POST', '/v1/cis', {
      typeId: 'server',
      name: `bench-${i}`,
      attributes: { cpu: 4, os: 'linux' },
      status: 'active',
    });
    created.push((r.body as { ciId: string }).ciId);
    return r;
  });
  const get = await load(QUICK ? 1000 : 4000, 8, (i) => call('GET', `/v1/cis/${created[i % created.length]}`));
  const getSequential = await load(500, 1, (i) => call('GET', `/v1/cis/${created[i % created.length]}`));

  // The graph: switches <- servers (depends-on 2 switches) <- vms (runs-on) <- apps (runs-on vm, depends-on another app).
  const importRows = async (typeId: string, n: number, prefix: string) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
        sourceId: `${prefix}-${i + j}`,
        typeId,
        name: `${prefix}-${i + j}`,
        attributes: typeId === 'server' ? { cpu: 8, os: 'linux' } : {},
      }));
      const r = await call('POST', '/v1/ci-imports', { source: 'bench', rows });
      if (r.status !== 200) throw new Error(`import failed ${r.status}`);
      ids.push(...(r.body as { rows: Array<{ ciId: string }> }).rows.map((x) => x.ciId));
    }
    return ids;
  };
  const listAt = async (label: string) => {
    const page = await load(50, 4, () => call('GET', '/v1/cis?limit=25'));
    const byType = await load(50, 4, () => call('GET', '/v1/cis?typeId=server&limit=25'));
    results[`listPage@${label}`] = { all: page, byType };
    return page.itemsRead;
  };

  const nSwitch = Math.round(GRAPH_CIS * 0.01);
  const nServer = Math.round(GRAPH_CIS * 0.19) - createCount;
  const nVm = Math.round(GRAPH_CIS * 0.4);
  const tImport = performance.now();
  const switches = await importRows('switch', nSwitch, 'sw');
  const servers = [...created, ...(await importRows('server', Math.max(0, nServer), 'srv'))];
  const totalSoFar = createCount + nSwitch + Math.max(0, nServer);
  const itemsAt1k = totalSoFar >= 1000 ? await listAt(`${totalSoFar}`) : undefined;
  const vms = await importRows('vm', nVm, 'vm');
  const apps = await importRows('app', GRAPH_CIS - totalSoFar - nVm, 'app');
  const importSeconds = round((performance.now() - tImport) / 1000, 1);
  const itemsAt10k = await listAt(`${GRAPH_CIS}`);

  const edges: Array<[string, string, string]> = [];
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (const [i, s] of servers.entries()) {
    edges.push([s, 'depends-on', switches[i % switches.length]!]);
    edges.push([s, 'depends-on', switches[(i + 7) % switches.length]!]);
  }
  for (const [i, v] of vms.entries()) edges.push([v, 'runs-on', servers[i % servers.length]!]);
  for (const [i, a] of apps.entries()) {
    edges.push([a, 'runs-on', vms[i % vms.length]!]);
    const other = apps[rand(apps.length)]!;
    if (other !== a) edges.push([a, 'depends-on', other]);
  }
  const relate = await load(edges.length, 8, async (i) => {
    const [s, type, t] = edges[i]!;
    const r = await call('POST', `/v1/cis/${s}/relationships`, { type, targetCiId: t });
    return r.status === 409 ? { ...r, status: 200 } : r;
  });
  const impactSwitch = await load(QUICK ? 100 : 300, 4, (i) =>
    call('GET', `/v1/cis/${switches[i % switches.length]}/impact?depth=5`),
  );
  const impactServer = await load(QUICK ? 100 : 300, 4, (i) =>
    call('GET', `/v1/cis/${servers[(i * 13) % servers.length]}/impact?depth=5`),
  );
  const sampleImpact = await call('GET', `/v1/cis/${switches[0]}/impact?depth=5`);
  const rss = opts.rssMb();

  return Object.assign(results, {
    createCi: create,
    getCi: get,
    getCiSequential: getSequential,
    addRelationship: relate,
    impactFromSwitchDepth5: { ...impactSwitch, cisReached: (sampleImpact.body as { count: number }).count },
    impactFromServerDepth5: impactServer,
    importSeconds,
    itemsReadPerListPage: { [`at ${totalSoFar} CIs`]: itemsAt1k, [`at ${GRAPH_CIS} CIs`]: itemsAt10k },
    runtimeRssMb: rss,
  });
}
