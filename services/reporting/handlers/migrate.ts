import { queryStore } from '../../../shared/kit/database';
import { functionHandler } from '../../../shared/kit/handlers';
import type { ReadModel } from '../db/schema';
import { migrate } from '../use-cases/migrate';

/** The deploy hook: the schema up to date before the new code serves (a failure fails the deploy). */
// A deploy may find the cluster paused: allow it the whole resume.
export const handler = functionHandler(async () => migrate(queryStore<ReadModel>({ resumeBudgetMs: 120_000 })));
