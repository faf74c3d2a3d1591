import type * as z from 'zod/mini';
import { CustomerRegistered, type CustomerSnapshot, CustomerUpdated } from '../../../shared/contracts/customers/v1';
import type { Principal } from '../../../shared/kit/auth';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import type { HistoryEntry, Page, Write } from '../../../shared/kit/store';
import { assertCanManage, assertCanSee, isCustomerBound } from '../access';
import {
  CUSTOMER_FIELDS,
  type CustomerState,
  type CustomerStatus,
  customerView,
  diff,
  duplicateServices,
} from '../domain/customer';
import type { CreateCustomerBody, UpdateCustomerBody } from '../schemas';
import { type Customer, customerIndexes, customerItem, idx, keys, strip, table } from '../store';

/** Customers: register, read, change, history (FitSM PR7.1 identified, PR7.2 named manager, PR7.3 channels). */
export const snapshot = (c: Customer): CustomerSnapshot => ({
  customerId: c.customerId,
  name: c.name,
  status: c.status,
  serviceIds: c.services.map((s) => s.serviceId),
  version: c.version,
  accountManager: c.accountManager,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export const toCustomer = (item: Record<string, unknown>): Customer => {
  const c = strip<Customer>(item);
  return { ...c, services: c.services ?? [], channels: c.channels ?? {} };
};

/** What the caller may see of a customer: customer users never see internal notes. */
export const viewFor = (p: Principal, c: Customer) => (isCustomerBound(p) ? customerView(c) : c);

export async function registerCustomer(
  ctx: OperationContext,
  input: z.infer<typeof CreateCustomerBody>,
): Promise<Customer> {
  const dupes = duplicateServices(input.services, 'body.services');
  if (dupes.length) throw new ValidationError('The request is not valid.', dupes);
  const state: CustomerState = {
    name: input.name,
    status: input.status,
    accountManager: input.accountManager,
    services: input.services,
    channels: input.channels,
    ...(input.notes ? { notes: input.notes } : {}),
  };
  const now = new Date().toISOString();
  const customer: Customer = { customerId: input.customerId, ...state, version: 1, createdAt: now, updatedAt: now };
  try {
    await table().commit(ctx, {
      writes: [{ kind: 'create', item: customerItem({ customerId: input.customerId, ...state }) }],
      history: [
        {
          pk: keys.customer(input.customerId).pk,
          entityType: 'customer',
          entityId: input.customerId,
          action: 'registered',
          changes: Object.fromEntries(Object.entries(state).map(([k, v]) => [k, { to: v }])),
        },
      ],
      events: [buildEvent(CustomerRegistered, snapshot(customer), ctx)],
      // Written at the snapshot's instant, so the record read back (a resync) equals its event.
      at: now,
    });
  } catch (err) {
    if (err instanceof ConflictError && err.code === 'already-exists') {
      throw new ConflictError(`A customer with id ${input.customerId} already exists.`, 'customer-exists');
    }
    throw err;
  }
  return customer;
}

export async function loadCustomer(customerId: string, consistent = false): Promise<Customer> {
  const item = await table().get(keys.customer(customerId), consistent);
  if (!item) throw new NotFoundError(`Customer ${customerId} was not found.`, 'customer-not-found');
  return toCustomer(item);
}

/** A customer as the caller may see it; customer users get 404 for any organisation but theirs. */
export async function getCustomer(p: Principal, customerId: string) {
  assertCanSee(p, customerId);
  return viewFor(p, await loadCustomer(customerId));
}

/** Load a customer the caller may change (consistent read, record-level rule). */
export async function loadForChange(p: Principal, customerId: string): Promise<Customer> {
  const c = await loadCustomer(customerId, true);
  assertCanManage(p, c);
  return c;
}

export async function updateCustomer(
  ctx: OperationContext,
  p: Principal,
  customerId: string,
  version: number,
  input: z.infer<typeof UpdateCustomerBody>,
): Promise<Customer> {
  const before = await loadForChange(p, customerId);
  if (before.version !== version) {
    throw new ConflictError(`Customer ${customerId} is at version ${before.version}, not ${version}. Read it again.`);
  }
  if (input.services) {
    const dupes = duplicateServices(input.services, 'body.services');
    if (dupes.length) throw new ValidationError('The request is not valid.', dupes);
  }
  const notes = input.notes === null ? undefined : (input.notes ?? before.notes);
  const after: CustomerState = {
    name: input.name ?? before.name,
    status: input.status ?? before.status,
    accountManager: input.accountManager ?? before.accountManager,
    services: input.services ?? before.services,
    channels: input.channels ?? before.channels,
    ...(notes ? { notes } : {}),
  };
  const changes = diff<CustomerState>(before, after, CUSTOMER_FIELDS);
  if (Object.keys(changes).length === 0) return before;
  const set: Record<string, unknown> = { ...customerIndexes({ customerId, ...after }) };
  const remove: string[] = [];
  for (const f of Object.keys(changes) as (keyof CustomerState)[]) {
    if (after[f] === undefined) remove.push(f);
    else set[f] = after[f];
  }
  const updated: Customer = { ...before, ...after, version: before.version + 1, updatedAt: new Date().toISOString() };
  if (!notes) delete updated.notes;
  const action = changes.status ? `made ${after.status}` : 'updated';
  await table().commit(ctx, {
    writes: [{ kind: 'update', key: keys.customer(customerId), set, remove, expectVersion: before.version }],
    history: [
      {
        pk: keys.customer(customerId).pk,
        entityType: 'customer',
        entityId: customerId,
        action,
        changes,
        ...(input.reason ? { reason: input.reason } : {}),
      },
    ],
    events: [buildEvent(CustomerUpdated, snapshot(updated), ctx)],
    at: updated.updatedAt,
  });
  return updated;
}

/**
 * Customers by id (gsi3), by status or account manager (by name: gsi1, gsi2). Customer users
 * get their own organisation only: one read, no query.
 */
export async function listCustomers(
  p: Principal,
  q: { limit: number; cursor?: string; status?: CustomerStatus; accountManager?: string },
): Promise<Page<unknown>> {
  if (isCustomerBound(p)) {
    if (!p.customerId || q.cursor) return { items: [] };
    const own = await table().get(keys.customer(p.customerId));
    return { items: own ? [customerView(toCustomer(own))] : [] };
  }
  const paging = { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) };
  if (q.status && q.accountManager) {
    throw new ValidationError('Filter by status or by account manager, not both.', [
      { field: 'query.accountManager', message: 'cannot be combined with status' },
    ]);
  }
  if (q.status) return table().page({ index: 'gsi1', pk: idx.customersByStatus(q.status), ...paging }, toCustomer);
  if (q.accountManager) {
    return table().page({ index: 'gsi2', pk: idx.customersByManager(q.accountManager), ...paging }, toCustomer);
  }
  return table().page({ index: 'gsi3', pk: idx.allCustomers, ...paging }, toCustomer);
}

export async function customerHistory(customerId: string, q: { limit: number; cursor?: string }) {
  await loadCustomer(customerId);
  return table().history(keys.customer(customerId).pk, q);
}

/** A history entry for a change to something kept under the customer (contact, review, communication). */
export const customerHistoryEntry = (
  customerId: string,
  entityType: string,
  entityId: string,
  action: string,
  changes?: HistoryEntry['changes'],
  reason?: string,
): HistoryEntry => ({
  pk: keys.customer(customerId).pk,
  entityType,
  entityId,
  action,
  ...(changes ? { changes } : {}),
  ...(reason ? { reason } : {}),
});

/** A check that the customer still exists, so a child record never outlives a race with nothing. */
export const customerExists = (customerId: string): Write => ({
  kind: 'check',
  key: keys.customer(customerId),
  exists: true,
});
