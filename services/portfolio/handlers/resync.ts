import { portfolioResync } from '../../../shared/contracts/portfolio/v1';
import { resyncConsumer } from '../../../shared/kit/resync';
import { readServices } from '../use-cases/resync';

/** Answers ResyncRequested with every service of the portfolio (ADR 28). */
export const handler = resyncConsumer('portfolio', portfolioResync, { service: { read: readServices } });
