import { requireEnv } from '../../shared/kit/env';
import { type Item, type Key, Store } from '../../shared/kit/store';
import type { CommunicationKind } from './domain/communication';
import type { ComplaintAction, ComplaintStatus } from './domain/complaint';
import type { ContactState, CustomerState, CustomerStatus } from './domain/customer';
import type { Participant, ReviewAction, ReviewStatus } from './domain/review';

/**
 * Item layout of the customers table (one table, pk + sk, three GSIs, TTL on `expiresAt`):
 *
 * | item                | pk                    | sk                 | gsi1pk / gsi1sk                                  | gsi2pk / gsi2sk                          | gsi3pk / gsi3sk     |
 * |---------------------|-----------------------|--------------------|--------------------------------------------------|------------------------------------------|---------------------|
 * | customer            | CUST#<customerId>     | CUST               | CUSTOMERS#<status> / <name>#<customerId>         | MANAGER#<accountManager> / <name>#<id>   | CUSTOMERS / <id>    |
 * | history (any)       | <record pk>           | HIST#<ulid>        |                                                  |                                          |                     |
 * | contact             | CUST#<customerId>     | CONTACT#<ulid>     | NOTICES#<customerId> / <ulid> (sparse: notices)  |                                          |                     |
 * | service review      | CUST#<customerId>     | REVIEW#<ulid>      | REVIEWS#PLANNED / <scheduledFor>#<ulid> (sparse) |                                          |                     |
 * | communication       | CUST#<customerId>     | COMM#<ulid>        |                                                  |                                          |                     |
 * | complaint           | CMP#<ulid>            | CMP                | CMP#CUST#<customerId> / <ulid>                   | CMP#STATUS#<status> / <ulid>             | COMPLAINTS / <ulid> |
 * | number -> id        | NUM#CMP-101|FUP-101   | NUM                |                                                  |                                          |                     |
 * | survey              | SURVEY#<ulid>         | SURVEY             |                                                  |                                          |                     |
 * | survey mail claim   | TICKET#<ticketId>     | SURVEY             |                                                  |                                          |                     |
 * | survey token        | TOKEN#<sha256>        | TOKEN              | (TTL `expiresAt`: expiry + 30 days grace)        |                                          |                     |
 * | result aggregate    | AGG#<dim>#<key>       | <2026> or <2026-11>|                                                  |                                          |                     |
 * | follow-up           | FUP#<ulid>            | FUP                | FUPS#OPEN#<assignee> / <ulid> (sparse: open)     | FUPS#<status> / <ulid>                   |                     |
 * | notice mail claim   | NOTICE#<noticeId>     | MAIL               |                                                  |                                          |                     |
 * | survey settings     | SETTINGS              | SURVEYS            |                                                  |                                          |                     |
 *
 * Every list is one key or index query; nothing is ever scanned.
 */
export const keys = {
  customer: (id: string): Key => ({ pk: `CUST#${id}`, sk: 'CUST' }),
  contact: (customerId: string, contactId: string): Key => ({ pk: `CUST#${customerId}`, sk: `CONTACT#${contactId}` }),
  review: (customerId: string, reviewId: string): Key => ({ pk: `CUST#${customerId}`, sk: `REVIEW#${reviewId}` }),
  communication: (customerId: string, id: string): Key => ({ pk: `CUST#${customerId}`, sk: `COMM#${id}` }),
  complaint: (id: string): Key => ({ pk: `CMP#${id}`, sk: 'CMP' }),
  number: (n: string): Key => ({ pk: `NUM#${n}`, sk: 'NUM' }),
  survey: (id: string): Key => ({ pk: `SURVEY#${id}`, sk: 'SURVEY' }),
  ticketSurvey: (ticketId: string): Key => ({ pk: `TICKET#${ticketId}`, sk: 'SURVEY' }),
  token: (hash: string): Key => ({ pk: `TOKEN#${hash}`, sk: 'TOKEN' }),
  aggregate: (dimension: string, key: string, period: string): Key => ({ pk: `AGG#${dimension}#${key}`, sk: period }),
  followUp: (id: string): Key => ({ pk: `FUP#${id}`, sk: 'FUP' }),
  settings: (): Key => ({ pk: 'SETTINGS', sk: 'SURVEYS' }),
};

export const idx = {
  customersByStatus: (status: CustomerStatus) => `CUSTOMERS#${status}`,
  customersByManager: (userId: string) => `MANAGER#${userId}`,
  allCustomers: 'CUSTOMERS',
  noticeContacts: (customerId: string) => `NOTICES#${customerId}`,
  plannedReviews: 'REVIEWS#PLANNED',
  complaintsOfCustomer: (customerId: string) => `CMP#CUST#${customerId}`,
  complaintsByStatus: (status: ComplaintStatus) => `CMP#STATUS#${status}`,
  allComplaints: 'COMPLAINTS',
  openFollowUps: (assignee: string) => `FUPS#OPEN#${assignee}`,
  followUpsByStatus: (status: string) => `FUPS#${status}`,
};

const KEY_ATTRIBUTES = new Set([
  'pk',
  'sk',
  'type',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'createdBy',
  'updatedBy',
  'expiresAt',
]);

/** A stored item without its key, index and bookkeeping attributes: the record the API shows. */
export function strip<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !KEY_ATTRIBUTES.has(k))) as T;
}

interface Stamped {
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface Customer extends CustomerState, Stamped {
  customerId: string;
}

export interface Contact extends ContactState, Stamped {
  contactId: string;
  customerId: string;
}

export interface Review extends Stamped {
  reviewId: string;
  customerId: string;
  status: ReviewStatus;
  scheduledFor: string;
  serviceIds: string[];
  participants: Participant[];
  agenda?: string;
  heldAt?: string;
  minutes?: string;
  satisfaction?: number;
  actions: ReviewAction[];
}

export interface Communication {
  communicationId: string;
  customerId: string;
  kind: CommunicationKind;
  at: string;
  subject: string;
  summary: string;
  /** Addresses the message went to (for mail). */
  to: string[];
  delivered: boolean;
  /** Why it was not delivered (no contact flagged for notices, unknown customer). */
  note?: string;
  noticeId?: string;
  agreementId?: string;
  ticketNumber?: string;
  changeNumber?: string;
  recordedBy: string;
}

export interface Complaint extends Stamped {
  complaintId: string;
  number: string;
  customerId: string;
  serviceId?: string;
  subject: string;
  description: string;
  channel: string;
  status: ComplaintStatus;
  raisedBy: { id: string; name: string };
  owner?: string;
  response?: string;
  respondedAt?: string;
  actions: ComplaintAction[];
  closedAt?: string;
  closureNote?: string;
}

export interface Survey extends Stamped {
  surveyId: string;
  ticketId: string;
  number: string;
  title: string;
  callerEmail: string;
  customerId?: string;
  serviceId?: string;
  assignmentGroup?: string;
  sentAt: string;
  /** ISO instant after which the link answers 410. */
  dueBy: string;
  answeredAt?: string;
  score?: number;
  comment?: string;
  followUpId?: string;
}

export interface FollowUp extends Stamped {
  followUpId: string;
  number: string;
  status: 'open' | 'closed';
  surveyId: string;
  ticketNumber: string;
  customerId?: string;
  serviceId?: string;
  assignmentGroup?: string;
  score: number;
  comment?: string;
  /** The customer's account manager (PR7.2); `unassigned` when the customer is unknown. */
  assignee: string;
  closedAt?: string;
  closedBy?: string;
  note?: string;
}

export const customerIndexes = (c: Pick<Customer, 'customerId' | 'name' | 'status' | 'accountManager'>) => ({
  gsi1pk: idx.customersByStatus(c.status),
  gsi1sk: `${c.name.toLowerCase()}#${c.customerId}`,
  gsi2pk: idx.customersByManager(c.accountManager),
  gsi2sk: `${c.name.toLowerCase()}#${c.customerId}`,
});

export function customerItem(c: Omit<Customer, keyof Stamped>): Item {
  return {
    ...keys.customer(c.customerId),
    type: 'customer',
    ...c,
    ...customerIndexes(c),
    gsi3pk: idx.allCustomers,
    gsi3sk: c.customerId,
  };
}

/** Contacts flagged for service-level notices are in a sparse index, so the notice consumer reads only them. */
export const contactIndexes = (customerId: string, contactId: string, notices: boolean) =>
  notices ? { gsi1pk: idx.noticeContacts(customerId), gsi1sk: contactId } : {};

let store: Store | undefined;
/** The service's table, named by TABLE_NAME. */
export const table = () => {
  store ??= new Store(requireEnv('TABLE_NAME'));
  return store;
};
