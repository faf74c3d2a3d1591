/**
 * The EventBridge event pattern engine: compile a pattern once, match many events.
 *
 * Semantics follow AWS (recorded `TestEventPattern` answers) and event-ruler, the matcher
 * EventBridge runs; see README.md for what is covered and the known gaps.
 *
 * @example
 * const rule = compilePattern('{"source": ["itsm.service-desk"], "detail": {"priority": [{"numeric": ["<=", 2]}]}}');
 * matches(rule, JSON.stringify(event)); // true or false
 */
import { InvalidEventError, InvalidPatternError } from './errors';
import { type JsonNode, JsonParseError, parseJsonTree } from './json-reader';
import { type Branch, compileBranches } from './pattern-compiler';
import { type FlatEvent, flatten, matchBranches } from './pattern-matcher';

export type { FlatEvent };
export { InvalidEventError, InvalidPatternError };

export interface CompiledPattern {
  /** The pattern text as given. */
  readonly source: string;
  /** `$or` branches; the pattern matches when any branch does. */
  readonly branches: readonly Branch[];
}

/** Envelope fields TestEventPattern insists on (AWS answers `Parameter Event is not valid.`). */
export const MANDATORY_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

/**
 * Compiles an event pattern (JSON text). Throws `InvalidPatternError` with AWS's message
 * (`Event pattern is not valid. Reason: ...`) for anything EventBridge rejects.
 */
export function compilePattern(patternJson: string): CompiledPattern {
  return { source: patternJson, branches: compileBranches(patternJson) };
}

/**
 * Whether the event (JSON text, or an event already flattened by `flattenEvent`) matches.
 * Number literals are compared as written and by value, so parse nothing before calling this.
 * Throws `InvalidEventError` when the text is not a JSON object.
 */
export function matches(compiled: CompiledPattern, event: string | FlatEvent): boolean {
  return matchBranches(compiled.branches, typeof event === 'string' ? flattenEvent(event) : event);
}

/** Parses and flattens an event once, for matching it against many patterns. */
export function flattenEvent(eventJson: string): FlatEvent {
  return flatten(parseObject(eventJson));
}

/**
 * Throws `InvalidEventError` for events TestEventPattern rejects: text that is not JSON, JSON
 * that is not an object, and objects without the mandatory envelope fields. Like AWS, it only
 * checks that those fields are present, not their types or formats.
 */
export function validateEvent(eventJson: string): void {
  const root = parseObject(eventJson);
  const keys = new Set(root.kind === 'object' ? root.members.map(([key]) => key) : []);
  if (!MANDATORY_EVENT_FIELDS.every((field) => keys.has(field))) throw new InvalidEventError();
}

function parseObject(eventJson: string): JsonNode {
  let root: JsonNode;
  try {
    root = parseJsonTree(eventJson);
  } catch (error) {
    if (error instanceof JsonParseError) throw new InvalidEventError();
    throw error;
  }
  if (root.kind !== 'object') throw new InvalidEventError();
  return root;
}
