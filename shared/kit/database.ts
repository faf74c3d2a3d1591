import { RDSData } from '@aws-sdk/client-rds-data';
import { Kysely } from 'kysely';
import { DataApiDialect } from 'kysely-data-api';
import { requireEnv } from './env';
import { UnavailableError } from './errors';
import { logger } from './logger';

/**
 * The service's query store (ADR 25): PostgreSQL reached only through the RDS Data API (Aurora
 * Serverless v2 on AWS, PGlite behind the local endpoint), queried with Kysely so no SQL text is
 * ever built from input. One client per instance, as for the other SDK clients.
 *
 * A paused cluster answers the first statements with `DatabaseResumingException` while it resumes
 * (Aurora: up to about 15 s). The SDK does not retry it, so the client below does, with backoff,
 * until `resumeBudgetMs` has passed; then the caller gets a 503 `query-store-resuming` with
 * Retry-After (an API route must answer within API Gateway's 30 s).
 */
export interface QueryStoreOptions {
  /** How long to keep retrying a resuming cluster before giving up (ms). */
  resumeBudgetMs?: number;
}

const RESUMING = 'DatabaseResumingException';
const DEFAULT_RESUME_BUDGET_MS = 20_000;

/** Retries one Data API call while the cluster resumes. */
export async function whileResuming<T>(call: () => Promise<T>, budgetMs = DEFAULT_RESUME_BUDGET_MS): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if ((err as Error).name !== RESUMING) throw err;
      // Locally a resume takes 1-3 s; on Aurora about 15 s: poll every second at most.
      const wait = Math.min(250 * 2 ** attempt, 1_000);
      if (Date.now() + wait > deadline) {
        throw new UnavailableError('busy', 'The query store is resuming after a pause; try again in a few seconds.', 5);
      }
      if (attempt === 0) logger.info('query store resuming; waiting');
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** A Data API client whose statements and transaction calls wait out a resume. */
function resumingClient(budgetMs: number): RDSData {
  const client = new RDSData({});
  const wrap = <
    K extends
      | 'executeStatement'
      | 'batchExecuteStatement'
      | 'beginTransaction'
      | 'commitTransaction'
      | 'rollbackTransaction',
  >(
    name: K,
  ) => {
    const original = client[name].bind(client) as (input: unknown) => Promise<unknown>;
    (client as unknown as Record<string, unknown>)[name] = (input: unknown) =>
      whileResuming(() => original(input), budgetMs);
  };
  wrap('executeStatement');
  wrap('batchExecuteStatement');
  wrap('beginTransaction');
  wrap('commitTransaction');
  wrap('rollbackTransaction');
  return client;
}

let cached: { key: string; db: Kysely<unknown> } | undefined;

/** The Kysely instance for this function's database access (reader or owner, by its secret). */
export function queryStore<DB>(options: QueryStoreOptions = {}): Kysely<DB> {
  const resourceArn = requireEnv('DATABASE_ARN');
  const secretArn = requireEnv('DATABASE_SECRET_ARN');
  const database = requireEnv('DATABASE_NAME');
  const key = `${resourceArn}|${secretArn}|${database}`;
  if (!cached || cached.key !== key) {
    const client = resumingClient(options.resumeBudgetMs ?? DEFAULT_RESUME_BUDGET_MS);
    cached = {
      key,
      db: new Kysely<unknown>({
        dialect: new DataApiDialect({ mode: 'postgres', driver: { client, database, secretArn, resourceArn } }),
      }),
    };
  }
  return cached.db as Kysely<DB>;
}
