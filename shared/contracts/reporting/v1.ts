import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { LIMITS, str } from '../limits';

/** Field limits (ADR 20): at least the API's own, so every legal request makes a legal event. */
const Id = str(LIMITS.ref);
const ListId = str(LIMITS.id);

/**
 * Reporting events (FitSM PR3), version 1. The reporting service keeps a PostgreSQL read model of
 * every service's records from their events (ADR 25). To rebuild it without the bus archive, it
 * asks the owners for everything: each owning service answers `ResyncRequested` by publishing its
 * records, page by page, as its own `RecordsResynced` events (same record shapes as its live
 * events), ending each record type with a page marked `last`.
 */
export const ResyncRequested = defineEvent({
  source: 'itsm.reporting',
  detailType: 'ResyncRequested',
  version: 1,
  description:
    'The read model is being rebuilt: every owning service (or those listed) publishes all its records as RecordsResynced pages.',
  data: z.object({
    requestId: Id,
    /** Owning services asked (`service-desk`, `configuration`, ...); all when absent. */
    services: z.optional(z.array(ListId).check(z.maxLength(20))),
  }),
});

export const reportingEvents = [ResyncRequested];
