import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { LIMITS, str } from '../limits';

/** Field limits (ADR 20): at least the API's own, so every legal request makes a legal event. */
const Id = str(LIMITS.ref);
const Name = str(LIMITS.name);

/**
 * Portfolio events (FitSM PR1), version 1. The portfolio service publishes them; the
 * configuration service keeps a small copy of each service (id, name, status) from them.
 */
const ServiceSnapshot = z.object({
  serviceId: Id,
  name: Name,
  status: z.enum(['proposed', 'planned', 'live', 'retired']),
  /** Monotonic record version: consumers keep the highest they have seen. */
  version: z.number().check(z.int(), z.gte(1)),
});

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

export const portfolioEvents = [ServiceRegistered, ServiceUpdated, ServiceRetired];
