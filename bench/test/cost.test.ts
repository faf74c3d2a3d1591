import { describe, expect, it } from 'vitest';
import {
  ACCESS_LOG_BYTES_PER_REQUEST,
  type Metrics,
  price,
  type Reading,
  SCHEDULE_ONLY,
  SYSTEM_LOG_BYTES_PER_INVOCATION,
  usageBetween,
} from '../cost';
import { PRICES_USD } from '../prices';

/** The cost model's arithmetic on two meter readings: what counts per unit of work, and what is priced. */
const reading = (m: Partial<Metrics>, stdoutLogBytes = 0): Reading => ({
  metrics: { functions: [], dynamodb: {}, ...m },
  stdoutLogBytes,
});
const fn = (functionName: string, invocations: number, busyMs: number, logBytes?: number) => ({
  functionName,
  invocations,
  busyMs,
  memoryMb: 1024,
  ...(logBytes === undefined ? {} : { logBytes }),
});
const scheduleOnly = [...SCHEDULE_ONLY][0]!;

describe('usageBetween', () => {
  it("divides the meter's differences by the units of work and leaves functions only schedules invoke to the cost at rest", () => {
    // Prepare: two lifecycles; a schedule fired three times meanwhile.
    const a = reading(
      {
        functions: [fn('itsm-service-desk-api', 10, 1000), fn(scheduleOnly, 5, 500)],
        dynamodb: { 'itsm-service-desk': { readUnits: 1, writeUnits: 2, requests: 3 } },
        api: { requests: 10 },
        sdk: { calls: 100 },
        events: { put: 4 },
      },
      1000,
    );
    const b = reading(
      {
        functions: [fn('itsm-service-desk-api', 20, 3000), fn(scheduleOnly, 8, 900)],
        dynamodb: { 'itsm-service-desk': { readUnits: 11, writeUnits: 42, requests: 13 } },
        api: { requests: 20 },
        sdk: { calls: 140 },
        events: { put: 8 },
      },
      5000,
    );

    // Act
    const { usage, byFunction } = usageBetween(a, b, 2);
    const atRest = usageBetween(a, b, 1, { atRest: true }).usage;

    // Assess
    expect(usage.lambdaInvocations).toBe(5);
    expect(byFunction).toEqual({ 'itsm-service-desk-api': 5 });
    expect(usage.lambdaGbSeconds).toBe(1);
    expect(usage.dynamoReadUnits).toBe(5);
    expect(usage.dynamoWriteUnits).toBe(20);
    expect(usage.sdkCalls).toBe(20);
    expect(usage.events).toBe(2);
    // Log lines seen on stdout, Lambda's own records for each counted invocation, an access log line per request.
    expect(usage.logBytes).toBe((4000 + 10 * SYSTEM_LOG_BYTES_PER_INVOCATION + 10 * ACCESS_LOG_BYTES_PER_REQUEST) / 2);
    expect(usage.traces).toBe(5);
    expect(atRest.lambdaInvocations).toBe(13);
    expect(atRest.traces).toBe(13);
  });

  it('reads log bytes from the meter when functions report them, and says what it cannot read', () => {
    // Prepare: the meter has logBytes; stdout saw something else (which must be ignored).
    const a = reading({ functions: [fn('itsm-service-desk-api', 1, 0, 100)] }, 0);
    const b = reading({ functions: [fn('itsm-service-desk-api', 2, 0, 400)] }, 99_999);

    // Act
    const { usage, logSource } = usageBetween(a, b, 1);

    // Assess
    expect(logSource).toMatch(/meter/);
    expect(usage.logBytes).toBe(300 + SYSTEM_LOG_BYTES_PER_INVOCATION);
    expect(usage.sdkCalls).toBeNull();
    expect(usage.traces).toBeNull();
  });
});

describe('price', () => {
  it('prices each AWS service at its list price, X-Ray per trace and logs per GB', () => {
    // Act
    const usd = price({
      lambdaInvocations: 1e6,
      lambdaGbSeconds: 0,
      dynamoReadUnits: 0,
      dynamoWriteUnits: 1e6,
      events: null,
      stateTransitions: null,
      apiRequests: null,
      mails: null,
      sdkCalls: null,
      logBytes: 1024 ** 3,
      traces: 1e6,
      dataApiRequests: 1e6,
      auroraAcuHours: 10,
    });

    // Assess
    expect(usd.dataApi).toBeCloseTo(0.35);
    expect(usd.aurora).toBeCloseTo(1.2);
    expect(usd.lambda).toBeCloseTo(0.2);
    expect(usd.dynamodb).toBeCloseTo(0.625);
    expect(usd.logs).toBeCloseTo(PRICES_USD.logsIngestedGb);
    expect(usd.xray).toBeCloseTo(5);
    expect(usd.total).toBeCloseTo(0.2 + 0.625 + 0.5 + 5 + 0.35 + 1.2);
  });
});
