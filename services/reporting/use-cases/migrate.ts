import { type Kysely, sql } from 'kysely';
import { requireEnv } from '../../../shared/kit/env';
import { logger } from '../../../shared/kit/logger';
import { secretString } from '../../../shared/kit/secrets';
import { MIGRATIONS, readerGrants } from '../db/migrations';
import type { ReadModel } from '../db/schema';

/**
 * Brings the read model's schema up to date (the deploy hook; also run by the local runtime on
 * start). Safe to run again and concurrently: an advisory lock serialises runs, each migration
 * commits with its record in `schema_migrations`, and the read-only user is (re)created with the
 * password in its secret and given SELECT only.
 */
export async function migrate(db: Kysely<ReadModel>): Promise<{ applied: string[] }> {
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL)`.execute(
    db,
  );
  const applied: string[] = [];
  for (const m of MIGRATIONS) {
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(7271)`.execute(trx);
      const done = await trx.selectFrom('schema_migrations').select('id').where('id', '=', m.id).executeTakeFirst();
      if (done) return;
      for (const statement of m.statements) await sql.raw(statement).execute(trx);
      await trx.insertInto('schema_migrations').values({ id: m.id, applied_at: new Date() }).execute();
      applied.push(m.id);
    });
  }
  await ensureReader(db);
  if (applied.length > 0) logger.info('read model migrated', { applied });
  return { applied };
}

async function ensureReader(db: Kysely<ReadModel>): Promise<void> {
  const secret = JSON.parse(await secretString(requireEnv('DATABASE_READER_SECRET_ARN'))) as {
    username?: string;
    password?: string;
  };
  if (!secret.username || !secret.password) throw new Error('the reader secret needs username and password');
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(7272)`.execute(trx);
    const exists = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ${secret.username}`.execute(trx);
    const verb = (exists.rows[0]?.n ?? 0) > 0 ? 'ALTER' : 'CREATE';
    // Role statements take no bind parameters: PostgreSQL's own format() quotes the name and the
    // password (%I, %L) server-side, and the quoted statement is then run.
    const statement = await sql<{
      s: string;
    }>`SELECT format(${`${verb} ROLE %I LOGIN PASSWORD %L`}, ${secret.username}::text, ${secret.password}::text) AS s`.execute(
      trx,
    );
    await sql.raw(statement.rows[0]!.s).execute(trx);
    for (const g of readerGrants(secret.username!)) await sql.raw(g).execute(trx);
  });
}
