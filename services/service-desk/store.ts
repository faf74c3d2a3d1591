import type { TicketSnapshot } from '../../shared/contracts/service-desk/v1';
import type { ClockSummary } from '../../shared/contracts/service-level/v1';
import { requireEnv } from '../../shared/kit/env';
import { type Item, type Key, Store } from '../../shared/kit/store';
import { isOpenWork, type TicketStatus, type TicketType } from './domain/ticket';

/**
 * Item layout of the service-desk table (one table, pk + sk, five GSIs). Queue indexes are
 * sparse: a ticket carries their keys only while it belongs in the queue, so closed tickets
 * leave the open-work queues and no queue read grows with the table.
 *
 * Indexes project only what their readers return (`projections.ts`): gsi1-gsi3 the queue line
 * (`TICKET_SUMMARY_ATTRS`, read by `summaryOf`; gsi1 also the public comment fields), gsi4 the
 * queue line plus the customer's (`customerSummaryOf`), gsi5 keys only (auto-close reads each
 * due ticket). Every ticket change rewrites the entries it has (`version` is projected) but at
 * ~1 WCU each; storing SLA clocks writes none unless the deadline moves (clocks are not projected).
 *
 * | item               | pk                 | sk                | index keys                                                            |
 * |--------------------|--------------------|-------------------|-----------------------------------------------------------------------|
 * | ticket             | TICKET#<id>        | TICKET            | gsi1 AGENT#<assignee> / <rank>#<createdAt>#<id>   (open work, assigned) |
 * |                    |                    |                   | gsi2 GROUP#<group> / <rank>#<createdAt>#<id>      (open work)           |
 * |                    |                    |                   | gsi3 DEADLINES / <slaDeadline>#<id>               (open work, deadline) |
 * |                    |                    |                   | gsi4 CUST#<customerId> / <createdAt>#<id>         (has a customer)      |
 * |                    |                    |                   | gsi5 AUTOCLOSE / <autoCloseAt>#<id>               (resolved, closable)  |
 * | ticket history     | TICKET#<id>        | HIST#<ulid>       |                                                                       |
 * | comment            | TICKET#<id>        | COMMENT#<ulid>    | gsi1 PUBLIC#<id> / <ulid>                         (public only)         |
 * | public note ref    | TICKET#<id>        | NOTE#<version>    | (the public comment a ticket version announced; for notifications)    |
 * | work log entry     | TICKET#<id>        | WORK#<ulid>       |                                                                       |
 * | attachment         | TICKET#<id>        | ATTACH#<ulid>     | gsi1 PUBATT#<id> / <ulid>                         (public only)         |
 * | requested upload   | TICKET#<id>        | UPLOAD#<ulid>     | gsi5 UPLOADS / <deadline>#<ulid>                  (until completed)     |
 * | fulfilment task    | TICKET#<id>        | TASK#<nn>         |                                                                       |
 * | child link         | TICKET#<parent>    | CHILD#<childId>   |                                                                       |
 * | change link        | TICKET#<id>        | CHANGE#<changeId> | (a change raised from the ticket: copy kept by the change's version)  |
 * | notification sent  | TICKET#<id>        | MAIL#<ulid>       |                                                                       |
 * | number -> id       | NUM#INC-1001       | NUM               |                                                                       |
 * | desk settings      | CONFIG             | SETTINGS          |                                                                       |
 * | support group      | GROUP              | <group>           |                                                                       |
 * | request model      | MODEL              | <modelId>         | (listed from its partition; older items may carry gsi2 MODELS keys)   |
 */
export const keys = {
  ticket: (id: string): Key => ({ pk: `TICKET#${id}`, sk: 'TICKET' }),
  number: (n: string): Key => ({ pk: `NUM#${n}`, sk: 'NUM' }),
  comment: (ticketId: string, commentId: string): Key => ({ pk: `TICKET#${ticketId}`, sk: `COMMENT#${commentId}` }),
  note: (ticketId: string, version: number): Key => ({ pk: `TICKET#${ticketId}`, sk: `NOTE#${version}` }),
  work: (ticketId: string, id: string): Key => ({ pk: `TICKET#${ticketId}`, sk: `WORK#${id}` }),
  attachment: (ticketId: string, id: string): Key => ({ pk: `TICKET#${ticketId}`, sk: `ATTACH#${id}` }),
  upload: (ticketId: string, id: string): Key => ({ pk: `TICKET#${ticketId}`, sk: `UPLOAD#${id}` }),
  task: (ticketId: string, taskId: string): Key => ({ pk: `TICKET#${ticketId}`, sk: `TASK#${taskId}` }),
  child: (parentId: string, childId: string): Key => ({ pk: `TICKET#${parentId}`, sk: `CHILD#${childId}` }),
  changeLink: (ticketId: string, changeId: string): Key => ({ pk: `TICKET#${ticketId}`, sk: `CHANGE#${changeId}` }),
  mail: (ticketId: string, id: string): Key => ({ pk: `TICKET#${ticketId}`, sk: `MAIL#${id}` }),
  settings: (): Key => ({ pk: 'CONFIG', sk: 'SETTINGS' }),
  group: (group: string): Key => ({ pk: 'GROUP', sk: group }),
  model: (id: string): Key => ({ pk: 'MODEL', sk: id }),
  /** The desk's copy of a customer organisation: the services it uses (from customers' events). */
  customer: (customerId: string): Key => ({ pk: `CUSTOMER#${customerId}`, sk: 'CUSTOMER' }),
};

export const QUEUE = {
  agent: (assigneeId: string) => `AGENT#${assigneeId}`,
  group: (group: string) => `GROUP#${group}`,
  deadlines: 'DEADLINES',
  customer: (customerId: string) => `CUST#${customerId}`,
  autoClose: 'AUTOCLOSE',
  publicComments: (ticketId: string) => `PUBLIC#${ticketId}`,
  publicAttachments: (ticketId: string) => `PUBATT#${ticketId}`,
  abandonedUploads: 'UPLOADS',
};

export interface Caller {
  id: string;
  name: string;
  email?: string;
}

export interface Escalation {
  at: string;
  kind: 'functional' | 'hierarchical';
  trigger: 'manual' | 'sla-warning' | 'sla-breach';
  reason: string;
  from?: string;
  to: string;
  by: string;
}

export interface Approval {
  role?: string;
  userId?: string;
  status: 'pending' | 'approved' | 'rejected';
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
}

export interface MajorReview {
  findings: string;
  rootCause?: string;
  actions: Array<{ title: string; owner?: string; dueAt?: string }>;
  reviewedBy: string;
  reviewedAt: string;
}

/** The ticket's own fields: what people and rules change (the SLA copy is kept apart). */
export interface TicketState {
  ticketId: string;
  number: string;
  type: TicketType;
  title: string;
  description?: string;
  channel: string;
  caller: Caller;
  customerId?: string;
  serviceId?: string;
  ciIds: string[];
  category?: string[];
  impact: string;
  urgency: string;
  priority: string;
  /** Position of the priority in the configured list (0 = most urgent): the queue order. */
  priorityRank: number;
  status: TicketStatus;
  pendingReason?: string;
  assignmentGroup: string;
  assigneeId?: string;
  parentId?: string;
  relatedIds: string[];
  resolutionCode?: string;
  resolutionSummary?: string;
  resolvedAt?: string;
  closedAt?: string;
  closedBy?: string;
  cancelReason?: string;
  autoCloseAt?: string;
  firstRespondedAt?: string;
  reopenCount: number;
  /** When the change of this version happened (the snapshot's `changedAt`). */
  changedAt: string;
  escalations: Escalation[];
  /** Configured major-incident criteria the ticket meets now (FitSM PR9.6 flag). */
  majorCriteria: string[];
  major: boolean;
  majorDeclaredAt?: string;
  coordinatorId?: string;
  coordinatorEmail?: string;
  majorReminders: number;
  majorUpdates: number;
  majorReview?: MajorReview;
  modelId?: string;
  form?: Record<string, unknown>;
  approval?: Approval;
  publicComments: number;
  createdAt: string;
}

/** The copy of the service-level service's clocks (newest ticket version wins). */
export interface SlaCopy {
  ticketVersion: number;
  agreementId?: string;
  clocks: ClockSummary[];
  deadline?: string;
}

export interface Ticket extends TicketState {
  version: number;
  updatedAt: string;
  sla?: SlaCopy;
}

/** Fields a change may remove when they become unset. */
export const OPTIONAL_FIELDS = [
  'description',
  'customerId',
  'serviceId',
  'category',
  'pendingReason',
  'assigneeId',
  'parentId',
  'resolutionCode',
  'resolutionSummary',
  'resolvedAt',
  'closedAt',
  'closedBy',
  'cancelReason',
  'autoCloseAt',
  'firstRespondedAt',
  'majorDeclaredAt',
  'coordinatorId',
  'coordinatorEmail',
  'majorReview',
  'modelId',
  'form',
  'approval',
] as const satisfies readonly (keyof TicketState)[];

export function toTicket(i: Item): Ticket {
  const {
    pk: _pk,
    sk: _sk,
    type: _type,
    slaTicketVersion,
    slaAgreementId,
    slaClocks,
    slaDeadline,
    createdBy: _cb,
    updatedBy: _ub,
    ...rest
  } = i;
  for (const k of Object.keys(rest)) if (/^gsi\d(pk|sk)$/.test(k)) delete rest[k];
  const t = { ...rest, type: i.ticketType } as unknown as Ticket & { ticketType?: string };
  delete t.ticketType;
  if (slaTicketVersion !== undefined) {
    t.sla = {
      ticketVersion: Number(slaTicketVersion),
      ...(slaAgreementId ? { agreementId: String(slaAgreementId) } : {}),
      clocks: (slaClocks ?? []) as ClockSummary[],
      ...(slaDeadline ? { deadline: String(slaDeadline) } : {}),
    };
  }
  return t;
}

const rankKey = (t: TicketState) => `${String(t.priorityRank).padStart(2, '0')}#${t.createdAt}#${t.ticketId}`;
const INDEX_ATTRS = [1, 2, 3, 4, 5].flatMap((n) => [`gsi${n}pk`, `gsi${n}sk`]);

/** The queue index keys a ticket carries in its state (absent ones must be removed). */
export function indexKeys(t: TicketState, slaDeadline?: string): Record<string, string> {
  const out: Record<string, string> = {};
  const open = isOpenWork(t.status);
  if (open && t.assigneeId) Object.assign(out, { gsi1pk: QUEUE.agent(t.assigneeId), gsi1sk: rankKey(t) });
  if (open) Object.assign(out, { gsi2pk: QUEUE.group(t.assignmentGroup), gsi2sk: rankKey(t) });
  if (open && slaDeadline) Object.assign(out, { gsi3pk: QUEUE.deadlines, gsi3sk: `${slaDeadline}#${t.ticketId}` });
  if (t.customerId)
    Object.assign(out, { gsi4pk: QUEUE.customer(t.customerId), gsi4sk: `${t.createdAt}#${t.ticketId}` });
  // A major incident closes only after its review (PR9.6), so it waits outside the auto-close index.
  if (t.status === 'resolved' && t.autoCloseAt && !(t.major && !t.majorReview))
    Object.assign(out, { gsi5pk: QUEUE.autoClose, gsi5sk: `${t.autoCloseAt}#${t.ticketId}` });
  return out;
}

export function ticketItem(t: TicketState): Item {
  const { type, ...rest } = t;
  return { ...keys.ticket(t.ticketId), type: 'ticket', ticketType: type, ...rest, ...indexKeys(t) };
}

/** SET and REMOVE parts of an update that makes the stored ticket equal `after` (SLA copy untouched). */
export function ticketUpdate(after: TicketState, slaDeadline?: string) {
  const { type: _t, ticketId: _i, number: _n, createdAt: _c, ...fields } = after;
  const set: Item = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) set[k] = v;
  const idx = indexKeys(after, slaDeadline);
  Object.assign(set, idx);
  const remove = [...OPTIONAL_FIELDS.filter((f) => after[f] === undefined), ...INDEX_ATTRS.filter((a) => !(a in idx))];
  return { set, remove };
}

/** The snapshot every ticket event carries (contract: service-desk v1). */
export function snapshot(t: TicketState, version: number): TicketSnapshot {
  return {
    ticketId: t.ticketId,
    number: t.number,
    type: t.type,
    version,
    title: t.title,
    status: t.status,
    ...(t.pendingReason ? { pendingReason: t.pendingReason } : {}),
    priority: t.priority,
    impact: t.impact,
    urgency: t.urgency,
    channel: t.channel,
    callerId: t.caller.id,
    ...(t.caller.email ? { callerEmail: t.caller.email } : {}),
    ...(t.customerId ? { customerId: t.customerId } : {}),
    ...(t.serviceId ? { serviceId: t.serviceId } : {}),
    assignmentGroup: t.assignmentGroup,
    ...(t.assigneeId ? { assigneeId: t.assigneeId } : {}),
    major: t.major,
    createdAt: t.createdAt,
    changedAt: t.changedAt,
    ...(t.firstRespondedAt ? { firstRespondedAt: t.firstRespondedAt } : {}),
    ...(t.resolvedAt ? { resolvedAt: t.resolvedAt } : {}),
    ...(t.closedAt ? { closedAt: t.closedAt } : {}),
    ...(t.resolutionCode ? { resolutionCode: t.resolutionCode } : {}),
    reopenCount: t.reopenCount,
    ...(t.description !== undefined ? { description: t.description } : {}),
    ...(t.category ? { category: t.category } : {}),
    ciIds: t.ciIds,
    relatedIds: t.relatedIds,
    ...(t.parentId ? { parentId: t.parentId } : {}),
    ...(t.modelId ? { modelId: t.modelId } : {}),
    callerName: t.caller.name,
    updatedAt: t.changedAt,
  };
}

/**
 * What a customer user sees of a ticket (FitSM PR9.4 portal view): no assignee, escalations,
 * coordinator, review, approval routing or SLA internals.
 */
export function customerView(t: Ticket) {
  return {
    ticketId: t.ticketId,
    number: t.number,
    type: t.type,
    title: t.title,
    ...(t.description !== undefined ? { description: t.description } : {}),
    channel: t.channel,
    caller: t.caller,
    ...(t.customerId ? { customerId: t.customerId } : {}),
    ...(t.serviceId ? { serviceId: t.serviceId } : {}),
    ...(t.category ? { category: t.category } : {}),
    impact: t.impact,
    urgency: t.urgency,
    priority: t.priority,
    status: t.status,
    ...(t.pendingReason ? { pendingReason: t.pendingReason } : {}),
    ...(t.resolutionCode ? { resolutionCode: t.resolutionCode, resolutionSummary: t.resolutionSummary } : {}),
    ...(t.resolvedAt ? { resolvedAt: t.resolvedAt } : {}),
    ...(t.closedAt ? { closedAt: t.closedAt } : {}),
    ...(t.firstRespondedAt ? { firstRespondedAt: t.firstRespondedAt } : {}),
    ...(t.modelId ? { modelId: t.modelId, form: t.form } : {}),
    major: t.major,
    reopenCount: t.reopenCount,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    version: t.version,
  };
}

/** A ticket's queue line, read from its index entry: only `TICKET_SUMMARY_ATTRS` (projections.ts). */
export function summaryOf(i: Item) {
  return {
    ticketId: String(i.ticketId),
    number: String(i.number),
    type: i.ticketType as TicketType,
    title: String(i.title),
    status: i.status as TicketStatus,
    ...(i.pendingReason ? { pendingReason: String(i.pendingReason) } : {}),
    priority: String(i.priority),
    assignmentGroup: String(i.assignmentGroup),
    ...(i.assigneeId ? { assigneeId: String(i.assigneeId) } : {}),
    ...(i.customerId ? { customerId: String(i.customerId) } : {}),
    major: Boolean(i.major),
    ...(i.slaDeadline ? { slaDeadline: String(i.slaDeadline) } : {}),
    createdAt: String(i.createdAt),
    version: Number(i.version),
  };
}

/**
 * A ticket's line in its organisation's queue as a customer user sees it, read from the gsi4
 * entry (`TICKET_SUMMARY_ATTRS` + `CUSTOMER_SUMMARY_ATTRS`): `customerView` without the
 * unbounded free text (description, form, resolution summary), which the ticket itself returns.
 */
export function customerSummaryOf(i: Item) {
  return {
    ticketId: String(i.ticketId),
    number: String(i.number),
    type: i.ticketType as TicketType,
    title: String(i.title),
    channel: String(i.channel),
    caller: i.caller as Caller,
    ...(i.customerId ? { customerId: String(i.customerId) } : {}),
    ...(i.serviceId ? { serviceId: String(i.serviceId) } : {}),
    ...(i.category ? { category: i.category as string[] } : {}),
    impact: String(i.impact),
    urgency: String(i.urgency),
    priority: String(i.priority),
    status: i.status as TicketStatus,
    ...(i.pendingReason ? { pendingReason: String(i.pendingReason) } : {}),
    ...(i.resolutionCode ? { resolutionCode: String(i.resolutionCode) } : {}),
    ...(i.resolvedAt ? { resolvedAt: String(i.resolvedAt) } : {}),
    ...(i.closedAt ? { closedAt: String(i.closedAt) } : {}),
    ...(i.firstRespondedAt ? { firstRespondedAt: String(i.firstRespondedAt) } : {}),
    ...(i.modelId ? { modelId: String(i.modelId) } : {}),
    major: Boolean(i.major),
    reopenCount: Number(i.reopenCount ?? 0),
    createdAt: String(i.createdAt),
    updatedAt: String(i.updatedAt),
    version: Number(i.version),
  };
}

let store: Store | undefined;
/** The service's table, named by TABLE_NAME. */
export const table = () => {
  store ??= new Store(requireEnv('TABLE_NAME'));
  return store;
};
