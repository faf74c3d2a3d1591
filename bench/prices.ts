/**
 * us-east-1 list prices used by the bench's cost model (on-demand, no free tier). Lambda,
 * DynamoDB, EventBridge, Step Functions, API Gateway and SES checked 2026-11; CloudWatch Logs,
 * X-Ray, CloudWatch alarms and Secrets Manager added 2026-12-02, Aurora and the Data API 2026-12-03,
 * each from its service's pricing
 * page (aws.amazon.com/<service>/pricing). Change them here if AWS does.
 */
export const PRICES_USD = {
  /** Lambda: per request, and per GB-second on arm64 (the functions run on Graviton). */
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  /** DynamoDB on-demand: per write request unit and per read request unit. */
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  /** EventBridge: per custom event published (64 KB chunks; ours are far smaller). */
  eventBridgeEvent: 1.0 / 1e6,
  /** Step Functions Standard: per state transition. */
  stateTransition: 0.025 / 1000,
  /** API Gateway HTTP API: per request (first 300 million a month). */
  httpApiRequest: 1.0 / 1e6,
  /** SES: per message sent. */
  sesMessage: 0.1 / 1000,
  /** CloudWatch Logs: per GB ingested (standard class; Lambda's logs are vended logs, first tier $0.50). */
  logsIngestedGb: 0.5,
  /** X-Ray: per trace recorded ($5.00 per million; retrieval and scans are apart and not ours to count). */
  xrayTraceRecorded: 5.0 / 1e6,
  /** CloudWatch: per standard-resolution metric alarm per month. */
  alarmMonth: 0.1,
  /** Secrets Manager: per secret per month (API calls $0.05 per 10,000, priced with the SDK calls' share). */
  secretMonth: 0.4,
  /** RDS Data API: per request (first billion a month; a request is billed per 32 KB of payload, ours are smaller). */
  dataApiRequest: 0.35 / 1e6,
  /** Aurora Serverless v2 (Aurora Standard): per ACU-hour while running; 0 while paused (MinCapacity 0). */
  auroraAcuHour: 0.12,
  /** The least a running Serverless v2 instance is billed, in ACU (it scales up from here under load). */
  auroraMinRunningAcu: 0.5,
  /** Aurora storage: per GB-month (Aurora Standard; I/O $0.20 per million requests is not modelled). */
  auroraStorageGbMonth: 0.1,
} as const;

/**
 * X-Ray's default sampling rule records the first request each second and 5% of the rest
 * (docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html). A service desk's load is
 * far below one request a second, so the cost model assumes every trace is recorded (the
 * reservoir takes them all); at high volume the 5% share applies, printed beside it.
 */
export const XRAY_HIGH_VOLUME_SHARE = 0.05;
