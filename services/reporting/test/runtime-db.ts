import { RDSData } from '@aws-sdk/client-rds-data';
import { Kysely, sql } from 'kysely';
import { DataApiDialect } from 'kysely-data-api';
import * as names from '../../../infra/local/names';
import type { Runtime } from '../../../infra/local/runtime';
import type { ReadModel } from '../db/schema';

/** The read model as its owner reaches it, through the runtime's Data API (for what a test must see or break). */
export function ownerDb(rt: Runtime): Kysely<ReadModel> {
  return new Kysely<ReadModel>({
    dialect: new DataApiDialect({
      mode: 'postgres',
      driver: {
        client: new RDSData({
          endpoint: rt.awsUrl,
          region: names.LOCAL_REGION,
          credentials: { accessKeyId: 'itsm-test', secretAccessKey: 'local' },
        }),
        database: 'reporting',
        resourceArn: names.clusterArn(names.clusterName('reporting')),
        secretArn: names.secretArn(names.databaseSecret('reporting', 'owner')),
      },
    }),
  });
}

/** Everything the read model holds, in a stable order, without bookkeeping columns (rebuild marks, apply times). */
export async function dump(db: Kysely<ReadModel>) {
  const rows = async (q: ReturnType<typeof sql>) => (await q.execute(db)).rows;
  return {
    tickets: await rows(sql`SELECT ticket_id, version, status, priority, category, customer_id, assignment_group,
        assignee_id, ci_ids::text AS ci_ids, sla_deadline::text AS sla_deadline, sla_breached, doc::text AS doc,
        search_staff::text AS search_staff, search_public::text AS search_public
      FROM tickets ORDER BY ticket_id`),
    comments: await rows(sql`SELECT comment_id, ticket_id, visibility, body FROM ticket_comments ORDER BY comment_id`),
    // What the clocks mean for search, not the versions they were written at: the service-level
    // service stores a ticket version that moved no clock without an event, so its resync record
    // may carry a later version than the last event did, with the same clocks.
    clocks: await rows(sql`SELECT ticket_id, sla_deadline::text AS sla_deadline, sla_warn_at::text AS sla_warn_at,
        sla_breached, agreement_id FROM ticket_sla ORDER BY ticket_id`),
    records:
      await rows(sql`SELECT kind, id, version, name, status, customer_ids::text AS customer_ids, doc::text AS doc,
        search::text AS search FROM records ORDER BY kind, id`),
  };
}
