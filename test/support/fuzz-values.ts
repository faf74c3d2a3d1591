import fc from 'fast-check';

/**
 * Values for the OpenAPI fuzz test (test/fuzz.test.ts): fast-check arbitraries that follow a
 * JSON Schema of the served document (so a request gets past validation and into the use case),
 * and the hostile values of issue 7's finding classes that replace one field of such a request.
 */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

/** A JSON token written as is: numbers JSON.stringify would round or refuse (2^53+1, 1e309). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value that may hold RawJson tokens (placed through markers, at JSON.stringify's speed). */
export function toJson(value: unknown): string {
  if (!hasRaw(value)) return JSON.stringify(value) ?? 'null';
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof RawJson ? `\u0000raw${raws.push(v.text) - 1}\u0000` : v,
  );
  return (text ?? 'null').replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]!);
}

const hasRaw = (v: unknown): boolean =>
  v instanceof RawJson || (!!v && typeof v === 'object' && Object.values(v).some(hasRaw));

const typeOf = (s: JsonSchema): string | undefined => {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  if (s.type) return s.type;
  if (s.properties) return 'object';
  if (s.items) return 'array';
  if (s.enum) return typeof s.enum[0];
  return undefined;
};

/** Resolves `$ref`s against the schema's own `$defs`; an unresolvable one (the document's known defect) is "anything". */
function resolve(s: JsonSchema, defs: Record<string, JsonSchema>): JsonSchema {
  if (!s.$ref) return s;
  const name = /^#\/\$defs\/(.+)$/.exec(s.$ref)?.[1];
  return (name && defs[name]) || {};
}

const isoDate = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

/**
 * An arbitrary of values valid for `schema` (as far as JSON Schema says: rules only the code
 * knows, such as "an existing CI", are what the use case then answers 4xx for). Strings and
 * arrays stay short so a body is small; boundaries are separate cases.
 */
export function validValue(
  schema: JsonSchema,
  defs: Record<string, JsonSchema> = {},
  depth = 0,
): fc.Arbitrary<unknown> {
  const s = resolve(schema, { ...defs, ...schema.$defs });
  const allDefs = { ...defs, ...schema.$defs };
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => validValue(a, allDefs, depth + 1)));
  switch (typeOf(s)) {
    case 'string': {
      if (s.format === 'date-time') return isoDate;
      if (s.format === 'date') return isoDate.map((d) => d.slice(0, 10));
      const min = s.minLength ?? 0;
      const max = Math.max(min, Math.min(s.maxLength ?? 24, 24));
      if (s.pattern) {
        return fc
          .stringMatching(new RegExp(s.pattern))
          .filter((v) => v.length >= min && v.length <= (s.maxLength ?? Number.POSITIVE_INFINITY));
      }
      return fc.string({ minLength: min, maxLength: max, unit: 'grapheme' });
    }
    case 'integer':
    case 'number': {
      const min = s.minimum ?? s.exclusiveMinimum ?? Math.min(-1000, s.maximum ?? s.exclusiveMaximum ?? 0);
      const max = s.maximum ?? s.exclusiveMaximum ?? Math.max(100_000, min);
      const minExcluded = s.minimum === undefined && s.exclusiveMinimum !== undefined;
      const maxExcluded = s.maximum === undefined && s.exclusiveMaximum !== undefined;
      if (typeOf(s) === 'integer') {
        return fc.integer({
          min: Math.floor(min) + (minExcluded ? 1 : 0),
          max: Math.ceil(max) - (maxExcluded ? 1 : 0),
        });
      }
      return fc.double({ min, max, minExcluded, maxExcluded, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(s.maxItems ?? 3, 3));
      if (depth > 4) return fc.constant([]);
      return fc.array(validValue(s.items ?? {}, allDefs, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      if (depth > 4) return fc.constant({});
      const props = s.properties ?? {};
      if (Object.keys(props).length === 0 && typeof s.additionalProperties === 'object') {
        const key = s.propertyNames ? validValue(s.propertyNames, allDefs, depth + 1) : fc.string({ maxLength: 12 });
        return fc.dictionary(key as fc.Arbitrary<string>, validValue(s.additionalProperties, allDefs, depth + 1), {
          maxKeys: 3,
        });
      }
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = validValue(v, allDefs, depth + 1);
      return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A field of a body schema, by its path from the root (`caller.email`, `targets.P1`). */
export interface FieldPath {
  path: string[];
  schema: JsonSchema;
  required: boolean;
}

/** Every property path of an object schema, down to `maxDepth` (array items count as `0`). */
export function fieldPaths(schema: JsonSchema, maxDepth = 3, prefix: string[] = []): FieldPath[] {
  const s = resolve(schema, schema.$defs ?? {});
  const out: FieldPath[] = [];
  if (prefix.length >= maxDepth) return out;
  for (const [name, child] of Object.entries(s.properties ?? {})) {
    const path = [...prefix, name];
    out.push({ path, schema: child, required: (s.required ?? []).includes(name) });
    if (typeOf(child) === 'object') out.push(...fieldPaths(child, maxDepth, path));
    if (typeOf(child) === 'array' && child.items && typeOf(child.items) === 'object') {
      out.push(...fieldPaths(child.items, maxDepth, [...path, '0']));
    }
  }
  return out;
}

/** A copy of `body` with the value at `path` set (creating parents), or removed when `value` is `REMOVE`. */
export const REMOVE = Symbol('remove');
export function withField(body: unknown, path: string[], value: unknown): unknown {
  const root: Record<string, unknown> =
    body && typeof body === 'object' && !Array.isArray(body) ? structuredClone(body as Record<string, unknown>) : {};
  let node: Record<string, unknown> = root;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      if (value === REMOVE) delete node[key];
      else node[key] = value;
      break;
    }
    const next = node[key];
    const isArray = path[i + 1] === '0';
    if (!next || typeof next !== 'object') node[key] = isArray ? [{}] : {};
    else if (isArray && Array.isArray(next) && next.length === 0) next.push({});
    node = node[key] as Record<string, unknown>;
  }
  return root;
}

const KB = 1024;
/** DynamoDB's item limit is 400 KB; this string alone overflows it (issue 7, finding class). */
export const HUGE_STRING_BYTES = 450 * KB;

const nested = (depth: number): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** A hostile value for one field: its name is the input class the report groups by. */
export interface Hostile {
  name: string;
  value: unknown;
}

/**
 * The finding classes of issue 7 as values for one field of schema `s`: wrong types, null,
 * strings and arrays at and beyond their maxima (and at DynamoDB's 400 KB item and 100-item
 * transaction limits), deep nesting, numbers at and beyond the safe-integer bounds, dates out of
 * range, unicode that is not valid UTF-8 once stored.
 */
const hostileCache = new WeakMap<JsonSchema, Hostile[]>();
export function hostileValues(s: JsonSchema): Hostile[] {
  const known = hostileCache.get(s);
  if (known) return known;
  const t = typeOf(s);
  const out: Hostile[] = [{ name: 'null', value: null }];
  const wrong: Record<string, unknown> = {
    string: 12345,
    number: '12',
    integer: '12',
    boolean: 'true',
    array: { 0: 'x' },
    object: [1, 2],
  };
  out.push({ name: 'wrong type', value: t ? wrong[t] : [1, 2] });
  if (t === 'string' || t === undefined) {
    if (s.maxLength !== undefined) {
      out.push({ name: 'string at maxLength', value: 'a'.repeat(s.maxLength) });
      out.push({ name: 'string over maxLength', value: 'a'.repeat(s.maxLength + 1) });
    } else {
      out.push({ name: 'string without maxLength, 100 KB', value: 'a'.repeat(100 * KB) });
    }
    out.push({ name: 'string of 450 KB', value: 'x'.repeat(HUGE_STRING_BYTES) });
    out.push({ name: 'empty string', value: '' });
    out.push({ name: 'lone surrogate', value: 'a\ud800b' });
    out.push({ name: 'NUL and control characters', value: 'a\u0000b\u001b[31m\r\n' });
    out.push({ name: 'unicode (emoji, RTL, zero-width)', value: '🚀 Ünïcødé \u202eevil\u200b 日本語' });
    out.push({ name: 'injection-looking string', value: '{"$gt":""} __proto__ ../../etc/passwd #/$defs {{x}}' });
    if (s.format === 'date' || s.format === 'date-time' || String(s.pattern ?? '').includes('\\d{4}-')) {
      for (const d of ['0000-01-01', '9999-12-31T23:59:59.999Z', '2026-02-30', '+275760-09-13T00:00:00.000Z']) {
        out.push({ name: 'date out of range', value: d });
      }
    }
    if (s.format === 'date' || s.format === 'date-time') {
      out.push({ name: 'date 1970-01-01', value: s.format === 'date' ? '1970-01-01' : '1970-01-01T00:00:00Z' });
      out.push({ name: 'date 9999-12-31', value: s.format === 'date' ? '9999-12-31' : '9999-12-31T23:59:59Z' });
    }
    if (s.enum) out.push({ name: 'enum value of 300 characters', value: 'e'.repeat(300) });
  }
  if (t === 'number' || t === 'integer') {
    out.push({ name: 'number 2^53-1', value: Number.MAX_SAFE_INTEGER });
    out.push({ name: 'number 2^53+1', value: new RawJson('9007199254740993') });
    out.push({ name: 'number -2^53-1', value: new RawJson('-9007199254740993') });
    out.push({ name: 'number 1e308', value: 1e308 });
    out.push({ name: 'number 1e309 (Infinity)', value: new RawJson('1e309') });
    out.push({ name: 'number -0', value: new RawJson('-0') });
    out.push({ name: 'number 0.5', value: 0.5 });
    if (s.maximum !== undefined) out.push({ name: 'number over maximum', value: s.maximum + 1 });
    if (s.minimum !== undefined) out.push({ name: 'number under minimum', value: s.minimum - 1 });
  }
  if (t === 'array') {
    const item = s.items && typeOf(s.items) === 'object' ? {} : 'x';
    const of = (n: number) => Array.from({ length: n }, (_, i) => (typeof item === 'string' ? `${item}${i}` : item));
    if (s.maxItems !== undefined) {
      out.push({ name: 'array at maxItems', value: of(s.maxItems) });
      out.push({ name: 'array over maxItems', value: of(s.maxItems + 1) });
    }
    out.push({ name: 'array of 97 items', value: of(97) });
    out.push({ name: 'array of 1,001 items', value: of(1001) });
    out.push({ name: 'empty array', value: [] });
  }
  if (t === 'object') {
    out.push({ name: 'empty object', value: {} });
    out.push({ name: 'object with __proto__', value: JSON.parse('{"__proto__":{"admin":true}}') });
  }
  out.push({ name: 'deep nesting (2,000 levels)', value: nested(2000) });
  hostileCache.set(s, out);
  return out;
}

/** Whole bodies that are not the object a route wants. */
export const HOSTILE_BODIES: Array<{ name: string; raw: string; contentType?: string }> = [
  { name: 'body null', raw: 'null' },
  { name: 'body [1,2]', raw: '[1,2]' },
  { name: 'body []', raw: '[]' },
  { name: 'body string', raw: '"text"' },
  { name: 'body number', raw: '42' },
  { name: 'body {}', raw: '{}' },
  { name: 'malformed JSON', raw: '{"a": ' },
  { name: 'deep nesting (10,000 levels)', raw: `${'['.repeat(10_000)}${']'.repeat(10_000)}` },
  { name: 'wrong content-type text/plain', raw: '{}', contentType: 'text/plain' },
  { name: 'wrong content-type form', raw: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded' },
  { name: 'content-type with charset utf-16', raw: '{}', contentType: 'application/json; charset=utf-16' },
];
