/**
 * Impact analysis over a CI graph (FitSM PR11: relationships support impact assessment for
 * changes and incidents). Breadth-first, level by level, so one batch read serves a whole
 * level; cycle-safe through the visited set; bounded by depth and node count. The configuration
 * service walks its own graph with it, and the changes service walks its copy of that graph.
 */
export type ImpactDirection = 'downstream' | 'upstream';

export interface GraphNode {
  ciId: string;
  /** CIs this one depends on. */
  dependsOn: string[];
  /** CIs that depend on this one. */
  dependents: string[];
}

export interface ImpactHit {
  ciId: string;
  depth: number;
  /** The CI through which this one was reached (the previous hop). */
  via: string;
}

export interface ImpactResult {
  root: string;
  direction: ImpactDirection;
  maxDepth: number;
  hits: ImpactHit[];
  /** True when the node limit stopped the walk before the depth limit did. */
  truncated: boolean;
}

export async function walkImpact(
  root: string,
  direction: ImpactDirection,
  maxDepth: number,
  loadLevel: (ids: string[]) => Promise<Map<string, GraphNode>>,
  maxNodes = 5000,
): Promise<ImpactResult> {
  const walked = await walkFrom([root], direction, maxDepth, loadLevel, maxNodes);
  return { root, direction, maxDepth, ...walked };
}

/**
 * The same walk from several roots at once (a change on several CIs): each CI is reported once, at
 * its shortest distance from any root; the roots themselves are not hits.
 */
export async function walkFrom(
  roots: readonly string[],
  direction: ImpactDirection,
  maxDepth: number,
  loadLevel: (ids: string[]) => Promise<Map<string, GraphNode>>,
  maxNodes = 5000,
): Promise<{ hits: ImpactHit[]; truncated: boolean }> {
  const visited = new Set<string>(roots);
  const hits: ImpactHit[] = [];
  let frontier = [...visited];
  let truncated = false;
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const nodes = await loadLevel(frontier);
    const next: string[] = [];
    for (const id of frontier) {
      const node = nodes.get(id);
      if (!node) continue;
      for (const neighbour of direction === 'downstream' ? node.dependents : node.dependsOn) {
        if (visited.has(neighbour)) continue;
        if (visited.size > maxNodes) {
          truncated = true;
          break;
        }
        visited.add(neighbour);
        hits.push({ ciId: neighbour, depth, via: id });
        next.push(neighbour);
      }
    }
    frontier = next;
  }
  return { hits, truncated };
}

/** Which adjacency sets an edge source --type--> target adds to, given the type's dependency direction. */
export function dependencyPairs(
  source: string,
  target: string,
  dependency: 'source-depends-on-target' | 'target-depends-on-source' | 'mutual' | 'none',
): Array<{ dependent: string; dependency: string }> {
  switch (dependency) {
    case 'source-depends-on-target':
      return [{ dependent: source, dependency: target }];
    case 'target-depends-on-source':
      return [{ dependent: target, dependency: source }];
    case 'mutual':
      return [
        { dependent: source, dependency: target },
        { dependent: target, dependency: source },
      ];
    case 'none':
      return [];
  }
}

/** An adjacency string set as the document client reads it (a Set), or as a list once serialised. */
export const adjacency = (v: unknown): string[] =>
  v instanceof Set ? [...v].map(String).sort() : Array.isArray(v) ? v.map(String) : [];
