/**
 * A small JSONPath evaluator with the semantics Step Functions uses (Jayway JsonPath): a
 * definite path (names and single indexes only) yields one value or "not found"; an
 * indefinite path (wildcards, slices, unions, filters, deep scan) always yields an array.
 * aws-local-stepfunctions uses jsonpath-plus with `wrap: false`, which returns a bare value
 * when an indefinite path happens to match once; our own evaluation (Parameters,
 * ResultSelector, intrinsic arguments, Fail and Wait paths) uses this module instead.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type Segment =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'union'; keys: Array<string | number> }
  | { kind: 'slice'; start?: number; end?: number; step: number }
  | { kind: 'filter'; expr: FilterExpr }
  | { kind: 'deep'; inner: Segment };

type Operand = { kind: 'path'; root: '@' | '$'; segments: Segment[] } | { kind: 'literal'; value: Json };

type FilterExpr =
  | { kind: 'or' | 'and'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; inner: FilterExpr }
  | { kind: 'compare'; op: '==' | '!=' | '<' | '<=' | '>' | '>='; left: Operand; right: Operand }
  | { kind: 'exists'; operand: Operand };

export interface ParsedPath {
  /** `$` addresses the state input, `$$` the context object. */
  readonly root: '$' | '$$';
  readonly segments: readonly Segment[];
  /** True when the path can select at most one value (no wildcard, slice, union, filter, deep scan). */
  readonly definite: boolean;
}

export class JsonPathSyntaxError extends Error {
  constructor(path: string, detail: string) {
    super(`Invalid JSONPath '${path}': ${detail}`);
    this.name = 'JsonPathSyntaxError';
  }
}

const cache = new Map<string, ParsedPath>();

/** Parses (and caches) a JSONPath; throws JsonPathSyntaxError. */
export function parsePath(path: string): ParsedPath {
  const hit = cache.get(path);
  if (hit) return hit;
  const parser = new Parser(path);
  const parsed = parser.parseRoot();
  if (cache.size > 5000) cache.clear();
  cache.set(path, parsed);
  return parsed;
}

/** True when `path` is a syntactically valid JSONPath. */
export function isValidPath(path: string): boolean {
  try {
    parsePath(path);
    return true;
  } catch {
    return false;
  }
}

export type QueryResult = { found: true; value: Json } | { found: false };

/**
 * Evaluates `path` against `input` (for `$`) or `context` (for `$$`). A definite path that
 * selects nothing is `{ found: false }`; an indefinite one yields `[]`.
 */
export function queryPath(path: string, input: Json, context: Json): QueryResult {
  const parsed = parsePath(path);
  const root = parsed.root === '$$' ? context : input;
  const matches = evaluate(parsed.segments, root, input);
  if (parsed.definite) {
    const first = matches[0];
    return first === undefined ? { found: false } : { found: true, value: first };
  }
  return { found: true, value: matches };
}

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parseRoot(): ParsedPath {
    const s = this.src;
    let root: '$' | '$$';
    if (s.startsWith('$$')) {
      root = '$$';
      this.pos = 2;
    } else if (s.startsWith('$')) {
      root = '$';
      this.pos = 1;
    } else {
      throw this.error('must start with $');
    }
    const segments = this.parseSegments(false);
    if (this.pos < s.length) throw this.error(`unexpected '${s[this.pos]}'`);
    return { root, segments, definite: segments.every((seg) => seg.kind === 'name' || seg.kind === 'index') };
  }

  /** Segments until the end, or (inside a filter) until a character that cannot continue a path. */
  private parseSegments(inFilter: boolean): Segment[] {
    const out: Segment[] = [];
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === '.') {
        if (s[this.pos + 1] === '.') {
          this.pos += 2;
          if (s[this.pos] === '[') out.push({ kind: 'deep', inner: this.parseBracket() });
          else out.push({ kind: 'deep', inner: this.parseDotName(inFilter) });
        } else {
          this.pos++;
          out.push(this.parseDotName(inFilter));
        }
      } else if (c === '[') {
        out.push(this.parseBracket());
      } else if (inFilter) {
        break;
      } else {
        throw this.error(`unexpected '${c}'`);
      }
    }
    return out;
  }

  private parseDotName(inFilter: boolean): Segment {
    const s = this.src;
    if (s[this.pos] === '*') {
      this.pos++;
      return { kind: 'wildcard' };
    }
    const start = this.pos;
    // Outside a filter a name runs to the next '.' or '['; inside one, operators end it too.
    const stops = inFilter ? '.[ )=!<>&|' : '.[';
    while (this.pos < s.length && !stops.includes(s[this.pos] ?? '')) this.pos++;
    if (this.pos === start) throw this.error('empty name');
    return { kind: 'name', name: s.slice(start, this.pos) };
  }

  private parseBracket(): Segment {
    const s = this.src;
    this.pos++; // [
    this.skipSpaces();
    let seg: Segment;
    if (s[this.pos] === '*') {
      this.pos++;
      seg = { kind: 'wildcard' };
    } else if (s[this.pos] === '?') {
      this.pos++;
      this.skipSpaces();
      if (s[this.pos] !== '(') throw this.error("expected '(' after '?'");
      this.pos++;
      const expr = this.parseOr();
      this.skipSpaces();
      if (s[this.pos] !== ')') throw this.error("expected ')' closing the filter");
      this.pos++;
      seg = { kind: 'filter', expr };
    } else if (s[this.pos] === "'" || s[this.pos] === '"') {
      const keys: string[] = [this.parseQuoted()];
      this.skipSpaces();
      while (s[this.pos] === ',') {
        this.pos++;
        this.skipSpaces();
        keys.push(this.parseQuoted());
        this.skipSpaces();
      }
      const first = keys[0] as string;
      seg = keys.length === 1 ? { kind: 'name', name: first } : { kind: 'union', keys };
    } else {
      seg = this.parseIndexes();
    }
    this.skipSpaces();
    if (s[this.pos] !== ']') throw this.error("expected ']'");
    this.pos++;
    return seg;
  }

  private parseIndexes(): Segment {
    const s = this.src;
    const readInt = (): number | undefined => {
      this.skipSpaces();
      const m = /^-?\d+/.exec(s.slice(this.pos));
      if (!m) return undefined;
      this.pos += m[0].length;
      this.skipSpaces();
      return Number(m[0]);
    };
    const first = readInt();
    if (s[this.pos] === ':') {
      this.pos++;
      const end = readInt();
      let step = 1;
      if (s[this.pos] === ':') {
        this.pos++;
        step = readInt() ?? 1;
      }
      if (step === 0) throw this.error('slice step cannot be 0');
      return {
        kind: 'slice',
        ...(first === undefined ? {} : { start: first }),
        ...(end === undefined ? {} : { end }),
        step,
      };
    }
    if (first === undefined) throw this.error('expected an index, a quoted name, * or a filter');
    const keys: number[] = [first];
    while (s[this.pos] === ',') {
      this.pos++;
      const next = readInt();
      if (next === undefined) throw this.error('expected an index');
      keys.push(next);
    }
    return keys.length === 1 ? { kind: 'index', index: first } : { kind: 'union', keys };
  }

  private parseQuoted(): string {
    const s = this.src;
    const quote = s[this.pos];
    this.pos++;
    let out = '';
    while (this.pos < s.length && s[this.pos] !== quote) {
      if (s[this.pos] === '\\' && this.pos + 1 < s.length) this.pos++;
      out += s[this.pos];
      this.pos++;
    }
    if (s[this.pos] !== quote) throw this.error('unterminated string');
    this.pos++;
    return out;
  }

  private parseOr(): FilterExpr {
    let left = this.parseAnd();
    for (;;) {
      this.skipSpaces();
      if (!this.src.startsWith('||', this.pos)) return left;
      this.pos += 2;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
  }

  private parseAnd(): FilterExpr {
    let left = this.parseUnary();
    for (;;) {
      this.skipSpaces();
      if (!this.src.startsWith('&&', this.pos)) return left;
      this.pos += 2;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
  }

  private parseUnary(): FilterExpr {
    this.skipSpaces();
    const s = this.src;
    if (s[this.pos] === '!' && s[this.pos + 1] !== '=') {
      this.pos++;
      return { kind: 'not', inner: this.parseUnary() };
    }
    if (s[this.pos] === '(') {
      this.pos++;
      const inner = this.parseOr();
      this.skipSpaces();
      if (s[this.pos] !== ')') throw this.error("expected ')'");
      this.pos++;
      return inner;
    }
    const left = this.parseOperand();
    this.skipSpaces();
    const op = /^(==|!=|<=|>=|<|>)/.exec(s.slice(this.pos))?.[0] as '==' | '!=' | '<' | '<=' | '>' | '>=' | undefined;
    if (!op) return { kind: 'exists', operand: left };
    this.pos += op.length;
    return { kind: 'compare', op, left, right: this.parseOperand() };
  }

  private parseOperand(): Operand {
    this.skipSpaces();
    const s = this.src;
    const c = s[this.pos];
    if (c === '@' || c === '$') {
      this.pos++;
      return { kind: 'path', root: c, segments: this.parseSegments(true) };
    }
    if (c === "'" || c === '"') return { kind: 'literal', value: this.parseQuoted() };
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(s.slice(this.pos));
    if (!m) throw this.error('expected a value in the filter');
    this.pos += m[0].length;
    return { kind: 'literal', value: JSON.parse(m[0]) as Json };
  }

  private skipSpaces(): void {
    while (this.src[this.pos] === ' ') this.pos++;
  }

  private error(detail: string): JsonPathSyntaxError {
    return new JsonPathSyntaxError(this.src, `${detail} at position ${this.pos}`);
  }
}

const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function evaluate(segments: readonly Segment[], root: Json, input: Json): Json[] {
  let current: Json[] = [root];
  for (const seg of segments) {
    const next: Json[] = [];
    for (const node of current) apply(seg, node, input, next);
    current = next;
  }
  return current;
}

function children(node: Json): Json[] {
  if (Array.isArray(node)) return node;
  if (isObject(node)) return Object.values(node);
  return [];
}

function apply(seg: Segment, node: Json, input: Json, out: Json[]): void {
  switch (seg.kind) {
    case 'name':
      if (isObject(node) && Object.hasOwn(node, seg.name)) out.push(node[seg.name] as Json);
      return;
    case 'index':
      if (Array.isArray(node)) {
        const v = node[seg.index < 0 ? node.length + seg.index : seg.index];
        if (v !== undefined) out.push(v);
      }
      return;
    case 'wildcard':
      out.push(...children(node));
      return;
    case 'union':
      for (const key of seg.keys)
        apply(typeof key === 'number' ? { kind: 'index', index: key } : { kind: 'name', name: key }, node, input, out);
      return;
    case 'slice': {
      if (!Array.isArray(node)) return;
      const len = node.length;
      const norm = (i: number) => (i < 0 ? Math.max(len + i, 0) : Math.min(i, len));
      if (seg.step > 0) {
        for (let i = norm(seg.start ?? 0); i < norm(seg.end ?? len); i += seg.step) out.push(node[i] as Json);
      } else {
        const start = seg.start === undefined ? len - 1 : Math.min(norm(seg.start), len - 1);
        const end = seg.end === undefined ? -1 : norm(seg.end);
        const stride = -seg.step;
        for (let i = start; i > end; i -= stride) out.push(node[i] as Json);
      }
      return;
    }
    case 'filter':
      for (const child of children(node)) if (test(seg.expr, child, input)) out.push(child);
      return;
    case 'deep': {
      const visit = (n: Json): void => {
        apply(seg.inner, n, input, out);
        for (const child of children(n)) visit(child);
      };
      visit(node);
      return;
    }
  }
}

function operandValue(op: Operand, current: Json, input: Json): Json | undefined {
  if (op.kind === 'literal') return op.value;
  const matches = evaluate(op.segments, op.root === '@' ? current : input, input);
  return matches[0];
}

function test(expr: FilterExpr, current: Json, input: Json): boolean {
  switch (expr.kind) {
    case 'or':
      return test(expr.left, current, input) || test(expr.right, current, input);
    case 'and':
      return test(expr.left, current, input) && test(expr.right, current, input);
    case 'not':
      return !test(expr.inner, current, input);
    case 'exists': {
      const v = operandValue(expr.operand, current, input);
      return expr.operand.kind === 'path' ? v !== undefined : v !== null && v !== false;
    }
    case 'compare': {
      const a = operandValue(expr.left, current, input);
      const b = operandValue(expr.right, current, input);
      if (a === undefined || b === undefined) return expr.op === '!=';
      if (expr.op === '==') return jsonEquals(a, b);
      if (expr.op === '!=') return !jsonEquals(a, b);
      if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')))
        return false;
      if (expr.op === '<') return a < b;
      if (expr.op === '<=') return a <= b;
      if (expr.op === '>') return a > b;
      return a >= b;
    }
  }
}

/** Structural equality of JSON values (object key order does not matter). */
export function jsonEquals(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEquals(v, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && jsonEquals(a[k], b[k]));
}
