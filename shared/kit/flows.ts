import type { SFNClient } from '@aws-sdk/client-sfn';
import { flowArnEnv } from './definition';
import { requireEnv } from './env';

/**
 * Starting flows and completing their human/await steps (task tokens). The Step Functions client
 * is loaded on first use: most requests never start or complete a flow (ADR 6).
 */
type Sfn = typeof import('@aws-sdk/client-sfn');
let sfn: Promise<{ client: SFNClient; m: Sfn }> | undefined;
const load = () => {
  sfn ??= import('@aws-sdk/client-sfn').then((m) => ({ client: new m.SFNClient({}), m }));
  return sfn;
};

/**
 * Start a flow execution. `name` makes the start idempotent: repeating it while the execution
 * runs returns the same execution; after it ended, Step Functions refuses (ExecutionAlreadyExists).
 */
export async function startFlow(flowId: string, name: string, input: unknown): Promise<string> {
  const { client, m } = await load();
  const out = await client.send(
    new m.StartExecutionCommand({
      stateMachineArn: requireEnv(flowArnEnv(flowId)),
      name,
      input: JSON.stringify(input),
    }),
  );
  return out.executionArn!;
}

export async function completeTask(token: string, output: unknown): Promise<void> {
  const { client, m } = await load();
  await client.send(new m.SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
}

export async function failTask(token: string, error: string, cause: string): Promise<void> {
  const { client, m } = await load();
  await client.send(new m.SendTaskFailureCommand({ taskToken: token, error, cause }));
}

/** What Step Functions answers for a task token whose flow is no longer waiting on it. */
const FLOW_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist']);

/**
 * Complete a task token if its flow still waits on it; `false` when it no longer does (the task
 * timed out, or the execution moved on or ended). Anything else (throttling, an outage) throws:
 * swallowing it would leave the flow waiting for ever.
 */
export async function completeTaskIfWaiting(token: string, output: unknown): Promise<boolean> {
  try {
    await completeTask(token, output);
    return true;
  } catch (error) {
    if (error instanceof Error && FLOW_GONE.has(error.name)) return false;
    throw error;
  }
}
