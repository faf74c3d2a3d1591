import { changesEvents } from './changes/v1';
import { configurationEvents } from './configuration/v1';
import { customersEvents } from './customers/v1';
import type { EventContract } from './envelope';
import { portfolioEvents } from './portfolio/v1';
import { releasesEvents } from './releases/v1';
import { reportingEvents } from './reporting/v1';
import { serviceDeskEvents } from './service-desk/v1';
import { serviceLevelEvents } from './service-level/v1';

/** Every published event contract of the platform, for the catalogue and the contract tests. */
export const ALL_CONTRACTS: EventContract[] = [
  ...portfolioEvents,
  ...configurationEvents,
  ...serviceLevelEvents,
  ...serviceDeskEvents,
  ...customersEvents,
  ...reportingEvents,
  ...changesEvents,
  ...releasesEvents,
];
