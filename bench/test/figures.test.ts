import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually';
import { compare, Figures } from '../figures';
import { processTree, treeRssMb } from '../process-tree';

const dir = mkdtempSync(join(tmpdir(), 'itsm-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('figures', () => {
  it('judges each figure against its target and says by how much it missed', () => {
    // Prepare
    const f = new Figures();

    // Act
    f.add('a', 'at most 350', 651, 'MB', { op: '<=', value: 350 });
    f.add('b', 'at least 150', 150, '/s', { op: '>=', value: 150 });
    f.add('c', 'reported', 3, '');
    f.add('d', 'not measured', null, '', { op: '>=', value: 1 });

    // Assess
    expect(f.all.map((x) => x.verdict)).toEqual(['missed', 'met', 'no target', 'not measured']);
    expect(f.all[0]!.missedByPercent).toBe(86);
  });

  it('compares an earlier results file with this run, figure by figure', () => {
    // Prepare
    const before = new Figures();
    before.add('rss', 'memory', 700, 'MB', { op: '<=', value: 350 });
    before.add('gone', 'only before', 1, '');
    const after = new Figures();
    after.add('rss', 'memory', 350, 'MB', { op: '<=', value: 350 });
    const file = join(dir, 'before.json');
    writeFileSync(file, JSON.stringify({ figures: before.all }));

    // Act
    const text = compare(file, after.all);

    // Assess
    expect(text).toMatch(/memory\s+700 MB ->\s+350 MB\s+-50% +met/);
    expect(text).toMatch(/only before\s+1\s+->\s+n\/a/);
  });
});

describe('process tree memory', () => {
  it('sums the process and its children', async () => {
    // Prepare: a child process that holds memory until it is killed.
    const child = spawn(process.execPath, [
      '-e',
      'globalThis.keep = Buffer.alloc(64e6, 1); setInterval(() => {}, 1000)',
    ]);
    try {
      // Act: wait until the child has touched its 64 MB.
      const tree = await eventually(() => {
        const t = treeRssMb(process.pid);
        const c = t.processes.find((p) => p.pid === child.pid);
        return c && c.mb > 64 ? t : undefined;
      });

      // Assess
      expect(processTree(process.pid)).toContain(child.pid);
      const self = tree.processes.find((p) => p.pid === process.pid)!;
      expect(tree.totalMb).toBeGreaterThanOrEqual(self.mb + 64);
    } finally {
      child.kill();
    }
  });
});
