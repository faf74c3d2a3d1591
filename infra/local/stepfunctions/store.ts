/**
 * Persistence under `dataDir`: one JSON file per state machine and per execution, written
 * atomically (temporary file, then rename) so a crash never leaves a half-written record.
 * Writes are synchronous: they happen at creation, start and end of an execution only, and a
 * synchronous write cannot interleave with a later one for the same record.
 *
 *   <dataDir>/state-machines/<name>.json
 *   <dataDir>/executions/<state machine name>/<execution name>.json
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionData } from './execution';

export interface MachineData {
  stateMachineArn: string;
  name: string;
  /** The definition text exactly as given (DescribeStateMachine returns it unchanged). */
  definition: string;
  roleArn: string;
  type: 'STANDARD' | 'EXPRESS';
  /** Epoch seconds. */
  creationDate: number;
  updateDate?: number;
}

const file = (name: string) => `${encodeURIComponent(name)}.json`;

export class FileStore {
  private readonly machinesDir: string;
  private readonly executionsDir: string;

  constructor(dir: string) {
    this.machinesDir = join(dir, 'state-machines');
    this.executionsDir = join(dir, 'executions');
    mkdirSync(this.machinesDir, { recursive: true });
    mkdirSync(this.executionsDir, { recursive: true });
  }

  loadMachines(): MachineData[] {
    return readJsonFiles<MachineData>(this.machinesDir);
  }

  loadExecutions(): ExecutionData[] {
    const out: ExecutionData[] = [];
    for (const dir of readdirSync(this.executionsDir, { withFileTypes: true })) {
      if (dir.isDirectory()) out.push(...readJsonFiles<ExecutionData>(join(this.executionsDir, dir.name)));
    }
    return out;
  }

  saveMachine(m: MachineData): void {
    writeAtomically(join(this.machinesDir, file(m.name)), m);
  }

  deleteMachine(name: string): void {
    rmSync(join(this.machinesDir, file(name)), { force: true });
  }

  saveExecution(e: ExecutionData): void {
    const dir = join(this.executionsDir, encodeURIComponent(e.stateMachineName));
    mkdirSync(dir, { recursive: true });
    writeAtomically(join(dir, file(e.name)), e);
  }
}

function readJsonFiles<T>(dir: string): T[] {
  const out: T[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as T);
    } catch {
      // A record that cannot be read is skipped rather than blocking the start of the runtime.
    }
  }
  return out;
}

function writeAtomically(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, path);
}
