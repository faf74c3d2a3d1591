/**
 * The read model's schema (ADR 25), applied in order by the `migrate` deploy hook, each migration
 * in one transaction and recorded in `schema_migrations`, so running them again does nothing.
 * Each entry is a list of single statements: the Data API runs one statement per call.
 * Never edit a released migration; add the next one.
 *
 * Text search uses the `english` configuration (stemming: "checkouts" finds "checkout"); ticket
 * numbers and ids are matched by the pickers' prefix indexes instead.
 */
export interface Migration {
  id: string;
  statements: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    id: '0001-read-model',
    statements: [
      // Tickets: one row per ticket, the latest snapshot (by version) plus what search filters on.
      `CREATE TABLE tickets (
        ticket_id text PRIMARY KEY,
        number text NOT NULL,
        type text NOT NULL,
        version integer NOT NULL,
        title text NOT NULL,
        description text,
        status text NOT NULL,
        priority text NOT NULL,
        priority_rank smallint NOT NULL,
        category text,
        caller_id text NOT NULL,
        customer_id text,
        service_id text,
        assignment_group text,
        assignee_id text,
        major boolean NOT NULL,
        ci_ids text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        resolved_at timestamptz,
        closed_at timestamptz,
        reopen_count integer NOT NULL DEFAULT 0,
        first_responded_at timestamptz,
        sla_deadline timestamptz NOT NULL DEFAULT 'infinity',
        sla_warn_at timestamptz NOT NULL DEFAULT 'infinity',
        sla_breached boolean NOT NULL DEFAULT false,
        agreement_id text,
        doc jsonb NOT NULL,
        synced_by text,
        applied_at timestamptz NOT NULL DEFAULT now(),
        text_tsv tsvector NOT NULL,
        public_comments_tsv tsvector NOT NULL DEFAULT ''::tsvector,
        internal_comments_tsv tsvector NOT NULL DEFAULT ''::tsvector,
        search_public tsvector GENERATED ALWAYS AS (text_tsv || public_comments_tsv) STORED,
        search_staff tsvector GENERATED ALWAYS AS (text_tsv || public_comments_tsv || internal_comments_tsv) STORED
      )`,
      'CREATE INDEX tickets_updated ON tickets (updated_at, ticket_id)',
      'CREATE INDEX tickets_created ON tickets (created_at, ticket_id)',
      'CREATE INDEX tickets_priority ON tickets (priority_rank, created_at, ticket_id)',
      'CREATE INDEX tickets_deadline ON tickets (sla_deadline, ticket_id)',
      'CREATE INDEX tickets_status ON tickets (status, updated_at)',
      'CREATE INDEX tickets_group ON tickets (assignment_group, status, updated_at)',
      'CREATE INDEX tickets_assignee ON tickets (assignee_id, updated_at)',
      'CREATE INDEX tickets_caller ON tickets (caller_id, updated_at)',
      'CREATE INDEX tickets_customer ON tickets (customer_id, updated_at)',
      'CREATE INDEX tickets_service ON tickets (service_id, updated_at)',
      'CREATE INDEX tickets_resolved ON tickets (resolved_at)',
      'CREATE INDEX tickets_category ON tickets (category text_pattern_ops)',
      'CREATE INDEX tickets_cis ON tickets USING gin (ci_ids)',
      'CREATE INDEX tickets_search_public ON tickets USING gin (search_public)',
      'CREATE INDEX tickets_search_staff ON tickets USING gin (search_staff)',
      // Typeahead: ticket numbers by prefix (INC-10...) and title words by prefix.
      'CREATE INDEX tickets_number_prefix ON tickets (lower(number) text_pattern_ops)',
      `CREATE INDEX tickets_title_words ON tickets USING gin (to_tsvector('simple', title))`,
      // A rebuild (ADR 25) marks what the owners' resync pages held and removes the rest.
      // Comments, kept so a ticket row (re)computes its comment text whatever arrives first.
      `CREATE TABLE ticket_comments (
        comment_id text PRIMARY KEY,
        ticket_id text NOT NULL,
        visibility text NOT NULL,
        author_id text,
        created_at timestamptz NOT NULL,
        body text NOT NULL,
        doc jsonb NOT NULL,
        synced_by text,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
      'CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, created_at)',
      // SLA clocks per ticket, from the service-level service (kept apart: they may come first).
      `CREATE TABLE ticket_sla (
        ticket_id text PRIMARY KEY,
        ticket_version integer NOT NULL,
        clocks_version integer NOT NULL,
        sla_deadline timestamptz NOT NULL,
        sla_warn_at timestamptz NOT NULL,
        sla_breached boolean NOT NULL,
        agreement_id text,
        doc jsonb NOT NULL,
        synced_by text,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
      // Every other record type (CIs, services, agreements, customers, complaints): the snapshot
      // as published, with the columns every kind shares; kind-specific filters use the jsonb
      // containment index.
      `CREATE TABLE records (
        kind text NOT NULL,
        id text NOT NULL,
        version integer NOT NULL,
        number text,
        name text NOT NULL,
        status text,
        customer_ids text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz,
        doc jsonb NOT NULL,
        search tsvector NOT NULL,
        synced_by text,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, id)
      )`,
      'CREATE INDEX records_doc ON records USING gin (doc jsonb_path_ops)',
      'CREATE INDEX records_search ON records USING gin (search)',
      'CREATE INDEX records_name_prefix ON records (kind, lower(name) text_pattern_ops)',
      'CREATE INDEX records_number_prefix ON records (kind, lower(number) text_pattern_ops)',
      'CREATE INDEX records_name_order ON records (kind, name, id)',
      'CREATE INDEX records_customers ON records USING gin (customer_ids)',
      // People and groups seen in tickets, for pickers; `customer_id` '' is the staff-wide entry.
      `CREATE TABLE people (
        kind text NOT NULL,
        id text NOT NULL,
        customer_id text NOT NULL,
        PRIMARY KEY (kind, customer_id, id)
      )`,
      'CREATE INDEX people_prefix ON people (kind, customer_id, lower(id) text_pattern_ops)',
      // The newest change applied per source, for `asOf`.
      `CREATE TABLE watermarks (
        source text PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        applied_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    // Satisfaction for reports and KPIs (FitSM PR3, GR6.1): survey answers from the customers
    // service's SurveyAnswered events, one row per survey (a replayed event changes nothing).
    id: '0002-survey-answers',
    statements: [
      `CREATE TABLE survey_answers (
        survey_id text PRIMARY KEY,
        ticket_id text NOT NULL,
        number text NOT NULL,
        customer_id text,
        service_id text,
        assignment_group text,
        score smallint NOT NULL,
        low boolean NOT NULL,
        answered_at timestamptz NOT NULL
      )`,
      'CREATE INDEX survey_answers_answered ON survey_answers (answered_at)',
    ],
  },
];

/** Grants the read-only user gets: it reads the read model and nothing else. */
export function readerGrants(reader: string): string[] {
  // The name is a checked identifier from the service definition (never input), quoted anyway.
  const role = `"${reader.replace(/"/g, '')}"`;
  return [
    `GRANT USAGE ON SCHEMA public TO ${role}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${role}`,
  ];
}
