import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { flowArnEnv } from './definition';
import { requireEnv } from './env';

/** Starting flows and completing their human/await steps (task tokens). */
let sfn: SFNClient | undefined;
const client = () => {
  sfn ??= new SFNClient({});
  return sfn;
};

/**
 * Start a flow execution. `name` makes the start idempotent: repeating it while the execution
 * runs returns the same execution; after it ended, Step Functions refuses (ExecutionAlreadyExists).
 */
export async function startFlow(flowId: string, name: string, input: unknown): Promise<string> {
  const out = await client().send(
    new StartExecutionCommand({ stateMachineArn: requireEnv(flowArnEnv(flowId)), name, input: JSON.stringify(input) }),
  );
  return out.executionArn!;
}

export async function completeTask(token: string, output: unknown): Promise<void> {
  await client().send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
}

export async function failTask(token: string, error: string, cause: string): Promise<void> {
  await client().send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
}
