import { AwsError } from '../aws-service';
import type { Field, Params } from './cluster';

export type { Field };

/**
 * What the Data API does with values on the way in and out, for Aurora PostgreSQL (Data API
 * reference: SqlParameter, Field, ColumnMetadata, ResultSetOptions; Aurora User Guide, "Calling
 * the Amazon RDS Data API").
 */
export interface ResultOptions {
  includeMetadata: boolean;
  json: boolean;
  decimalAsDouble: boolean;
  longAsString: boolean;
}

const OID = { unknown: 0, bool: 16, bytea: 17, int8: 20, varchar: 1043, float8: 701 } as const;
/** `typeHint` sends the string as that type instead of VARCHAR. */
const HINTS: Record<string, number> = { DATE: 1082, TIME: 1083, TIMESTAMP: 1114, DECIMAL: 1700, JSON: 114, UUID: 2950 };

interface SqlParameter {
  name?: string;
  value?: Record<string, unknown>;
  typeHint?: string;
}

/**
 * Replaces the `:name` placeholders (outside string literals, quoted identifiers, dollar quotes,
 * comments and `::` casts) with PostgreSQL's `$n`, and types each value as the Data API's driver
 * does: a string is VARCHAR unless `typeHint` says otherwise (so comparing it with a uuid or
 * inserting it into a timestamp column fails without the hint, as on Aurora), longs are BIGINT,
 * doubles DOUBLE PRECISION, a null has no type. Array values are refused, as the Data API refuses them.
 */
export function parameters(sql: string, list: unknown): { text: string; params: Params } {
  const given = new Map<string, SqlParameter>();
  for (const p of (Array.isArray(list) ? list : []) as SqlParameter[]) {
    if (typeof p?.name === 'string') given.set(p.name, p);
  }
  const order = new Map<string, number>();
  let text = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    let end = i + 1;
    if (c === "'" || c === '"') {
      // E'…' strings take backslash escapes; doubled quotes escape in every kind.
      const escapes = c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? '');
      end = i + 1;
      while (end < n) {
        if (escapes && sql[end] === '\\') end += 2;
        else if (sql[end] === c && sql[end + 1] === c) end += 2;
        else if (sql[end] === c) break;
        else end++;
      }
      end++;
    } else if (c === '-' && next === '-') {
      end = sql.indexOf('\n', i);
      end = end < 0 ? n : end;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      end = i + 2;
      while (end < n && depth > 0) {
        const pair = sql.slice(end, end + 2);
        if (pair === '/*') depth++;
        else if (pair === '*/') depth--;
        end += pair === '/*' || pair === '*/' ? 2 : 1;
      }
    } else if (c === '$' && !/\w/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_]\w*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        end = close < 0 ? n : close + tag[0].length;
      }
    } else if (c === ':' && next === ':') {
      end = i + 2;
    } else if (c === ':' && next !== undefined && /\w/.test(next)) {
      const name = /^\w+/.exec(sql.slice(i + 1))![0];
      if (given.has(name)) {
        if (!order.has(name)) order.set(name, order.size + 1);
        text += `$${order.get(name)}`;
        i += 1 + name.length;
        continue;
      }
      end = i + 1 + name.length;
    }
    text += sql.slice(i, end);
    i = end;
  }
  const params: Params = { params: [], paramTypes: [] };
  for (const name of order.keys()) {
    const [value, type] = parameterValue(given.get(name)!);
    params.params.push(value);
    params.paramTypes.push(type);
  }
  return { text, params };
}

function parameterValue(p: SqlParameter): [string | null, number] {
  const v = p.value ?? {};
  const hint = p.typeHint ? HINTS[p.typeHint] : undefined;
  if (p.typeHint && hint === undefined) {
    throw new AwsError('BadRequestException', `Invalid type hint ${p.typeHint} for parameter ${p.name}`);
  }
  if ('arrayValue' in v) throw new AwsError('BadRequestException', 'Array parameters are not supported.');
  if (v.isNull === true) return [null, hint ?? OID.unknown];
  if (typeof v.booleanValue === 'boolean') return [v.booleanValue ? 't' : 'f', OID.bool];
  if (typeof v.longValue === 'number') return [String(v.longValue), OID.int8];
  if (typeof v.doubleValue === 'number') return [String(v.doubleValue), OID.float8];
  if (typeof v.stringValue === 'string') return [v.stringValue, hint ?? OID.varchar];
  // restJson sends blobs as base64; PostgreSQL's bytea text input takes hex.
  if (typeof v.blobValue === 'string') return [`\\x${Buffer.from(v.blobValue, 'base64').toString('hex')}`, OID.bytea];
  throw new AwsError('BadRequestException', `Parameter ${p.name} has no value`);
}

const LONGS = new Set(['int2', 'int4', 'int8', 'oid']);
const DOUBLES = new Set(['float4', 'float8']);

/** One column value as the Data API's `Field` union. */
export function fieldValue(v: Cell, f: Field, o: ResultOptions): Record<string, unknown> {
  if (v === null) return { isNull: true };
  // PGlite splits arrays itself (into their elements' text); a type it does not know stays text.
  if (f.elementType) return { arrayValue: arrayValue(Array.isArray(v) ? v : parseArray(v), f.elementType, o) };
  return scalar(String(v), f.typeName, o);
}

function scalar(v: string, type: string, o: ResultOptions): Record<string, unknown> {
  if (type === 'bool') return { booleanValue: v === 't' };
  if (LONGS.has(type)) return o.longAsString ? { stringValue: v } : { longValue: Number(v) };
  if (DOUBLES.has(type)) return { doubleValue: Number(v) };
  if (type === 'numeric' && o.decimalAsDouble) {
    return /^-?\d+$/.test(v) ? { longValue: Number(v) } : { doubleValue: Number(v) };
  }
  if (type === 'bytea') return { blobValue: Buffer.from(v.slice(2), 'hex').toString('base64') };
  return { stringValue: text(v, type) };
}

/** Timestamps with a zone come back in UTC without the offset, as Aurora's Data API prints them. */
function text(v: string, type: string): string {
  if (type === 'timestamptz') return v.replace(/[+-]\d{2}(:\d{2})?$/, '');
  return v;
}

type Nested = Array<string | null | Nested>;
/** A column value from the worker: PostgreSQL's text, or an array PGlite split. */
export type Cell = string | null | Nested;

function arrayValue(items: Nested, elem: string, o: ResultOptions): Record<string, unknown> {
  if (items.some((x) => Array.isArray(x))) {
    return { arrayValues: items.map((x) => arrayValue(Array.isArray(x) ? x : [], elem, o)) };
  }
  const flat = items as Array<string | null>;
  if (elem === 'bool') return { booleanValues: flat.map((x) => (x === null ? null : x === 't')) };
  if (LONGS.has(elem) && !o.longAsString) return { longValues: flat.map((x) => (x === null ? null : Number(x))) };
  if (DOUBLES.has(elem)) return { doubleValues: flat.map((x) => (x === null ? null : Number(x))) };
  return { stringValues: flat.map((x) => (x === null ? null : text(x, elem))) };
}

/** PostgreSQL's array text output (`{1,2}`, `{"a b",NULL}`, `{{1,2},{3,4}}`). */
export function parseArray(s: string): Nested {
  let i = 0;
  const parse = (): Nested => {
    const out: Nested = [];
    i++; // {
    while (i < s.length && s[i] !== '}') {
      if (s[i] === '{') out.push(parse());
      else if (s[i] === '"') {
        let v = '';
        i++;
        while (s[i] !== '"') {
          if (s[i] === '\\') i++;
          v += s[i++];
        }
        i++;
        out.push(v);
      } else {
        let v = '';
        while (s[i] !== ',' && s[i] !== '}') v += s[i++];
        out.push(v === 'NULL' ? null : v);
      }
      if (s[i] === ',') i++;
    }
    i++; // }
    return out;
  };
  // A lower bound other than 1 prints as `[0:1]={…}`.
  if (s[0] === '[') i = s.indexOf('=') + 1;
  return parse();
}

/** One value in `formattedRecords` (formatRecordsAs JSON). */
export function jsonValue(v: Cell, f: Field, o: ResultOptions): unknown {
  if (v === null) return null;
  const field = fieldValue(v, f, o);
  if ('arrayValue' in field) return unwrapArray(field.arrayValue as Record<string, unknown>);
  return Object.values(field)[0];
}

function unwrapArray(a: Record<string, unknown>): unknown {
  if (a.arrayValues) return (a.arrayValues as Array<Record<string, unknown>>).map(unwrapArray);
  return Object.values(a)[0];
}

/** JDBC type codes (java.sql.Types), which `ColumnMetadata.type` carries. */
const JDBC: Record<string, number> = {
  bool: -7,
  int2: 5,
  int4: 4,
  int8: -5,
  oid: -5,
  float4: 7,
  float8: 8,
  numeric: 2,
  bpchar: 1,
  varchar: 12,
  text: 12,
  name: 12,
  date: 91,
  time: 92,
  timetz: 92,
  timestamp: 93,
  timestamptz: 93,
  bytea: -2,
};

export function columnMetadata(f: Field): Record<string, unknown> {
  const numeric = LONGS.has(f.typeName) || DOUBLES.has(f.typeName) || f.typeName === 'numeric';
  return {
    name: f.name,
    label: f.name,
    type: f.elementType ? 2003 : (JDBC[f.typeName] ?? 1111),
    typeName: f.typeName,
    schemaName: '',
    tableName: '',
    isAutoIncrement: false,
    isSigned: numeric,
    isCurrency: false,
    isCaseSensitive: ['text', 'varchar', 'bpchar', 'name'].includes(f.typeName),
    nullable: 2,
    precision: 0,
    scale: 0,
    arrayBaseColumnType: f.elementType ? (JDBC[f.elementType] ?? 1111) : 0,
  };
}
