/**
 * The one way runtime code reads its environment. Reads are remembered so the local runtime
 * can prove that every variable a function reads is one the deployment sets on it.
 */
const reads = new Set<string>();

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
