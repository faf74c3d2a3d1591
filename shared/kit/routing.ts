/**
 * Route matching as API Gateway HTTP APIs do it: `{name}` matches one path segment. Used by the
 * local gateway and by the platform `$default` function (to tell 404 from 405) so both agree.
 */
export interface RouteKeyed {
  method: string;
  path: string;
}

interface CompiledRoute<T extends RouteKeyed> {
  route: T;
  regex: RegExp;
  names: string[];
  literalSegments: number;
}

export class RouteTable<T extends RouteKeyed> {
  private readonly compiled: CompiledRoute<T>[];

  constructor(routes: readonly T[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((seg) => {
          const m = /^\{([A-Za-z0-9_]+)\}$/.exec(seg);
          if (!m) return seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
          names.push(m[1]!);
          return '([^/]+)';
        })
        .join('/');
      const literalSegments = route.path.split('/').filter((s) => s && !s.startsWith('{')).length;
      return { route, regex: new RegExp(`^${source}/?$`), names, literalSegments };
    });
    // API Gateway prefers the most specific route: more literal segments first.
    this.compiled.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** The matching route and its decoded parameters; or which methods the path allows. */
  match(
    method: string,
    path: string,
  ): { route: T; params: Record<string, string> } | { route: undefined; allowed: string[] } {
    const allowed = new Set<string>();
    for (const c of this.compiled) {
      const m = c.regex.exec(path);
      if (!m) continue;
      if (c.route.method !== method) {
        allowed.add(c.route.method);
        continue;
      }
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1]!);
      });
      return { route: c.route, params };
    }
    return { route: undefined, allowed: [...allowed].sort() };
  }
}
