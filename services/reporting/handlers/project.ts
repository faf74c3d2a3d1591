import { configurationEvents } from '../../../shared/contracts/configuration/v1';
import { customersEvents } from '../../../shared/contracts/customers/v1';
import { portfolioEvents } from '../../../shared/contracts/portfolio/v1';
import { serviceDeskEvents } from '../../../shared/contracts/service-desk/v1';
import { serviceLevelEvents } from '../../../shared/contracts/service-level/v1';
import { queryStore } from '../../../shared/kit/database';
import { eventConsumer } from '../../../shared/kit/handlers';
import type { ReadModel } from '../db/schema';
import { projectEvent } from '../use-cases/apply-event';

/** Keeps the read model current: every record event is applied by version (ADR 25). */
const db = () => queryStore<ReadModel>({ resumeBudgetMs: 45_000 });
const byVersion = { idempotency: 'by-version' as const, handle: projectEvent(db) };
const contracts = [
  ...serviceDeskEvents,
  ...serviceLevelEvents,
  ...configurationEvents,
  ...portfolioEvents,
  ...customersEvents,
];
export const handler = eventConsumer(
  'reporting',
  contracts,
  Object.fromEntries(contracts.map((c) => [c.detailType, byVersion])),
);
