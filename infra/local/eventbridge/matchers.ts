/**
 * Value matchers: what one entry of a pattern's value list tests on one leaf value of an event.
 * Semantics are event-ruler's (the matcher EventBridge runs): strings, numbers and the literals
 * true/false/null are distinct types, so `"300"` never equals `300`.
 */
import { type IpRange, inRange, parseIp } from './ip';
import { matchWildcard, type Wildcard } from './wildcard';

/** A leaf of the event: objects and arrays are flattened away before matching. */
export type Leaf =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string; readonly comparable: bigint | undefined }
  | { readonly kind: 'literal'; readonly text: 'true' | 'false' | 'null' };

export type ValueMatcher =
  | { readonly kind: 'equals'; readonly value: string }
  /** An exact-match IP literal or a `cidr` block: matches strings that are addresses in range. */
  | { readonly kind: 'address'; readonly range: IpRange }
  | { readonly kind: 'literal'; readonly text: 'true' | 'false' | 'null' }
  /** A number in the value list: equal text, or equal value when both are comparable. */
  | { readonly kind: 'number'; readonly text: string; readonly comparable: bigint | undefined }
  | { readonly kind: 'prefix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'suffix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'equals-ignore-case'; readonly value: string }
  | { readonly kind: 'wildcard'; readonly wildcard: Wildcard }
  | {
      readonly kind: 'range';
      readonly low: bigint;
      readonly lowOpen: boolean;
      readonly high: bigint;
      readonly highOpen: boolean;
    }
  | { readonly kind: 'exists' }
  /** `exists: false`: satisfied by the absence of the field, never by a value. */
  | { readonly kind: 'absent' }
  | { readonly kind: 'anything-but'; readonly strings: ReadonlySet<string>; readonly numbers: ReadonlySet<bigint> }
  | { readonly kind: 'anything-but-ignore-case'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-prefix'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-suffix'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-wildcard'; readonly wildcards: readonly Wildcard[] };

/** Whether one leaf value satisfies one matcher. */
export function matchesLeaf(matcher: ValueMatcher, leaf: Leaf): boolean {
  switch (matcher.kind) {
    case 'equals':
      return leaf.kind === 'string' && leaf.value === matcher.value;
    case 'address': {
      if (leaf.kind !== 'string') return false;
      const address = parseIp(leaf.value);
      return address !== undefined && inRange(matcher.range, address);
    }
    case 'literal':
      return leaf.kind === 'literal' && leaf.text === matcher.text;
    case 'number':
      return (
        leaf.kind === 'number' &&
        (leaf.text === matcher.text ||
          (leaf.comparable !== undefined && matcher.comparable !== undefined && leaf.comparable === matcher.comparable))
      );
    case 'prefix':
      return leaf.kind === 'string' && startsWith(leaf.value, matcher.value, matcher.ignoreCase);
    case 'suffix':
      return leaf.kind === 'string' && endsWith(leaf.value, matcher.value, matcher.ignoreCase);
    case 'equals-ignore-case':
      return leaf.kind === 'string' && sameIgnoringCase(leaf.value, matcher.value);
    case 'wildcard':
      return leaf.kind === 'string' && matchWildcard(matcher.wildcard, leaf.value);
    case 'range': {
      if (leaf.kind !== 'number' || leaf.comparable === undefined) return false;
      const n = leaf.comparable;
      const aboveLow = matcher.lowOpen ? n > matcher.low : n >= matcher.low;
      const belowHigh = matcher.highOpen ? n < matcher.high : n <= matcher.high;
      return aboveLow && belowHigh;
    }
    case 'exists':
      return true;
    case 'absent':
      return false;
    // anything-but matches every value (null and other types included) except those it names.
    case 'anything-but':
      if (leaf.kind === 'string') return !matcher.strings.has(leaf.value);
      if (leaf.kind === 'number') return leaf.comparable === undefined || !matcher.numbers.has(leaf.comparable);
      return true;
    case 'anything-but-ignore-case':
      return leaf.kind !== 'string' || !matcher.values.some((v) => sameIgnoringCase(leaf.value, v));
    case 'anything-but-prefix':
      return leaf.kind !== 'string' || !matcher.values.some((v) => leaf.value.startsWith(v));
    case 'anything-but-suffix':
      return leaf.kind !== 'string' || !matcher.values.some((v) => leaf.value.endsWith(v));
    case 'anything-but-wildcard':
      return leaf.kind !== 'string' || !matcher.wildcards.some((w) => matchWildcard(w, leaf.value));
  }
}

function sameIgnoringCase(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();
}

function startsWith(value: string, prefix: string, ignoreCase: boolean): boolean {
  if (!ignoreCase) return value.startsWith(prefix);
  return value.length >= prefix.length && sameIgnoringCase(value.slice(0, prefix.length), prefix);
}

function endsWith(value: string, suffix: string, ignoreCase: boolean): boolean {
  if (!ignoreCase) return value.endsWith(suffix);
  return value.length >= suffix.length && sameIgnoringCase(value.slice(value.length - suffix.length), suffix);
}
