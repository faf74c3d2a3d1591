/**
 * The query store's figures (issue 9): the read model filled with `tickets` tickets through the
 * projection's own code (`applyTickets`, in bulk, over the platform's Data API), then through the
 * HTTP API: a filtered page, a keyword page for a rare term and for a term in 20% of tickets, a
 * typeahead lookup, the same filtered page at 10,000 and at the full count (the ratio shows
 * whether cost grows with the table), an export of every ticket (time, peak memory of the process
 * tree), and the lag from a ticket change on the desk to its visibility in search.
 */
import { RDSData } from '@aws-sdk/client-rds-data';
import { Kysely } from 'kysely';
import { DataApiDialect } from 'kysely-data-api';
import * as names from '../infra/local/names';
import type { ReadModel } from '../services/reporting/db/schema';
import { applyTickets, noteWatermark, type TicketRecord } from '../services/reporting/use-cases/project';
import { settledReading } from './cost';
import { call, load, pct, round } from './harness';

const COMMON = 'network';
const RARE = 'zygomorphic';
const WORDS = ['printer', 'laptop', 'email', 'vpn', 'password', 'screen', 'keyboard', 'invoice', 'login', 'backup'];

/** A plausible ticket; every fifth mentions the common term, one in 10,000 the rare one. */
function ticket(i: number, now: number): TicketRecord {
  const w = WORDS[i % WORDS.length]!;
  const common = i % 5 === 0 ? ` ${COMMON} drops` : '';
  const rare = i % 10_000 === 4_321 ? ` ${RARE} artefact` : '';
  const created = new Date(now - (200_000 - i) * 60_000).toISOString();
  return {
    ticketId: `BENCH${String(i).padStart(7, '0')}`,
    number: `INC-${100_000 + i}`,
    type: i % 4 === 0 ? 'request' : 'incident',
    version: 1,
    title: `${w} problem ${i}${common}`,
    description: `User reports the ${w} fails after the update.${common}${rare} ${'Steps to reproduce follow. '.repeat(8)}`,
    status: ['new', 'assigned', 'in-progress', 'pending', 'resolved', 'closed'][i % 6]!,
    priority: `P${1 + (i % 4)}`,
    callerId: `user-${i % 2000}`,
    customerId: ['acme', 'globex', 'initech', 'umbrella'][i % 4]!,
    serviceId: `SVC-${1 + (i % 40)}`,
    assignmentGroup: ['desk', 'network', 'apps', 'field'][i % 4]!,
    assigneeId: `user-agent${i % 50}`,
    major: i % 997 === 0,
    ciIds: [`CI-${1 + (i % 5000)}`],
    createdAt: created,
    changedAt: created,
    reopenCount: 0,
  };
}

export async function benchSearch(opts: {
  awsBase: string;
  tickets: number;
  quick: boolean;
  rssMb: () => number;
}): Promise<Record<string, unknown>> {
  const db = new Kysely<ReadModel>({
    dialect: new DataApiDialect({
      mode: 'postgres',
      driver: {
        client: new RDSData({
          endpoint: opts.awsBase,
          region: names.LOCAL_REGION,
          credentials: { accessKeyId: 'itsm-bench', secretAccessKey: 'local' },
        }),
        database: 'reporting',
        resourceArn: names.clusterArn(names.clusterName('reporting')),
        secretArn: names.secretArn(names.databaseSecret('reporting', 'owner')),
      },
    }),
  });
  const now = Date.now();
  const fill = async (from: number, to: number) => {
    const t0 = performance.now();
    const batch = 500;
    for (let i = from; i < to; i += batch) {
      const rows = Array.from({ length: Math.min(batch, to - i) }, (_, k) => ticket(i + k, now));
      for (;;) {
        try {
          await applyTickets(db, rows);
          break;
        } catch (err) {
          if ((err as Error).name !== 'DatabaseResumingException') throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }
    await noteWatermark(db, 'itsm.service-desk', new Date().toISOString());
    return round((performance.now() - t0) / 1000, 1);
  };
  const n = opts.quick ? 20 : 100;
  const measure = (path: string) => load(n, 1, () => call('GET', path));
  const filtered = '/v1/tickets?status=new,assigned&priority=P1&assignmentGroup=desk&limit=25';

  const small = Math.min(10_000, opts.tickets);
  const fillSmallSeconds = await fill(0, small);
  const atSmall = await measure(filtered);
  const fillRestSeconds = await fill(small, opts.tickets);
  const atFull = await measure(filtered);
  const rareQ = await measure(`/v1/tickets?q=${RARE}&limit=25`);
  const commonQ = await measure(`/v1/tickets?q=${COMMON}&limit=25`);
  const commonFiltered = await measure(`/v1/tickets?q=${COMMON}&customerId=acme&status=new&limit=25`);
  const picker = await load(n * 2, 1, (i) =>
    call('GET', `/v1/pickers/tickets?prefix=inc-1${String(i % 90).padStart(2, '0')}`),
  );
  const pickerWord = await load(n, 1, (i) =>
    call('GET', `/v1/pickers/tickets?prefix=${WORDS[i % WORDS.length]!.slice(0, 4)}`),
  );

  // Export every ticket; memory sampled while it runs.
  let peak = opts.rssMb();
  const sampler = setInterval(() => {
    peak = Math.max(peak, opts.rssMb());
  }, 250);
  const e0 = performance.now();
  const job = (await call('POST', '/v1/exports', { search: 'tickets', filters: {}, format: 'csv' })).body as {
    exportId: string;
  };
  let exported: { status: string; rows?: number; bytes?: number } = { status: 'queued' };
  while (exported.status === 'queued' || exported.status === 'running') {
    await new Promise((r) => setTimeout(r, 500));
    exported = (await call('GET', `/v1/exports/${job.exportId}`)).body as typeof exported;
  }
  const exportSeconds = round((performance.now() - e0) / 1000, 1);
  clearInterval(sampler);

  // Lag: a change on the desk until search shows it, measured once the platform is quiet (what
  // earlier suites left on the bus for the projection drained first: that time is reported apart).
  const q0 = performance.now();
  await settledReading(opts.awsBase, () => 0);
  const drainSeconds = round((performance.now() - q0) / 1000, 1);
  const lags: number[] = [];
  let lost = 0;
  for (let i = 0; i < (opts.quick ? 10 : 30); i++) {
    const word = `lagprobe${now}x${i}`.replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!);
    const t0 = performance.now();
    const created = await call('POST', '/v1/incidents', {
      title: `Search lag probe ${word}`,
      caller: { id: 'user-bench', name: 'Bench' },
      urgency: 'low',
    });
    if (created.status !== 201) throw new Error(`lag probe: ${created.status}`);
    let seen = false;
    while (!seen && performance.now() - t0 < 30_000) {
      const r = await call('GET', `/v1/tickets?q=${word}&limit=1`);
      seen = (r.body as { total?: { value: number } }).total?.value === 1;
      if (!seen) await new Promise((r) => setTimeout(r, 20));
    }
    // A probe not found within 30 s is counted, not timed: the figure then says how many.
    if (seen) lags.push(performance.now() - t0);
    else lost++;
  }
  await db.destroy();
  const line = (r: Awaited<ReturnType<typeof load>>) => ({ p50Ms: r.p50Ms, p99Ms: r.p99Ms });
  return {
    tickets: opts.tickets,
    fillSeconds: { first10k: fillSmallSeconds, rest: fillRestSeconds },
    filteredPageAt10k: line(atSmall),
    filteredPage: line(atFull),
    keywordRare: line(rareQ),
    keywordCommon: line(commonQ),
    keywordCommonFiltered: line(commonFiltered),
    pickerNumber: line(picker),
    pickerWord: line(pickerWord),
    growthRatio: round(atFull.p50Ms / atSmall.p50Ms, 2),
    export: {
      status: exported.status,
      rows: exported.rows,
      bytes: exported.bytes,
      seconds: exportSeconds,
      peakRssMb: peak,
    },
    lag: {
      p50Ms: round(pct(lags, 50)),
      p99Ms: round(pct(lags, 99)),
      samples: lags.length,
      notFoundWithin30s: lost,
      drainSeconds,
    },
  };
}
