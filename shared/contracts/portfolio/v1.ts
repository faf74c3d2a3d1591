import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { instant, LIMITS, str } from '../limits';
import { resyncContracts } from '../resync';

/** Field limits (ADR 20): at least the API's own, so every legal request makes a legal event. */
const Id = str(LIMITS.ref);
const ListId = str(LIMITS.id);
const Name = str(LIMITS.name);
const Iso = instant({ offset: true });

/**
 * Portfolio events (FitSM PR1), version 1. The portfolio service publishes them; the
 * configuration service keeps a small copy of each service (id, name, status) from them, and the
 * reporting service's read model keeps what search filters on (number, description, owner,
 * category, customers, supporting CIs, dates). Fields added after the first events are optional.
 */
export const ServiceSnapshot = z.object({
  serviceId: Id,
  name: Name,
  status: z.enum(['proposed', 'planned', 'live', 'retired']),
  /** Monotonic record version: consumers keep the highest they have seen. */
  version: z.number().check(z.int(), z.gte(1)),
  /** Readable number, `SVC-12`. */
  number: z.optional(Id),
  /** As the API takes it: at most 4,000 characters. */
  description: z.optional(str(4000)),
  /** The service owner (a user id). */
  owner: z.optional(Id),
  category: z.optional(Name),
  customerIds: z.optional(z.array(ListId).check(z.maxLength(40))),
  supportingCiIds: z.optional(z.array(ListId).check(z.maxLength(100))),
  createdAt: z.optional(Iso),
  /** When this version was written. */
  updatedAt: z.optional(Iso),
});
export type ServiceSnapshot = z.infer<typeof ServiceSnapshot>;

export const ServiceRegistered = defineEvent({
  source: 'itsm.portfolio',
  detailType: 'ServiceRegistered',
  version: 1,
  description: 'A service was added to the portfolio.',
  data: ServiceSnapshot,
});

export const ServiceUpdated = defineEvent({
  source: 'itsm.portfolio',
  detailType: 'ServiceUpdated',
  version: 1,
  description: 'A service changed name or lifecycle status.',
  data: ServiceSnapshot,
});

export const ServiceRetired = defineEvent({
  source: 'itsm.portfolio',
  detailType: 'ServiceRetired',
  version: 1,
  description: 'A service reached the end of its lifecycle.',
  data: ServiceSnapshot,
});

/**
 * Resync (ADR 28): record type `service`, each record exactly as `ServiceUpdated.data`.
 */
export const portfolioResync = resyncContracts('itsm.portfolio', { service: ServiceSnapshot });
export const { RecordsResynced, ResyncContinued } = portfolioResync;

/** The events of a service's life, for consumers that keep a copy of services. */
export const serviceEvents = [ServiceRegistered, ServiceUpdated, ServiceRetired];

export const portfolioEvents = [...serviceEvents, RecordsResynced, ResyncContinued];
