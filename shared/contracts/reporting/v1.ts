import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { instant, LIMITS, str } from '../limits';

/** Field limits (ADR 20): at least the API's own, so every legal request makes a legal event. */
const Id = str(LIMITS.ref);
const ListId = str(LIMITS.id);
const Iso = instant({ offset: true });
const Name = str(LIMITS.name);

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

const ReportRef = {
  reportId: Id,
  /** Readable number, `RPT-1`. */
  number: Id,
  title: Name,
  ownerId: Id,
};

/**
 * FitSM PR3.3: a report that was not produced within its window (an hour after its scheduled
 * time), because the schedule did not run or its production kept failing. Raised once per
 * scheduled run; a late run that then succeeds says so in its run record.
 */
export const ReportDelayed = defineEvent({
  source: 'itsm.reporting',
  detailType: 'ReportDelayed',
  version: 1,
  description: 'A scheduled report was not produced within its window (produced late, or still failing).',
  data: z.object({
    ...ReportRef,
    scheduledFor: Iso,
    /** The end of the window it missed. */
    windowEnd: Iso,
    /** `missed`: produced after the window; `failing`: production failed until the window closed. */
    reason: z.enum(['missed', 'failing']),
  }),
});

/** FitSM PR3.3: producing or delivering a report failed (the run is recorded as failed). */
export const ReportFailed = defineEvent({
  source: 'itsm.reporting',
  detailType: 'ReportFailed',
  version: 1,
  description: 'Producing or delivering a report failed; it is retried within its window.',
  data: z.object({
    ...ReportRef,
    runId: Id,
    scheduledFor: z.optional(Iso),
    error: str(LIMITS.text),
    /** When the next attempt is due, if any is left within the window. */
    retryAt: z.optional(Iso),
  }),
});

/** FitSM GR6.1: a KPI's value for a period missed its target. */
export const KpiTargetMissed = defineEvent({
  source: 'itsm.reporting',
  detailType: 'KpiTargetMissed',
  version: 1,
  description: "A KPI's value for a period missed its target.",
  data: z.object({
    kpiId: Id,
    name: Name,
    period: z.object({ from: Iso, to: Iso, label: Id }),
    value: z.number(),
    target: z.number(),
    direction: z.enum(['at-least', 'at-most']),
    unit: Id,
    ownerId: Id,
  }),
});

export const reportingEvents = [ResyncRequested, ReportDelayed, ReportFailed, KpiTargetMissed];
