import type { ComplaintSnapshot, CustomerSnapshot } from '../../../shared/contracts/customers/v1';
import { idx, table } from '../store';
import { snapshot as complaintSnapshot, toComplaint } from './complaints';
import { snapshot as customerSnapshot, toCustomer } from './customers';

/** What the customers service publishes for a resync (ADR 28): pages of its "all" indexes, never a scan. */
type Page<T> = { records: T[]; nextCursor?: string };

/** Every customer (gsi3 `CUSTOMERS`, by id), as its live snapshot. */
export async function readCustomers(cursor: string | undefined, limit: number): Promise<Page<CustomerSnapshot>> {
  const page = await table().page(
    { index: 'gsi3', pk: idx.allCustomers, limit, ...(cursor ? { cursor } : {}) },
    toCustomer,
  );
  return { records: page.items.map(customerSnapshot), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

/** Every complaint (gsi3 `COMPLAINTS`, oldest first), as its live snapshot. */
export async function readComplaints(cursor: string | undefined, limit: number): Promise<Page<ComplaintSnapshot>> {
  const page = await table().page(
    { index: 'gsi3', pk: idx.allComplaints, limit, ...(cursor ? { cursor } : {}) },
    toComplaint,
  );
  return { records: page.items.map(complaintSnapshot), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}
