/** Test fixtures: LocalStepFunctions behind the runtime's AWS endpoint, driven by the real SDK. */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { RecordedCall } from '../../aws-service';
import { AwsEndpoint } from '../../endpoint';
import { LocalStepFunctions, type LocalStepFunctionsOptions } from '../local-stepfunctions';

export const ROLE = 'arn:aws:iam::000000000000:role/test';
export const CALLER = 'test-caller';

export interface Harness {
  sfn: LocalStepFunctions;
  client: SFNClient;
  server: { url: string };
  calls: RecordedCall[];
  close(): Promise<void>;
}

export async function startHarness(options: Partial<LocalStepFunctionsOptions> = {}): Promise<Harness> {
  const calls: RecordedCall[] = [];
  const sfn = new LocalStepFunctions({
    invokeFunction: async () => ({}),
    record: (c) => calls.push(c),
    ...options,
  });
  const endpoint = new AwsEndpoint([sfn]);
  const server = { url: await endpoint.listen(0) };
  const client = new SFNClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: CALLER, secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    sfn,
    client,
    server,
    calls,
    close: async () => {
      client.destroy();
      // Closes the server and the service behind it.
      await endpoint.close();
    },
  };
}

let counter = 0;

export async function createMachine(
  h: Harness,
  definition: object,
  name = `sm-${++counter}-${Date.now()}`,
): Promise<string> {
  const out = await h.client.send(
    new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }),
  );
  return out.stateMachineArn as string;
}

export async function start(h: Harness, stateMachineArn: string, input: unknown = {}, name?: string): Promise<string> {
  const out = await h.client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), ...(name ? { name } : {}) }),
  );
  return out.executionArn as string;
}

/** Runs an execution to its end and describes it through the SDK. */
export async function run(
  h: Harness,
  stateMachineArn: string,
  input: unknown = {},
  timeoutMs = 10_000,
): Promise<DescribeExecutionCommandOutput> {
  const executionArn = await start(h, stateMachineArn, input);
  await h.sfn.waitForExecution(executionArn, { timeoutMs });
  return h.client.send(new DescribeExecutionCommand({ executionArn }));
}

export async function history(h: Harness, executionArn: string): Promise<HistoryEvent[]> {
  const out = await h.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return out.events ?? [];
}

/** Polls until `check` returns a value (no fixed sleeps: tests wait for what they need). */
export async function until<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:itsm-test-worker';
