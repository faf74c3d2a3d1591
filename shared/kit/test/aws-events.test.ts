import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as names from '../../../infra/local/names';
import type { Runtime } from '../../../infra/local/runtime';
import { eventually, testRuntime } from '../../../test/support/runtime';
import { PipelineExecutionStateChange } from '../../contracts/aws/codepipeline';
import { defineService } from '../definition';

/**
 * AWS service events into a consumer (`awsEventConsumer`): CodePipeline's events reach a rule on
 * the default bus as AWS puts them there (the runtime plays the service, since PutEvents refuses
 * `aws.` sources), the detail is checked against its contract, the same event is applied once,
 * and an event that breaks its contract fails into Lambda's on-failure record, never dropped.
 */
const fixture = defineService({
  name: 'awsfix',
  title: 'AWS event fixture',
  fitsm: 'PR13',
  table: { indexes: [], timeToLiveAttribute: 'expiresAt' },
  functions: {
    consumer: {
      entry: fileURLToPath(new URL('./fixtures/aws-event-consumer.ts', import.meta.url)),
      description: 'Counts the pipeline execution states it hears of',
      access: { table: 'write' },
    },
  },
  routes: [],
  subscriptions: [
    {
      id: 'pipelines',
      description: 'CodePipeline execution state changes',
      bus: 'default',
      pattern: { source: ['aws.codepipeline'], 'detail-type': [PipelineExecutionStateChange.detailType] },
      function: 'consumer',
    },
  ],
  flows: [],
  schedules: [],
  publishes: [],
});

let rt: Runtime;
let db: DynamoDBDocumentClient;
const TABLE = names.tableName('awsfix');
const count = async (pipeline: string, execution: string, state: string) =>
  (
    await db.send(
      new GetCommand({
        TableName: TABLE,
        Key: { pk: 'COUNT', sk: `${pipeline}#${execution}#${state}` },
        ConsistentRead: true,
      }),
    )
  ).Item;
/** A pipeline execution state change shaped like the corpus samples. */
const execution = (pipeline: string, executionId: string, state: string) => ({
  source: 'aws.codepipeline',
  detailType: PipelineExecutionStateChange.detailType,
  resources: [`arn:aws:codepipeline:us-east-1:000000000000:${pipeline}`],
  detail: { pipeline, 'execution-id': executionId, state, version: 1 },
});

beforeAll(async () => {
  rt = await testRuntime({ services: [fixture] });
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: rt.awsUrl,
      region: names.LOCAL_REGION,
      credentials: { accessKeyId: 'test-reader', secretAccessKey: 'x' },
    }),
  );
});
afterAll(async () => {
  db?.destroy();
  await rt?.close();
});

describe('an AWS event consumer', () => {
  it('applies a CodePipeline event once, with the execution as its correlation', async () => {
    // Prepare
    rt.bus.setDeliveryMode({ duplicate: true, shuffle: false });

    // Act: emitted twice under one id (CodePipeline delivers at least once), each delivered twice.
    let id: string;
    try {
      const first = await rt.emitAwsEvent(execution('shop', 'exec-1', 'STARTED'));
      id = first.id;
      await rt.emitAwsEvent({ ...execution('shop', 'exec-1', 'STARTED'), id });
      await rt.bus.drain();
    } finally {
      rt.bus.setDeliveryMode({ duplicate: false, shuffle: false });
    }

    // Assess
    expect(await count('shop', 'exec-1', 'STARTED')).toMatchObject({
      heard: 1,
      correlationId: 'exec-1',
      causationId: id,
      actor: 'system:aws-fixture',
    });
    expect(rt.functions.asyncFailures()).toEqual([]);
  });

  it('takes an event as AWS sends it on the endpoint, and PutEvents refuses the same source', async () => {
    // Prepare
    const sample = {
      version: '0',
      id: '01234567-EXAMPLE',
      'detail-type': PipelineExecutionStateChange.detailType,
      source: 'aws.codepipeline',
      account: '123456789012',
      time: '2020-01-24T22:03:44Z',
      region: 'us-east-1',
      resources: ['arn:aws:codepipeline:us-east-1:123456789012:demo'],
      detail: { pipeline: 'demo', 'execution-id': 'exec-2', state: 'SUCCEEDED', version: 3 },
    };
    const bus = new EventBridgeClient({
      endpoint: rt.awsUrl,
      region: names.LOCAL_REGION,
      credentials: { accessKeyId: 'test-spoofer', secretAccessKey: 'x' },
    });

    // Act
    const posted = await fetch(`${rt.awsUrl}/_local/aws-events`, { method: 'POST', body: JSON.stringify(sample) });
    const put = await bus.send(
      new PutEventsCommand({
        Entries: [{ Source: sample.source, DetailType: sample['detail-type'], Detail: JSON.stringify(sample.detail) }],
      }),
    );
    bus.destroy();
    await rt.bus.drain();

    // Assess
    expect(posted.status).toBe(200);
    const { id } = (await posted.json()) as { id: string };
    expect(id).not.toBe(sample.id);
    expect((await rt.bus.event(id))?.event).toMatchObject({ source: 'aws.codepipeline', detail: sample.detail });
    expect(put.FailedEntryCount).toBe(1);
    expect(put.Entries?.[0]?.ErrorCode).toBe('NotAuthorizedForSourceException');
    expect(await count('demo', 'exec-2', 'SUCCEEDED')).toMatchObject({ heard: 1 });
  });

  it('answers 400 for a body that is not an AWS service event', async () => {
    // Act
    const res = await fetch(`${rt.awsUrl}/_local/aws-events`, {
      method: 'POST',
      body: JSON.stringify({ source: 'itsm.releases', 'detail-type': 'ReleaseUpdated', detail: {} }),
    });

    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'invalid-event',
      detail: expect.stringMatching(/not an AWS service/),
    });
  });

  it('fails an event that breaks its contract, naming the field, into the on-failure record', async () => {
    // Act
    const event = await rt.emitAwsEvent({
      source: 'aws.codepipeline',
      detailType: PipelineExecutionStateChange.detailType,
      detail: { pipeline: 'shop', state: 'STARTED' },
    });
    await rt.bus.drain();

    // Assess
    const failure = await eventually(
      async () => rt.functions.asyncFailures().find((f) => (f.requestPayload as { id?: string }).id === event.id),
      5000,
      'an async failure',
    );
    expect(failure.responsePayload.errorMessage).toMatch(/breaks its contract.*detail\.execution-id/);
  });

  it('fails a handler that returned without recording the event in its inbox', async () => {
    // Act
    const event = await rt.emitAwsEvent(execution('forget', 'exec-3', 'STARTED'));
    await rt.bus.drain();

    // Assess
    const failure = await eventually(
      async () => rt.functions.asyncFailures().find((f) => (f.requestPayload as { id?: string }).id === event.id),
      5000,
      'an async failure',
    );
    expect(failure.responsePayload.errorMessage).toMatch(/without recording it in its inbox/);
  });
});
