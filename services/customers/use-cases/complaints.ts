import type * as z from 'zod/mini';
import {
  ComplaintChanged,
  ComplaintClosed,
  ComplaintRegistered,
  ComplaintResponded,
  type ComplaintSnapshot,
} from '../../../shared/contracts/customers/v1';
import type { Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent, type OutgoingEvent } from '../../../shared/kit/events';
import type { Page, Write } from '../../../shared/kit/store';
import { assertCanSee, isCustomerBound } from '../access';
import {
  type ComplaintStatus,
  canClose,
  complaintNumber,
  duplicateIds,
  isComplaintNumber,
  mergeActions,
} from '../domain/complaint';
import { diff } from '../domain/customer';
import type { CloseComplaintBody, CreateComplaintBody, RespondComplaintBody, UpdateComplaintBody } from '../schemas';
import { type Complaint, idx, keys, strip, table } from '../store';
import { loadCustomer } from './customers';

/**
 * Customer complaints (FitSM PR7.5): register → respond (address) → close, with follow-up
 * actions that must all be done before closing. Customer users register and read their own
 * organisation's complaints; staff handle them.
 */
export const snapshot = (c: Complaint): ComplaintSnapshot => ({
  complaintId: c.complaintId,
  number: c.number,
  customerId: c.customerId,
  ...(c.serviceId ? { serviceId: c.serviceId } : {}),
  status: c.status,
  version: c.version,
  subject: c.subject,
  description: c.description,
  channel: c.channel,
  ...(c.owner ? { owner: c.owner } : {}),
  raisedById: c.raisedBy.id,
  ...(c.response ? { response: c.response } : {}),
  ...(c.respondedAt ? { respondedAt: c.respondedAt } : {}),
  ...(c.closedAt ? { closedAt: c.closedAt } : {}),
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export const toComplaint = (item: Record<string, unknown>) => {
  const c = strip<Complaint>(item);
  return { ...c, actions: c.actions ?? [] };
};

const statusIndex = (status: ComplaintStatus, id: string) => ({
  gsi2pk: idx.complaintsByStatus(status),
  gsi2sk: id,
});

export async function registerComplaint(
  ctx: OperationContext,
  p: Principal,
  input: z.infer<typeof CreateComplaintBody>,
): Promise<Complaint> {
  let customerId = input.customerId;
  if (isCustomerBound(p)) {
    // Customer users complain for their own organisation only.
    if (!p.customerId) {
      throw new ValidationError('Your account is not linked to a customer.', [
        { field: 'token.custom:customer', message: 'is required for customer users' },
      ]);
    }
    if (customerId && customerId !== p.customerId) {
      throw new ValidationError('Customer users register complaints for their own organisation.', [
        { field: 'body.customerId', message: `must be ${p.customerId} or left out` },
      ]);
    }
    customerId = p.customerId;
  }
  if (!customerId)
    throw new ValidationError('The request is not valid.', [{ field: 'body.customerId', message: 'is required' }]);
  const customer = await loadCustomer(customerId).catch((err) => {
    if (err instanceof NotFoundError) {
      throw new ValidationError('The customer is not registered.', [
        { field: 'body.customerId', message: `unknown customer ${customerId}` },
      ]);
    }
    throw err;
  });
  const complaintId = newId();
  const number = complaintNumber(await table().nextNumber('CMP'));
  const now = new Date().toISOString();
  const complaint: Complaint = {
    complaintId,
    number,
    customerId: customer.customerId,
    ...(input.serviceId ? { serviceId: input.serviceId } : {}),
    subject: input.subject,
    description: input.description,
    channel: input.channel,
    status: 'registered',
    raisedBy: { id: p.id, name: p.name },
    // The account manager owns the complaint until someone takes it over.
    owner: customer.accountManager,
    actions: [],
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const { version: _v, createdAt: _c, updatedAt: _u, ...state } = complaint;
  await table().commit(ctx, {
    writes: [
      {
        kind: 'create',
        item: {
          ...keys.complaint(complaintId),
          type: 'complaint',
          ...state,
          gsi1pk: idx.complaintsOfCustomer(customer.customerId),
          gsi1sk: complaintId,
          ...statusIndex('registered', complaintId),
          gsi3pk: idx.allComplaints,
          gsi3sk: complaintId,
        },
      },
      { kind: 'create', item: { ...keys.number(number), type: 'complaint-number', complaintId } },
    ],
    history: [
      {
        pk: keys.complaint(complaintId).pk,
        entityType: 'complaint',
        entityId: complaintId,
        action: 'registered',
        changes: {
          subject: { to: input.subject },
          customerId: { to: customer.customerId },
          channel: { to: input.channel },
          ...(input.serviceId ? { serviceId: { to: input.serviceId } } : {}),
        },
      },
    ],
    events: [buildEvent(ComplaintRegistered, snapshot(complaint), ctx)],
    // Written at the snapshot's instant, so the record read back (a resync) equals its event.
    at: now,
  });
  return complaint;
}

export async function loadComplaint(idOrNumber: string, consistent = false): Promise<Complaint> {
  let id = idOrNumber;
  if (isComplaintNumber(idOrNumber)) {
    const ref = await table().get(keys.number(idOrNumber));
    if (!ref) throw new NotFoundError(`Complaint ${idOrNumber} was not found.`, 'complaint-not-found');
    id = String(ref.complaintId);
  }
  const item = await table().get(keys.complaint(id), consistent);
  if (!item) throw new NotFoundError(`Complaint ${idOrNumber} was not found.`, 'complaint-not-found');
  return toComplaint(item);
}

export async function getComplaint(p: Principal, idOrNumber: string): Promise<Complaint> {
  const c = await loadComplaint(idOrNumber);
  assertCanSee(p, c.customerId, `Complaint ${idOrNumber}`, 'complaint-not-found');
  return c;
}

const stale = (c: Complaint, version: number) =>
  new ConflictError(`Complaint ${c.number} is at version ${c.version}, not ${version}. Read it again and retry.`);

/** Apply a change: versioned update, history entry and its event (ComplaintChanged unless given), in one transaction. */
async function change(
  ctx: OperationContext,
  before: Complaint,
  patch: Partial<Complaint>,
  action: string,
  extra: { reason?: string; event?: (c: Complaint) => OutgoingEvent } = {},
): Promise<Complaint> {
  const fields = Object.keys(patch) as (keyof Complaint)[];
  const changes = diff<Complaint>(before, { ...before, ...patch }, fields);
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  for (const f of fields) {
    if (patch[f] === undefined) remove.push(f);
    else set[f] = patch[f];
  }
  if (patch.status && patch.status !== before.status) Object.assign(set, statusIndex(patch.status, before.complaintId));
  const updated: Complaint = { ...before, ...patch, version: before.version + 1, updatedAt: new Date().toISOString() };
  for (const f of remove) delete updated[f as keyof Complaint];
  const write: Write = {
    kind: 'update',
    key: keys.complaint(before.complaintId),
    set,
    remove,
    expectVersion: before.version,
  };
  await table().commit(ctx, {
    writes: [write],
    history: [
      {
        pk: keys.complaint(before.complaintId).pk,
        entityType: 'complaint',
        entityId: before.complaintId,
        action,
        changes,
        ...(extra.reason ? { reason: extra.reason } : {}),
      },
    ],
    events: [(extra.event ?? ((c) => buildEvent(ComplaintChanged, snapshot(c), ctx)))(updated)],
    at: updated.updatedAt,
  });
  return updated;
}

function assertOpen(c: Complaint): void {
  if (c.status === 'closed') throw new ConflictError(`Complaint ${c.number} is closed.`, 'complaint-closed');
}

function checkActions(actions: readonly { id: string }[], field: string): void {
  const dupes = duplicateIds(actions, field);
  if (dupes.length) throw new ValidationError('The request is not valid.', dupes);
}

/** Address the complaint: the response to the customer and the follow-up actions agreed. */
export async function respondToComplaint(
  ctx: OperationContext,
  idOrNumber: string,
  input: z.infer<typeof RespondComplaintBody>,
  version?: number,
): Promise<Complaint> {
  checkActions(input.actions, 'body.actions');
  const before = await loadComplaint(idOrNumber, true);
  if (version !== undefined && before.version !== version) throw stale(before, version);
  assertOpen(before);
  const now = new Date().toISOString();
  return change(
    ctx,
    before,
    {
      status: 'responded',
      response: input.response,
      respondedAt: now,
      ...(input.actions.length ? { actions: mergeActions(before.actions, input.actions, now) } : {}),
    },
    'responded',
    { event: (c) => buildEvent(ComplaintResponded, snapshot(c), ctx) },
  );
}

export async function updateComplaint(
  ctx: OperationContext,
  idOrNumber: string,
  version: number,
  input: z.infer<typeof UpdateComplaintBody>,
): Promise<Complaint> {
  if (input.actions) checkActions(input.actions, 'body.actions');
  const before = await loadComplaint(idOrNumber, true);
  if (before.version !== version) throw stale(before, version);
  assertOpen(before);
  const patch: Partial<Complaint> = {};
  if (input.owner !== undefined) patch.owner = input.owner;
  if (input.serviceId !== undefined) patch.serviceId = input.serviceId ?? undefined;
  if (input.actions) patch.actions = mergeActions(before.actions, input.actions, new Date().toISOString());
  const changes = diff<Complaint>(before, { ...before, ...patch }, Object.keys(patch) as (keyof Complaint)[]);
  if (Object.keys(changes).length === 0) return before;
  for (const k of Object.keys(patch) as (keyof Complaint)[]) if (!changes[k]) delete patch[k];
  return change(ctx, before, patch, 'updated', input.reason ? { reason: input.reason } : {});
}

/** Close: only after a response and with every follow-up action done (409 otherwise). */
export async function closeComplaint(
  ctx: OperationContext,
  idOrNumber: string,
  input: z.infer<typeof CloseComplaintBody>,
  version?: number,
): Promise<Complaint> {
  const before = await loadComplaint(idOrNumber, true);
  if (version !== undefined && before.version !== version) throw stale(before, version);
  const check = canClose(before);
  if (!check.ok) {
    const messages = {
      closed: `Complaint ${before.number} is already closed.`,
      'not-responded': `Complaint ${before.number} has no response yet: respond before closing.`,
      'open-actions': `Complaint ${before.number} has open follow-up actions: ${(check.openActions ?? []).join(', ')}.`,
    } as const;
    const code = check.reason === 'closed' ? 'complaint-closed' : `complaint-${check.reason}`;
    throw new ConflictError(messages[check.reason], code);
  }
  return change(
    ctx,
    before,
    { status: 'closed', closedAt: new Date().toISOString(), closureNote: input.note },
    'closed',
    { reason: input.note, event: (c) => buildEvent(ComplaintClosed, snapshot(c), ctx) },
  );
}

/**
 * Complaints: of one customer (gsi1), by status (gsi2) or all (gsi3), newest first. Customer
 * users always get their own organisation's.
 */
export async function listComplaints(
  p: Principal,
  q: { limit: number; cursor?: string; status?: ComplaintStatus; customerId?: string },
): Promise<Page<Complaint>> {
  const paging = { limit: q.limit, descending: true, ...(q.cursor ? { cursor: q.cursor } : {}) };
  if (isCustomerBound(p)) {
    if (!p.customerId) return { items: [] };
    if (q.customerId && q.customerId !== p.customerId) return { items: [] };
    return table().page({ index: 'gsi1', pk: idx.complaintsOfCustomer(p.customerId), ...paging }, toComplaint);
  }
  if (q.status && q.customerId) {
    throw new ValidationError('Filter by status or by customer, not both.', [
      { field: 'query.customerId', message: 'cannot be combined with status' },
    ]);
  }
  if (q.customerId)
    return table().page({ index: 'gsi1', pk: idx.complaintsOfCustomer(q.customerId), ...paging }, toComplaint);
  if (q.status) return table().page({ index: 'gsi2', pk: idx.complaintsByStatus(q.status), ...paging }, toComplaint);
  return table().page({ index: 'gsi3', pk: idx.allComplaints, ...paging }, toComplaint);
}

export async function complaintHistory(idOrNumber: string, q: { limit: number; cursor?: string }) {
  const c = await loadComplaint(idOrNumber);
  return table().history(keys.complaint(c.complaintId).pk, q);
}
