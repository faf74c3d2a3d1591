import type * as z from 'zod/mini';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, ValidationError } from '../../../shared/kit/errors';
import { DEFAULT_POLICY, type Policy } from '../domain/policy';
import type { PolicyBody } from '../schemas';
import { keys, table } from '../store';

/**
 * The change policy document (domain/policy.ts): read on every assessment and submission, saved by
 * the change owner or manager with If-Match (version 0 is the built-in default), audited.
 */
export async function policyView(): Promise<Policy & { version: number; default: boolean }> {
  const item = await table().get(keys.policy(), true);
  if (!item) return { ...DEFAULT_POLICY, version: 0, default: true };
  return { ...(item.policy as Policy), version: Number(item.version), default: false };
}

export const loadPolicy = async (): Promise<Policy> => {
  const { version: _v, default: _d, ...policy } = await policyView();
  return policy;
};

export async function savePolicy(ctx: OperationContext, ifMatch: number, input: z.infer<typeof PolicyBody>) {
  const current = await policyView();
  if (current.version !== ifMatch)
    throw new ConflictError('The policy was changed by someone else. Read it again and retry with its new version.');
  // Each level's quorum must be reachable at all; names must be unique for the history to read well.
  const problems = input.matrix.flatMap((rule, r) =>
    rule.levels.flatMap((l, i) =>
      l.mode === 'quorum' &&
      l.approvers.users &&
      !l.approvers.role &&
      !l.approvers.cabId &&
      !l.approvers.requesterManager &&
      (l.quorum ?? 1) > l.approvers.users.length
        ? [{ field: `body.matrix.${r}.levels.${i}.quorum`, message: 'is more than the named approvers' }]
        : [],
    ),
  );
  if (problems.length) throw new ValidationError('The approval matrix cannot decide as written.', problems);
  const item = { ...keys.policy(), type: 'policy', policy: input };
  await table().commit(ctx, {
    writes: [current.default ? { kind: 'create', item } : { kind: 'replace', item, expectVersion: current.version }],
    history: [
      {
        pk: 'CONFIG',
        entityType: 'policy',
        entityId: 'POLICY',
        action: current.default ? 'policy set' : 'policy changed',
      },
    ],
  });
  return policyView();
}
