import { type Runtime, startRuntime } from '../../infra/local/runtime';
import { SERVICES } from '../../services/index';
import type { ServiceDefinition } from '../../shared/kit/definition';
import type { Role } from '../../shared/kit/roles';

export { eventually } from './eventually';

/**
 * Every service but those with a query store (reporting): for tests about the other services,
 * which then start no PostgreSQL and project no events into it.
 */
export const WITHOUT_QUERY_STORE: ServiceDefinition[] = SERVICES.filter((s) => !s.database);

/**
 * A throwaway local runtime for one test file: in memory (or on `dataDir`, a seeded copy from
 * `seededRuntime`), any free ports, no waiting.
 */
export async function testRuntime(
  options: { waitScale?: number; services?: ServiceDefinition[]; dataDir?: string } = {},
): Promise<Runtime> {
  // Function logs at ERROR only, so a test's output shows what went wrong and little else.
  process.env.ITSM_LOG_LEVEL ??= 'ERROR';
  return startRuntime({ awsPort: 0, apiPort: 0, waitScale: 0, schedules: false, retryBaseDelayMs: 5, ...options });
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small API client acting as one user. */
export function client(rt: Runtime, token: string | undefined) {
  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> => {
    const res = await fetch(`${rt.apiUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  };
  return {
    get: <T = Record<string, unknown>>(path: string, headers?: Record<string, string>) =>
      call<T>('GET', path, undefined, headers),
    post: <T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, body, headers),
    patch: <T = Record<string, unknown>>(
      path: string,
      body: unknown,
      version: number | string,
      headers?: Record<string, string>,
    ) => call<T>('PATCH', path, body, { 'if-match': `"${version}"`, ...headers }),
    put: <T = Record<string, unknown>>(path: string, body: unknown, headers?: Record<string, string>) =>
      call<T>('PUT', path, body, headers),
    del: <T = Record<string, unknown>>(path: string) => call<T>('DELETE', path),
    call,
  };
}

export type Client = ReturnType<typeof client>;

export async function as(rt: Runtime, user: string, roles: Role[], customer?: string): Promise<Client> {
  return client(rt, await rt.token({ user, roles, ...(customer ? { customer } : {}) }));
}
