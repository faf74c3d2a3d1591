import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import { isCustomerBound, type Principal } from '../../../shared/kit/auth';
import { ForbiddenError, ValidationError } from '../../../shared/kit/errors';
import type { PageRequest } from '../../../shared/kit/paging';
import type { ReadModel } from '../db/schema';
import type { RecordFilters, RecordSearchKind } from '../schemas';
import { decodeKeyset, encodeKeyset } from './keyset';
import type { RecordKind } from './project';
import { countAndAsOf, pgTimestamp, type SearchAnswer } from './tickets';

/**
 * Search over the other records of the read model (`GET /v1/search/{kind}`): CIs, services,
 * agreements, customers and complaints, by keyword and by the fields their owners publish. The
 * owners' own list routes stay as they are; this is the cross-field search they do not offer.
 */
type Db = Kysely<ReadModel>;
type Eb = ExpressionBuilder<ReadModel, 'records'>;

export const KIND_OF: Record<RecordSearchKind, RecordKind> = {
  cis: 'ci',
  services: 'service',
  agreements: 'agreement',
  customers: 'customer',
  complaints: 'complaint',
};

/**
 * What customer users may search: the shared catalogue (services), and their own organisation's
 * agreements, complaints and customer record. The CMDB is staff-only, as on its own routes.
 */
const CUSTOMER_KINDS: ReadonlySet<RecordSearchKind> = new Set(['services', 'agreements', 'customers', 'complaints']);

const contains = (doc: Record<string, unknown>) => sql<SqlBool>`doc @> ${JSON.stringify(doc)}::jsonb`;

export function recordWhere(kind: RecordSearchKind, filters: RecordFilters, principal: Principal) {
  const customer = isCustomerBound(principal);
  if (customer && !CUSTOMER_KINDS.has(kind))
    throw new ForbiddenError('Customer accounts may not search this register.');
  if (customer && kind === 'services' && filters.customerId) {
    throw new ValidationError('Customer accounts search the catalogue as a whole.', [
      { field: 'query.customerId', message: 'is not available to customer accounts' },
    ]);
  }
  return (eb: Eb) => {
    const all: Expression<SqlBool>[] = [eb('kind', '=', KIND_OF[kind])];
    if (customer && kind !== 'services')
      all.push(sql<SqlBool>`customer_ids @> ARRAY[${principal.customerId!}]::text[]`);
    if (filters.status) all.push(eb('status', 'in', filters.status.split(',')));
    if (filters.customerId) all.push(sql<SqlBool>`customer_ids @> ARRAY[${filters.customerId}]::text[]`);
    if (filters.serviceId) {
      all.push(eb.or([contains({ serviceIds: [filters.serviceId] }), contains({ serviceId: filters.serviceId })]));
    }
    if (filters.type) {
      all.push(
        eb.or([contains({ typeId: filters.type }), contains({ kind: filters.type }), contains({ type: filters.type })]),
      );
    }
    if (filters.owner) all.push(contains({ owner: filters.owner }));
    if (filters.q) all.push(sql<SqlBool>`search @@ websearch_to_tsquery('english', ${filters.q})`);
    return eb.and(all);
  };
}

const SORTS = {
  name: { cols: ['name', 'id'], casts: ['text', 'text'] },
  updated: { cols: ['updated_at', 'id'], casts: ['timestamptz', 'text'] },
} as const;

export interface RecordLineOut {
  kind: string;
  id: string;
  number?: string;
  name: string;
  status?: string;
  updatedAt?: string;
  version: number;
  record: Record<string, unknown>;
}

/** Up to `limit` records after a keyset position, and the keyset of the last one. */
export async function recordChunk(
  db: Db,
  principal: Principal,
  kind: RecordSearchKind,
  filters: RecordFilters,
  start: string[] | undefined,
  limit: number,
): Promise<{ items: RecordLineOut[]; more: boolean; last?: string[] }> {
  const where = recordWhere(kind, filters, principal);
  const sort = SORTS[filters.sort ?? 'name'];
  const order = filters.order ?? (filters.sort === 'updated' ? 'desc' : 'asc');
  // Records without a time sort as the oldest.
  const key = (c: string) => (c === 'updated_at' ? sql`coalesce(updated_at, '-infinity')` : sql.ref(c));
  let query = db
    .selectFrom('records')
    .select(['kind', 'id', 'number', 'name', 'status', 'version', 'doc'])
    .select(sql<string | null>`updated_at::text`.as('updated'))
    .select(sort.cols.map((c, i) => sql<string>`${key(c)}::text`.as(`sk${i}`)))
    .where(where);
  if (start) {
    const left = sql.join(sort.cols.map(key));
    const right = sql.join(start.map((v, i) => sql`${v}::${sql.raw(sort.casts[i]!)}`));
    query = query.where(order === 'asc' ? sql<SqlBool>`(${left}) > (${right})` : sql<SqlBool>`(${left}) < (${right})`);
  }
  for (const c of sort.cols) query = query.orderBy(key(c), order);
  const rows = await query.limit(limit + 1).execute();
  const shown = rows.slice(0, limit);
  const last = shown.at(-1) as Record<string, unknown> | undefined;
  return {
    items: shown.map((r) => ({
      kind: r.kind,
      id: r.id,
      ...(r.number ? { number: r.number } : {}),
      name: r.name,
      ...(r.status ? { status: r.status } : {}),
      ...(r.updated ? { updatedAt: new Date(pgTimestamp(r.updated)).toISOString() } : {}),
      version: Number(r.version),
      record: (typeof r.doc === 'string' ? JSON.parse(r.doc) : r.doc) as Record<string, unknown>,
    })),
    more: rows.length > limit,
    ...(last ? { last: sort.cols.map((_, i) => String(last[`sk${i}`])) } : {}),
  };
}

export async function searchRecords(
  db: Db,
  principal: Principal,
  kind: RecordSearchKind,
  filters: RecordFilters,
  page: PageRequest,
): Promise<SearchAnswer<RecordLineOut>> {
  const where = recordWhere(kind, filters, principal);
  const start = page.cursor ? decodeKeyset(page.cursor, 2) : undefined;
  const [chunk, counted] = await Promise.all([
    recordChunk(db, principal, kind, filters, start, page.limit),
    countAndAsOf(db, db.selectFrom('records').select(sql`1`.as('one')).where(where)),
  ]);
  return {
    items: chunk.items,
    total: counted.total,
    ...(chunk.more && chunk.last ? { nextCursor: encodeKeyset(chunk.last) } : {}),
    asOf: counted.asOf,
  };
}
