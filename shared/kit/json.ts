/** Deep equality on JSON values, with object key order ignored and undefined members skipped. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
    const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameJson(ra[k], rb[k]));
  }
  return false;
}

/**
 * The history entry's `changes` between two versions of a record: each tracked field whose JSON
 * differs, with its old and new value (a field absent on both sides is no change).
 */
export function fieldChanges<T extends object>(tracked: readonly (keyof T)[], before: T | undefined, after: T) {
  const changes: Record<string, { from?: unknown; to?: unknown }> = {};
  for (const f of tracked) {
    if (!sameJson(before?.[f], after[f]) && !(before === undefined && after[f] === undefined))
      changes[f as string] = {
        ...(before?.[f] !== undefined ? { from: before[f] } : {}),
        ...(after[f] !== undefined ? { to: after[f] } : {}),
      };
  }
  return changes;
}
