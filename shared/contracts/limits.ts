import * as z from 'zod/mini';

/**
 * Field limits shared by the API schemas and the event contracts (ADR 20). Every string, array
 * and record a client can send has a maximum, chosen so the largest legal record, its history
 * entry (old and new values), its event and its transaction fit DynamoDB's 400 KB item,
 * EventBridge's 256 KB entry and 100 actions per transaction. `test/limits.test.ts` proves it
 * from the schemas themselves.
 */
export const LIMITS = {
  /** Ids: ULIDs (26), readable numbers, slugs, user ids. */
  id: 128,
  /** Enum-like strings in events (statuses, kinds, priorities). */
  code: 64,
  name: 200,
  /** Short reasons and notes. */
  reason: 1000,
  /** Descriptions, summaries, comments. */
  text: 10_000,
  /** ISO 8601 instants and dates (zod accepts any number of fractional digits unless capped). */
  instant: 40,
  email: 320,
  /** An id or code inside an event: twice the API's id limit, since some come from tokens or other services. */
  ref: 256,
  /** A correlation or causation id (ours are ULIDs or API Gateway request ids; a client's header is kept only up to this). */
  correlation: 128,
  /** Who acted, as the identity provider names them (Cognito user names are at most 128 characters). */
  actor: 1024,
} as const;

/** What the limits proof needs to know about a field that zod's own checks do not express. */
export interface LimitMeta {
  /** Records: the most entries accepted (enforced by a refinement). */
  maxEntries?: number;
  /** Lists whose elements each become their own item in the same transaction (links, tasks): writes per element, counting an old and a new link on replacement. */
  writesPerElement?: number;
  /** Recursive schemas: the most nodes in the whole tree (enforced by a refinement). */
  maxNodes?: number;
  /** A loose list (`unknown` elements) whose elements are validated one by one with this schema. */
  elements?: unknown;
  /** A list bounded by the UTF-8 bytes of its JSON (enforced by a refinement), not by a count: resync pages. */
  maxJsonBytes?: number;
  /** Not kept in the record it is sent to: computed and answered, or each element written as its own item outside the transaction (baseline snapshots, imported rows). */
  notStored?: true;
}

export const limitsRegistry = z.registry<LimitMeta>();

/** A record with bounded keys, values and number of entries. */
export function boundedRecord<K extends z.core.$ZodRecordKey, V extends z.core.$ZodType>(
  key: K,
  value: V,
  maxEntries: number,
) {
  const schema = z
    .record(key, value)
    .check(z.refine((r) => Object.keys(r).length <= maxEntries, `must have at most ${maxEntries} entries`));
  limitsRegistry.add(schema, { maxEntries });
  return schema;
}

/** UTF-8 bytes of a value's JSON, as it sits in an event's Detail. */
export const jsonBytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v) ?? '').length;

/**
 * A list bounded by the bytes of its JSON rather than by a count (a resync page holds as many
 * records as fit). The limits proof counts it at `maxJsonBytes` and checks that its largest
 * element fits on its own.
 */
export function byteBoundedList<E extends z.core.$ZodType>(element: E, maxJsonBytes: number) {
  const schema = z
    .array(element)
    .check(z.refine((list) => jsonBytes(list) <= maxJsonBytes, `must be at most ${maxJsonBytes} bytes of JSON`));
  limitsRegistry.add(schema, { maxJsonBytes });
  return schema;
}

/** Mark a list whose elements fan out into items of the same transaction. */
export function fanOut<S extends z.core.$ZodType>(schema: S, writesPerElement: number): S {
  limitsRegistry.add(schema, { writesPerElement });
  return schema;
}

/** Mark a recursive list schema with the most nodes its tree may hold (the caller enforces it). */
export function boundedTree<S extends z.core.$ZodType>(schema: S, maxNodes: number): S {
  limitsRegistry.add(schema, { maxNodes });
  return schema;
}

/** A bounded string. */
export const str = (max: number, min = 0) =>
  min > 0 ? z.string().check(z.minLength(min), z.maxLength(max)) : z.string().check(z.maxLength(max));

/** An ISO 8601 instant with a bounded length. */
export const instant = (opts: { offset?: boolean } = {}) => z.iso.datetime(opts).check(z.maxLength(LIMITS.instant));
