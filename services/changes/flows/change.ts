/**
 * The change flow (FitSM PR12.4-PR12.5): approval level by level, then the wait for the window,
 * then the wait for the implementation's outcome. One execution per change, named by its id.
 *
 * The rules live in the task function: `NextStep` reads the change and says what to wait for;
 * the ASL only sequences and branches on that computed `action` (ARCHITECTURE §4). JSONPath only.
 *
 * - `await-level`: one task token per approval level. `OpenLevel` stores the token on the level;
 *   the service completes it when the level's rule decides (a quorum reached, or the first
 *   rejection). No heartbeat: people decide in hours or days. The level's timeout is the task's
 *   `TimeoutSecondsPath`; on `States.Timeout`, `LevelTimedOut` applies the level's timeout rule
 *   (escalate to more approvers, or an automatic decision recorded as such).
 * - `await-window`: until the planned start. A task token with the remaining time as its timeout
 *   rather than a Wait state, so that moving an approved change earlier wakes the flow (the
 *   service completes the token on a reschedule); either way `NextStep` then reads the change
 *   again and waits again if it moved (ADR 31). Long waits are cut into pieces of at most 7 days.
 * - `await-implementation`: until the implementer records the outcome.
 */
const RETRY_LAMBDA = {
  ErrorEquals: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'Lambda.SdkClientException'],
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
};
// A lost race on the change (a decision written at the same moment): nothing was written, run again.
const RETRY_CONFLICT = {
  ErrorEquals: ['ConflictError', 'UnavailableError'],
  IntervalSeconds: 1,
  MaxAttempts: 5,
  BackoffRate: 2,
};

const invoke = (task: string, extra: Record<string, string> = {}) => ({
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL DefinitionSubstitutions placeholder, not a template
  FunctionName: '${tasks}',
  Payload: { task, 'changeId.$': '$.changeId', 'correlationId.$': '$.correlationId', ...extra },
});

const awaitToken = (task: string, extra: Record<string, string>, timeoutPath: string | undefined, next: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: invoke(task, { ...extra, 'taskToken.$': '$$.Task.Token' }),
  ...(timeoutPath ? { TimeoutSecondsPath: timeoutPath } : {}),
  ResultPath: '$.awaited',
  Retry: [RETRY_LAMBDA, RETRY_CONFLICT],
  Next: next,
});

export const changeFlow = {
  Comment: 'Change: approval levels (one task token each), the wait for the window, the implementation.',
  StartAt: 'NextStep',
  States: {
    NextStep: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: invoke('NextStep'),
      ResultSelector: {
        'action.$': '$.Payload.action',
        'level.$': '$.Payload.level',
        'timeoutSeconds.$': '$.Payload.timeoutSeconds',
      },
      ResultPath: '$.step',
      Retry: [RETRY_LAMBDA, RETRY_CONFLICT],
      Next: 'Route',
    },
    Route: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.step.action', StringEquals: 'await-level', Next: 'AwaitDecision' },
        { Variable: '$.step.action', StringEquals: 'await-window', Next: 'AwaitWindow' },
        { Variable: '$.step.action', StringEquals: 'await-implementation', Next: 'AwaitImplementation' },
      ],
      Default: 'Done',
    },
    AwaitDecision: {
      ...awaitToken('OpenLevel', { 'level.$': '$.step.level' }, '$.step.timeoutSeconds', 'NextStep'),
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'LevelTimedOut' }],
    },
    LevelTimedOut: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: invoke('LevelTimedOut', { 'level.$': '$.step.level' }),
      ResultPath: null,
      Retry: [RETRY_LAMBDA, RETRY_CONFLICT],
      Next: 'NextStep',
    },
    AwaitWindow: {
      ...awaitToken('AwaitWindow', {}, '$.step.timeoutSeconds', 'NextStep'),
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'NextStep' }],
    },
    AwaitImplementation: awaitToken('AwaitImplementation', {}, undefined, 'NextStep'),
    Done: { Type: 'Succeed' },
  },
} as const;
