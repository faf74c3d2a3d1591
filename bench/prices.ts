/**
 * us-east-1 list prices used by the bench's cost model (on-demand, no free tier, checked 2026-11;
 * see each service's pricing page). Change them here if AWS does.
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
} as const;
