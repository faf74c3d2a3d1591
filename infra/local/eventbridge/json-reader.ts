/**
 * A pull parser for JSON that behaves like the Jackson streaming parser EventBridge runs its
 * pattern compiler on. We need our own because:
 * - EventBridge compiles a pattern while it reads it, so which error wins and where it is
 *   reported (`line: 1, column: 25`) depend on the token stream, not on a parsed tree;
 * - numbers must keep their text (`300.0` is not `300` for exact matching);
 * - duplicate keys must be kept in order (a later duplicate overrides an earlier one per path).
 *
 * Position rules copied from the messages AWS returns: the reported column is the one after the
 * last consumed character. A field name also consumes the colon and the first part of its value
 * (a bracket, a whole number or literal, or the opening quote of a string); a string is consumed
 * to its closing quote only when its text is read.
 */

export type JsonToken =
  | 'START_OBJECT'
  | 'END_OBJECT'
  | 'START_ARRAY'
  | 'END_ARRAY'
  | 'FIELD_NAME'
  | 'VALUE_STRING'
  | 'VALUE_NUMBER_INT'
  | 'VALUE_NUMBER_FLOAT'
  | 'VALUE_TRUE'
  | 'VALUE_FALSE'
  | 'VALUE_NULL';

/** Jackson's `JsonParseException`: the message carries the reason and the source location. */
export class JsonParseError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'JsonParseError';
  }
}

interface Scope {
  kind: 'object' | 'array';
  start: number;
  /** True once the first member or element has been read. */
  hasEntries: boolean;
}

const SNIPPET_MAX = 500;
/** Jackson's default nesting limit; it also keeps the tree builder's recursion shallow. */
const MAX_DEPTH = 1000;
const VALUE_EXPECTED = "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
const IDENTIFIER_PART = /[\p{L}\p{N}_$]/u;
const IDENTIFIER_START = /[\p{L}_$]/u;

export class JsonReader {
  private pos = 0;
  private readonly scopes: Scope[] = [];
  private currentText = '';
  /** The value token a field name already read ahead (Jackson reads past the colon). */
  private pending: { token: JsonToken; text: string } | null = null;
  /** Set while a string token's opening quote has been read but not its content. */
  private openString = false;
  private rootDone = false;

  constructor(private readonly source: string) {}

  /** The next token, or `null` at the end of the input after the root value. */
  nextToken(): JsonToken | null {
    if (this.openString) this.finishString();
    const token = this.pending ? this.takePending() : this.readToken();
    if (token === 'START_OBJECT' || token === 'START_ARRAY') {
      if (this.scopes.length >= MAX_DEPTH) {
        this.fail(`Document nesting depth (${MAX_DEPTH + 1}) exceeds the maximum allowed (${MAX_DEPTH})`);
      }
      this.scopes.push({ kind: token === 'START_OBJECT' ? 'object' : 'array', start: this.pos - 1, hasEntries: false });
    }
    return token;
  }

  /** The text of the current token; reading a string's text consumes it up to its closing quote. */
  text(): string {
    if (this.openString) this.finishString();
    return this.currentText;
  }

  /** Throws a parse error located at the current position, formatted as Jackson does. */
  fail(reason: string, at = this.pos): never {
    throw new JsonParseError(reason, `${reason}\n at ${this.describe(at)}`);
  }

  /** `[Source: (String)"..."; line: 1, column: 5]` for a position in the input. */
  describe(at: number): string {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < this.source.length; i++) {
      if (this.source.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    const snippet =
      this.source.length > SNIPPET_MAX
        ? `"${this.source.slice(0, SNIPPET_MAX)}"[truncated ${this.source.length - SNIPPET_MAX} chars]`
        : `"${this.source}"`;
    return `[Source: (String)${snippet}; line: ${line}, column: ${at - lineStart + 1}]`;
  }

  /** True when only whitespace is left after the root value. */
  atEnd(): boolean {
    if (this.openString) this.finishString();
    this.skipWhitespace();
    return this.pos >= this.source.length;
  }

  private takePending(): JsonToken {
    const { token, text } = this.pending!;
    this.pending = null;
    this.currentText = text;
    this.openString = token === 'VALUE_STRING';
    return token;
  }

  private readToken(): JsonToken | null {
    const scope = this.scopes[this.scopes.length - 1];
    this.skipWhitespace();
    if (!scope) {
      if (this.rootDone || this.pos >= this.source.length) return null;
      this.rootDone = true;
      return this.readValueStart();
    }
    if (this.pos >= this.source.length) {
      const kind = scope.kind === 'object' ? 'OBJECT' : 'ARRAY';
      this.fail(
        `Unexpected end-of-input: expected close marker for ${kind} (start marker at ${this.describe(scope.start)})`,
      );
    }
    const c = this.source[this.pos]!;
    if (c === '}' || c === ']') {
      const closes = scope.kind === 'object' ? '}' : ']';
      if (c === closes) return this.close(c);
      const kind = scope.kind === 'object' ? 'Object' : 'Array';
      this.fail(
        `Unexpected close marker '${c}': expected '${closes}' (for ${kind} starting at ${this.describe(scope.start)})`,
      );
    }
    if (scope.hasEntries) {
      if (c !== ',')
        this.unexpected(c, `was expecting comma to separate ${scope.kind === 'object' ? 'Object' : 'Array'} entries`);
      this.pos++;
      this.skipWhitespace();
      if (this.pos >= this.source.length) this.fail(`Unexpected end-of-input within/between ${scope.kind} entries`);
    }
    // After a comma a close marker is a trailing comma: the entry readers report it as Jackson does.
    scope.hasEntries = true;
    return scope.kind === 'object' ? this.readFieldName() : this.readValueStart();
  }

  private close(c: string): JsonToken {
    this.pos++;
    this.scopes.pop();
    this.currentText = c;
    return c === '}' ? 'END_OBJECT' : 'END_ARRAY';
  }

  private readFieldName(): JsonToken {
    const c = this.source[this.pos];
    if (c !== '"') this.unexpected(c!, 'was expecting double-quote to start field name');
    this.pos++;
    const name = this.readStringContent();
    this.skipWhitespace();
    if (this.pos >= this.source.length) this.fail('Unexpected end-of-input: was expecting a colon');
    if (this.source[this.pos] !== ':') {
      this.unexpected(this.source[this.pos]!, 'was expecting a colon to separate field name and value');
    }
    this.pos++;
    this.skipWhitespace();
    if (this.pos >= this.source.length) this.fail('Unexpected end-of-input: expected a value');
    const token = this.readValueStart();
    this.pending = { token, text: this.currentText };
    this.openString = false;
    this.currentText = name;
    return 'FIELD_NAME';
  }

  private readValueStart(): JsonToken {
    const c = this.source[this.pos]!;
    switch (c) {
      case '{':
        this.pos++;
        this.currentText = '{';
        return 'START_OBJECT';
      case '[':
        this.pos++;
        this.currentText = '[';
        return 'START_ARRAY';
      case '"':
        this.pos++;
        this.openString = true;
        this.currentText = '';
        return 'VALUE_STRING';
      case 't':
        return this.readLiteral('true', 'VALUE_TRUE');
      case 'f':
        return this.readLiteral('false', 'VALUE_FALSE');
      case 'n':
        return this.readLiteral('null', 'VALUE_NULL');
      case ']':
      case '}':
        this.unexpected(c, 'expected a value');
    }
    if (c === '-' || (c >= '0' && c <= '9')) return this.readNumber();
    if (IDENTIFIER_START.test(c)) this.invalidToken(this.pos);
    this.unexpected(c, "expected a valid value (number, String, array, object, 'true', 'false' or 'null')");
  }

  private readLiteral(word: string, token: JsonToken): JsonToken {
    const start = this.pos;
    if (this.source.startsWith(word, start)) {
      const after = this.source[start + word.length];
      if (after === undefined || !IDENTIFIER_PART.test(after)) {
        this.pos = start + word.length;
        this.currentText = word;
        return token;
      }
    }
    this.invalidToken(start);
  }

  /** Jackson's "Unrecognized token": the token runs to the end of the identifier-like word. */
  private invalidToken(start: number): never {
    let end = start;
    while (end < this.source.length && IDENTIFIER_PART.test(this.source[end]!)) end++;
    if (end === start) end++;
    this.pos = end;
    this.fail(`Unrecognized token '${this.source.slice(start, end)}': ${VALUE_EXPECTED}`);
  }

  private readNumber(): JsonToken {
    const s = this.source;
    const start = this.pos;
    let i = start;
    if (s[i] === '-') {
      i++;
      if (!isDigit(s[i])) this.numberError(i, 'expected digit (0-9) to follow minus sign, for valid numeric value');
    }
    if (s[i] === '0' && isDigit(s[i + 1])) {
      this.pos = i + 1;
      this.fail('Invalid numeric value: Leading zeroes not allowed');
    }
    while (isDigit(s[i])) i++;
    let float = false;
    if (s[i] === '.') {
      float = true;
      i++;
      if (!isDigit(s[i])) this.numberError(i, 'Decimal point not followed by a digit');
      while (isDigit(s[i])) i++;
    }
    if (s[i] === 'e' || s[i] === 'E') {
      float = true;
      i++;
      if (s[i] === '+' || s[i] === '-') i++;
      if (!isDigit(s[i])) this.numberError(i, 'Exponent indicator not followed by a digit');
      while (isDigit(s[i])) i++;
    }
    this.pos = i;
    this.currentText = s.slice(start, i);
    return float ? 'VALUE_NUMBER_FLOAT' : 'VALUE_NUMBER_INT';
  }

  private numberError(at: number, what: string): never {
    this.pos = at;
    if (at >= this.source.length) this.fail('Unexpected end-of-input in numeric value');
    this.fail(`Unexpected character (${charDescription(this.source[at]!)}) in numeric value: ${what}`);
  }

  private finishString(): void {
    this.openString = false;
    this.currentText = this.readStringContent();
  }

  /** Reads from after an opening quote to after the closing one, resolving escapes. */
  private readStringContent(): string {
    const s = this.source;
    let out = '';
    let chunkStart = this.pos;
    let i = this.pos;
    for (;;) {
      if (i >= s.length) {
        this.pos = i;
        this.fail('Unexpected end-of-input: was expecting closing quote for a string value');
      }
      const code = s.charCodeAt(i);
      if (code === 0x22) {
        out += s.slice(chunkStart, i);
        this.pos = i + 1;
        return out;
      }
      if (code < 0x20) {
        this.pos = i + 1;
        this.fail(
          `Illegal unquoted character (${charDescription(s[i]!)}): has to be escaped using backslash to be included in string value`,
        );
      }
      if (code !== 0x5c) {
        i++;
        continue;
      }
      out += s.slice(chunkStart, i);
      const escaped = s[i + 1];
      i += 2;
      if (escaped === undefined) {
        this.pos = i;
        this.fail('Unexpected end-of-input in character escape sequence');
      }
      if (escaped === 'u') {
        const hex = s.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          const bad = [...hex].find((h) => !/[0-9a-fA-F]/.test(h)) ?? '';
          this.pos = i + Math.max(0, [...hex].indexOf(bad)) + 1;
          this.fail(
            `Unexpected character (${charDescription(bad)}): expected a hex-digit for character escape sequence`,
          );
        }
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
      } else {
        const simple = ESCAPES[escaped];
        if (simple === undefined) {
          this.pos = i;
          this.fail(`Unrecognized character escape ${charDescription(escaped)}`);
        }
        out += simple;
      }
      chunkStart = i;
    }
  }

  private skipWhitespace(): void {
    const s = this.source;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
  }

  /** "Unexpected character" errors point at the offending character, not past it. */
  private unexpected(c: string, what: string): never {
    this.fail(`Unexpected character (${charDescription(c)}): ${what}`, this.pos);
  }
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Jackson's rendering of a character in messages: `'x' (code 120)` or `(CTRL-CHAR, code 10)`. */
function charDescription(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20) return `(CTRL-CHAR, code ${code})`;
  return `'${c}' (code ${code})`;
}

/** A parsed JSON value that keeps number text and duplicate keys (in order). */
export type JsonNode =
  | { kind: 'object'; members: [string, JsonNode][] }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'literal'; text: 'true' | 'false' | 'null' };

/** Parses a whole JSON document into a tree; throws `JsonParseError` on any syntax error. */
export function parseJsonTree(text: string): JsonNode {
  const reader: JsonReader = new JsonReader(text);
  const first = reader.nextToken();
  if (first === null) reader.fail('No content to map due to end-of-input');
  const root = readNode(reader, first);
  if (!reader.atEnd()) reader.fail('Unexpected trailing content after the root value');
  return root;
}

function readNode(reader: JsonReader, token: JsonToken): JsonNode {
  switch (token) {
    case 'START_OBJECT': {
      const members: [string, JsonNode][] = [];
      for (let t = reader.nextToken(); t !== 'END_OBJECT'; t = reader.nextToken()) {
        const name = reader.text();
        members.push([name, readNode(reader, reader.nextToken()!)]);
      }
      return { kind: 'object', members };
    }
    case 'START_ARRAY': {
      const items: JsonNode[] = [];
      for (let t = reader.nextToken(); t !== 'END_ARRAY'; t = reader.nextToken()) items.push(readNode(reader, t!));
      return { kind: 'array', items };
    }
    case 'VALUE_STRING':
      return { kind: 'string', value: reader.text() };
    case 'VALUE_NUMBER_INT':
    case 'VALUE_NUMBER_FLOAT':
      return { kind: 'number', text: reader.text() };
    case 'VALUE_TRUE':
      return { kind: 'literal', text: 'true' };
    case 'VALUE_FALSE':
      return { kind: 'literal', text: 'false' };
    case 'VALUE_NULL':
      return { kind: 'literal', text: 'null' };
    default:
      return reader.fail(`Unexpected token ${token}`);
  }
}
