import { fileURLToPath } from 'node:url';
import type { DeployHookSpec, FunctionSpec, StreamConsumerSpec } from './definition';

/**
 * The event relay a publishing service adds to its definition (ADR 23), so both interpreters
 * deploy it like any other function: its function, the mapping on the table's stream that
 * invokes it, and the hook that drains the outbox the previous version may have left.
 */
export const eventRelayFunction: FunctionSpec = {
  entry: fileURLToPath(new URL('./event-relay.ts', import.meta.url)),
  description:
    "Publishes the events the table's stream carries; redrives a time range of event items; drains an old outbox.",
  timeoutSeconds: 60,
  // Its batches would each start a trace (a stream has no caller); the events carry the traces
  // of the requests that wrote them instead (OutgoingEvent.traceHeader).
  tracing: 'pass-through',
  // Reads event items back for a redrive; deletes drained outbox items.
  access: { table: 'write', publish: true },
};

/**
 * The mapping on the table's stream. Only INSERTs of event items invoke the relay (TTL REMOVEs
 * and every other write are filtered out by Lambda, at no cost). Batches of up to 100 and no
 * batching window: Lambda polls a shard four times a second and runs one batch per shard at a
 * time, so under load a batch fills with what arrived while the previous one ran; a window would
 * save invocations only at low traffic, where they cost next to nothing, and would delay every
 * event by its length. A failing batch is split to find the record at fault and retried at most
 * 50 times or for 6 hours, whichever comes first (an EventBridge incident of hours), then its
 * description goes to the failure queue while the stream (24 h) and the items (14 days) still
 * hold it; `npx itsm events redrive` publishes the range again.
 */
export const eventRelayStream = (fn = 'relay'): StreamConsumerSpec => ({
  id: 'event-relay',
  description: 'Publishes each event item the table inserts to the platform bus.',
  function: fn,
  startingPosition: 'TRIM_HORIZON',
  batchSize: 100,
  maximumBatchingWindowSeconds: 0,
  bisectBatchOnFunctionError: true,
  maximumRetryAttempts: 50,
  maximumRecordAgeInSeconds: 6 * 3600,
  reportBatchItemFailures: true,
  filters: [{ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['event'] } } } }],
});

/**
 * On deploy, publish and delete what the outbox of the previous version still holds: the relay
 * takes the deploy hook's empty payload as `{ drainOutbox: true }`.
 */
export const drainOutboxOnDeploy = (fn = 'relay'): DeployHookSpec => ({
  id: 'drain-outbox',
  description: 'Publishes the outbox items the previous version left, before its relay schedule goes.',
  function: fn,
});
