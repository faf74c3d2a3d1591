import type { ServiceDefinition } from '../shared/kit/definition';
import { configuration } from './configuration/service';
import { portfolio } from './portfolio/service';
import { serviceLevel } from './service-level/service';

/** Every service of the platform, in deployment order. Both interpreters start from this list. */
export const SERVICES: ServiceDefinition[] = [portfolio, configuration, serviceLevel];
