import { configurationResync } from '../../../shared/contracts/configuration/v1';
import { resyncConsumer } from '../../../shared/kit/resync';
import { readCis, readRelationships } from '../use-cases/resync';

/** Answers ResyncRequested with every CI, then every relationship (ADR 28). */
export const handler = resyncConsumer('configuration', configurationResync, {
  ci: { read: readCis },
  'ci-relationship': { read: readRelationships },
});
