/**
 * The 18 intrinsic functions of JSONPath ASL, evaluated with the semantics recorded on real AWS
 * (shared/corpus/asl/intrinsic__*). aws-local-stepfunctions differs on several of them
 * (MathAdd does not round, StringSplit splits on the whole separator and keeps empty strings,
 * StringToJson fails on blank strings, JsonMerge mutates its first argument), so every payload
 * template we evaluate goes through this module.
 */
import { createHash, randomUUID } from 'node:crypto';
import { intrinsicError } from './errors';
import { type Json, jsonEquals, parsePath, queryPath } from './jsonpath';

type Arg =
  /** `raw` keeps the escapes (`\{`, `\}`) that States.Format needs to tell literal braces from placeholders. */
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'literal'; value: number | boolean | null }
  | { kind: 'path'; path: string }
  | { kind: 'call'; call: Call };

interface Call {
  name: string;
  args: Arg[];
}

export class IntrinsicSyntaxError extends Error {
  constructor(expr: string, detail: string) {
    super(`Invalid intrinsic function '${expr}': ${detail}`);
    this.name = 'IntrinsicSyntaxError';
  }
}

const CALL_START = /^\s*States\.[A-Za-z0-9]+\(/;

/** True when a `.$` value is an intrinsic function call rather than a path. */
export const isIntrinsic = (value: string): boolean => CALL_START.test(value);

const cache = new Map<string, Call>();

/** Parses and caches an intrinsic call; throws IntrinsicSyntaxError. */
export function parseIntrinsic(expr: string): Call {
  const hit = cache.get(expr);
  if (hit) return hit;
  const text = expr.trim();
  const { call, end } = parseCall(text, 0, expr);
  if (end !== text.length) throw new IntrinsicSyntaxError(expr, 'unexpected text after the closing parenthesis');
  if (cache.size > 5000) cache.clear();
  cache.set(expr, call);
  return call;
}

function parseCall(text: string, start: number, expr: string): { call: Call; end: number } {
  const m = /^States\.([A-Za-z0-9]+)\(/.exec(text.slice(start));
  if (!m) throw new IntrinsicSyntaxError(expr, `expected a States.* call at position ${start}`);
  const name = `States.${m[1]}`;
  if (!FUNCTIONS.has(name)) throw new IntrinsicSyntaxError(expr, `unknown function ${name}`);
  let pos = start + m[0].length;
  const args: Arg[] = [];
  const skip = () => {
    while (text[pos] === ' ') pos++;
  };
  skip();
  if (text[pos] === ')') return { call: { name, args }, end: pos + 1 };
  for (;;) {
    skip();
    const c = text[pos];
    if (c === "'") {
      let raw = '';
      let value = '';
      pos++;
      while (pos < text.length && text[pos] !== "'") {
        if (text[pos] === '\\' && pos + 1 < text.length) {
          raw += text[pos];
          pos++;
          value += text[pos];
        } else {
          value += text[pos];
        }
        raw += text[pos];
        pos++;
      }
      if (text[pos] !== "'") throw new IntrinsicSyntaxError(expr, 'unterminated string literal');
      pos++;
      args.push({ kind: 'string', value, raw });
    } else if (c === '$') {
      const begin = pos;
      let depth = 0;
      let quote: string | undefined;
      while (pos < text.length) {
        const ch = text[pos];
        if (quote) {
          if (ch === '\\') pos++;
          else if (ch === quote) quote = undefined;
        } else if (ch === "'" || ch === '"') quote = ch;
        else if (ch === '[' || ch === '(') depth++;
        else if (ch === ']' || (ch === ')' && depth > 0)) depth--;
        else if ((ch === ',' || ch === ')') && depth === 0) break;
        pos++;
      }
      const path = text.slice(begin, pos).trim();
      try {
        parsePath(path);
      } catch (err) {
        throw new IntrinsicSyntaxError(expr, (err as Error).message);
      }
      args.push({ kind: 'path', path });
    } else if (text.startsWith('States.', pos)) {
      const nested = parseCall(text, pos, expr);
      args.push({ kind: 'call', call: nested.call });
      pos = nested.end;
    } else {
      const lit = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(pos));
      if (!lit) throw new IntrinsicSyntaxError(expr, `unexpected '${c ?? ''}' at position ${pos}`);
      args.push({ kind: 'literal', value: JSON.parse(lit[0]) as number | boolean | null });
      pos += lit[0].length;
    }
    skip();
    if (text[pos] === ',') {
      pos++;
      continue;
    }
    if (text[pos] === ')') return { call: { name, args }, end: pos + 1 };
    throw new IntrinsicSyntaxError(expr, `expected ',' or ')' at position ${pos}`);
  }
}

/** Evaluates an intrinsic call against the effective input and the context object. */
export function evaluateIntrinsic(expr: string, input: Json, context: Json): Json {
  return evalCall(parseIntrinsic(expr), input, context);
}

function evalArg(arg: Arg, call: Call, input: Json, context: Json): Json {
  if (arg.kind === 'string' || arg.kind === 'literal') return arg.value;
  if (arg.kind === 'call') return evalCall(arg.call, input, context);
  const r = queryPath(arg.path, input, context);
  if (!r.found)
    throw intrinsicError(`The JsonPath argument '${arg.path}' for ${call.name} could not be found in the input`);
  return r.value;
}

function evalCall(call: Call, input: Json, context: Json): Json {
  const values: Json[] = call.args.map((arg) => evalArg(arg, call, input, context));
  const fn = FUNCTIONS.get(call.name);
  if (!fn) throw intrinsicError(`Unknown intrinsic function ${call.name}`);
  return fn(values, call);
}

type Impl = (args: Json[], call: Call) => Json;

const typeName = (v: Json | undefined): string =>
  v === undefined ? 'nothing' : v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;

function arity(call: Call, args: Json[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw intrinsicError(`${call.name} expects ${expected} argument(s), got ${args.length}`);
  }
}

function str(call: Call, args: Json[], i: number): string {
  const v = args[i];
  if (typeof v !== 'string')
    throw intrinsicError(`Argument ${i + 1} of ${call.name} must be a string, got ${typeName(v)}`);
  return v;
}

function num(call: Call, args: Json[], i: number): number {
  const v = args[i];
  if (typeof v !== 'number')
    throw intrinsicError(`Argument ${i + 1} of ${call.name} must be a number, got ${typeName(v)}`);
  return v;
}

function int(call: Call, args: Json[], i: number): number {
  const v = num(call, args, i);
  if (!Number.isInteger(v)) throw intrinsicError(`Argument ${i + 1} of ${call.name} must be an integer, got ${v}`);
  return v;
}

function arr(call: Call, args: Json[], i: number): Json[] {
  const v = args[i];
  if (!Array.isArray(v)) throw intrinsicError(`Argument ${i + 1} of ${call.name} must be an array, got ${typeName(v)}`);
  return v;
}

function obj(call: Call, args: Json[], i: number): { [key: string]: Json } {
  const v = args[i];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw intrinsicError(`Argument ${i + 1} of ${call.name} must be a JSON object, got ${typeName(v)}`);
  }
  return v;
}

function maxLength(call: Call, s: string, limit: number): void {
  if (s.length > limit) throw intrinsicError(`The input of ${call.name} exceeds ${limit} characters`);
}

function formatValue(v: Json): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function format(args: Json[], call: Call): Json {
  if (args.length < 1) throw intrinsicError('States.Format expects at least 1 argument');
  const first = call.args[0];
  const template = str(call, args, 0);
  // A literal template keeps its escapes: `\{` and `\}` are literal braces, not placeholders.
  const raw = first?.kind === 'string' ? first.raw : template;
  let out = '';
  let next = 1;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && first?.kind === 'string' && i + 1 < raw.length) {
      out += raw[i + 1];
      i++;
    } else if (c === '{' && raw[i + 1] === '}') {
      if (next >= args.length) throw intrinsicError('States.Format has more placeholders {} than arguments');
      out += formatValue(args[next] as Json);
      next++;
      i++;
    } else {
      out += c;
    }
  }
  if (next !== args.length) throw intrinsicError('States.Format has more arguments than placeholders {}');
  return out;
}

function deepMerge(a: { [key: string]: Json }, b: { [key: string]: Json }): { [key: string]: Json } {
  const out: { [key: string]: Json } = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    const bothObjects =
      typeof prev === 'object' &&
      prev !== null &&
      !Array.isArray(prev) &&
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v);
    out[k] = bothObjects ? deepMerge(prev, v) : v;
  }
  return out;
}

/** Deterministic PRNG for States.MathRandom with a seed (mulberry32). */
function seeded(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t += 0x6d2b79f5;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const FUNCTIONS = new Map<string, Impl>([
  ['States.Format', format],
  [
    'States.StringToJson',
    (args, call) => {
      arity(call, args, 1);
      const s = str(call, args, 0);
      // AWS returns null for an empty or blank string instead of failing.
      if (s.trim() === '') return null;
      try {
        return JSON.parse(s) as Json;
      } catch {
        throw intrinsicError(`The argument of States.StringToJson is not valid JSON: ${s}`);
      }
    },
  ],
  [
    'States.JsonToString',
    (args, call) => {
      arity(call, args, 1);
      return JSON.stringify(args[0]);
    },
  ],
  ['States.Array', (args) => [...args]],
  [
    'States.ArrayPartition',
    (args, call) => {
      arity(call, args, 2);
      const a = arr(call, args, 0);
      const size = int(call, args, 1);
      if (size <= 0) throw intrinsicError('The chunk size of States.ArrayPartition must be a positive integer');
      const out: Json[] = [];
      for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
      return out;
    },
  ],
  [
    'States.ArrayContains',
    (args, call) => {
      arity(call, args, 2);
      const needle = args[1] as Json;
      return arr(call, args, 0).some((v) => jsonEquals(v, needle));
    },
  ],
  [
    'States.ArrayRange',
    (args, call) => {
      arity(call, args, 3);
      const start = int(call, args, 0);
      const end = int(call, args, 1);
      const step = int(call, args, 2);
      if (step === 0) throw intrinsicError('The step of States.ArrayRange cannot be 0');
      const count = Math.floor((end - start) / step) + 1;
      if (count > 1000) throw intrinsicError('States.ArrayRange cannot produce more than 1000 items');
      const out: number[] = [];
      for (let i = 0; i < count; i++) out.push(start + i * step);
      return out;
    },
  ],
  [
    'States.ArrayGetItem',
    (args, call) => {
      arity(call, args, 2);
      const a = arr(call, args, 0);
      const i = int(call, args, 1);
      const v = a[i];
      if (i < 0 || v === undefined)
        throw intrinsicError(`Index ${i} is out of bounds for States.ArrayGetItem (length ${a.length})`);
      return v;
    },
  ],
  [
    'States.ArrayLength',
    (args, call) => {
      arity(call, args, 1);
      return arr(call, args, 0).length;
    },
  ],
  [
    'States.ArrayUnique',
    (args, call) => {
      arity(call, args, 1);
      const out: Json[] = [];
      for (const v of arr(call, args, 0)) if (!out.some((u) => jsonEquals(u, v))) out.push(v);
      return out;
    },
  ],
  [
    'States.Base64Encode',
    (args, call) => {
      arity(call, args, 1);
      const s = str(call, args, 0);
      maxLength(call, s, 10_000);
      return Buffer.from(s, 'utf8').toString('base64');
    },
  ],
  [
    'States.Base64Decode',
    (args, call) => {
      arity(call, args, 1);
      const s = str(call, args, 0);
      maxLength(call, s, 10_000);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s))
        throw intrinsicError('The argument of States.Base64Decode is not valid Base64');
      return Buffer.from(s, 'base64').toString('utf8');
    },
  ],
  [
    'States.Hash',
    (args, call) => {
      arity(call, args, 2);
      const data = str(call, args, 0);
      maxLength(call, data, 10_000);
      const algorithm = str(call, args, 1);
      const node = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }[
        algorithm
      ];
      if (!node)
        throw intrinsicError(`Unsupported hash algorithm '${algorithm}' (MD5, SHA-1, SHA-256, SHA-384, SHA-512)`);
      return createHash(node).update(data, 'utf8').digest('hex');
    },
  ],
  [
    'States.JsonMerge',
    (args, call) => {
      arity(call, args, 3);
      const a = obj(call, args, 0);
      const b = obj(call, args, 1);
      const deep = args[2];
      if (typeof deep !== 'boolean') throw intrinsicError('Argument 3 of States.JsonMerge must be a boolean');
      return deep ? deepMerge(a, b) : { ...a, ...b };
    },
  ],
  [
    'States.MathRandom',
    (args, call) => {
      arity(call, args, 2, 3);
      const start = int(call, args, 0);
      const end = int(call, args, 1);
      if (end <= start) throw intrinsicError('The end of States.MathRandom must be greater than its start');
      const rng = args.length === 3 ? seeded(int(call, args, 2)) : Math.random;
      return start + Math.floor(rng() * (end - start));
    },
  ],
  [
    'States.MathAdd',
    (args, call) => {
      arity(call, args, 2);
      // AWS rounds each operand to an integer (half up) before adding, as recorded in the corpus.
      return Math.round(num(call, args, 0)) + Math.round(num(call, args, 1)) || 0;
    },
  ],
  [
    'States.StringSplit',
    (args, call) => {
      arity(call, args, 2);
      const s = str(call, args, 0);
      const separators = new Set(str(call, args, 1));
      // Every character of the second argument is a separator; empty pieces are dropped.
      const out: string[] = [];
      let piece = '';
      for (const ch of s) {
        if (separators.has(ch)) {
          if (piece) out.push(piece);
          piece = '';
        } else {
          piece += ch;
        }
      }
      if (piece) out.push(piece);
      return out;
    },
  ],
  [
    'States.UUID',
    (args, call) => {
      arity(call, args, 0);
      return randomUUID();
    },
  ],
]);
