/**
 * Resident memory of a whole process tree, as the issue counts it: the process and every
 * descendant (esbuild's service is a child process; worker threads live inside their process, so
 * a process's VmRSS already holds them). Linux only: read from /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { round } from './harness';

/** Parent pid of every live process. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent; the command (field 2) may hold spaces, so
      // read after its closing parenthesis.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), Number(rest[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** The pid and all its descendants. */
export function processTree(pid: number): number[] {
  const ppid = parents();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of ppid) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Sum of VmRSS over the tree, in MB, with each process's share (command and MB). */
export function treeRssMb(pid: number): {
  totalMb: number;
  processes: Array<{ pid: number; command: string; mb: number }>;
} {
  const processes = processTree(pid).map((p) => {
    let command = '';
    try {
      command = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 5).join(' ');
    } catch {
      command = '?';
    }
    return { pid: p, command: command.slice(0, 120), mb: round(rssKb(p) / 1024, 1) };
  });
  return {
    totalMb: round(
      processes.reduce((a, p) => a + p.mb, 0),
      1,
    ),
    processes,
  };
}
