import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import type { EventContract, EventDetail, EventMetadata } from '../contracts/envelope';
import { EventMetadata as MetadataSchema } from '../contracts/envelope';
import { newId, type OperationContext } from './context';
import { optionalEnv, requireEnv } from './env';
import { addEvents } from './usage';
import { issuesToFields } from './validation';

/**
 * Events: the envelope a producer builds, the publisher, and what a consumer receives. How a
 * committed event reaches the bus is `store/publication.ts`. Consumers are idempotent on
 * `metadata.eventId`, so the rare double publish is harmless.
 */
export interface OutgoingEvent {
  eventId: string;
  source: string;
  detailType: string;
  detail: EventDetail;
  /**
   * The X-Ray trace of the invocation that wrote the event, put on its PutEvents entry so the
   * consumers EventBridge invokes join that trace across the stream hop (the relay starts none).
   */
  traceHeader?: string;
}

/** PutEvents takes a `TraceHeader` of 1-500 characters. */
const MAX_TRACE_HEADER = 500;

/** The trace Lambda's runtime sets for the running invocation (`_X_AMZN_TRACE_ID`), if usable. */
export function currentTraceHeader(): string | undefined {
  const header = optionalEnv('_X_AMZN_TRACE_ID');
  return header && header.length <= MAX_TRACE_HEADER ? header : undefined;
}

/** Build and validate an event. An invalid event is our bug, so it throws before anything is written. */
export function buildEvent<D extends z.core.$ZodType>(
  contract: EventContract<D>,
  data: z.infer<D>,
  ctx: OperationContext,
): OutgoingEvent {
  const parsed = z.safeParse(contract.data, data);
  if (!parsed.success) {
    const fields = issuesToFields(parsed.error.issues, 'data');
    throw new Error(`event ${contract.detailType} breaks its contract: ${JSON.stringify(fields)}`);
  }
  const eventId = newId();
  const metadata: EventMetadata = {
    eventId,
    version: contract.version,
    occurredAt: new Date().toISOString(),
    correlationId: ctx.correlationId,
    actor: ctx.actor,
    ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
  };
  const traceHeader = currentTraceHeader();
  return {
    eventId,
    source: contract.source,
    detailType: contract.detailType,
    detail: { metadata, data: parsed.data },
    ...(traceHeader ? { traceHeader } : {}),
  };
}

/**
 * The EventBridge client is loaded on first publish, not at cold start: requests that publish
 * nothing (every read) never pay for loading it (~100 ms here, ADR 6).
 */
let bridge:
  | Promise<{
      client: EventBridgeClient;
      PutEventsCommand: typeof import('@aws-sdk/client-eventbridge').PutEventsCommand;
    }>
  | undefined;
const eventBridge = () => {
  bridge ??= import('@aws-sdk/client-eventbridge').then((m) => ({
    client: new m.EventBridgeClient({}),
    PutEventsCommand: m.PutEventsCommand,
  }));
  return bridge;
};

/** PutEvents in batches of 10; returns the ids EventBridge accepted. */
export async function putEvents(events: OutgoingEvent[]): Promise<Set<string>> {
  const busName = requireEnv('EVENT_BUS_NAME');
  const accepted = new Set<string>();
  for (let i = 0; i < events.length; i += 10) {
    const batch = events.slice(i, i + 10);
    const entries: PutEventsRequestEntry[] = batch.map((e) => ({
      EventBusName: busName,
      Source: e.source,
      DetailType: e.detailType,
      Detail: JSON.stringify(e.detail),
      ...(e.traceHeader ? { TraceHeader: e.traceHeader } : {}),
    }));
    const { client, PutEventsCommand } = await eventBridge();
    const out = await client.send(new PutEventsCommand({ Entries: entries }));
    out.Entries?.forEach((entry, j) => {
      if (!entry.ErrorCode && batch[j]) accepted.add(batch[j].eventId);
    });
  }
  addEvents(accepted.size);
  return accepted;
}

/** A platform event as a consumer receives it, after envelope validation. */
export interface ReceivedEvent<D = unknown> {
  id: string;
  source: string;
  detailType: string;
  metadata: EventMetadata;
  data: D;
}

export type EventHandler = (event: ReceivedEvent, ctx: OperationContext) => Promise<void>;

/**
 * Parse an incoming EventBridge event against the contracts this consumer knows. An event that
 * breaks its contract is an error (it goes to the dead-letter queue), never silently dropped.
 */
export function receive(
  raw: EventBridgeEvent<string, unknown>,
  contracts: readonly EventContract[],
): { contract: EventContract; event: ReceivedEvent } {
  const contract = contracts.find((c) => c.source === raw.source && c.detailType === raw['detail-type']);
  if (!contract) throw new Error(`no contract for ${raw.source} ${raw['detail-type']}`);
  const detail = raw.detail as { metadata?: unknown; data?: unknown } | undefined;
  const meta = z.safeParse(MetadataSchema, detail?.metadata);
  if (!meta.success) throw new Error(`event ${raw.id} has invalid metadata: ${JSON.stringify(meta.error.issues)}`);
  if (meta.data.version !== contract.version) {
    throw new Error(
      `event ${raw['detail-type']} version ${meta.data.version} is not the supported ${contract.version}`,
    );
  }
  const data = z.safeParse(contract.data, detail?.data);
  if (!data.success) throw new Error(`event ${raw.id} breaks its contract: ${JSON.stringify(data.error.issues)}`);
  return {
    contract,
    event: { id: raw.id, source: raw.source, detailType: raw['detail-type'], metadata: meta.data, data: data.data },
  };
}
