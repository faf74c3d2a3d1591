/**
 * `wildcard` patterns: `*` matches any run of characters (including none), `\*` and `\\` are a
 * literal star and backslash. Validation and the complexity limit follow event-ruler, which
 * reads the pattern as the UTF-8 bytes of the quoted string (so positions count the quote).
 */

/** Thrown for an invalid wildcard; the message is event-ruler's. */
export class WildcardError extends Error {}

/** A parsed wildcard: literal pieces between stars. `"a*b*"` is `['a', 'b', '']`. */
export interface Wildcard {
  readonly pieces: readonly string[];
}

const encoder = new TextEncoder();

export function parseWildcard(text: string): Wildcard {
  const pieces: string[] = [];
  let piece = '';
  // Positions are byte offsets in `"text"`, as event-ruler reports them.
  let bytePos = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '*') {
      if (text[i + 1] === '*') throw new WildcardError(`Consecutive wildcard characters at pos ${bytePos}`);
      pieces.push(piece);
      piece = '';
    } else if (c === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') throw new WildcardError(`Invalid escape character at pos ${bytePos}`);
      piece += next;
      i++;
      bytePos++;
    } else {
      piece += c;
    }
    bytePos += encoder.encode(c).length;
  }
  pieces.push(piece);
  return { pieces };
}

/** Whether `value` matches the wildcard (greedy scan with backtracking to the last star). */
export function matchWildcard(wildcard: Wildcard, value: string): boolean {
  const { pieces } = wildcard;
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return value === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (!value.startsWith(first) || value.length < first.length + last.length || !value.endsWith(last)) return false;
  // Middle pieces: leftmost placement is optimal for `*p1*p2*...*`.
  let at = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    const found = value.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/**
 * The most wildcard-pattern prefixes one input could keep alive at once, the measure
 * event-ruler's `MachineComplexityEvaluator` uses. Patterns on one field share a byte machine:
 * their literal prefixes up to and including the first star are shared, later bytes are not.
 * Each live state counts once per pattern that passes through it, and a state followed by a
 * star also counts that star (an input matching `foo` also keeps `foo*` alive).
 */
export function wildcardComplexity(patterns: readonly Wildcard[], stopAbove = Number.POSITIVE_INFINITY): number {
  const machine = buildMachine(patterns);
  if (machine.states.length === 1) return 0;
  const weight = (s: number) => machine.states[s]?.patterns.size ?? 0;
  const bytes = [...machine.alphabet, OTHER_BYTE];
  let max = 0;
  const seen = new Set<string>();
  const queue: number[][] = [[0]];
  while (queue.length > 0) {
    const active = queue.pop()!;
    for (const b of bytes) {
      const next = new Set<number>();
      for (const s of active) {
        const state = machine.states[s]!;
        if (state.any !== undefined) next.add(state.any);
        for (const t of state.literal.get(b) ?? []) next.add(t);
      }
      if (next.size === 0) continue;
      let size = 0;
      for (const s of next) {
        size += weight(s);
        const star = machine.states[s]!.any;
        if (star !== undefined && !next.has(star)) size += weight(star);
      }
      if (size > max) max = size;
      if (max > stopAbove) return max;
      const key = [...next].sort((a, b) => a - b).join(',');
      if (!seen.has(key)) {
        seen.add(key);
        queue.push([...next]);
      }
    }
  }
  return max;
}

/** Stands for every byte that no pattern names explicitly. */
const OTHER_BYTE = -1;
const STAR = -2;

interface State {
  literal: Map<number, number[]>;
  any: number | undefined;
  patterns: Set<number>;
}

function buildMachine(patterns: readonly Wildcard[]): { states: State[]; alphabet: Set<number> } {
  const states: State[] = [newState()];
  const alphabet = new Set<number>();
  const add = (): number => states.push(newState()) - 1;
  const link = (from: number, byte: number, to: number) => {
    const targets = states[from]!.literal.get(byte);
    if (targets) targets.push(to);
    else states[from]!.literal.set(byte, [to]);
  };
  patterns.forEach((pattern, index) => {
    let current = 0;
    let beforeStar: number | undefined;
    let shared = true;
    for (const token of tokens(pattern)) {
      let next: number;
      if (token === STAR) {
        const existing = shared ? states[current]!.any : undefined;
        next = existing ?? add();
        states[current]!.any = next;
        states[next]!.any = next;
        beforeStar = current;
        shared = false;
      } else {
        alphabet.add(token);
        const existing = shared ? states[current]!.literal.get(token)?.[0] : undefined;
        next = existing ?? add();
        if (existing === undefined) link(current, token, next);
        // A star can match nothing, so the state before it also steps straight to this byte.
        if (beforeStar !== undefined) link(beforeStar, token, next);
        beforeStar = undefined;
      }
      states[next]!.patterns.add(index);
      current = next;
    }
  });
  return { states, alphabet };
}

function newState(): State {
  return { literal: new Map(), any: undefined, patterns: new Set() };
}

/** The pattern as event-ruler sees it: the bytes of `"piece*piece"`, stars as STAR. */
function tokens(pattern: Wildcard): number[] {
  const out: number[] = [0x22];
  pattern.pieces.forEach((piece, i) => {
    if (i > 0) out.push(STAR);
    out.push(...encoder.encode(piece));
  });
  out.push(0x22);
  return out;
}
