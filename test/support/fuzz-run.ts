import type { Runtime } from '../../infra/local/runtime';
import {
  CURRENT_VERSION,
  describeBody,
  type FuzzCase,
  type Operation,
  type PrincipalName,
  routeKey,
} from './fuzz-cases';

/**
 * Sends the fuzz test's requests and keeps what came back: per route how many requests reached
 * the route's function (the runtime's invocation count of that function, read before and after
 * the route's requests, which nothing else sends to it), the statuses seen, and every answer that
 * breaks the rules (a 5xx; a 4xx that is not problem+json) with the function's error log line.
 */
export interface Outcome {
  c: FuzzCase;
  status: number;
  contentType: string;
  /** The function answered (it echoed our correlation id); false for the gateway's own answers. */
  fromFunction: boolean;
  /** The If-Match actually sent (the current version resolved). */
  ifMatch?: string;
  excerpt: string;
  correlationId: string;
}

export interface RouteStats {
  route: string;
  sent: number;
  reached: Record<PrincipalName, number>;
  statuses: Map<number, number>;
}

export interface FuzzRun {
  stats: RouteStats[];
  /**
   * Answers that break a rule: any 5xx, or a 4xx that is not problem+json. Every request carries a
   * valid token and a body under the gateway's 10 MB, so every 4xx here comes from our functions
   * (the gateway's own 401 and 413 cannot occur).
   */
  violations: Outcome[];
  /** The answers to issue 7's replayed findings, shown in the summary whatever they are. */
  findings: Outcome[];
  /** Error lines the functions logged during the run (kept out of the output; 5xx show theirs). */
  errorLines: number;
  /** The function's error log line for a 5xx, by the request's correlation id (from a replay alone). */
  logs: Map<string, string>;
  sent: number;
  reached: number;
  fiveXx: number;
  ms: number;
}

let sequence = 0;

async function send(
  rt: Runtime,
  c: FuzzCase,
  token: string,
  version: { current?: string },
): Promise<Outcome & { etag?: string }> {
  const correlationId = `fuzz-${++sequence}`;
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'x-correlation-id': correlationId };
  if (c.body !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
  if (c.ifMatch !== undefined) {
    const v = c.ifMatch === CURRENT_VERSION ? version.current : c.ifMatch;
    if (v !== undefined) headers['if-match'] = v;
  }
  const res = await fetch(`${rt.apiUrl}${c.url}`, {
    method: c.op.method,
    headers,
    ...(c.body !== undefined ? { body: c.body } : {}),
  });
  const text = await res.text();
  const etag = res.headers.get('etag') ?? undefined;
  return {
    c,
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    fromFunction: res.headers.get('x-correlation-id') === correlationId,
    ...(headers['if-match'] !== undefined ? { ifMatch: headers['if-match'] } : {}),
    excerpt: text.slice(0, 240),
    correlationId,
    ...(etag ? { etag } : {}),
  };
}

/**
 * Function log lines reach the test process through the workers' stdout. Keep the error lines
 * (JSON: function name, message, error) in order, out of the test output; the listing shows each
 * next to the request that caused it.
 */
export interface ErrorLine {
  functionName: string;
  text: string;
}

export function captureErrorLogs(): { lines: ErrorLine[]; stop: () => void } {
  const lines: ErrorLine[] = [];
  const originals = [process.stdout.write, process.stderr.write] as const;
  const tap =
    (original: typeof process.stdout.write, stream: NodeJS.WriteStream) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
      let kept = false;
      for (const line of text.split('\n')) {
        if (!line.startsWith('{"level":"ERROR"')) continue;
        try {
          const entry = JSON.parse(line) as {
            function_name?: string;
            message?: string;
            error?: { name?: string; message?: string; location?: string };
          };
          const where = (entry.error?.location ?? '').replace(/^.*\/(node_modules|work\/[^/]+)\//, '');
          lines.push({
            functionName: entry.function_name ?? '',
            text: `${entry.message ?? ''}: ${entry.error?.name ?? ''}: ${entry.error?.message ?? ''} at ${where}`.slice(
              0,
              400,
            ),
          });
          kept = true;
        } catch {
          // not a log line of ours
        }
      }
      return kept ? true : (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    };
  process.stdout.write = tap(originals[0], process.stdout) as typeof process.stdout.write;
  process.stderr.write = tap(originals[1], process.stderr) as typeof process.stderr.write;
  return {
    lines,
    stop: () => {
      process.stdout.write = originals[0];
      process.stderr.write = originals[1];
    },
  };
}

const invocations = (rt: Runtime, functionName: string) =>
  rt.functions.stats().find((f) => f.functionName === functionName)?.invocations ?? 0;

/**
 * Runs the cases route by route (so a function's invocation count belongs to one route), a few
 * requests in flight at a time; PATCH and PUT cases one at a time, so "the current version" is
 * the one the previous request left.
 */
export async function runFuzz(
  rt: Runtime,
  routes: Array<{
    op: Operation;
    functionName: string;
    cases: FuzzCase[];
    /** The record's version (ETag) before the route's requests, for cases that send the current one. */
    version?: string;
  }>,
  tokens: Record<PrincipalName, string>,
  concurrency: number,
): Promise<FuzzRun> {
  const started = performance.now();
  const capture = captureErrorLogs();
  const logs = new Map<string, string>();
  const functionOf = new Map(routes.map((r) => [routeKey(r.op), r.functionName]));
  const stats: RouteStats[] = [];
  const violations: Outcome[] = [];
  const findings: Outcome[] = [];
  let sent = 0;
  let fiveXx = 0;
  try {
    for (const r of routes) {
      const s: RouteStats = { route: routeKey(r.op), sent: 0, reached: { admin: 0, customer: 0 }, statuses: new Map() };
      const version = { ...(r.version ? { current: r.version } : {}) };
      for (const principal of ['admin', 'customer'] as const) {
        const cases = r.cases.filter((c) => c.principal === principal);
        const before = invocations(rt, r.functionName);
        const width = r.op.ifMatch ? 1 : concurrency;
        let next = 0;
        await Promise.all(
          Array.from({ length: width }, async () => {
            while (next < cases.length) {
              const c = cases[next++]!;
              const o = await send(rt, c, tokens[principal], version);
              if (o.etag && o.status < 300) version.current = o.etag;
              s.sent++;
              s.statuses.set(o.status, (s.statuses.get(o.status) ?? 0) + 1);
              if (o.status >= 500) fiveXx++;
              if (c.input.startsWith('finding:')) findings.push(o);
              if (o.status >= 500 || (o.status >= 400 && !o.contentType.startsWith('application/problem+json'))) {
                violations.push(o);
              }
            }
          }),
        );
        s.reached[principal] = invocations(rt, r.functionName) - before;
      }
      sent += s.sent;
      stats.push(s);
    }
    await replayForLogs(rt, violations, tokens, capture.lines, logs, functionOf);
  } finally {
    capture.stop();
  }
  return {
    stats,
    violations,
    findings,
    errorLines: capture.lines.length,
    logs,
    sent,
    reached: stats.reduce((n, s) => n + s.reached.admin + s.reached.customer, 0),
    fiveXx,
    ms: performance.now() - started,
  };
}

/**
 * Locally one function instance serves concurrent requests, and its log lines carry no
 * correlation id, so an error line cannot be matched to its request during the run. Send each
 * 5xx group's first example again, alone, and take the error line its function logs meanwhile.
 */
async function replayForLogs(
  rt: Runtime,
  violations: Outcome[],
  tokens: Record<PrincipalName, string>,
  lines: ErrorLine[],
  logs: Map<string, string>,
  functionOf: Map<string, string>,
): Promise<void> {
  // One replay per route, status and input class (the parameter or field it hit aside).
  const replayed = new Map<string, string>();
  for (const v of violations) {
    if (v.status < 500) continue;
    const fn = functionOf.get(routeKey(v.c.op))!;
    const cls = v.c.input
      .replace(/^fast-check: /, '')
      .replace(/^path \{\w+\}/, 'path')
      .replace(/^body\.[^:]*/, 'body');
    const key = `${routeKey(v.c.op)} | ${v.status} | ${cls}`;
    const known = replayed.get(key);
    if (known !== undefined) {
      logs.set(v.correlationId, known);
      continue;
    }
    if (replayed.size >= MAX_REPLAYS) continue;
    // A request that sent the record's current version sends the one the record has now.
    let current = v.ifMatch;
    if (v.c.ifMatch === CURRENT_VERSION) {
      const read = await fetch(`${rt.apiUrl}${v.c.url}`, { headers: { authorization: `Bearer ${tokens.admin}` } });
      current = read.headers.get('etag') ?? current;
    }
    const from = lines.length;
    const before = invocations(rt, fn);
    const again = await send(rt, v.c, tokens[v.c.principal], current ? { current } : {});
    const invoked = invocations(rt, fn) > before;
    const found = () => lines.slice(from).find((l) => l.functionName === fn);
    const deadline = Date.now() + 250;
    while (again.status >= 500 && invoked && !found() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const what = found()?.text ?? (invoked ? 'no error logged' : 'the function was not invoked');
    const text = `${what} (replayed alone: ${again.status})`;
    replayed.set(key, text);
    logs.set(v.correlationId, text);
  }
}

const MAX_REPLAYS = 400;
const groupKey = (v: Outcome) => `${routeKey(v.c.op)} | ${v.status} | ${v.c.input.replace(/^fast-check: /, '')}`;

/** The per-route table and the totals, as the test prints them. */
export function summary(run: FuzzRun): string {
  const rows = run.stats.map((s) => {
    const fourXx = [...s.statuses.keys()].filter((k) => k >= 400 && k < 500).sort((a, b) => a - b);
    const five = [...s.statuses.entries()].filter(([k]) => k >= 500).reduce((n, [, v]) => n + v, 0);
    return [
      s.route,
      String(s.sent),
      `${s.reached.admin + s.reached.customer} (${s.reached.admin}+${s.reached.customer})`,
      fourXx.join(' '),
      String(five || ''),
    ];
  });
  const head = ['route', 'sent', 'reached (admin+customer)', '4xx codes seen', '5xx'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    line(head),
    ...rows.map(line),
    '',
    ...(run.findings.length
      ? [
          'issue 7 findings replayed (route | finding | status):',
          ...run.findings.map((o) => `  ${routeKey(o.c.op)} | ${o.c.input.replace(/^finding: /, '')} | ${o.status}`),
          '',
        ]
      : []),
    `requests sent: ${run.sent}; reached handlers: ${run.reached}; 5xx seen: ${run.fiveXx}; ` +
      `${run.stats.length} routes in ${(run.ms / 1000).toFixed(1)} s; ${run.errorLines} function error log lines`,
  ].join('\n');
}

/**
 * The rule-breaking answers grouped by route, status and input class, one example each with
 * its request and body excerpt and the function's error log line; capped at `max` groups.
 */
export function violationListing(run: FuzzRun, max = 60): string {
  const groups = new Map<string, Outcome[]>();
  for (const v of run.violations) {
    const key = groupKey(v);
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const out: string[] = [];
  for (const [key, list] of [...groups.entries()].slice(0, max)) {
    const v = list[0]!;
    const size = describeBody(v.c.body);
    const url = v.c.url.length > 140 ? `${v.c.url.slice(0, 140)}… (${v.c.url.length} chars)` : v.c.url;
    out.push(
      `${key} | ×${list.length} as ${[...new Set(list.map((o) => o.c.principal))].join('+')}`,
      `    ${v.c.op.method} ${url}${size ? ` (body ${size})` : ''}${v.ifMatch ? ` If-Match: ${v.ifMatch.slice(0, 30)}` : ''}`,
      `    ${v.fromFunction ? 'function' : 'gateway'} answered ${v.contentType || 'no content-type'}: ${v.excerpt.slice(0, 160)}`,
      ...(run.logs.get(v.correlationId) ? [`    log: ${run.logs.get(v.correlationId)}`] : []),
    );
  }
  if (groups.size > max) out.push(`… and ${groups.size - max} more groups`);
  return out.join('\n');
}
