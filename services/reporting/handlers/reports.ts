import { now } from '../../../shared/kit/clock';
import { systemContext } from '../../../shared/kit/context';
import { queryStore } from '../../../shared/kit/database';
import { functionHandler } from '../../../shared/kit/handlers';
import { logger } from '../../../shared/kit/logger';
import type { ReadModel } from '../db/schema';
import { runDue } from '../use-cases/due';
import { ensureBuiltInKpis } from '../use-cases/kpis';

/**
 * The every-minute report and KPI schedule (FitSM PR3.3, GR6.1), also the deploy hook that seeds
 * the built-in KPIs. It ignores its input and acts as of the clock (`shared/kit/clock.ts`): tests
 * move time through the local runtime. The query store is opened only when something is due.
 */
const db = () => queryStore<ReadModel>({ resumeBudgetMs: 45_000 });

const run = async () => {
  const at = now();
  const seeded = await ensureBuiltInKpis(systemContext('kpi-seed'), at);
  const result = await runDue(db, at);
  if (seeded > 0 || result.reports > 0 || result.kpis > 0) logger.info('reports schedule ran', { seeded, ...result });
  return { seeded, ...result };
};

export const handler = functionHandler(run);
