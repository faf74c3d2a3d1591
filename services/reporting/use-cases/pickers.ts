import { type Kysely, type SqlBool, sql } from 'kysely';
import { isCustomerBound, type Principal } from '../../../shared/kit/auth';
import { ForbiddenError } from '../../../shared/kit/errors';
import type { ReadModel } from '../db/schema';
import type { PickerKind } from '../schemas';

/**
 * Typeahead pickers: what the person typed is a prefix, matched on a prefix index (a `LIKE 'x%'`
 * range on `lower(...) text_pattern_ops`, or a `:*` prefix lexeme on a GIN), so an answer costs
 * one index lookup whatever the table's size. `%`, `_` and `\` in the input are matched literally.
 */
type Db = Kysely<ReadModel>;

export interface PickerItem {
  id: string;
  label: string;
  detail?: string;
}

/** `50%_off` -> `50\%\_off%`: the input matched literally, then anything. */
/** `50%_off` -> `50\%\_off`: matched literally by LIKE (backslash is its default escape). */
export const escapeLike = (input: string) => input.replace(/[\\%_]/g, (c) => `\\${c}`);
export const likePrefix = (input: string) => `${escapeLike(input.toLowerCase())}%`;

/** The last word typed, for a word-prefix match in titles (letters and digits only). */
const lastWord = (input: string) => /([\p{L}\p{N}]+)\s*$/u.exec(input)?.[1]?.toLowerCase();

const CUSTOMER_PICKERS: ReadonlySet<PickerKind> = new Set(['tickets', 'services', 'users']);

export async function pick(db: Db, principal: Principal, kind: PickerKind, prefix: string, limit: number) {
  const customer = isCustomerBound(principal);
  if (customer && !CUSTOMER_PICKERS.has(kind)) throw new ForbiddenError('Customer accounts may not use this picker.');
  const like = likePrefix(prefix);
  switch (kind) {
    case 'tickets': {
      const scope = customer ? sql<SqlBool>`customer_id = ${principal.customerId!}` : sql<SqlBool>`true`;
      const word = lastWord(prefix);
      const byTitle = word
        ? sql`UNION SELECT ticket_id, number, title, updated_at FROM tickets
            WHERE to_tsvector('simple', title) @@ to_tsquery('simple', quote_literal(${word}) || ':*') AND ${scope}`
        : sql``;
      const rows = await sql<{ ticket_id: string; number: string; title: string }>`
        SELECT ticket_id, number, title FROM (
          SELECT ticket_id, number, title, updated_at FROM tickets WHERE lower(number) LIKE ${like} ESCAPE '\\' AND ${scope}
          ${byTitle}
        ) AS hits ORDER BY updated_at DESC LIMIT ${limit}`.execute(db);
      return rows.rows.map((r) => ({ id: r.ticket_id, label: r.number, detail: r.title }));
    }
    case 'cis':
    case 'services':
    case 'customers': {
      const recordKind = kind === 'cis' ? 'ci' : kind === 'services' ? 'service' : 'customer';
      const rows = await db
        .selectFrom('records')
        .select(['id', 'name', 'number', 'status'])
        .where('kind', '=', recordKind)
        .where((eb) =>
          eb.or([
            sql<SqlBool>`lower(name) LIKE ${like} ESCAPE '\\'`,
            sql<SqlBool>`lower(number) LIKE ${like} ESCAPE '\\'`,
          ]),
        )
        .orderBy('name')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        label: r.number ? `${r.number} ${r.name}` : r.name,
        ...(r.status ? { detail: r.status } : {}),
      }));
    }
    case 'users':
    case 'groups': {
      const rows = await db
        .selectFrom('people')
        .select('id')
        .where('kind', '=', kind === 'users' ? 'user' : 'group')
        .where('customer_id', '=', customer ? principal.customerId! : '')
        .where(sql<SqlBool>`lower(id) LIKE ${like} ESCAPE '\\'`)
        .orderBy(sql`lower(id)`)
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: r.id, label: r.id }));
    }
  }
}
