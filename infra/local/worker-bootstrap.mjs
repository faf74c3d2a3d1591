// One Lambda instance (execution environment) inside a worker thread, the way the Lambda runtime
// runs one: it imports the function's bundle once (the cold start), then serves one invocation at
// a time (the pool in functions.ts never sends a second before the first is answered).
import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

// SDK calls to the local endpoint go over the runtime's message port, not loopback HTTP (ADR 24).
if (workerData.transport)
  (await import('./transport-worker.cjs')).default.install(workerData.transport, process.env.AWS_ENDPOINT_URL);

// shared/kit/env.ts keeps the names it was asked for here. Each message carries the names read
// since the last one, so the runtime keeps them after this instance is reaped (fidelity proof).
const READS = Symbol.for('itsm.environmentReads');
let reported = 0;
const newEnvironmentReads = () => {
  const reads = globalThis[READS];
  if (!reads || reads.size === reported) return undefined;
  const all = [...reads];
  const fresh = all.slice(reported);
  reported = all.length;
  return fresh;
};

const started = performance.now();
const mod = await import(pathToFileURL(workerData.bundle).href);
const initMs = performance.now() - started;

const context = (deadline) => ({
  functionName: workerData.functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: workerData.functionArn,
  memoryLimitInMB: String(workerData.memoryMb),
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${workerData.functionName}`,
  logStreamName: 'local',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done() {},
  fail() {},
  succeed() {},
});

// Lambda's runtime sets each invocation's X-Ray trace in `_X_AMZN_TRACE_ID`. Locally every
// invocation of an actively traced function starts a trace of its own (the local bus does not
// carry trace headers on to consumers); a pass-through function invoked by no traced caller has none.
const traceId = () =>
  `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=1`;

parentPort.on('message', async (msg) => {
  if (workerData.tracing === 'pass-through') delete process.env._X_AMZN_TRACE_ID;
  else process.env._X_AMZN_TRACE_ID = traceId();
  // The runtime's clock (Runtime.setTime), read through shared/kit/clock.ts; unset, real time.
  globalThis[Symbol.for('itsm.localClock')] = msg.clock;
  try {
    const result = await mod.handler(msg.event, context(Date.now() + workerData.timeoutMs));
    parentPort.postMessage({ type: 'result', result, envReads: newEnvironmentReads() });
  } catch (err) {
    parentPort.postMessage({
      type: 'result',
      error: { name: err?.name ?? 'Error', message: String(err?.message ?? err), stack: String(err?.stack ?? '') },
      envReads: newEnvironmentReads(),
    });
  }
});
parentPort.postMessage({ type: 'ready', initMs, envReads: newEnvironmentReads() });
