/**
 * The one way runtime code reads its environment. Reads are remembered so the local runtime
 * can prove that every variable a function reads is one the deployment sets on it.
 */
// Kept on globalThis so the local runtime finds it whichever module instance (bundle) recorded it.
const READS = Symbol.for('itsm.environmentReads');
const holder = globalThis as typeof globalThis & { [READS]?: Set<string> };
holder[READS] ??= new Set<string>();
const reads = holder[READS];

export function requireEnv(name: string): string {
  reads.add(name);
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function optionalEnv(name: string): string | undefined {
  reads.add(name);
  return process.env[name] || undefined;
}

/** Names read so far in this process (used by the local runtime's fidelity recorder). */
export const environmentReads = (): string[] => [...reads].sort();
