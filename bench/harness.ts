/** Bench plumbing shared by the suites: timed API calls, load at a concurrency, percentiles. */
export interface Sample {
  ms: number;
  usage?: Usage;
  status: number;
}
export interface Usage {
  rcu: number;
  wcu: number;
  items: number;
  events: number;
}

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
};
export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export function parseUsage(h: string | null): Usage | undefined {
  if (!h) return undefined;
  const kv = Object.fromEntries(h.split(';').map((p) => p.split('=') as [string, string]));
  return { rcu: Number(kv.rcu), wcu: Number(kv.wcu), items: Number(kv.items), events: Number(kv.events) };
}

let token = '';
let base = '';
/** Where and as whom `call` talks to the API. */
export function target(apiBase: string, bearer: string): void {
  base = apiBase;
  token = bearer;
}

/** One API call, timed, with the usage the kit reports in `x-itsm-usage`. */
export async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Sample & { body: unknown }> {
  const t0 = performance.now();
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  const usage = parseUsage(res.headers.get('x-itsm-usage'));
  return { ms, status: res.status, ...(usage ? { usage } : {}), body: text ? JSON.parse(text) : undefined };
}

/** Run `count` operations with `concurrency` in flight; returns samples and wall time. */
export async function load(count: number, concurrency: number, op: (i: number) => Promise<Sample>) {
  const samples: Sample[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        samples.push(await op(i));
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const bad = samples.filter((s) => s.status >= 400);
  if (bad.length) throw new Error(`${bad.length} operations failed (first status ${bad[0]!.status})`);
  const ms = samples.map((s) => s.ms);
  const mean = (f: (u: Usage) => number) =>
    round(samples.reduce((a, s) => a + (s.usage ? f(s.usage) : 0), 0) / samples.length);
  return {
    count,
    concurrency,
    throughputPerSec: round((count / wallMs) * 1000, 1),
    p50Ms: round(pct(ms, 50)),
    p99Ms: round(pct(ms, 99)),
    rcu: mean((u) => u.rcu),
    wcu: mean((u) => u.wcu),
    itemsRead: mean((u) => u.items),
    events: mean((u) => u.events),
  };
}
