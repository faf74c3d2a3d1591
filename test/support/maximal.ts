import type * as z from 'zod/mini';
import { limitsRegistry } from '../../shared/contracts/limits';

/**
 * The largest instance a zod (mini) schema accepts, built by walking the schema: every string at
 * its maximum length, every list at its maximum count, every optional field present, the largest
 * union member. A field without a maximum is reported in `unbounded` (with its path), so a new
 * unbounded field fails the limits proof (ADR 20).
 *
 * Characters: zod counts string length in UTF-16 code units. One code unit is at most 3 UTF-8
 * bytes (a BMP character such as `€`; an astral character is 4 bytes for 2 units), so strings
 * stored in DynamoDB are filled with `€`. In JSON (an event's Detail) a control character is
 * escaped as `\u0001`, 6 bytes per unit: events are filled with U+0001. These are the worst cases.
 */
export type Fill = 'item' | 'json';

export interface Maximal {
  value: unknown;
  unbounded: string[];
  /** Writes per transaction contributed by fan-out lists (LimitMeta.writesPerElement × max length). */
  fanOutWrites: number;
}

interface Def {
  type: string;
  checks?: { _zod: { def: { check: string; maximum?: number; format?: string } } }[];
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  keyType?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  values?: unknown[];
  entries?: Record<string, string | number>;
  getter?: () => z.core.$ZodType;
}

const defOf = (s: z.core.$ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;
const maxLengthOf = (d: Def) =>
  d.checks?.map((c) => c._zod.def).find((c) => c.check === 'max_length' && c.maximum !== undefined)?.maximum;

/** The largest number in DynamoDB (17 significant digits from a double) and in JSON (24 characters). */
const BIG_NUMBER = -Number.MAX_VALUE;

/** `n` distinct strings of `length` worst-case characters. */
function distinctKeys(n: number, length: number, fill: Fill): string[] {
  const base = fill === 'json' ? 0x01 : 0x4e00; // control characters (6 JSON bytes) or CJK (3 UTF-8 bytes)
  const radix = fill === 'json' ? 31 : 4096;
  return Array.from({ length: n }, (_, i) => {
    let s = '';
    let k = i;
    do {
      s = String.fromCharCode(base + (k % radix)) + s;
      k = Math.floor(k / radix);
    } while (k > 0);
    const pad = fill === 'json' ? '\u0001' : '€';
    return pad.repeat(Math.max(0, length - s.length)) + s;
  });
}

export function maximal(schema: z.core.$ZodType, fill: Fill): Maximal {
  const unbounded: string[] = [];
  let fanOutWrites = 0;
  const stack: z.core.$ZodType[] = [];
  let treeMode = false;
  let walkingApart = false;
  const char = fill === 'json' ? '\u0001' : '€';

  const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8');

  const walk = (s: z.core.$ZodType, path: string): unknown => {
    const d = defOf(s);
    const meta = limitsRegistry.get(s);
    if (meta?.notStored && !walkingApart) {
      // Still walked, so its fields must be bounded too; it adds nothing to the record or transaction.
      walkingApart = true;
      const before = fanOutWrites;
      walk(s, path);
      fanOutWrites = before;
      walkingApart = false;
      return undefined;
    }
    if (stack.includes(s)) {
      unbounded.push(`${path || '(root)'}: recursion without a node limit`);
      return undefined;
    }
    stack.push(s);
    try {
      switch (d.type) {
        case 'string': {
          const max = maxLengthOf(d);
          if (max === undefined) {
            unbounded.push(`${path || '(root)'}: string without maxLength`);
            return '';
          }
          return char.repeat(max);
        }
        case 'number':
        case 'bigint':
          return BIG_NUMBER;
        case 'boolean':
          return true;
        case 'null':
          return null;
        case 'undefined':
        case 'void':
          return undefined;
        case 'literal':
          return [...(d.values ?? [])].sort((a, b) => size(b) - size(a))[0];
        case 'enum':
          return Object.values(d.entries ?? {}).sort((a, b) => size(b) - size(a))[0];
        case 'object': {
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(d.shape ?? {})) {
            const value = walk(v, path ? `${path}.${k}` : k);
            if (value !== undefined) out[k] = value;
          }
          return out;
        }
        case 'array': {
          const max = maxLengthOf(d);
          if (meta?.maxNodes !== undefined) {
            // A recursive tree: as many leaves as nodes allowed, each with an empty children list,
            // is at least as large as any tree of that many nodes.
            const wasTree = treeMode;
            treeMode = true;
            const node = walk(d.element as z.core.$ZodType, `${path}[]`);
            treeMode = wasTree;
            return Array.from({ length: meta.maxNodes }, () => node);
          }
          // Inside a bounded tree, a node's own children list is counted as an empty list on every node.
          if (treeMode && stack.includes(d.element as z.core.$ZodType)) return [];
          if (meta?.maxJsonBytes !== undefined) {
            // Bounded by bytes: counted at the budget (a string of that many JSON bytes weighs the
            // same in an event), and its largest element must fit the budget on its own.
            const element = walk(d.element as z.core.$ZodType, `${path}[]`);
            if (size([element]) > meta.maxJsonBytes) {
              unbounded.push(`${path || '(root)'}: largest element exceeds the list's ${meta.maxJsonBytes} bytes`);
            }
            return 'x'.repeat(meta.maxJsonBytes - 2);
          }
          if (max === undefined) {
            unbounded.push(`${path || '(root)'}: array without maxLength`);
            return [];
          }
          if (meta?.writesPerElement) fanOutWrites += meta.writesPerElement * max;
          const element = walk(
            (meta?.elements as z.core.$ZodType | undefined) ?? (d.element as z.core.$ZodType),
            `${path}[]`,
          );
          return Array.from({ length: max }, () => element);
        }
        case 'record': {
          const key = defOf(d.keyType as z.core.$ZodType);
          const value = walk(d.valueType as z.core.$ZodType, `${path}{}`);
          if (key.type === 'enum') {
            return Object.fromEntries(Object.values(key.entries ?? {}).map((k) => [k, value]));
          }
          const keyMax = key.type === 'string' ? maxLengthOf(key) : undefined;
          if (keyMax === undefined) unbounded.push(`${path || '(root)'}: record key without maxLength`);
          if (meta?.maxEntries === undefined) {
            unbounded.push(`${path || '(root)'}: record without a maximum number of entries`);
            return {};
          }
          return Object.fromEntries(distinctKeys(meta.maxEntries, keyMax ?? 1, fill).map((k) => [k, value]));
        }
        case 'union': {
          const members = (d.options ?? []).map((o) => walk(o, path));
          return members.sort((a, b) => size(b) - size(a))[0];
        }
        case 'optional':
        case 'nullable':
        case 'default':
        case 'prefault':
        case 'readonly':
        case 'nonoptional':
        case 'catch':
          return walk(d.innerType as z.core.$ZodType, path);
        case 'pipe':
          return walk(d.in as z.core.$ZodType, path);
        case 'lazy':
          return walk((d.getter as () => z.core.$ZodType)(), path);
        default:
          unbounded.push(`${path || '(root)'}: ${d.type} has no maximum`);
          return undefined;
      }
    } finally {
      stack.pop();
    }
  };

  const value = walk(schema, '');
  return { value, unbounded, fanOutWrites };
}
