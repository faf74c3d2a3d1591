import type * as z from 'zod/mini';
import { now } from '../../../shared/kit/clock';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { NotFoundError } from '../../../shared/kit/errors';
import type { Page } from '../../../shared/kit/store';
import { DEFAULT_EARLY_LIFE } from '../domain/release';
import { CHANGE_TYPES, type Strategy } from '../domain/strategy';
import type { StrategyBody } from '../schemas';
import { keys, table, toStrategy } from '../store';

/** Release and deployment strategies (FitSM PR13.1): versioned, audited, per CI group. */
const fields = (input: z.infer<typeof StrategyBody>) => ({
  name: input.name,
  ...(input.description ? { description: input.description } : {}),
  approach: input.approach,
  ...(input.frequency ? { frequency: input.frequency } : {}),
  ciIds: [...new Set(input.ciIds ?? [])],
  serviceIds: [...new Set(input.serviceIds ?? [])],
  releaseTypes: [...new Set(input.releaseTypes)],
  testing: input.testing ?? [],
  // Emergency changes go into emergency releases; other strategies take them only when they say so.
  changeTypes: [...new Set(input.changeTypes ?? CHANGE_TYPES.filter((t) => t !== 'emergency'))],
  packageRequiredFor: [...new Set(input.packageRequiredFor ?? ['major' as const])],
  earlyLife: input.earlyLife ?? DEFAULT_EARLY_LIFE,
});

export async function createStrategy(ctx: OperationContext, input: z.infer<typeof StrategyBody>): Promise<Strategy> {
  const at = new Date(now()).toISOString();
  const s: Strategy = { strategyId: newId(), ...fields(input), version: 1, createdAt: at, updatedAt: at };
  const item = { ...keys.strategy(s.strategyId), type: 'strategy', ...s, gsi1pk: 'STRATEGIES', gsi1sk: s.strategyId };
  await table().commit(ctx, {
    writes: [{ kind: 'create', item }],
    history: [{ pk: item.pk, entityType: 'strategy', entityId: s.strategyId, action: 'created' }],
    at,
  });
  return s;
}

export async function getStrategy(id: string, consistent = false): Promise<Strategy> {
  const item = await table().get(keys.strategy(id), consistent);
  if (!item) throw new NotFoundError(`Strategy ${id} was not found.`, 'strategy-not-found');
  return toStrategy(item);
}

export async function updateStrategy(
  ctx: OperationContext,
  id: string,
  ifMatch: number,
  input: z.infer<typeof StrategyBody>,
): Promise<Strategy> {
  const before = await getStrategy(id, true);
  const at = new Date(now()).toISOString();
  const s: Strategy = { ...before, ...fields(input), version: before.version + 1, updatedAt: at };
  if (!input.description) delete s.description;
  if (!input.frequency) delete s.frequency;
  const item = { ...keys.strategy(id), type: 'strategy', ...s, gsi1pk: 'STRATEGIES', gsi1sk: id };
  await table().commit(ctx, {
    writes: [{ kind: 'replace', item, expectVersion: ifMatch }],
    history: [{ pk: item.pk, entityType: 'strategy', entityId: id, action: 'updated' }],
    at,
  });
  return s;
}

export function listStrategies(limit: number, cursor?: string): Promise<Page<Strategy>> {
  return table().page({ index: 'gsi1', pk: 'STRATEGIES', limit, ...(cursor ? { cursor } : {}) }, toStrategy);
}
