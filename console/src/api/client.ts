import createClient, { type Middleware } from 'openapi-fetch';
import { userManager } from '../auth';
import { config } from '../config';
import type { components, paths } from './schema';

/**
 * The typed API client, generated from `/v1/openapi.json` (openapi-typescript + openapi-fetch): a
 * path, its parameters and its answer are checked by the compiler against the API's own document.
 */
export type Schemas = components['schemas'];

/** An RFC 9457 problem from the API, or API Gateway's own `{message}` answer. */
export interface Problem {
  status: number;
  title: string;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
  }
  get status() {
    return this.problem.status;
  }
}

const auth: Middleware = {
  async onRequest({ request }) {
    const user = await userManager().getUser();
    if (user?.access_token) request.headers.set('authorization', `Bearer ${user.access_token}`);
    return request;
  },
};

let client: ReturnType<typeof createClient<paths>> | undefined;

export function api() {
  if (client) return client;
  client = createClient<paths>({ baseUrl: config().apiUrl });
  client.use(auth);
  return client;
}

/** A client without a token, for the public routes (the survey page). */
export function publicApi() {
  return createClient<paths>({ baseUrl: config().apiUrl });
}

/** Turn openapi-fetch's `{ data, error, response }` into the data or an {@link ApiError}. */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ data: T; response: Response }> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiError(toProblem(response.status, error));
  return { data: data as T, response };
}

function toProblem(status: number, error: unknown): Problem {
  const e = (error ?? {}) as Partial<Problem> & { message?: string };
  return {
    status,
    title: e.title ?? e.message ?? `HTTP ${status}`,
    detail: e.detail ?? e.message ?? '',
    code: e.code ?? (status === 401 ? 'unauthorized' : `http-${status}`),
    ...(Array.isArray(e.errors) ? { errors: e.errors } : {}),
  };
}

/** `If-Match` for a version read earlier (409 when someone changed the record since). */
export const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });

export const describeError = (err: unknown): string =>
  err instanceof ApiError
    ? [err.problem.detail || err.problem.title, ...(err.problem.errors ?? []).map((e) => `${e.field}: ${e.message}`)]
        .filter(Boolean)
        .join(' ')
    : err instanceof Error
      ? err.message
      : String(err);
