import { isCustomerBound, type Principal } from '../../../shared/kit/auth';
import type { Page } from '../../../shared/kit/store';
import {
  type CatalogueEntry,
  CUSTOMER_CATALOGUE_PK,
  catalogueView,
  STATUS_PK,
  table,
  toCatalogueEntry,
  toService,
} from '../store';

/**
 * The service catalogue (FitSM PR2.1): live services only, in the customer-facing view.
 * Customer users get the live services offered to their organisation; staff get every live
 * service. Both are one query on gsi1 (by status, or by customer while live), never a scan.
 */
export async function catalogue(p: Principal, q: { limit: number; cursor?: string }): Promise<Page<CatalogueEntry>> {
  const paging = { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) };
  if (isCustomerBound(p)) {
    if (!p.customerId) return { items: [] };
    return table().page({ index: 'gsi1', pk: CUSTOMER_CATALOGUE_PK(p.customerId), ...paging }, toCatalogueEntry);
  }
  return table().page({ index: 'gsi1', pk: STATUS_PK('live'), ...paging }, (i) => catalogueView(toService(i)));
}
