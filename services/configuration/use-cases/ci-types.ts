import type * as z from 'zod/mini';
import type { OperationContext } from '../../../shared/kit/context';
import { NotFoundError, ValidationError } from '../../../shared/kit/errors';
import type { Page } from '../../../shared/kit/store';
import {
  BUILT_IN_RELATIONSHIP_TYPES,
  type CiType,
  type RelationshipType,
  validateAttributeSpecs,
  validateTypeChange,
} from '../domain/ci-types';
import type { CreateCiTypeBody, CreateRelationshipTypeBody, UpdateCiTypeBody } from '../schemas';
import { keys, table, toCiType, toRelType } from '../store';

/** CI types and relationship types (FitSM PR11.1). */
export async function createCiType(ctx: OperationContext, input: z.infer<typeof CreateCiTypeBody>): Promise<CiType> {
  const problems = validateAttributeSpecs(input.attributes);
  if (problems.length) throw new ValidationError('The attribute schema is not valid.', problems.map(prefixBody));
  await table().commit(ctx, {
    writes: [
      {
        kind: 'create',
        item: { ...keys.type(input.typeId), type: 'ci-type', ...input, gsi1pk: 'TYPES', gsi1sk: input.typeId },
      },
    ],
    history: [{ pk: keys.type(input.typeId).pk, entityType: 'ci-type', entityId: input.typeId, action: 'created' }],
  });
  return { ...input, version: 1 };
}

const prefixBody = (f: { field: string; message: string }) => ({ ...f, field: `body.${f.field}` });

export async function getCiType(typeId: string): Promise<CiType> {
  const item = await table().get(keys.type(typeId));
  if (!item) throw new NotFoundError(`CI type ${typeId} does not exist.`, 'ci-type-not-found');
  return toCiType(item);
}

export async function listCiTypes(limit: number, cursor?: string): Promise<Page<CiType>> {
  return table().page({ index: 'gsi1', pk: 'TYPES', limit, ...(cursor ? { cursor } : {}) }, toCiType);
}

export async function updateCiType(
  ctx: OperationContext,
  typeId: string,
  version: number,
  input: z.infer<typeof UpdateCiTypeBody>,
): Promise<CiType> {
  const before = await getCiType(typeId);
  if (input.attributes) {
    const problems = [...validateAttributeSpecs(input.attributes), ...validateTypeChange(before, input.attributes)];
    if (problems.length)
      throw new ValidationError('The attribute schema change is not allowed.', problems.map(prefixBody));
  }
  const set = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  await table().commit(ctx, {
    writes: [{ kind: 'update', key: keys.type(typeId), set, expectVersion: version }],
    history: [
      {
        pk: keys.type(typeId).pk,
        entityType: 'ci-type',
        entityId: typeId,
        action: 'updated',
        changes: Object.fromEntries(Object.keys(set).map((k) => [k, { from: before[k as keyof CiType], to: set[k] }])),
      },
    ],
  });
  return { ...before, ...set, version: version + 1 } as CiType;
}

export async function getRelationshipType(typeId: string): Promise<RelationshipType> {
  const builtIn = BUILT_IN_RELATIONSHIP_TYPES.find((t) => t.typeId === typeId);
  if (builtIn) return builtIn;
  const item = await table().get(keys.relType(typeId));
  if (!item) throw new NotFoundError(`Relationship type ${typeId} does not exist.`, 'relationship-type-not-found');
  return toRelType(item);
}

export async function listRelationshipTypes(): Promise<RelationshipType[]> {
  const custom = await table().all({ index: 'gsi1', pk: 'RELTYPES' }, toRelType);
  return [...BUILT_IN_RELATIONSHIP_TYPES, ...custom];
}

export async function createRelationshipType(
  ctx: OperationContext,
  input: z.infer<typeof CreateRelationshipTypeBody>,
): Promise<RelationshipType> {
  if (BUILT_IN_RELATIONSHIP_TYPES.some((t) => t.typeId === input.typeId)) {
    throw new ValidationError('That relationship type is built in.', [
      { field: 'body.typeId', message: 'is a built-in type' },
    ]);
  }
  await table().commit(ctx, {
    writes: [
      {
        kind: 'create',
        item: {
          ...keys.relType(input.typeId),
          type: 'relationship-type',
          ...input,
          gsi1pk: 'RELTYPES',
          gsi1sk: input.typeId,
        },
      },
    ],
    history: [
      { pk: keys.relType(input.typeId).pk, entityType: 'relationship-type', entityId: input.typeId, action: 'created' },
    ],
  });
  return { ...input, builtIn: false };
}
