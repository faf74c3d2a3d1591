/**
 * Matches compiled branches against an event. The event is flattened, as event-ruler does, into
 * leaves keyed by dotted path: `{"a": {"b.c": 1}}` and `{"a": {"b": {"c": 1}}}` both give `a.b.c`.
 * Each leaf remembers which element of which array it came from, because a pattern must not
 * combine values from different elements of the same array ("array consistency"): with
 * `[{"k": "env", "v": "dev"}, {"k": "team", "v": "prod"}]`, `{"k": ["env"], "v": ["prod"]}`
 * does not match.
 */
import type { JsonNode } from './json-reader';
import { type Leaf, matchesLeaf } from './matchers';
import { tryComparable } from './numbers';
import type { Branch, FieldCondition } from './pattern-compiler';

/** Position of a leaf: `[arrayId, index]` for every array it sits in, outermost first. */
type Membership = readonly (readonly [number, number])[];

interface FlatField {
  readonly leaf: Leaf;
  readonly membership: Membership;
}

/** An event flattened for matching; build it once to test many patterns. */
export interface FlatEvent {
  readonly fields: ReadonlyMap<string, readonly FlatField[]>;
}

export function flatten(root: JsonNode): FlatEvent {
  const fields = new Map<string, FlatField[]>();
  let arrayIds = 0;
  const add = (path: string, leaf: Leaf, membership: Membership): void => {
    const list = fields.get(path);
    if (list) list.push({ leaf, membership });
    else fields.set(path, [{ leaf, membership }]);
  };
  const visit = (node: JsonNode, path: string, membership: Membership): void => {
    switch (node.kind) {
      case 'object':
        for (const [key, value] of node.members) visit(value, path === '' ? key : `${path}.${key}`, membership);
        break;
      case 'array': {
        const id = arrayIds++;
        node.items.forEach((item, index) => {
          visit(item, path, [...membership, [id, index]]);
        });
        break;
      }
      case 'number':
        add(path, { kind: 'number', text: node.text, comparable: tryComparable(node.text) }, membership);
        break;
      case 'string':
        add(path, { kind: 'string', value: node.value }, membership);
        break;
      case 'literal':
        add(path, { kind: 'literal', text: node.text }, membership);
        break;
    }
  };
  visit(root, '', []);
  return { fields };
}

/** Whether any branch holds for the event. */
export function matchBranches(branches: readonly Branch[], event: FlatEvent): boolean {
  return branches.some((branch) => matchBranch(branch, event));
}

type Context = ReadonlyMap<number, number>;

/**
 * Backtracking search for leaves satisfying every condition under one consistent choice of
 * array elements. Conditions are visited in path order, as event-ruler does, and `exists: false`
 * is judged against the array elements chosen so far.
 */
function matchBranch(branch: Branch, event: FlatEvent): boolean {
  const search = (i: number, context: Context): boolean => {
    const condition = branch[i];
    if (!condition) return true;
    const candidates = (event.fields.get(condition.path) ?? []).filter((f) => consistent(context, f.membership));
    if (candidates.length === 0 && allowsAbsence(condition) && search(i + 1, context)) return true;
    const tried = new Set<string>();
    for (const field of candidates) {
      if (!condition.matchers.some((m) => matchesLeaf(m, field.leaf))) continue;
      const added = field.membership.filter(([id]) => !context.has(id));
      // Two leaves that pin the same array elements lead to the same sub-search.
      const key = added.map(([id, index]) => `${id}:${index}`).join(',');
      if (tried.has(key)) continue;
      tried.add(key);
      if (search(i + 1, added.length === 0 ? context : new Map([...context, ...added]))) return true;
    }
    return false;
  };
  return search(0, new Map());
}

const allowsAbsence = (condition: FieldCondition) => condition.matchers.some((m) => m.kind === 'absent');

function consistent(context: Context, membership: Membership): boolean {
  for (const [id, index] of membership) {
    const chosen = context.get(id);
    if (chosen !== undefined && chosen !== index) return false;
  }
  return true;
}
