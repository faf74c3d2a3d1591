import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDynamoDB } from '../local-dynamodb';

/**
 * Items and their stream records are written in one LevelDB batch: a process killed with SIGKILL
 * in the middle of a write load leaves a folder where replaying the stream gives exactly the
 * table's items (no item without its record, no record without its item).
 */
const CHILD = fileURLToPath(new URL('./stream-writer-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'itsm-stream-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DynamoDB streams after a crash', () => {
  it('replaying the records gives the items, whatever the moment of the kill', async () => {
    // Prepare
    const path = join(dir, 'db');
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const lines = createInterface({ input: child.stdout! });

    // Act: kill it once it has acknowledged 400 writes, while 8 more are in flight.
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`writer exited with ${code}`)));
      lines.on('line', (line) => {
        if (Number(line) >= 400) resolve();
      });
    });
    child.kill('SIGKILL');
    await exited;

    // Assess
    const dynamodb = await LocalDynamoDB.start({ path });
    try {
      const TableName = 'itsm-crash-stream';
      const arn = dynamodb.streams.of(TableName)!.arn;
      const records = await dynamodb.streams.read(arn, undefined, 100_000);
      const replayed = new Map<string, string>();
      for (const r of records) {
        const pk = String(r.dynamodb.Keys.pk!.S);
        if (r.eventName === 'REMOVE') replayed.delete(pk);
        else replayed.set(pk, String(r.dynamodb.NewImage!.v!.N));
      }
      const scan = (await dynamodb.handle('Scan', { TableName }, { caller: 'test' })) as {
        Items: Array<{ pk: { S: string }; v: { N: string } }>;
      };
      expect(records.length).toBeGreaterThan(300);
      expect(new Map(scan.Items.map((i) => [i.pk.S, i.v.N]))).toEqual(replayed);
    } finally {
      await dynamodb.close();
    }
  }, 60_000);
});
