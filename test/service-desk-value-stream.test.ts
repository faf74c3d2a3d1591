import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Runtime, startRuntime } from '../infra/local/runtime';
import { deskValueStream } from './support/desk-scenario';

/** Issue 3's value stream end to end, across portfolio, customers, service levels and the desk (see the scenario). */
let rt: Runtime;

beforeAll(async () => {
  process.env.ITSM_LOG_LEVEL ??= 'ERROR';
  // Waits scaled: the 60 s update cadence of a major incident takes 1.2 s here.
  rt = await startRuntime({ awsPort: 0, apiPort: 0, waitScale: 0.02, schedules: false, retryBaseDelayMs: 5 });
}, 60_000);
afterAll(async () => rt?.close());

describe('the service desk value stream', () => {
  it('runs from a live service to a closed, surveyed and reported incident', () => deskValueStream(rt), 120_000);
});
