// Runs one Lambda function inside a worker thread, the way the Lambda runtime would: it imports
// the function's bundle once (cold start), then serves invocations.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

// SDK calls to the local endpoint go over the runtime's message port, not loopback HTTP (ADR 24).
if (workerData.transport)
  (await import('./transport-worker.cjs')).default.install(workerData.transport, process.env.AWS_ENDPOINT_URL);
const started = performance.now();
const mod = await import(pathToFileURL(workerData.bundle).href);
const initMs = performance.now() - started;
// shared/kit/env.ts keeps the names it was asked for here.
const environmentReads = () => [...(globalThis[Symbol.for('itsm.environmentReads')] ?? [])].sort();

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

parentPort.on('message', async (msg) => {
  if (msg.type === 'env-reads') {
    parentPort.postMessage({ id: msg.id, result: environmentReads() });
    return;
  }
  // The runtime's clock (Runtime.setTime), read through shared/kit/clock.ts; unset, real time.
  globalThis[Symbol.for('itsm.localClock')] = msg.clock;
  try {
    const result = await mod.handler(msg.event, context(Date.now() + workerData.timeoutMs));
    parentPort.postMessage({ id: msg.id, result });
  } catch (err) {
    parentPort.postMessage({
      id: msg.id,
      error: { name: err?.name ?? 'Error', message: String(err?.message ?? err), stack: String(err?.stack ?? '') },
    });
  }
});
parentPort.postMessage({ type: 'ready', initMs });
