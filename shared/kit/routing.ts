/**
 * Route matching as API Gateway HTTP APIs do it: `{name}` matches one path segment. Used by the
 * local gateway and by the platform `$default` function (to tell 404 from 405) so both agree.
 */
import { ValidationError } from './errors';

/**
 * Longest path parameter (UTF-8 bytes). Ids become parts of DynamoDB keys: a partition key holds at
 * most 2,048 bytes and a sort key 1,024, and a sort key may hold two parameters (a relationship's type
 * and target) besides our prefixes (`REL#`, `CI#`), so 256 bytes each leaves room. Our own ids are
 * 26-character ULIDs, numbers such as `INC-1042`, slugs and 43-character link secrets.
 */
export const MAX_PATH_PARAMETER_BYTES = 256;

/**
 * The one rule for path parameters, applied by the API kit to every route: non-empty and at most
 * {@link MAX_PATH_PARAMETER_BYTES}; anything else is 400 `invalid-path` before any read.
 */
export function checkPathParameters(params: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  const errors: { field: string; message: string }[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === '') errors.push({ field: `path.${name}`, message: 'must not be empty' });
    else if (Buffer.byteLength(value, 'utf8') > MAX_PATH_PARAMETER_BYTES)
      errors.push({ field: `path.${name}`, message: `must be at most ${MAX_PATH_PARAMETER_BYTES} bytes` });
    else out[name] = value;
  }
  if (errors.length > 0) throw new ValidationError('The path is not valid.', errors, 'invalid-path');
  return out;
}

/** Decode one path segment; `undefined` when it is not valid percent-encoded UTF-8 (`%ZZ`, `%ED%A0%80`). */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

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

  /**
   * The matching route and its decoded parameters; or which methods the path allows. A path whose
   * parameter is not valid percent-encoding matches no route and says `invalidPath`: the local
   * gateway then hands it to `$default`, and the `$default` function answers 400 `invalid-path`.
   */
  match(
    method: string,
    path: string,
  ): { route: T; params: Record<string, string> } | { route: undefined; allowed: string[]; invalidPath?: true } {
    const allowed = new Set<string>();
    for (const c of this.compiled) {
      const m = c.regex.exec(path);
      if (!m) continue;
      if (c.route.method !== method) {
        allowed.add(c.route.method);
        continue;
      }
      const params: Record<string, string> = {};
      for (const [i, n] of c.names.entries()) {
        const value = decodePathSegment(m[i + 1]!);
        if (value === undefined) return { route: undefined, allowed: [], invalidPath: true };
        params[n] = value;
      }
      return { route: c.route, params };
    }
    return { route: undefined, allowed: [...allowed].sort() };
  }
}
