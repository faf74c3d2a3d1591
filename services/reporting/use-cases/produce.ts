import type { Kysely } from 'kysely';
import type { Principal } from '../../../shared/kit/auth';
import type { ReadModel } from '../db/schema';
import { type Cell, type Summary, type Table, toCsv, toHtml, toText } from '../domain/render';
import type { Period } from '../domain/schedule';
import type { ReportContent, TicketFilters } from '../schemas';
import { runAggregate } from './aggregates';
import { searchTickets } from './tickets';

/**
 * Producing a report's content for one period (FitSM PR3.3): the saved search or the built-in
 * aggregate, as a table, then CSV and the HTML summary. Reads the read model only.
 */
type Db = Kysely<ReadModel>;

/** A saved search in a report lists at most this many tickets (pages of 200, each far under 1 MiB). */
export const MAX_REPORT_ROWS = 2_000;
/** Rows shown in the mail body; the CSV carries the rest. */
export const MAIL_ROWS = 20;

/** The principal a scheduled report searches as: staff-wide, never customer-bound (the spec's scope narrows it). */
const REPORTER: Principal = { id: 'system:reports', name: 'reports', roles: ['reporting-manager'] };

export interface Produced {
  table: Table;
  /** An aggregate's headline figure. */
  value?: number | null;
  unit?: string;
  truncated: boolean;
}

const TICKET_COLUMNS = [
  'number',
  'type',
  'title',
  'status',
  'priority',
  'category',
  'customer',
  'service',
  'assignment group',
  'assignee',
  'created',
  'resolved',
  'sla',
];

export async function produceContent(db: Db, content: ReportContent, period: Period): Promise<Produced> {
  const from = new Date(period.from);
  const to = new Date(period.to);
  if (content.kind === 'aggregate') {
    const { kind: _k, aggregate, customerId, ...params } = content;
    const result = await runAggregate(db, { aggregate, ...params, ...(customerId ? { customerId } : {}) }, from, to);
    return { table: result.table, value: result.value, unit: result.unit, truncated: false };
  }
  const filters: TicketFilters = { ...content.filters };
  // An agreed customer scope always wins over whatever the saved filters say.
  if (content.customerId) filters.customerId = content.customerId;
  // A search "over the period" restricts one of its dates to the report's period.
  if (content.periodField) {
    filters[`${content.periodField}From`] = from.toISOString();
    filters[`${content.periodField}To`] = to.toISOString();
  }
  const rows: Cell[][] = [];
  let cursor: string | undefined;
  do {
    const page = await searchTickets(db, REPORTER, filters, { limit: 200, ...(cursor ? { cursor } : {}) });
    for (const t of page.items) {
      rows.push([
        t.number,
        t.type,
        t.title,
        t.status,
        t.priority,
        t.category ?? null,
        t.customerId ?? null,
        t.serviceId ?? null,
        t.assignmentGroup ?? null,
        t.assigneeId ?? null,
        t.createdAt,
        t.resolvedAt ?? null,
        t.sla?.state ?? null,
      ]);
    }
    cursor = page.nextCursor;
  } while (cursor && rows.length < MAX_REPORT_ROWS);
  return {
    table: { columns: TICKET_COLUMNS, rows: rows.slice(0, MAX_REPORT_ROWS) },
    truncated: rows.length > MAX_REPORT_ROWS || cursor !== undefined,
  };
}

export interface Rendered {
  /** The full CSV, when the report has that format (stored in the service's bucket). */
  csv?: string;
  html: string;
  text: string;
}

/** The CSV and the mail's HTML and text summary. */
export function render(
  title: string,
  period: Period,
  produced: Produced,
  formats: readonly ('csv' | 'html')[],
  csvLocation?: string,
): Rendered {
  const facts: Summary['facts'] = [
    {
      label: 'Period',
      value: `${period.label} (${new Date(period.from).toISOString()} to ${new Date(period.to).toISOString()})`,
    },
    ...(produced.value !== undefined
      ? [
          {
            label: 'Figure',
            value: produced.value === null ? 'no data' : `${produced.value} ${produced.unit ?? ''}`.trim(),
          },
        ]
      : []),
    { label: 'Rows', value: `${produced.table.rows.length}${produced.truncated ? ` (first ${MAX_REPORT_ROWS})` : ''}` },
  ];
  const csv = formats.includes('csv') ? toCsv(produced.table) : undefined;
  if (csv !== undefined && csvLocation) facts.push({ label: 'CSV', value: csvLocation });
  const summary: Summary = { title, facts, table: produced.table, firstRows: formats.includes('html') ? MAIL_ROWS : 0 };
  return { ...(csv !== undefined ? { csv } : {}), html: toHtml(summary), text: toText(summary) };
}
