import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually';
import { startPlatform } from '../platform';

const dir = mkdtempSync(join(tmpdir(), 'itsm-bench-platform-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The platform process as the bench watches it: ready line, admin token, function log bytes on stdout. */
describe('startPlatform', () => {
  it('waits for the token after its marker and counts only function log lines, whole', async () => {
    // Prepare: a stand-in for main.ts that prints its banner in pieces, a JSON log line split
    // across writes, and a plain line; then another log line after it is ready.
    const logLine = JSON.stringify({ level: 'INFO', message: 'duplicate event skipped', service: 'service-desk' });
    const script = join(dir, 'platform.mjs');
    writeFileSync(
      script,
      `const w = (s) => new Promise((r) => process.stdout.write(s, r));
await w('Starting\\n${logLine.slice(0, 10)}');
await w('${logLine.slice(10)}\\n  Admin token (sms-owner):\\n');
await new Promise((r) => setTimeout(r, 50));
await w('tok');
await new Promise((r) => setTimeout(r, 50));
await w('en-123\\n');
await w('${logLine}\\n');
setInterval(() => {}, 1000);`,
    );

    // Act
    const p = await startPlatform({ script, args: [], env: {}, ready: /Admin token/ });
    try {
      // Assess
      expect(p.token).toBe('token-123');
      expect(p.banner).toContain('Starting');
      expect(p.banner).not.toContain('"level"');
      await eventually(() => p.logBytes() === 2 * (Buffer.byteLength(logLine) + 1), 5000, 'both log lines');
    } finally {
      await p.stop();
    }
  });
});
