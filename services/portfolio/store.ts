import { requireEnv } from '../../shared/kit/env';
import { type Item, type Key, Store } from '../../shared/kit/store';
import type { AcceptanceCriterion, Party, ServiceState, ServiceStatus } from './domain/service';

/**
 * Item layout of the portfolio table (one table, pk + sk, two GSIs):
 *
 * | item              | pk                     | sk              | gsi1pk / gsi1sk                               | gsi2pk / gsi2sk          |
 * |-------------------|------------------------|-----------------|-----------------------------------------------|--------------------------|
 * | service           | SVC#<serviceId>        | SVC             | STATUS#<status> / <name>#<serviceId>          | SERVICES / <serviceId>   |
 * | service history   | SVC#<serviceId>        | HIST#<ulid>     |                                               |                          |
 * | number -> id      | NUM#SVC-12             | NUM             |                                               |                          |
 * | catalogue entry   | CUST#<customerId>      | SVC#<serviceId> | LIVE#CUST#<customerId> / <name>#<serviceId>   |                          |
 *
 * A catalogue entry exists per (customer, service) and carries the customer-facing view; it
 * has gsi1 keys only while the service is live (a sparse index), so a customer's catalogue is
 * one query. Staff read the catalogue from `STATUS#live`. Nothing is ever scanned.
 */
export const keys = {
  service: (id: string): Key => ({ pk: `SVC#${id}`, sk: 'SVC' }),
  number: (n: string): Key => ({ pk: `NUM#${n}`, sk: 'NUM' }),
  catalogueEntry: (customerId: string, serviceId: string): Key => ({
    pk: `CUST#${customerId}`,
    sk: `SVC#${serviceId}`,
  }),
};

export const STATUS_PK = (status: ServiceStatus) => `STATUS#${status}`;
export const CUSTOMER_CATALOGUE_PK = (customerId: string) => `LIVE#CUST#${customerId}`;

export interface Service extends ServiceState {
  serviceId: string;
  number: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toService(item: Item): Service {
  return {
    serviceId: String(item.serviceId),
    number: String(item.number),
    name: String(item.name),
    description: String(item.description),
    owner: String(item.owner),
    status: item.status as ServiceStatus,
    ...(item.category ? { category: String(item.category) } : {}),
    ...(item.valueProposition ? { valueProposition: String(item.valueProposition) } : {}),
    customerIds: (item.customerIds ?? []) as string[],
    supportingCiIds: (item.supportingCiIds ?? []) as string[],
    suppliers: (item.suppliers ?? []) as Party[],
    federationMembers: (item.federationMembers ?? []) as Party[],
    acceptanceCriteria: (item.acceptanceCriteria ?? []) as AcceptanceCriterion[],
    version: Number(item.version),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
  };
}

export const indexOfStatus = (status: ServiceStatus, name: string, serviceId: string) => ({
  gsi1pk: STATUS_PK(status),
  gsi1sk: `${name.toLowerCase()}#${serviceId}`,
});

export function serviceItem(s: Omit<Service, 'version' | 'createdAt' | 'updatedAt'>): Item {
  return {
    ...keys.service(s.serviceId),
    type: 'service',
    ...s,
    ...indexOfStatus(s.status, s.name, s.serviceId),
    gsi2pk: 'SERVICES',
    gsi2sk: s.serviceId,
  };
}

/** The customer-facing catalogue view (PR2.1): no owner, CIs, suppliers, criteria or customers. */
export interface CatalogueEntry {
  serviceId: string;
  number: string;
  name: string;
  description: string;
  category?: string;
  valueProposition?: string;
}

export const catalogueView = (s: Pick<Service, keyof CatalogueEntry>): CatalogueEntry => ({
  serviceId: s.serviceId,
  number: s.number,
  name: s.name,
  description: s.description,
  ...(s.category ? { category: s.category } : {}),
  ...(s.valueProposition ? { valueProposition: s.valueProposition } : {}),
});

export const toCatalogueEntry = (item: Item): CatalogueEntry =>
  catalogueView({
    serviceId: String(item.serviceId),
    number: String(item.number),
    name: String(item.name),
    description: String(item.description),
    ...(item.category ? { category: String(item.category) } : {}),
    ...(item.valueProposition ? { valueProposition: String(item.valueProposition) } : {}),
  });

export function catalogueEntryItem(customerId: string, s: Service): Item {
  return {
    ...keys.catalogueEntry(customerId, s.serviceId),
    type: 'catalogue-entry',
    customerId,
    ...catalogueView(s),
    ...(s.status === 'live'
      ? { gsi1pk: CUSTOMER_CATALOGUE_PK(customerId), gsi1sk: `${s.name.toLowerCase()}#${s.serviceId}` }
      : {}),
  };
}

let store: Store | undefined;
/** The service's table, named by TABLE_NAME. */
export const table = () => {
  store ??= new Store(requireEnv('TABLE_NAME'));
  return store;
};
