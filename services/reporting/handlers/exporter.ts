import { systemContext } from '../../../shared/kit/context';
import { queryStore } from '../../../shared/kit/database';
import { functionHandler } from '../../../shared/kit/handlers';
import type { ReadModel } from '../db/schema';
import { runExport } from '../use-cases/exports';

/** The table's stream hands over each new export item (filtered to exports); the job runs to its end. */
interface StreamBatch {
  Records: { dynamodb?: { Keys?: { pk?: { S?: string } } } }[];
}

export const handler = functionHandler(async (event: StreamBatch) => {
  for (const record of event.Records ?? []) {
    const pk = record.dynamodb?.Keys?.pk?.S ?? '';
    if (!pk.startsWith('EXPORT#')) continue;
    await runExport(
      queryStore<ReadModel>({ resumeBudgetMs: 60_000 }),
      systemContext('reporting-exporter'),
      pk.slice(7),
    );
  }
});
