/**
 * Compiles an EventBridge event pattern into branches of field conditions, reading the JSON as
 * a token stream in the same order as event-ruler's `JsonRuleCompiler`, so the same input fails
 * with the same message at the same position as on AWS.
 *
 * `$or` is expanded into branches (disjunctive normal form): a pattern matches an event when
 * any branch does. Within a branch a path appears once; a later duplicate replaces an earlier one.
 */
import { InvalidPatternError } from './errors';
import { CidrError, looksLikeIp, parseCidr, parseIp, singleAddress } from './ip';
import { JsonParseError, JsonReader, type JsonToken } from './json-reader';
import type { ValueMatcher } from './matchers';
import { MAX_COMPARABLE, MIN_COMPARABLE, NumberRangeError, toComparable, tryComparable } from './numbers';
import { parseWildcard, type Wildcard, WildcardError, wildcardComplexity } from './wildcard';

export interface FieldCondition {
  /** Dotted path of the field, e.g. `detail.state`. */
  readonly path: string;
  /** Alternatives: the field matches when any of them does. */
  readonly matchers: readonly ValueMatcher[];
}

/** One `$or` branch: every condition must hold. Conditions are sorted by path. */
export type Branch = readonly FieldCondition[];

/** Above this, EventBridge rejects a field's wildcards as too complex (see README). */
export const WILDCARD_COMPLEXITY_LIMIT = 10;
/** A guard against `$or` nesting that would expand into an unreasonable number of branches. */
const MAX_BRANCHES = 10_000;

const OR = '$or';
// Matcher names event-ruler reserves: they cannot be field names inside `$or`.
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  'html',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

const TOO_MANY_ELEMENTS = 'Too many elements in numeric expression';
const ONE_KEY = 'Only one key allowed in match expression';
const TOO_COMPLEX =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

type Rules = Map<string, ValueMatcher[]>[];

/** Compiles a pattern; throws `InvalidPatternError` with AWS's message when it is invalid. */
export function compileBranches(patternJson: string): Branch[] {
  try {
    const compiler = new Compiler(new JsonReader(patternJson));
    return compiler.compile();
  } catch (error) {
    // Errors raised outside the parser (CIDR, numbers, complexity) carry no source location.
    if (
      error instanceof JsonParseError ||
      error instanceof CidrError ||
      error instanceof NumberRangeError ||
      error instanceof WildcardError
    ) {
      throw new InvalidPatternError(error.message);
    }
    throw error;
  }
}

class Compiler {
  constructor(private readonly reader: JsonReader) {}

  compile(): Branch[] {
    if (this.reader.nextToken() !== 'START_OBJECT') this.reader.fail('Filter is not an object');
    const rules: Rules = [];
    this.parseObject(rules, [], false);
    const branches = rules.map((rule) =>
      [...rule.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([path, matchers]): FieldCondition => ({ path, matchers })),
    );
    for (const branch of branches) checkComplexity(branch);
    return branches;
  }

  private parseObject(rules: Rules, path: string[], insideOr: boolean): void {
    let fieldsPresent = false;
    while (this.reader.nextToken() !== 'END_OBJECT') {
      fieldsPresent = true;
      const name = this.reader.text();
      if (name === OR) {
        this.parseOr(rules, path);
        continue;
      }
      if (insideOr && RESERVED_IN_OR.has(name)) {
        this.reader.fail(`${name} is Ruler reserved fieldName which cannot be used inside ${OR}.`);
      }
      const token = this.reader.nextToken();
      if (token === 'START_OBJECT') this.parseObject(rules, [...path, name], insideOr);
      else if (token === 'START_ARRAY') this.writeRules(rules, [...path, name].join('.'));
      else this.reader.fail(`"${name}" must be an object or an array`);
    }
    if (!fieldsPresent) this.reader.fail('Empty objects are not allowed');
  }

  /** Each object of `$or` forks the branches built so far; fields after it apply to all forks. */
  private parseOr(rules: Rules, path: string[]): void {
    const before = rules.map((rule) => new Map(rule));
    rules.length = 0;
    if (this.reader.nextToken() !== 'START_ARRAY') this.reader.fail(`It must be an Array followed with ${OR}.`);
    let count = 0;
    for (let token = this.reader.nextToken(); token !== 'END_ARRAY'; token = this.reader.nextToken()) {
      count++;
      if (token !== 'START_OBJECT') this.reader.fail(`Only JSON object is allowed in array of ${OR} relationship.`);
      const forked: Rules = before.length === 0 ? [new Map()] : before.map((rule) => new Map(rule));
      this.parseObject(forked, path, true);
      rules.push(...forked);
      if (rules.length > MAX_BRANCHES) this.reader.fail(`Too many combinations in ${OR} relationship.`);
    }
    if (count < 2) this.reader.fail(`There must have at least 2 Objects in ${OR} relationship.`);
  }

  /** A field's value list: the field matches when any entry does. */
  private writeRules(rules: Rules, path: string): void {
    const matchers: ValueMatcher[] = [];
    for (let token = this.reader.nextToken(); token !== 'END_ARRAY'; token = this.reader.nextToken()) {
      matchers.push(this.listEntry(token));
    }
    if (matchers.length === 0) this.reader.fail('Empty arrays are not allowed');
    if (rules.length === 0) rules.push(new Map());
    for (const rule of rules) rule.set(path, matchers);
  }

  private listEntry(token: JsonToken | null): ValueMatcher {
    switch (token) {
      case 'START_OBJECT':
        return this.matchExpression();
      case 'VALUE_STRING': {
        const text = this.reader.text();
        // event-ruler turns a string that is an IP address into a one-address range.
        const address = looksLikeIp(text) ? parseIp(text) : undefined;
        return address ? { kind: 'address', range: singleAddress(address) } : { kind: 'equals', value: text };
      }
      case 'VALUE_NUMBER_INT':
      case 'VALUE_NUMBER_FLOAT': {
        // Numbers EventBridge cannot compare (an account id, say) still match by their text.
        const text = this.reader.text();
        return { kind: 'number', text, comparable: tryComparable(text) };
      }
      case 'VALUE_TRUE':
        return { kind: 'literal', text: 'true' };
      case 'VALUE_FALSE':
        return { kind: 'literal', text: 'false' };
      case 'VALUE_NULL':
        return { kind: 'literal', text: 'null' };
      default:
        return this.reader.fail('Match value must be String, number, true, false, or null');
    }
  }

  private matchExpression(): ValueMatcher {
    if (this.reader.nextToken() !== 'FIELD_NAME') this.reader.fail('Match expression name not found');
    const name = this.reader.text();
    switch (name) {
      case 'prefix':
      case 'suffix':
        return this.prefixOrSuffix(name);
      case 'numeric':
        return this.numeric();
      case 'anything-but':
        return this.anythingBut();
      case 'exists':
        return this.exists();
      case 'cidr': {
        // AWS reports a non-string cidr with the prefix message.
        const range = parseCidr(this.string('prefix match pattern must be a string'));
        this.endObject(ONE_KEY);
        return { kind: 'address', range };
      }
      case 'equals-ignore-case': {
        const value = this.string('equals-ignore-case match pattern must be a string');
        this.endObject(ONE_KEY);
        return { kind: 'equals-ignore-case', value };
      }
      case 'wildcard': {
        const wildcard = this.wildcard(this.string('wildcard match pattern must be a string'));
        this.endObject(ONE_KEY);
        return { kind: 'wildcard', wildcard };
      }
      default:
        return this.reader.fail(`Unrecognized match type ${name}`);
    }
  }

  private prefixOrSuffix(kind: 'prefix' | 'suffix'): ValueMatcher {
    const token = this.reader.nextToken();
    if (token === 'START_OBJECT') {
      // { "prefix": { "equals-ignore-case": "..." } }
      const title = kind === 'prefix' ? 'Prefix' : 'Suffix';
      if (this.reader.nextToken() !== 'FIELD_NAME') this.reader.fail(`${title} expression name not found`);
      const op = this.reader.text();
      if (op !== 'equals-ignore-case') this.reader.fail(`Unsupported ${kind} pattern: ${op}`);
      const value = this.string('equals-ignore-case match pattern must be a string');
      this.endObject(ONE_KEY);
      this.endObject(ONE_KEY);
      return { kind, value, ignoreCase: true };
    }
    if (token !== 'VALUE_STRING') this.reader.fail(`${kind} match pattern must be a string`);
    const value = this.reader.text();
    this.endObject(ONE_KEY);
    return { kind, value, ignoreCase: false };
  }

  private exists(): ValueMatcher {
    const token = this.reader.nextToken();
    if (token !== 'VALUE_TRUE' && token !== 'VALUE_FALSE') {
      this.reader.fail('exists match pattern must be either true or false.');
    }
    this.endObject(ONE_KEY);
    return token === 'VALUE_TRUE' ? { kind: 'exists' } : { kind: 'absent' };
  }

  private numeric(): ValueMatcher {
    if (this.reader.nextToken() !== 'START_ARRAY') this.reader.fail('Value of numeric must be an array.');
    const range = this.numericRange();
    this.endObject(TOO_MANY_ELEMENTS);
    return range;
  }

  /** `["=", 5]`, `["<", 5]`, `["<=", 5]`, `[">", 0]`, `[">=", 0]`, `[">", 0, "<=", 5]` ... */
  private numericRange(): ValueMatcher {
    if (this.reader.nextToken() !== 'VALUE_STRING') {
      this.reader.fail(`Invalid member in numeric match: ${this.reader.text()}`);
    }
    const op = this.reader.text();
    const token = this.reader.nextToken();
    const value = (label: string): bigint => {
      if (token !== 'VALUE_NUMBER_INT' && token !== 'VALUE_NUMBER_FLOAT')
        this.reader.fail(`Value of ${label} must be numeric`);
      return this.comparable(this.reader.text());
    };
    switch (op) {
      case '=': {
        const n = value('equals');
        this.endArray(TOO_MANY_ELEMENTS);
        return { kind: 'range', low: n, lowOpen: false, high: n, highOpen: false };
      }
      case '<':
      case '<=': {
        const high = value(op);
        this.endArray(TOO_MANY_ELEMENTS);
        return this.range(MIN_COMPARABLE, false, high, op === '<');
      }
      case '>':
      case '>=': {
        const low = value(op);
        const next = this.reader.nextToken();
        if (next === 'END_ARRAY') return this.range(low, op === '>', MAX_COMPARABLE, false);
        if (next !== 'VALUE_STRING') this.reader.fail(`Bad value in numeric range: ${this.reader.text()}`);
        const topOp = this.reader.text();
        if (topOp !== '<' && topOp !== '<=') this.reader.fail(`Bad numeric range operator: ${topOp}`);
        const topToken = this.reader.nextToken();
        if (topToken !== 'VALUE_NUMBER_INT' && topToken !== 'VALUE_NUMBER_FLOAT') {
          this.reader.fail(`Value of ${topOp} must be numeric`);
        }
        const high = this.comparable(this.reader.text());
        if (this.reader.nextToken() !== 'END_ARRAY') this.reader.fail('Too many terms in numeric range expression');
        return this.range(low, op === '>', high, topOp === '<');
      }
      default:
        return this.reader.fail(`Unrecognized numeric range operator: ${op}`);
    }
  }

  private range(low: bigint, lowOpen: boolean, high: bigint, highOpen: boolean): ValueMatcher {
    if (low >= high) this.reader.fail('Bottom must be less than top');
    return { kind: 'range', low, lowOpen, high, highOpen };
  }

  /** Inside `numeric`, an incomparable number is reported with the source location. */
  private comparable(text: string): bigint {
    try {
      return toComparable(text);
    } catch (error) {
      if (error instanceof NumberRangeError) this.reader.fail(error.message);
      throw error;
    }
  }

  private anythingBut(): ValueMatcher {
    let variant: AnythingButVariant = 'plain';
    let token = this.reader.nextToken();
    if (token === 'START_OBJECT') {
      if (this.reader.nextToken() !== 'FIELD_NAME') this.reader.fail('Anything-But expression name not found');
      const op = this.reader.text();
      if (op !== 'equals-ignore-case' && op !== 'prefix' && op !== 'suffix' && op !== 'wildcard') {
        this.reader.fail(`Unsupported anything-but pattern: ${op}`);
      }
      variant = op;
      token = this.reader.nextToken();
    }
    if (
      token !== 'START_ARRAY' &&
      token !== 'VALUE_STRING' &&
      token !== 'VALUE_NUMBER_INT' &&
      token !== 'VALUE_NUMBER_FLOAT'
    ) {
      this.reader.fail('Value of anything-but must be an array or single string/number value.');
    }
    const matcher =
      variant === 'plain'
        ? token === 'START_ARRAY'
          ? this.anythingButList()
          : this.anythingButSingle(token)
        : this.anythingButSet(
            variant,
            token === 'START_ARRAY' ? this.valueSetList(variant) : [this.valueSetSingle(variant, token)],
          );
    this.endObject(TOO_MANY_ELEMENTS);
    if (variant !== 'plain') this.endObject(TOO_MANY_ELEMENTS);
    return matcher;
  }

  private anythingButList(): ValueMatcher {
    const strings = new Set<string>();
    const numbers = new Set<bigint>();
    for (let token = this.reader.nextToken(); token !== 'END_ARRAY'; token = this.reader.nextToken()) {
      if (token === 'VALUE_STRING') strings.add(this.reader.text());
      else if (token === 'VALUE_NUMBER_INT' || token === 'VALUE_NUMBER_FLOAT')
        numbers.add(this.comparable(this.reader.text()));
      else this.failTwice('Inside anything but list, start|null|boolean is not supported.');
    }
    if (strings.size > 0 === numbers.size > 0) {
      this.reader.fail('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    return { kind: 'anything-but', strings, numbers };
  }

  private anythingButSingle(token: JsonToken | null): ValueMatcher {
    const text = this.reader.text();
    // Outside a list, event-ruler lets the number error escape without a location.
    if (token === 'VALUE_STRING') return { kind: 'anything-but', strings: new Set([text]), numbers: new Set() };
    return { kind: 'anything-but', strings: new Set(), numbers: new Set([toComparable(text)]) };
  }

  private valueSetList(variant: Exclude<AnythingButVariant, 'plain'>): string[] {
    const values: string[] = [];
    for (let token = this.reader.nextToken(); token !== 'END_ARRAY'; token = this.reader.nextToken()) {
      if (token !== 'VALUE_STRING') this.failTwice(valueSetTypeMessage(variant));
      const text = this.reader.text();
      if ((variant === 'prefix' || variant === 'suffix') && text === '')
        this.failTwice('Null prefix/suffix not allowed');
      values.push(text);
    }
    return values;
  }

  private valueSetSingle(variant: Exclude<AnythingButVariant, 'plain'>, token: JsonToken | null): string {
    if (token !== 'VALUE_STRING') this.reader.fail(valueSetTypeMessage(variant));
    const text = this.reader.text();
    if ((variant === 'prefix' || variant === 'suffix') && text === '')
      this.reader.fail('Null prefix/suffix not allowed');
    return text;
  }

  private anythingButSet(variant: Exclude<AnythingButVariant, 'plain'>, values: string[]): ValueMatcher {
    switch (variant) {
      case 'equals-ignore-case':
        return { kind: 'anything-but-ignore-case', values };
      case 'prefix':
        return { kind: 'anything-but-prefix', values };
      case 'suffix':
        return { kind: 'anything-but-suffix', values };
      case 'wildcard':
        return { kind: 'anything-but-wildcard', wildcards: values.map((v) => this.wildcard(v)) };
    }
  }

  private wildcard(text: string): Wildcard {
    try {
      return parseWildcard(text);
    } catch (error) {
      if (error instanceof WildcardError) this.reader.fail(error.message);
      throw error;
    }
  }

  /** The next token must be a string; returns its text. */
  private string(message: string): string {
    if (this.reader.nextToken() !== 'VALUE_STRING') this.reader.fail(message);
    return this.reader.text();
  }

  private endObject(message: string): void {
    if (this.reader.nextToken() !== 'END_OBJECT') this.reader.fail(message);
  }

  private endArray(message: string): void {
    if (this.reader.nextToken() !== 'END_ARRAY') this.reader.fail(message);
  }

  /**
   * event-ruler re-wraps errors raised while it reads an anything-but list, so AWS's message
   * carries the source location twice. We keep that: clients may compare messages.
   */
  private failTwice(reason: string): never {
    try {
      this.reader.fail(reason);
    } catch (error) {
      if (error instanceof JsonParseError) this.reader.fail(error.message);
      throw error;
    }
  }
}

type AnythingButVariant = 'plain' | 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

function valueSetTypeMessage(variant: Exclude<AnythingButVariant, 'plain'>): string {
  if (variant === 'equals-ignore-case') {
    return 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.';
  }
  if (variant === 'wildcard') return 'wildcard match pattern must be a string';
  return 'prefix/suffix match pattern must be a string';
}

/** Wildcards of one field share a byte machine on AWS; too many live prefixes is an error. */
function checkComplexity(branch: Branch): void {
  for (const condition of branch) {
    const wildcards: Wildcard[] = [];
    for (const m of condition.matchers) {
      if (m.kind === 'wildcard') wildcards.push(m.wildcard);
      else if (m.kind === 'anything-but-wildcard') wildcards.push(...m.wildcards);
    }
    if (wildcards.length > 0 && wildcardComplexity(wildcards, WILDCARD_COMPLEXITY_LIMIT) > WILDCARD_COMPLEXITY_LIMIT) {
      throw new WildcardError(TOO_COMPLEX);
    }
  }
}
