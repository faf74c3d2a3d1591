import { EventBridgeClient, PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { ulid } from 'ulid';
import type { Runtime } from '../../infra/local/runtime';

/** An event as its producer would publish it: the envelope's metadata is filled in. */
export interface TestEvent {
  source: string;
  detailType: string;
  data: unknown;
  /** Give one to deliver the same event twice (consumers must treat it as a duplicate). */
  eventId?: string;
}

/**
 * Publish events on the platform bus through the real SDK, as another service would: used by
 * tests that run one service alone and stand in for its producers. One PutEvents per 10 events.
 */
export async function publishEvents(
  rt: Runtime,
  events: TestEvent[],
  publisher = 'test-publisher',
): Promise<PutEventsCommandOutput[]> {
  const bus = new EventBridgeClient({
    endpoint: rt.awsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: publisher, secretAccessKey: 'x' },
  });
  try {
    const out: PutEventsCommandOutput[] = [];
    for (let i = 0; i < events.length; i += 10) {
      const Entries = events.slice(i, i + 10).map((e) => ({
        EventBusName: 'itsm',
        Source: e.source,
        DetailType: e.detailType,
        Detail: JSON.stringify({
          metadata: {
            eventId: e.eventId ?? ulid(),
            version: 1,
            occurredAt: new Date().toISOString(),
            correlationId: ulid(),
            actor: { id: `system:${publisher}`, name: publisher, kind: 'system' },
          },
          data: e.data,
        }),
      }));
      out.push(await bus.send(new PutEventsCommand({ Entries })));
    }
    return out;
  } finally {
    bus.destroy();
  }
}
