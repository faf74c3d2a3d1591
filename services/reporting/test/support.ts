import { PGlite } from '@electric-sql/pglite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely';
import { MIGRATIONS } from '../db/migrations';
import type { ReadModel } from '../db/schema';

/**
 * A throwaway read model for unit tests of the SQL: Kysely over an in-memory PGlite with the
 * service's migrations applied, so the queries run on real PostgreSQL. End-to-end tests reach the
 * same database through the local Data API instead.
 */
class PgliteDriver implements Driver {
  constructor(private readonly pg: PGlite) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    const pg = this.pg;
    return {
      async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
        const out = await pg.query<R>(q.sql, q.parameters as unknown[]);
        return {
          rows: out.rows,
          ...(out.affectedRows !== undefined ? { numAffectedRows: BigInt(out.affectedRows) } : {}),
        };
      },
      // biome-ignore lint/correctness/useYield: streaming is not used by the code under test
      async *streamQuery() {
        throw new Error('streaming is not supported here');
      },
    };
  }
  async beginTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery({ sql: 'BEGIN', parameters: [] } as unknown as CompiledQuery);
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery({ sql: 'COMMIT', parameters: [] } as unknown as CompiledQuery);
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery({ sql: 'ROLLBACK', parameters: [] } as unknown as CompiledQuery);
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {
    await this.pg.close();
  }
}

/** A fresh in-memory read model at the latest schema. Destroy it after the test file. */
export async function testReadModel(): Promise<Kysely<ReadModel>> {
  const pg = new PGlite();
  for (const m of MIGRATIONS) for (const statement of m.statements) await pg.exec(statement);
  return new Kysely<ReadModel>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new PgliteDriver(pg),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}
