import { RESYNC_PAGE_MAX_BYTES } from '../contracts/resync';
import type { FunctionSpec, SubscriptionSpec } from './definition';

/**
 * What an owning service adds to its definition to answer `ResyncRequested` (ADR 28): a function
 * whose handler is `resyncConsumer` (`./resync.ts`), and the two rules that invoke it.
 */

/**
 * The resync function. Its settings: `RESYNC_PAGE_BYTES`, the most bytes of records in one
 * `RecordsResynced` page (at most `RESYNC_PAGE_MAX_BYTES`); `RESYNC_BATCH_SIZE`, the items each query reads (1-1,000);
 * `RESYNC_WORK_SECONDS`, how long one
 * invocation works before it hands its cursor on (it also stops when 20 s of its timeout remain).
 * Tests lower them to see paging and continuations on a handful of records.
 */
export const resyncFunction = (
  entry: string,
  o: { pageBytes?: number; batchSize?: number; workSeconds?: number } = {},
): FunctionSpec => ({
  entry,
  description: 'Answers ResyncRequested: publishes every record the service owns as RecordsResynced pages.',
  timeoutSeconds: 300,
  access: { table: 'read', publish: true },
  environment: {
    RESYNC_PAGE_BYTES: String(o.pageBytes ?? RESYNC_PAGE_MAX_BYTES),
    RESYNC_BATCH_SIZE: String(o.batchSize ?? 100),
    RESYNC_WORK_SECONDS: String(o.workSeconds ?? 900),
  },
});

/** The rules: the reporting service's request, and the service's own continuation. */
export const resyncSubscriptions = (service: string, fn = 'resync'): SubscriptionSpec[] => [
  {
    id: 'resync-requested',
    description: 'The read model is being rebuilt: publish every record.',
    pattern: { source: ['itsm.reporting'], 'detail-type': ['ResyncRequested'] },
    function: fn,
  },
  {
    id: 'resync-continued',
    description: 'A resync that ran out of time goes on from its cursor.',
    pattern: { source: [`itsm.${service}`], 'detail-type': ['ResyncContinued'] },
    function: fn,
  },
];
