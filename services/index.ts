import type { ServiceDefinition } from '../shared/kit/definition';
import { changes } from './changes/service';
import { configuration } from './configuration/service';
import { customers } from './customers/service';
import { portfolio } from './portfolio/service';
import { releases } from './releases/service';
import { reporting } from './reporting/service';
import { serviceDesk } from './service-desk/service';
import { serviceLevel } from './service-level/service';

/** Every service of the platform, in deployment order. Both interpreters start from this list. */
export const SERVICES: ServiceDefinition[] = [
  portfolio,
  configuration,
  serviceLevel,
  serviceDesk,
  customers,
  reporting,
  changes,
  releases,
];
