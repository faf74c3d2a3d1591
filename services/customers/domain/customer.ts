/** Customers, their contacts and the services they use (FitSM PR7.1-PR7.3). Pure: no I/O. */
import { sameJson as sameValue } from '../../../shared/kit/json';

export { sameValue };

export const CUSTOMER_STATUSES = ['active', 'inactive'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

/**
 * Customer ids are slugs chosen at registration (`acme`, `uni-lab`): the same id the JWT claim
 * `custom:customer` carries and portfolio services list in `customerIds`, so no mapping is needed.
 */
export const CUSTOMER_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const isCustomerId = (s: string) => CUSTOMER_ID.test(s) && !s.includes('--');

/** A portfolio service the customer uses (PR7.1), by its portfolio id or number (`SVC-12`). */
export interface ServiceUse {
  serviceId: string;
  /** Date (YYYY-MM-DD) from which the customer uses it. */
  since: string;
  notes?: string;
}

/** Communication channels agreed with the customer (PR7.3): ordering, escalation, complaints. */
export interface Channels {
  portal?: boolean;
  email?: string;
  phone?: string;
  escalation?: string;
  complaints?: string;
}

/** The managed state of a customer record. `notes` are internal: never shown to customer users. */
export interface CustomerState {
  name: string;
  status: CustomerStatus;
  /** User id of the customer relationship manager (PR7.2, case-owner role). */
  accountManager: string;
  services: ServiceUse[];
  channels: Channels;
  notes?: string;
}

export const CUSTOMER_FIELDS = ['name', 'status', 'accountManager', 'services', 'channels', 'notes'] as const;

export type Changes = Record<string, { from?: unknown; to?: unknown }>;

/** What changed between two states, field by field, for the audit trail (GR2.3). */
export function diff<T extends object>(before: T, after: T, fields: readonly (keyof T & string)[]): Changes {
  const changes: Changes = {};
  for (const f of fields) {
    if (!sameValue(before[f], after[f])) changes[f] = { from: before[f], to: after[f] };
  }
  return changes;
}

export interface Problem {
  field: string;
  message: string;
}

/** A service may be listed once per customer. */
export function duplicateServices(services: readonly ServiceUse[], prefix: string): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  services.forEach((s, i) => {
    if (seen.has(s.serviceId)) {
      problems.push({ field: `${prefix}.${i}.serviceId`, message: `lists service ${s.serviceId} twice` });
    }
    seen.add(s.serviceId);
  });
  return problems;
}

export const CONTACT_ROLES = ['primary', 'technical', 'billing', 'escalation', 'other'] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

/** A person at the customer (PR7.1, PR7.3). */
export interface ContactState {
  name: string;
  email: string;
  phone?: string;
  role: ContactRole;
  /** Receives SLA violation notices and other service-level communication (PR2.3). */
  receivesServiceLevelNotices: boolean;
  /** The person uses the self-service portal as a customer user. */
  portalUser: boolean;
}

export const CONTACT_FIELDS = ['name', 'email', 'phone', 'role', 'receivesServiceLevelNotices', 'portalUser'] as const;

/** What a customer user may see of their own organisation: no internal notes. */
export function customerView<T extends { notes?: string }>(c: T): Omit<T, 'notes'> {
  const { notes: _notes, ...rest } = c;
  return rest;
}
