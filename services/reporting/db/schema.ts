import type { ColumnType } from 'kysely';

/** Kysely's view of the read model (db/migrations.ts). Timestamps are written as Date and read as Date. */
type Stamp = ColumnType<Date, Date | string, Date | string>;
type Vector = ColumnType<string, string, string>;

export interface TicketsTable {
  ticket_id: string;
  number: string;
  type: string;
  version: number;
  title: string;
  description: string | null;
  status: string;
  priority: string;
  priority_rank: number;
  category: string | null;
  caller_id: string;
  customer_id: string | null;
  service_id: string | null;
  assignment_group: string | null;
  assignee_id: string | null;
  major: boolean;
  ci_ids: ColumnType<string[], string[] | string, string[] | string>;
  created_at: Stamp;
  updated_at: Stamp;
  resolved_at: Stamp | null;
  closed_at: Stamp | null;
  reopen_count: number;
  first_responded_at: Stamp | null;
  sla_deadline: ColumnType<Date, Date | string | undefined, Date | string>;
  sla_warn_at: ColumnType<Date, Date | string | undefined, Date | string>;
  sla_breached: ColumnType<boolean, boolean | undefined, boolean>;
  agreement_id: string | null;
  doc: ColumnType<unknown, string, string>;
  synced_by: ColumnType<string | null, string | null | undefined, string | null>;
  applied_at: ColumnType<Date, Date | string | undefined, Date | string>;
  text_tsv: Vector;
  public_comments_tsv: ColumnType<string, string | undefined, string>;
  internal_comments_tsv: ColumnType<string, string | undefined, string>;
  search_public: ColumnType<string, never, never>;
  search_staff: ColumnType<string, never, never>;
}

export interface TicketCommentsTable {
  comment_id: string;
  ticket_id: string;
  visibility: string;
  author_id: string | null;
  created_at: Stamp;
  body: string;
  doc: ColumnType<unknown, string, string>;
  synced_by: ColumnType<string | null, string | null | undefined, string | null>;
  applied_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface TicketSlaTable {
  ticket_id: string;
  ticket_version: number;
  clocks_version: number;
  sla_deadline: Stamp;
  sla_warn_at: Stamp;
  sla_breached: boolean;
  agreement_id: string | null;
  doc: ColumnType<unknown, string, string>;
  synced_by: ColumnType<string | null, string | null | undefined, string | null>;
  applied_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface RecordsTable {
  kind: string;
  id: string;
  version: number;
  number: string | null;
  name: string;
  status: string | null;
  customer_ids: ColumnType<string[], string[] | string, string[] | string>;
  updated_at: Stamp | null;
  doc: ColumnType<unknown, string, string>;
  synced_by: ColumnType<string | null, string | null | undefined, string | null>;
  applied_at: ColumnType<Date, Date | string | undefined, Date | string>;
  search: Vector;
}

export interface PeopleTable {
  kind: string;
  id: string;
  customer_id: string;
}

export interface WatermarksTable {
  source: string;
  occurred_at: Stamp;
  applied_at: Stamp;
}

export interface SchemaMigrationsTable {
  id: string;
  applied_at: Stamp;
}

export interface SurveyAnswersTable {
  survey_id: string;
  ticket_id: string;
  number: string;
  customer_id: string | null;
  service_id: string | null;
  assignment_group: string | null;
  score: number;
  low: boolean;
  answered_at: Stamp;
}

export interface ReadModel {
  tickets: TicketsTable;
  ticket_comments: TicketCommentsTable;
  ticket_sla: TicketSlaTable;
  records: RecordsTable;
  people: PeopleTable;
  watermarks: WatermarksTable;
  survey_answers: SurveyAnswersTable;
  schema_migrations: SchemaMigrationsTable;
}
