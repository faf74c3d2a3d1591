import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError } from '../cursor';
import type { Item } from './client';

/**
 * Cursor pages over key condition queries. The API side of paging (the `limit` and `cursor` a
 * list route accepts) is `../paging.ts`; this is what the store makes of them: a query whose
 * cost never grows with the table, and a start key that cannot steer it elsewhere (ADR 19).
 */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** One page of a key condition query, on the table or on a GSI (`<index>pk` + `<index>sk`). */
export interface PageQuery {
  index?: string;
  pk: string;
  skBeginsWith?: string;
  skBetween?: [string, string];
  limit: number;
  cursor?: string;
  descending?: boolean;
}

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

/** The key a page query may start after: its key attributes, and the conditions its key must meet. */
export interface StartKeyShape {
  /** Exactly the attributes of the start key: `pk`, `sk`, and for an index its own pair. */
  attributes: string[];
  partition: { name: string; value: string };
  sort?: { name: string; beginsWith?: string; between?: [string, string] };
}

/**
 * The start key inside a store cursor, checked against the query's shape (ADR 19): exactly the
 * key attributes of the table or index queried, the query's partition, a sort key within its
 * condition. Even a correctly signed cursor then cannot steer a query to other items.
 */
export function decodeCursor(cursor: string | undefined, shape: StartKeyShape): Record<string, string> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InvalidCursorError();
  const key = value as Record<string, unknown>;
  const names = Object.keys(key).sort();
  const want = [...shape.attributes].sort();
  const sk = shape.sort ? key[shape.sort.name] : undefined;
  const ok =
    names.length === want.length &&
    names.every((n, i) => n === want[i] && typeof key[n] === 'string' && key[n] !== '') &&
    key[shape.partition.name] === shape.partition.value &&
    (shape.sort?.beginsWith === undefined || String(sk).startsWith(shape.sort.beginsWith)) &&
    (shape.sort?.between === undefined || (String(sk) >= shape.sort.between[0] && String(sk) <= shape.sort.between[1]));
  if (!ok) throw new InvalidCursorError();
  return key as Record<string, string>;
}

/**
 * The Query request for one page: key condition only (no FilterExpression, so DynamoDB reads at
 * most `limit` items), starting after the cursor's key once it is checked against the query.
 */
export function pageQueryInput(TableName: string, q: PageQuery): QueryCommandInput {
  const pkName = q.index ? `${q.index}pk` : 'pk';
  const skName = q.index ? `${q.index}sk` : 'sk';
  const values: Item = { ':pk': q.pk };
  let cond = `#pk = :pk`;
  const names: Record<string, string> = { '#pk': pkName };
  if (q.skBeginsWith !== undefined) {
    cond += ' AND begins_with(#sk, :sk)';
    names['#sk'] = skName;
    values[':sk'] = q.skBeginsWith;
  } else if (q.skBetween) {
    cond += ' AND #sk BETWEEN :a AND :b';
    names['#sk'] = skName;
    values[':a'] = q.skBetween[0];
    values[':b'] = q.skBetween[1];
  }
  const input: QueryCommandInput = {
    TableName,
    KeyConditionExpression: cond,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    Limit: q.limit,
    ScanIndexForward: !q.descending,
    ReturnConsumedCapacity: 'TOTAL',
    ...(q.index ? { IndexName: q.index } : {}),
  };
  const start = decodeCursor(q.cursor, {
    attributes: q.index ? ['pk', 'sk', pkName, skName] : ['pk', 'sk'],
    partition: { name: pkName, value: q.pk },
    sort: {
      name: skName,
      ...(q.skBeginsWith !== undefined ? { beginsWith: q.skBeginsWith } : {}),
      ...(q.skBetween ? { between: q.skBetween } : {}),
    },
  });
  if (start) input.ExclusiveStartKey = start;
  return input;
}
