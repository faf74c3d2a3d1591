/**
 * The cost model (ADR 14): what a piece of work makes AWS do, read from the local
 * runtime's meter (`GET /_local/metrics`) before and after, and priced with `bench/prices.ts`.
 * Besides the meter's own counts it prices what AWS bills around every invocation:
 * - CloudWatch Logs ingestion: the functions' JSON log lines (the meter's `logBytes` per function
 *   when the platform has it, else the lines counted on the platform's stdout, where the local
 *   functions write them), Lambda's own system records per invocation, and the HTTP API's access
 *   log line per request.
 * - X-Ray: functions have active tracing (infra/aws/function.ts) unless their definition passes
 *   through. A trace starts at each API request and at each actively traced invocation that no
 *   traced caller started (a schedule, a stream batch); EventBridge (the PutEvents entry's
 *   `TraceHeader`, which the relay copies from the event item) and Step Functions carry the trace
 *   on, so consumers join the trace of the request that wrote the event.
 * Readings are tolerant of meters the platform does not have (older or newer runtimes): what
 * cannot be read is reported as not measured, never as zero.
 */
import { functionName } from '../infra/local/names';
import { SERVICES } from '../services/index';
import { round } from './harness';
import { PRICES_USD, XRAY_HIGH_VOLUME_SHARE } from './prices';

export interface Metrics {
  functions: Array<{ functionName: string; invocations: number; busyMs: number; memoryMb: number; logBytes?: number }>;
  dynamodb: Record<string, { readUnits: number; writeUnits: number; requests: number }>;
  events?: { put: number };
  stepFunctions?: { transitions: number };
  api?: { requests: number };
  mail?: { sent: number };
  sdk?: { calls: number };
  /** Query stores (issue 9): Data API calls and milliseconds running (not paused), per cluster. */
  rdsData?: Record<string, { calls: number; runningMs: number }>;
}

/** One meter reading, with the log bytes counted on the platform's stdout at the same moment. */
export interface Reading {
  metrics: Metrics;
  stdoutLogBytes: number;
}

/**
 * Lambda's own log records per invocation in JSON log format (`platform.start` and
 * `platform.report`, the report carrying duration, memory and the X-Ray trace id): about 600
 * bytes, from the record shapes in Lambda's telemetry schema reference
 * (docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html).
 */
export const SYSTEM_LOG_BYTES_PER_INVOCATION = 600;

/**
 * The HTTP API's access log line per request (infra/aws/platform.ts ACCESS_LOG_FORMAT: request
 * id, time, address, user agent, route key, status, lengths, latencies, errors, subject), about
 * 450 bytes with typical values, ingested by CloudWatch Logs as well.
 */
export const ACCESS_LOG_BYTES_PER_REQUEST = 450;

/**
 * Functions invoked by a table stream's event source mapping with active tracing: each batch
 * starts a trace. The event relay passes through (its events carry their writers' traces), so it
 * starts none.
 */
const STREAM_CONSUMERS = new Set(
  SERVICES.flatMap((s) =>
    (s.streamConsumers ?? [])
      .filter((c) => (s.functions[c.function]?.tracing ?? 'active') === 'active')
      .map((c) => functionName(s.name, c.function)),
  ),
);

/**
 * Functions that only schedules invoke (no route, subscription, stream or flow task): what they
 * cost is the platform's cost at rest, so per-unit figures leave them out even when a schedule
 * fires while the work is measured.
 */
export const SCHEDULE_ONLY = new Set(
  SERVICES.flatMap((s) => {
    const driven = new Set([
      ...s.routes.map((r) => r.function),
      ...s.subscriptions.map((x) => x.function),
      ...(s.streamConsumers ?? []).map((c) => c.function),
      ...s.flows.flatMap((f) => f.taskFunctions),
    ]);
    return s.schedules.filter((x) => !driven.has(x.function)).map((x) => functionName(s.name, x.function));
  }),
);

export interface Usage {
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  events: number | null;
  stateTransitions: number | null;
  apiRequests: number | null;
  mails: number | null;
  sdkCalls: number | null;
  /** Function log lines plus Lambda's system records, bytes. */
  logBytes: number;
  traces: number | null;
  /** Data API requests (null: the platform has no query store meter). */
  dataApiRequests: number | null;
  /** Aurora ACU-hours at the least running capacity, for the time the query stores ran. */
  auroraAcuHours: number | null;
}

const diff = (b: number | undefined, a: number | undefined) => (b === undefined ? null : b - (a ?? 0));

/** AWS usage per unit of work between two readings (`n` units), with the per-function and per-table split. */
export function usageBetween(a: Reading, b: Reading, n: number, opts: { atRest?: boolean } = {}) {
  const fnA = new Map(a.metrics.functions.map((f) => [f.functionName, f]));
  let invocations = 0;
  let gbSeconds = 0;
  let streamInvocations = 0;
  let meteredLogBytes = 0;
  const logMetered = b.metrics.functions.some((f) => f.logBytes !== undefined);
  const byFunction: Record<string, number> = {};
  for (const f of b.metrics.functions) {
    const prev = fnA.get(f.functionName);
    const calls = f.invocations - (prev?.invocations ?? 0);
    if (calls <= 0 || (!opts.atRest && SCHEDULE_ONLY.has(f.functionName))) continue;
    byFunction[f.functionName] = round(calls / n, 2);
    invocations += calls;
    gbSeconds += ((f.busyMs - (prev?.busyMs ?? 0)) / 1000) * (f.memoryMb / 1024);
    if (STREAM_CONSUMERS.has(f.functionName)) streamInvocations += calls;
    meteredLogBytes += (f.logBytes ?? 0) - (prev?.logBytes ?? 0);
  }
  let readUnits = 0;
  let writeUnits = 0;
  const byTable: Record<string, { readUnits: number; writeUnits: number }> = {};
  for (const [t, m] of Object.entries(b.metrics.dynamodb)) {
    const p = a.metrics.dynamodb[t] ?? { readUnits: 0, writeUnits: 0 };
    const r = m.readUnits - p.readUnits;
    const w = m.writeUnits - p.writeUnits;
    if (!r && !w) continue;
    byTable[t] = { readUnits: round(r / n, 1), writeUnits: round(w / n, 1) };
    readUnits += r;
    writeUnits += w;
  }
  const functionLogBytes = logMetered ? meteredLogBytes : b.stdoutLogBytes - a.stdoutLogBytes;
  const per = (x: number | null) => (x === null ? null : x / n);
  const stores = b.metrics.rdsData;
  const storeSum = (k: 'calls' | 'runningMs') =>
    stores === undefined
      ? null
      : Object.entries(stores).reduce((sum, [c, m]) => sum + m[k] - (a.metrics.rdsData?.[c]?.[k] ?? 0), 0);
  const runningMs = storeSum('runningMs');
  const api = diff(b.metrics.api?.requests, a.metrics.api?.requests);
  const usage: Usage = {
    lambdaInvocations: invocations / n,
    lambdaGbSeconds: gbSeconds / n,
    dynamoReadUnits: readUnits / n,
    dynamoWriteUnits: writeUnits / n,
    events: per(diff(b.metrics.events?.put, a.metrics.events?.put)),
    stateTransitions: per(diff(b.metrics.stepFunctions?.transitions, a.metrics.stepFunctions?.transitions)),
    apiRequests: per(api),
    mails: per(diff(b.metrics.mail?.sent, a.metrics.mail?.sent)),
    sdkCalls: per(diff(b.metrics.sdk?.calls, a.metrics.sdk?.calls)),
    logBytes:
      (functionLogBytes + invocations * SYSTEM_LOG_BYTES_PER_INVOCATION + (api ?? 0) * ACCESS_LOG_BYTES_PER_REQUEST) /
      n,
    // At rest nothing calls the API: every invocation (a schedule's, a stream batch's) starts a trace.
    traces: opts.atRest ? invocations / n : api === null ? null : (api + streamInvocations) / n,
    dataApiRequests: per(storeSum('calls')),
    auroraAcuHours: runningMs === null ? null : ((runningMs / 3_600_000) * PRICES_USD.auroraMinRunningAcu) / n,
  };
  return { usage, byFunction, byTable, logSource: logMetered ? 'meter (logBytes per function)' : 'platform stdout' };
}

/** US dollars for one unit of `usage`, by AWS service. X-Ray at the default rule's full recording (see prices). */
export function price(u: Usage) {
  const usd = {
    lambda: u.lambdaInvocations * PRICES_USD.lambdaRequest + u.lambdaGbSeconds * PRICES_USD.lambdaGbSecondArm,
    dynamodb: u.dynamoReadUnits * PRICES_USD.dynamoReadUnit + u.dynamoWriteUnits * PRICES_USD.dynamoWriteUnit,
    events: (u.events ?? 0) * PRICES_USD.eventBridgeEvent,
    stepFunctions: (u.stateTransitions ?? 0) * PRICES_USD.stateTransition,
    api: (u.apiRequests ?? 0) * PRICES_USD.httpApiRequest,
    logs: (u.logBytes / 1024 ** 3) * PRICES_USD.logsIngestedGb,
    xray: (u.traces ?? 0) * PRICES_USD.xrayTraceRecorded,
    dataApi: (u.dataApiRequests ?? 0) * PRICES_USD.dataApiRequest,
    aurora: (u.auroraAcuHours ?? 0) * PRICES_USD.auroraAcuHour,
  };
  return { ...usd, total: Object.values(usd).reduce((x, y) => x + y, 0) };
}

/** The same priced per 1,000 units, rounded for reading; plus X-Ray at high volume (5% sampled). */
export function per1000(u: Usage) {
  const usd = price(u);
  return {
    ...(Object.fromEntries(Object.entries(usd).map(([k, v]) => [k, round(v * 1000, 4)])) as Record<
      keyof typeof usd,
      number
    >),
    xrayIfSampledAtHighVolume: round((u.traces ?? 0) * XRAY_HIGH_VOLUME_SHARE * PRICES_USD.xrayTraceRecorded * 1000, 4),
    sesApart: round((u.mails ?? 0) * PRICES_USD.sesMessage * 1000, 4),
  };
}

export const rounded = (u: Usage) =>
  Object.fromEntries(Object.entries(u).map(([k, v]) => [k, v === null ? null : round(v, 3)])) as Record<
    keyof Usage,
    number | null
  >;

/** Wait until the bus, every consumer and their logs have finished (nothing moves for a second), and read the meter. */
export async function settledReading(awsBase: string, stdoutLogBytes: () => number): Promise<Reading> {
  let last = '';
  for (;;) {
    const m = (await (await fetch(`${awsBase}/_local/metrics`)).json()) as Metrics;
    const logBytes = stdoutLogBytes();
    const sig = JSON.stringify([m.events, m.functions.map((f) => [f.invocations, f.logBytes]), m.mail, logBytes]);
    if (sig === last) return { metrics: m, stdoutLogBytes: logBytes };
    last = sig;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
