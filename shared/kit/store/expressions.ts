import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { OperationContext } from '../context';
import type { Item, Key } from './client';

/** One action of a TransactWriteItems request, as the document client takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One write in a unit of work. Versioned writes bump `version` and fail with 409 when stale. */
export type Write =
  | { kind: 'create'; item: Item }
  | { kind: 'replace'; item: Item; expectVersion: number }
  | { kind: 'upsert'; item: Item }
  | {
      kind: 'update';
      key: Key;
      set?: Item;
      remove?: string[];
      /** Add numbers to numeric attributes (ADD). */
      increment?: Record<string, number>;
      /** Add strings to / delete strings from string-set attributes (commutative, so no version needed). */
      addToSet?: Record<string, string[]>;
      deleteFromSet?: Record<string, string[]>;
      /** When given, the write fails (409) unless the stored version equals it; version is bumped. */
      expectVersion?: number;
      /** Fail unless the item exists (404-style conflict), for unversioned updates. */
      mustExist?: boolean;
      /** Apply only while the numeric attribute is absent or below the value (monotonic copies of others' records). */
      ifBelow?: { attribute: string; value: number };
    }
  | { kind: 'delete'; key: Key; expectVersion?: number; mustExist?: boolean }
  | { kind: 'check'; key: Key; exists: boolean };

/**
 * A Write as the TransactWriteItems action DynamoDB runs: the item or update expression, and the
 * condition that makes it fail instead of overwriting what the caller did not expect.
 */
export function toTransactItem(TableName: string, w: Write, ctx: OperationContext, at: string): TransactItem {
  switch (w.kind) {
    case 'create':
      return {
        Put: {
          TableName,
          Item: {
            version: 1,
            createdAt: at,
            updatedAt: at,
            createdBy: ctx.actor.id,
            updatedBy: ctx.actor.id,
            ...w.item,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    case 'upsert':
      return { Put: { TableName, Item: w.item } };
    case 'replace':
      return {
        Put: {
          TableName,
          Item: { ...w.item, version: w.expectVersion + 1, updatedAt: at, updatedBy: ctx.actor.id },
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': w.expectVersion },
        },
      };
    case 'update':
      return { Update: { TableName, Key: w.key, ...updateExpression(w, ctx, at) } };
    case 'delete':
      return {
        Delete: {
          TableName,
          Key: w.key,
          ...(w.expectVersion !== undefined
            ? {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': w.expectVersion },
              }
            : w.mustExist
              ? { ConditionExpression: 'attribute_exists(pk)' }
              : {}),
        },
      };
    case 'check':
      return {
        ConditionCheck: {
          TableName,
          Key: w.key,
          ConditionExpression: w.exists ? 'attribute_exists(pk)' : 'attribute_not_exists(pk)',
        },
      };
  }
}

/** SET, REMOVE, ADD and DELETE clauses of an update, with placeholders for every name and value. */
function updateExpression(w: Extract<Write, { kind: 'update' }>, ctx: OperationContext, at: string) {
  const names: Record<string, string> = {};
  const values: Item = {};
  const sets: string[] = [];
  let i = 0;
  const set: Item = { ...w.set };
  if (w.expectVersion !== undefined) {
    set.updatedAt = at;
    set.updatedBy = ctx.actor.id;
  }
  for (const [k, v] of Object.entries(set)) {
    names[`#a${i}`] = k;
    values[`:v${i}`] = v;
    sets.push(`#a${i} = :v${i}`);
    i++;
  }
  const conditions: string[] = [];
  if (w.expectVersion !== undefined) {
    names['#version'] = 'version';
    values[':expected'] = w.expectVersion;
    values[':one'] = 1;
    sets.push('#version = #version + :one');
    conditions.push('#version = :expected');
  } else if (w.mustExist) {
    conditions.push('attribute_exists(pk)');
  }
  if (w.ifBelow) {
    names['#below'] = w.ifBelow.attribute;
    values[':below'] = w.ifBelow.value;
    conditions.push('(attribute_not_exists(#below) OR #below < :below)');
  }
  const removes = (w.remove ?? []).map((k, j) => {
    names[`#r${j}`] = k;
    return `#r${j}`;
  });
  const adds: string[] = [];
  const deletes: string[] = [];
  let j = 0;
  for (const [k, n] of Object.entries(w.increment ?? {})) {
    names[`#n${j}`] = k;
    values[`:n${j}`] = n;
    adds.push(`#n${j} :n${j}`);
    j++;
  }
  for (const [k, list] of Object.entries(w.addToSet ?? {})) {
    if (!list.length) continue;
    names[`#n${j}`] = k;
    values[`:n${j}`] = new Set(list);
    adds.push(`#n${j} :n${j}`);
    j++;
  }
  for (const [k, list] of Object.entries(w.deleteFromSet ?? {})) {
    if (!list.length) continue;
    names[`#n${j}`] = k;
    values[`:n${j}`] = new Set(list);
    deletes.push(`#n${j} :n${j}`);
    j++;
  }
  const expr = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    removes.length ? `REMOVE ${removes.join(', ')}` : '',
    adds.length ? `ADD ${adds.join(', ')}` : '',
    deletes.length ? `DELETE ${deletes.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    UpdateExpression: expr,
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
    ...(conditions.length ? { ConditionExpression: conditions.join(' AND ') } : {}),
  };
}
