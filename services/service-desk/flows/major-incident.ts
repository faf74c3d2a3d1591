/**
 * Major incident update cadence (FitSM PR9.6). Waits the configured cadence, then lets the task
 * function look at the ticket: while it is open, the task records a reminder and publishes
 * MajorIncidentUpdateRequested (the coordinator is e-mailed), and the flow loops; once the ticket
 * is resolved, closed or cancelled, the flow ends. The rules live in the task; the ASL only
 * sequences and branches on the task's computed `open`. JSONPath only.
 */
export const majorIncidentFlow = {
  Comment: 'Major incident: remind the coordinator to update stakeholders at the cadence until resolved.',
  StartAt: 'AwaitCadence',
  States: {
    AwaitCadence: {
      Type: 'Wait',
      SecondsPath: '$.cadenceSeconds',
      Next: 'RequestUpdate',
    },
    RequestUpdate: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL DefinitionSubstitutions placeholder, not a template
        FunctionName: '${tasks}',
        Payload: {
          task: 'RequestUpdate',
          'ticketId.$': '$.ticketId',
          'correlationId.$': '$.correlationId',
        },
      },
      ResultSelector: { 'open.$': '$.Payload.open', 'cadenceSeconds.$': '$.Payload.cadenceSeconds' },
      ResultPath: '$.check',
      Retry: [
        {
          ErrorEquals: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'Lambda.SdkClientException'],
          IntervalSeconds: 2,
          MaxAttempts: 3,
          BackoffRate: 2,
        },
        // A lost race, or a contended ticket (503 contention, ADR 0017): nothing was written, run again.
        { ErrorEquals: ['ConflictError', 'UnavailableError'], IntervalSeconds: 1, MaxAttempts: 5, BackoffRate: 2 },
      ],
      Next: 'StillOpen',
    },
    StillOpen: {
      Type: 'Choice',
      Choices: [{ Variable: '$.check.open', BooleanEquals: true, Next: 'NextRound' }],
      Default: 'Done',
    },
    NextRound: {
      Type: 'Pass',
      Parameters: {
        'ticketId.$': '$.ticketId',
        'correlationId.$': '$.correlationId',
        'cadenceSeconds.$': '$.check.cadenceSeconds',
      },
      Next: 'AwaitCadence',
    },
    Done: { Type: 'Succeed' },
  },
} as const;
