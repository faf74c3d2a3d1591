import type { ServiceSnapshot } from '../../../shared/contracts/portfolio/v1';
import { table, toService } from '../store';
import { snapshot } from './services';

/**
 * Every service, a page at a time, as its live snapshot: one query on `gsi2` (`SERVICES`, every
 * service in creation order), never a scan.
 */
export async function readServices(
  cursor: string | undefined,
  limit: number,
): Promise<{ records: ServiceSnapshot[]; nextCursor?: string }> {
  const page = await table().page({ index: 'gsi2', pk: 'SERVICES', limit, ...(cursor ? { cursor } : {}) }, toService);
  return { records: page.items.map(snapshot), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}
