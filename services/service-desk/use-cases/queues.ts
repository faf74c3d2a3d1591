import { isCustomerBound, type Principal } from '../../../shared/kit/auth';
import { ValidationError } from '../../../shared/kit/errors';
import type { PageRequest } from '../../../shared/kit/paging';
import { customerSummaryOf, QUEUE, summaryOf, table } from '../store';

/**
 * Work queues. Each is one Query on a sparse GSI (the ticket carries the index keys only while
 * it belongs in the queue), so a page reads exactly its own items however large the table grows.
 * Pages are built from the index entry alone (its projection, see projections.ts): no item reads.
 */

/** The caller's own open tickets, most urgent first, oldest first within a priority. */
export const myQueue = (p: Principal, q: PageRequest) =>
  table().page({ index: 'gsi1', pk: QUEUE.agent(p.id), ...q }, summaryOf);

/** A group's open tickets, by priority then age. */
export const groupQueue = (group: string, q: PageRequest) =>
  table().page({ index: 'gsi2', pk: QUEUE.group(group), ...q }, summaryOf);

/** Open tickets by nearest SLA deadline (deadlines come from SlaClocksChanged). */
export const breachingSoon = (q: PageRequest) => table().page({ index: 'gsi3', pk: QUEUE.deadlines, ...q }, summaryOf);

/** An organisation's tickets, newest first: customer users their own organisation, staff any (?customerId). */
export function customerQueue(p: Principal, customerId: string | undefined, q: PageRequest) {
  if (isCustomerBound(p)) {
    if (!p.customerId) return Promise.resolve({ items: [] });
    return table().page({ index: 'gsi4', pk: QUEUE.customer(p.customerId), descending: true, ...q }, customerSummaryOf);
  }
  if (!customerId)
    throw new ValidationError('Name the customer organisation.', [
      { field: 'query.customerId', message: 'is required' },
    ]);
  return table().page({ index: 'gsi4', pk: QUEUE.customer(customerId), descending: true, ...q }, summaryOf);
}
