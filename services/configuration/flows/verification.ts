/**
 * Verification campaign flow (FitSM PR11.5). Waits on a task token until every CI in scope has
 * a result (or someone closes the campaign), and at the latest until the due date; then closes
 * the campaign and publishes VerificationCompleted. The rules live in the task function; the
 * ASL only sequences. JSONPath only (the local engine has no JSONata).
 */
export const verificationFlow = {
  Comment: 'Verification campaign: await results until complete or due, then close.',
  StartAt: 'AwaitResults',
  States: {
    AwaitResults: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL DefinitionSubstitutions placeholder, not a template
        FunctionName: '${tasks}',
        Payload: {
          task: 'RegisterWaitToken',
          'campaignId.$': '$.campaignId',
          'correlationId.$': '$.correlationId',
          'taskToken.$': '$$.Task.Token',
        },
      },
      TimeoutSecondsPath: '$.timeoutSeconds',
      ResultPath: '$.awaited',
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'CloseCampaign' }],
      Next: 'CloseCampaign',
    },
    CloseCampaign: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL DefinitionSubstitutions placeholder, not a template
        FunctionName: '${tasks}',
        Payload: { task: 'CloseCampaign', 'campaignId.$': '$.campaignId', 'correlationId.$': '$.correlationId' },
      },
      OutputPath: '$.Payload',
      Retry: [
        {
          ErrorEquals: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'Lambda.SdkClientException'],
          IntervalSeconds: 2,
          MaxAttempts: 3,
          BackoffRate: 2,
        },
      ],
      End: true,
    },
  },
} as const;
