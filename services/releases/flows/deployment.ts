/**
 * The deployment flow (FitSM PR13.5-PR13.6): one execution per deployment, named by its id.
 *
 * The rules live in the task function: `NextStep` reads the release and says what to wait for;
 * the ASL only sequences and branches on that computed `action` (ARCHITECTURE §4). JSONPath only.
 *
 * - `await-baseline`: `RequestBaseline` publishes `BaselineRequested` and keeps the task token; the
 *   configuration service captures the baseline and answers `BaselineCaptured` with the request id,
 *   which completes the token (services never read each other's tables). The CMDB answers in
 *   seconds; after 15 minutes `BaselineTimedOut` fails the deployment before any wave.
 * - `await-wave`: one task token per wave, completed when its verification is decided (a person's
 *   check, or CI/CD events for an automatic wave). No heartbeat: waves take minutes to days; the
 *   wait is renewed every hour (RECHECK_SECONDS).
 * - `await-backout`: a wave failed; the token is completed when the back-out's result is recorded.
 * - `await-verification`: every wave passed; a second baseline is compared with the package.
 * - `finish`: the outcome, early-life support, `ReleaseDeploymentEnded`.
 */
const RETRY_LAMBDA = {
  ErrorEquals: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'Lambda.SdkClientException'],
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
};
// A lost race on the release (an answer written at the same moment): nothing was written, run again.
const RETRY_CONFLICT = {
  ErrorEquals: ['ConflictError', 'UnavailableError'],
  IntervalSeconds: 1,
  MaxAttempts: 5,
  BackoffRate: 2,
};

/**
 * A person's answer is written first and the token completed after: if the answering function dies
 * in between, the flow would wait for ever on a decided wave. So waits on people end every hour and
 * `NextStep` reads the release again (a decided wave moves on; an open one waits again): four state
 * transitions an hour while a wave is open.
 */
const RECHECK_SECONDS = 3600;

const invoke = (task: string, extra: Record<string, string> = {}) => ({
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL DefinitionSubstitutions placeholder, not a template
  FunctionName: '${tasks}',
  Payload: {
    task,
    'releaseId.$': '$.releaseId',
    'deploymentId.$': '$.deploymentId',
    'correlationId.$': '$.correlationId',
    ...extra,
  },
});

const awaitToken = (task: string, extra: Record<string, string>, next: string, timeoutSeconds?: number) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: invoke(task, { ...extra, 'taskToken.$': '$$.Task.Token' }),
  ...(timeoutSeconds ? { TimeoutSeconds: timeoutSeconds } : {}),
  ResultPath: '$.awaited',
  Retry: [RETRY_LAMBDA, RETRY_CONFLICT],
  Next: next,
});

const task = (name: string, next: string | undefined, extra: Record<string, string> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: invoke(name, extra),
  ResultPath: null,
  Retry: [RETRY_LAMBDA, RETRY_CONFLICT],
  ...(next ? { Next: next } : { End: true }),
});

export const deploymentFlow = {
  Comment: 'Release deployment: baseline, waves with verification, back-out on failure, configuration check, outcome.',
  StartAt: 'NextStep',
  States: {
    NextStep: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: invoke('NextStep'),
      ResultSelector: {
        'action.$': '$.Payload.action',
        'wave.$': '$.Payload.wave',
        'phase.$': '$.Payload.phase',
      },
      ResultPath: '$.step',
      Retry: [RETRY_LAMBDA, RETRY_CONFLICT],
      Next: 'Route',
    },
    Route: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.step.action', StringEquals: 'await-baseline', Next: 'AwaitBaseline' },
        { Variable: '$.step.action', StringEquals: 'await-wave', Next: 'AwaitWave' },
        { Variable: '$.step.action', StringEquals: 'await-backout', Next: 'AwaitBackout' },
        { Variable: '$.step.action', StringEquals: 'await-verification', Next: 'AwaitBaseline' },
        { Variable: '$.step.action', StringEquals: 'finish', Next: 'Finish' },
      ],
      Default: 'Done',
    },
    AwaitBaseline: {
      ...awaitToken('RequestBaseline', { 'phase.$': '$.step.phase' }, 'NextStep', 900),
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'BaselineTimedOut' }],
    },
    BaselineTimedOut: task('BaselineTimedOut', 'NextStep', { 'phase.$': '$.step.phase' }),
    AwaitWave: {
      ...awaitToken('AwaitWave', { 'wave.$': '$.step.wave' }, 'NextStep', RECHECK_SECONDS),
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'NextStep' }],
    },
    AwaitBackout: {
      ...awaitToken('AwaitBackout', {}, 'NextStep', RECHECK_SECONDS),
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'NextStep' }],
    },
    Finish: task('Finish', 'Done'),
    Done: { Type: 'Succeed' },
  },
} as const;
