import { type Kysely, sql } from 'kysely';
import type { ReadModel } from '../db/schema';

/**
 * Applying the owners' records to the read model (ADR 25). Every function takes a batch (a live
 * event is a batch of one; a resync page or the bench's bulk fill is a batch of many) and is
 * idempotent and order-free: a row only moves forward on its owner's `version`, comments are
 * inserted once by id, and SLA clocks only move forward on the ticket version they reflect. So
 * duplicated, reordered and replayed delivery all converge on the same model.
 */
type Db = Kysely<ReadModel>;

/** The ticket snapshot fields the read model uses (the service desk's `TicketSnapshot`). */
export interface TicketRecord {
  ticketId: string;
  number: string;
  type: string;
  version: number;
  title: string;
  description?: string;
  status: string;
  priority: string;
  /** The category path from the root (`["hardware", "laptop"]`), kept as `hardware/laptop`. */
  category?: string[] | string;
  callerId: string;
  customerId?: string;
  serviceId?: string;
  assignmentGroup?: string;
  assigneeId?: string;
  major: boolean;
  ciIds?: string[];
  createdAt: string;
  changedAt: string;
  firstRespondedAt?: string;
  resolvedAt?: string;
  closedAt?: string;
  reopenCount: number;
  [field: string]: unknown;
}

export interface CommentRecord {
  ticketId: string;
  commentId: string;
  text: string;
  visibility: 'public' | 'internal';
  authorId?: string;
  createdAt: string;
  [field: string]: unknown;
}

export interface ClocksRecord {
  ticketId: string;
  ticketVersion: number;
  /** The clocks' own version: moves when they are recomputed at the same ticket version. */
  version?: number;
  agreementId?: string;
  clocks: { state: string; deadline?: string; warnAt?: string }[];
  [field: string]: unknown;
}

/** The kinds of non-ticket records and the field holding each one's id. */
export const RECORD_KINDS = {
  ci: 'ciId',
  service: 'serviceId',
  agreement: 'agreementId',
  customer: 'customerId',
  complaint: 'complaintId',
} as const;
export type RecordKind = keyof typeof RECORD_KINDS;

/** Rows per statement: well under the Data API's request size with 10 KB descriptions. */
const CHUNK = 50;
const chunks = <T>(xs: T[], n = CHUNK): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
};

/** A category path as one string (`hardware/laptop`), so a filter can match it or a parent. */
export const categoryPath = (c: string[] | string | undefined): string | null =>
  c === undefined ? null : Array.isArray(c) ? (c.length ? c.join('/') : null) : c;

/** `P1` -> 1; labels without a number sort last. */
export const priorityRank = (label: string): number => {
  const m = /\d+/.exec(label);
  return m ? Math.min(Number(m[0]), 99) : 99;
};

/** Within a batch, keep each id's highest version (a resync page and live events may overlap). */
function newest<T>(xs: T[], id: (x: T) => string, version: (x: T) => number): T[] {
  const best = new Map<string, T>();
  for (const x of xs) {
    const k = id(x);
    const seen = best.get(k);
    if (!seen || version(x) > version(seen)) best.set(k, x);
  }
  return [...best.values()];
}

const english = (text: string) => sql<string>`to_tsvector('english', ${text})`;

/**
 * `mark`: the rebuild a resync page belongs to (ADR 25). Its rows are written even at the version
 * already held (the same snapshot again) and marked, so the rebuild's sweep keeps them.
 */
export async function applyTickets(db: Db, records: TicketRecord[], mark?: string): Promise<void> {
  for (const batch of chunks(
    newest(
      records,
      (t) => t.ticketId,
      (t) => t.version,
    ),
  )) {
    await db
      .insertInto('tickets')
      .values(
        batch.map((t) => ({
          ticket_id: t.ticketId,
          number: t.number,
          type: t.type,
          version: t.version,
          title: t.title,
          description: t.description ?? null,
          status: t.status,
          priority: t.priority,
          priority_rank: priorityRank(t.priority),
          category: categoryPath(t.category),
          caller_id: t.callerId,
          customer_id: t.customerId ?? null,
          service_id: t.serviceId ?? null,
          assignment_group: t.assignmentGroup ?? null,
          assignee_id: t.assigneeId ?? null,
          major: t.major,
          ci_ids: jsonTextArray(JSON.stringify(t.ciIds ?? [])),
          created_at: new Date(t.createdAt),
          updated_at: new Date(t.changedAt),
          resolved_at: t.resolvedAt ? new Date(t.resolvedAt) : null,
          closed_at: t.closedAt ? new Date(t.closedAt) : null,
          reopen_count: t.reopenCount,
          first_responded_at: t.firstRespondedAt ? new Date(t.firstRespondedAt) : null,
          doc: jsonb(t),
          synced_by: mark ?? null,
          applied_at: sql<Date>`now()`,
          text_tsv: sql<string>`setweight(to_tsvector('english', ${`${t.number} ${t.title}`}), 'A') || to_tsvector('english', ${t.description ?? ''})`,
          // A ticket seen for the first time takes the comments and clocks that came before it.
          public_comments_tsv: commentVector(t.ticketId, 'public'),
          internal_comments_tsv: commentVector(t.ticketId, 'internal'),
          sla_deadline: sql<Date>`coalesce((SELECT sla_deadline FROM ticket_sla WHERE ticket_id = ${t.ticketId}), 'infinity')`,
          sla_warn_at: sql<Date>`coalesce((SELECT sla_warn_at FROM ticket_sla WHERE ticket_id = ${t.ticketId}), 'infinity')`,
          sla_breached: sql<boolean>`coalesce((SELECT sla_breached FROM ticket_sla WHERE ticket_id = ${t.ticketId}), false)`,
          agreement_id: sql<string>`(SELECT agreement_id FROM ticket_sla WHERE ticket_id = ${t.ticketId})`,
        })),
      )
      .onConflict((oc) =>
        oc
          .column('ticket_id')
          .doUpdateSet((eb) => ({
            number: eb.ref('excluded.number'),
            type: eb.ref('excluded.type'),
            version: eb.ref('excluded.version'),
            title: eb.ref('excluded.title'),
            description: eb.ref('excluded.description'),
            status: eb.ref('excluded.status'),
            priority: eb.ref('excluded.priority'),
            priority_rank: eb.ref('excluded.priority_rank'),
            category: eb.ref('excluded.category'),
            caller_id: eb.ref('excluded.caller_id'),
            customer_id: eb.ref('excluded.customer_id'),
            service_id: eb.ref('excluded.service_id'),
            assignment_group: eb.ref('excluded.assignment_group'),
            assignee_id: eb.ref('excluded.assignee_id'),
            major: eb.ref('excluded.major'),
            ci_ids: eb.ref('excluded.ci_ids'),
            created_at: eb.ref('excluded.created_at'),
            updated_at: eb.ref('excluded.updated_at'),
            resolved_at: eb.ref('excluded.resolved_at'),
            closed_at: eb.ref('excluded.closed_at'),
            reopen_count: eb.ref('excluded.reopen_count'),
            first_responded_at: eb.ref('excluded.first_responded_at'),
            doc: eb.ref('excluded.doc'),
            text_tsv: eb.ref('excluded.text_tsv'),
            applied_at: eb.ref('excluded.applied_at'),
            ...(mark ? { synced_by: eb.ref('excluded.synced_by') } : {}),
          }))
          .where('tickets.version', mark ? '<=' : '<', (eb) => eb.ref('excluded.version')),
      )
      .execute();
  }
  await notePeople(
    db,
    records.flatMap((t) => [
      { kind: 'user', id: t.callerId, customerId: t.customerId },
      ...(t.assigneeId ? [{ kind: 'user', id: t.assigneeId }] : []),
      ...(t.assignmentGroup ? [{ kind: 'group', id: t.assignmentGroup }] : []),
    ]),
  );
}

/** A document as jsonb: the Data API sends strings as varchar, which PostgreSQL does not cast to jsonb on its own. */
const jsonb = (value: unknown) => sql<string>`${JSON.stringify(value)}::jsonb`;

/** ci_ids arrive as JSON text (the Data API takes no array parameters) and become text[]. */
export const jsonTextArray = (json: string) => sql<string[]>`ARRAY(SELECT jsonb_array_elements_text(${json}::jsonb))`;

function commentVector(ticketId: string, visibility: 'public' | 'internal') {
  return sql<string>`(SELECT coalesce(to_tsvector('english', string_agg(body, ' ')), ''::tsvector) FROM ticket_comments WHERE ticket_id = ${ticketId} AND visibility = ${visibility})`;
}

export async function applyComments(db: Db, records: CommentRecord[], mark?: string): Promise<void> {
  const touched = new Set<string>();
  for (const batch of chunks(records)) {
    const inserted = await db
      .insertInto('ticket_comments')
      .values(
        batch.map((c) => ({
          comment_id: c.commentId,
          ticket_id: c.ticketId,
          visibility: c.visibility,
          author_id: c.authorId ?? null,
          created_at: new Date(c.createdAt),
          body: c.text,
          doc: jsonb(c),
          synced_by: mark ?? null,
        })),
      )
      .onConflict((oc) =>
        mark
          ? oc
              .column('comment_id')
              .doUpdateSet((eb) => ({ synced_by: eb.ref('excluded.synced_by'), applied_at: sql`now()` }))
          : oc.column('comment_id').doNothing(),
      )
      .returning('ticket_id')
      .execute();
    for (const r of inserted) touched.add(r.ticket_id);
  }
  for (const ids of chunks([...touched])) {
    await sql`UPDATE tickets t SET
        public_comments_tsv = (SELECT coalesce(to_tsvector('english', string_agg(body, ' ')), ''::tsvector) FROM ticket_comments c WHERE c.ticket_id = t.ticket_id AND c.visibility = 'public'),
        internal_comments_tsv = (SELECT coalesce(to_tsvector('english', string_agg(body, ' ')), ''::tsvector) FROM ticket_comments c WHERE c.ticket_id = t.ticket_id AND c.visibility = 'internal')
      WHERE t.ticket_id IN (${sql.join(ids)})`.execute(db);
  }
}

/**
 * What a ticket's clocks mean for search: the earliest running deadline and warning (none while no
 * clock runs), and any breach.
 */
export function slaOf(c: ClocksRecord): { deadline: Date | null; warnAt: Date | null; breached: boolean } {
  const running = c.clocks.filter((k) => k.state === 'running');
  const earliest = (xs: (string | undefined)[]) => {
    const ts = xs.filter((x): x is string => !!x).map((x) => Date.parse(x));
    return ts.length ? new Date(Math.min(...ts)) : undefined;
  };
  return {
    deadline: earliest(running.map((k) => k.deadline)) ?? null,
    warnAt: earliest(running.map((k) => k.warnAt)) ?? null,
    breached: c.clocks.some((k) => k.state === 'breached' || k.state === 'stopped-unmet'),
  };
}
/** PostgreSQL's `infinity` timestamp, written for "no deadline" (so deadline order puts them last). */
const orInfinity = (d: Date | null) => (d ? d : sql<Date>`'infinity'::timestamptz`);

export async function applyClocks(db: Db, records: ClocksRecord[], mark?: string): Promise<void> {
  const batch = newest(
    records,
    (c) => c.ticketId,
    (c) => c.ticketVersion,
  );
  for (const part of chunks(batch)) {
    await db
      .insertInto('ticket_sla')
      .values(
        part.map((c) => {
          const s = slaOf(c);
          return {
            ticket_id: c.ticketId,
            ticket_version: c.ticketVersion,
            clocks_version: c.version ?? 0,
            sla_deadline: orInfinity(s.deadline),
            sla_warn_at: orInfinity(s.warnAt),
            sla_breached: s.breached,
            agreement_id: c.agreementId ?? null,
            doc: jsonb(c),
            synced_by: mark ?? null,
          };
        }),
      )
      .onConflict((oc) =>
        oc
          .column('ticket_id')
          .doUpdateSet((eb) => ({
            ticket_version: eb.ref('excluded.ticket_version'),
            clocks_version: eb.ref('excluded.clocks_version'),
            sla_deadline: eb.ref('excluded.sla_deadline'),
            sla_warn_at: eb.ref('excluded.sla_warn_at'),
            sla_breached: eb.ref('excluded.sla_breached'),
            agreement_id: eb.ref('excluded.agreement_id'),
            doc: eb.ref('excluded.doc'),
            applied_at: sql<Date>`now()`,
            ...(mark ? { synced_by: eb.ref('excluded.synced_by') } : {}),
          }))
          // Clocks recomputed at the same ticket version (a deadline passing, a new agreement) carry a
          // higher clocks version; the same clocks again change nothing.
          .where(
            sql<boolean>`(ticket_sla.ticket_version, ticket_sla.clocks_version) <= (excluded.ticket_version, excluded.clocks_version)`,
          ),
      )
      .execute();
    await sql`UPDATE tickets t SET sla_deadline = s.sla_deadline, sla_warn_at = s.sla_warn_at,
        sla_breached = s.sla_breached, agreement_id = s.agreement_id
      FROM ticket_sla s WHERE s.ticket_id = t.ticket_id AND t.ticket_id IN (${sql.join(part.map((c) => c.ticketId))})`.execute(
      db,
    );
  }
}

/** The text a record's keyword search covers: the descriptive fields it has. */
const SEARCHED = ['number', 'name', 'title', 'subject', 'summary', 'description', 'purpose', 'owner'];

export async function applyRecords(
  db: Db,
  kind: RecordKind,
  records: (Record<string, unknown> & { version: number })[],
  mark?: string,
): Promise<void> {
  const idField = RECORD_KINDS[kind];
  const idOf = (r: Record<string, unknown>) => String(r[idField]);
  for (const batch of chunks(newest(records, idOf, (r) => r.version))) {
    await db
      .insertInto('records')
      .values(
        batch.map((r) => {
          const customers = Array.isArray(r.customerIds)
            ? (r.customerIds as string[])
            : typeof r.customerId === 'string'
              ? [r.customerId]
              : [];
          const text = SEARCHED.map((f) => r[f])
            .filter((v): v is string => typeof v === 'string')
            .join(' ');
          const name = [r.name, r.title, r.subject, r.number, idOf(r)].find((v) => typeof v === 'string') as string;
          return {
            kind,
            id: idOf(r),
            version: r.version,
            number: typeof r.number === 'string' ? r.number : null,
            name,
            status: typeof r.status === 'string' ? r.status : null,
            customer_ids: jsonTextArray(JSON.stringify(customers)),
            updated_at: typeof r.updatedAt === 'string' ? new Date(r.updatedAt) : null,
            doc: jsonb(r),
            search: english(text),
            synced_by: mark ?? null,
          };
        }),
      )
      .onConflict((oc) =>
        oc
          .columns(['kind', 'id'])
          .doUpdateSet((eb) => ({
            version: eb.ref('excluded.version'),
            number: eb.ref('excluded.number'),
            name: eb.ref('excluded.name'),
            status: eb.ref('excluded.status'),
            customer_ids: eb.ref('excluded.customer_ids'),
            updated_at: eb.ref('excluded.updated_at'),
            doc: eb.ref('excluded.doc'),
            search: eb.ref('excluded.search'),
            applied_at: sql<Date>`now()`,
            ...(mark ? { synced_by: eb.ref('excluded.synced_by') } : {}),
          }))
          .where('records.version', mark ? '<=' : '<', (eb) => eb.ref('excluded.version')),
      )
      .execute();
  }
}

async function notePeople(
  db: Db,
  seen: { kind: string; id: string; customerId?: string | undefined }[],
): Promise<void> {
  const rows = new Map<string, { kind: string; id: string; customer_id: string }>();
  for (const p of seen) {
    for (const customer of ['', ...(p.customerId ? [p.customerId] : [])]) {
      rows.set(`${p.kind}|${customer}|${p.id}`, { kind: p.kind, id: p.id, customer_id: customer });
    }
  }
  for (const batch of chunks([...rows.values()], 200)) {
    await db
      .insertInto('people')
      .values(batch)
      .onConflict((oc) => oc.columns(['kind', 'customer_id', 'id']).doNothing())
      .execute();
  }
}

/** Records the newest change applied from a source, for the `asOf` of answers. */
export async function noteWatermark(db: Db, source: string, occurredAt: string): Promise<void> {
  await db
    .insertInto('watermarks')
    .values({ source, occurred_at: new Date(occurredAt), applied_at: new Date() })
    .onConflict((oc) =>
      oc.column('source').doUpdateSet((eb) => ({
        occurred_at: sql<Date>`greatest(${eb.ref('watermarks.occurred_at')}, ${eb.ref('excluded.occurred_at')})`,
        applied_at: eb.ref('excluded.applied_at'),
      })),
    )
    .execute();
}

/** A survey answer as the customers service publishes it (`SurveyAnswered`), for satisfaction. */
export interface SurveyAnswerRecord {
  surveyId: string;
  ticketId: string;
  number: string;
  customerId?: string;
  serviceId?: string;
  assignmentGroup?: string;
  score: number;
  low: boolean;
  answeredAt: string;
  [field: string]: unknown;
}

/** Survey answers are given once per survey: a replayed or duplicated event changes nothing. */
export async function applySurveyAnswers(db: Db, records: SurveyAnswerRecord[]): Promise<void> {
  for (const batch of chunks(records)) {
    await db
      .insertInto('survey_answers')
      .values(
        batch.map((a) => ({
          survey_id: a.surveyId,
          ticket_id: a.ticketId,
          number: a.number,
          customer_id: a.customerId ?? null,
          service_id: a.serviceId ?? null,
          assignment_group: a.assignmentGroup ?? null,
          score: a.score,
          low: a.low,
          answered_at: new Date(a.answeredAt),
        })),
      )
      .onConflict((oc) => oc.column('survey_id').doNothing())
      .execute();
  }
}
