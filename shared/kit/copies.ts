import type { OperationContext } from './context';
import { ConflictError } from './errors';
import type { Item, Key, Store } from './store';

/**
 * Keep a local copy of another service's record from its events (ARCHITECTURE: services never
 * call each other; they keep what they need). Events may arrive twice or out of order, so the copy
 * only moves forward: written when `version` is newer than the copy's `versionAttribute`, under a
 * condition, so the end state is the same whatever the order. A duplicate or older event changes
 * nothing, so a consumer keeping copies needs no inbox marker (`idempotency: 'by-version'`).
 */
export async function keepCopy(
  store: Store,
  ctx: OperationContext,
  key: Key,
  version: number,
  set: Item,
  versionAttribute = 'sourceVersion',
): Promise<'applied' | 'stale'> {
  const current = await store.get(key, true);
  if (current && Number(current[versionAttribute]) >= version) return 'stale';
  try {
    await store.commit(ctx, {
      writes: [
        {
          kind: 'update',
          key,
          set: { ...set, [versionAttribute]: version },
          // A newer copy written concurrently wins; this one is then stale.
          ifBelow: { attribute: versionAttribute, value: version },
        },
      ],
    });
    return 'applied';
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    return 'stale';
  }
}
