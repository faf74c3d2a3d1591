/**
 * The local runtime as its own process on a data folder, for tests that kill it (test/crash.test.ts):
 * what `npm start -- --no-seed` runs, with retries shortened through the runtime's time control.
 * Prints one JSON line `{"apiUrl", "awsUrl"}` once it serves requests.
 *
 *   node --import tsx test/support/runtime-child.ts <dataDir>
 */
import { join } from 'node:path';
import { startRuntime } from '../../infra/local/runtime';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: runtime-child.ts <dataDir>');
process.env.ITSM_LOG_LEVEL ??= 'ERROR';
const runtime = await startRuntime({
  dataDir,
  identityFile: join(dataDir, 'dev-signing-key.json'),
  apiPort: 0,
  awsPort: 0,
  schedules: false,
  retryBaseDelayMs: 5,
});
process.stdout.write(`${JSON.stringify({ apiUrl: runtime.apiUrl, awsUrl: runtime.awsUrl })}\n`);
