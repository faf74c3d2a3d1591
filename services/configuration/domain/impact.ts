/**
 * Impact analysis over the CI graph (FitSM PR11: relationships support impact assessment for
 * changes and incidents). Breadth-first, level by level, so one batch read serves a whole
 * level; cycle-safe through the visited set; bounded by depth and node count.
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
  const visited = new Set<string>([root]);
  const hits: ImpactHit[] = [];
  let frontier = [root];
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
  return { root, direction, maxDepth, hits, truncated };
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
