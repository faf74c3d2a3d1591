import type * as z from 'zod/mini';
import {
  TicketChanged,
  TicketClosed,
  TicketCreated,
  TicketReopened,
  TicketResolved,
} from '../../../shared/contracts/service-desk/v1';
import { isCustomerBound, type Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, type FieldError, ForbiddenError, ifFound, ValidationError } from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import { startFlow } from '../../../shared/kit/flows';
import type { PageRequest } from '../../../shared/kit/paging';
import type { Write } from '../../../shared/kit/store';
import { assertCallerOrStaff, assertCanSee } from '../access';
import { validateForm } from '../domain/request-model';
import { type DeskSettings, isCategoryPath, majorCriteriaMet, priorityOf } from '../domain/settings';
import {
  autoCloseAt,
  isOpenWork,
  refuseAction,
  refuseReopen,
  refuseTransition,
  resumeStatus,
  type TicketType,
  ticketNumber,
} from '../domain/ticket';
import type {
  CloseBody,
  CreateIncidentBody,
  CreateRequestBody,
  ReasonBody,
  ResolveBody,
  UpdateTicketBody,
} from '../schemas';
import { customerView, keys, snapshot, type Ticket, type TicketState, table, ticketItem } from '../store';
import { servicesOf } from './customers';
import { findModel, taskWrites } from './request-models';
import { loadSettings } from './settings';
import { commitChange, loadTicket, refusal, stateOf, withTicket } from './ticket-work';

/** Tickets: record, read, classify, assign, resolve, close, reopen, cancel (FitSM PR9.1, PR9.2, PR9.5). */

/** What a reader gets: customer users the portal view, staff the whole record. */
export const viewFor = (p: Principal, t: Ticket) => (isCustomerBound(p) ? customerView(t) : t);

function classify(
  s: DeskSettings,
  input: { impact?: string | undefined; urgency?: string | undefined; category?: string[] | null | undefined },
  problems: FieldError[],
) {
  const m = s.priority;
  if (input.impact !== undefined && !m.impacts.includes(input.impact))
    problems.push({ field: 'body.impact', message: `must be one of ${m.impacts.join(', ')}` });
  if (input.urgency !== undefined && !m.urgencies.includes(input.urgency))
    problems.push({ field: 'body.urgency', message: `must be one of ${m.urgencies.join(', ')}` });
  if (input.category && !isCategoryPath(s.categories, input.category))
    problems.push({ field: 'body.category', message: 'is not a path of the category tree' });
}

/** Priority from the matrix and the major-incident flag from the criteria (PR9.1, PR9.6). */
function derive(s: DeskSettings, t: TicketState): TicketState {
  const { priority, rank } = priorityOf(s.priority, t.impact, t.urgency);
  const withPriority = { ...t, priority, priorityRank: rank };
  return { ...withPriority, majorCriteria: majorCriteriaMet(s.majorIncident.criteria, withPriority) };
}

/**
 * Related tickets must exist and, for a customer account, be its organisation's: a foreign id and
 * a missing one get the same answer, so neither reveals that a ticket exists.
 */
async function unknownRelated(p: Principal, ids: readonly string[]): Promise<FieldError[]> {
  const problems: FieldError[] = [];
  for (const [i, id] of [...new Set(ids)].entries()) {
    const t = await ifFound(loadTicket(id));
    if (!t || (isCustomerBound(p) && t.customerId !== p.customerId))
      problems.push({ field: `body.relatedIds.${i}`, message: 'is not a ticket' });
  }
  return problems;
}

async function resolveParent(p: Principal, parentId: string, selfId?: string): Promise<Ticket> {
  const parent = await ifFound(loadTicket(parentId));
  if (!parent || (isCustomerBound(p) && parent.customerId !== p.customerId))
    throw new ValidationError('The parent ticket does not exist.', [
      { field: 'body.parentId', message: 'is not a ticket' },
    ]);
  if (parent.ticketId === selfId)
    throw new ValidationError('A ticket cannot be its own parent.', [
      { field: 'body.parentId', message: 'is this ticket' },
    ]);
  return parent;
}

type CreateInput = z.infer<typeof CreateRequestBody>;

async function recordTicket(
  ctx: OperationContext,
  p: Principal,
  type: TicketType,
  input: CreateInput,
): Promise<Ticket> {
  const { settings } = await loadSettings();
  const customer = isCustomerBound(p);
  const problems: FieldError[] = [];
  // A customer user is always the caller, for their own organisation (record-level rule).
  if (customer && !p.customerId) throw new ForbiddenError('Your account is not linked to a customer organisation.');
  // Which CIs a ticket touches is the desk's call, and naming them would probe the CMDB (ADR 0015).
  if (customer && input.ciIds.length > 0)
    throw new ValidationError(
      'Customer accounts may not link configuration items.',
      [{ field: 'body.ciIds', message: 'may not be set by a customer account' }],
      'field-not-allowed',
    );
  if (customer && input.serviceId !== undefined && !(await servicesOf(p.customerId!)).includes(input.serviceId))
    problems.push({ field: 'body.serviceId', message: 'is not a service your organisation uses' });
  problems.push(...(await unknownRelated(p, input.relatedIds)));
  const caller = customer ? { id: p.id, name: p.name, ...(p.email ? { email: p.email } : {}) } : input.caller;
  if (!caller) problems.push({ field: 'body.caller', message: 'is required when staff record a ticket' });
  // Customers state urgency; impact is the desk's call (no self-made P1s).
  const impact = customer ? undefined : input.impact;
  classify(settings, { impact, urgency: input.urgency, category: input.category }, problems);

  const model = input.modelId ? await findModel(input.modelId) : undefined;
  if (input.modelId && !model?.active)
    problems.push({ field: 'body.modelId', message: 'is not an active request model' });
  if (model) problems.push(...validateForm(model.fields, input.form ?? {}));
  else if (input.form) problems.push({ field: 'body.form', message: 'needs a modelId' });
  const title = input.title ?? model?.name;
  if (!title) problems.push({ field: 'body.title', message: 'is required' });
  if (problems.length || !caller || !title) throw new ValidationError('The ticket is not valid.', problems);
  const parent = input.parentId ? await resolveParent(p, input.parentId) : undefined;

  const ticketId = newId();
  const number = ticketNumber(type, await table().nextNumber(type === 'incident' ? 'INC' : 'REQ'));
  const now = new Date().toISOString();
  const assigneeId = customer ? undefined : input.assigneeId;
  const approval = model?.approval ? { ...model.approval, status: 'pending' as const } : undefined;
  const state = derive(settings, {
    ticketId,
    number,
    type,
    title,
    ...(input.description !== undefined ? { description: input.description } : {}),
    channel: input.channel,
    caller,
    ...((customer ? p.customerId : input.customerId)
      ? { customerId: (customer ? p.customerId : input.customerId)! }
      : {}),
    ...((model?.serviceId ?? input.serviceId) ? { serviceId: (input.serviceId ?? model?.serviceId)! } : {}),
    ciIds: customer ? [] : [...new Set(input.ciIds)],
    ...(input.category ? { category: input.category } : {}),
    impact: impact ?? settings.priority.defaultImpact,
    urgency: input.urgency ?? settings.priority.defaultUrgency,
    priority: '',
    priorityRank: 0,
    // A request that needs approval waits for it before fulfilment starts (PR9.2 request models).
    status: approval ? 'pending' : assigneeId ? 'assigned' : 'new',
    ...(approval ? { pendingReason: 'awaiting-approval' } : {}),
    assignmentGroup: (customer ? undefined : input.assignmentGroup) ?? model?.group ?? settings.defaultGroup,
    ...(assigneeId ? { assigneeId } : {}),
    ...(parent ? { parentId: parent.ticketId } : {}),
    relatedIds: [...new Set(input.relatedIds)],
    reopenCount: 0,
    changedAt: now,
    escalations: [],
    majorCriteria: [],
    major: false,
    majorReminders: 0,
    majorUpdates: 0,
    ...(model ? { modelId: model.modelId, form: input.form ?? {} } : {}),
    ...(approval ? { approval } : {}),
    publicComments: 0,
    createdAt: now,
  });
  const writes: Write[] = [
    { kind: 'create', item: ticketItem(state) },
    { kind: 'create', item: { ...keys.number(number), type: 'ticket-number', ticketId } },
  ];
  if (parent) writes.push({ kind: 'upsert', item: childLink(parent.ticketId, state) });
  if (model && !approval) writes.push(...taskWrites(ticketId, model.tasks));
  await table().commit(ctx, {
    writes,
    history: [
      {
        pk: keys.ticket(ticketId).pk,
        entityType: 'ticket',
        entityId: ticketId,
        action: 'recorded',
        changes: Object.fromEntries(
          Object.entries(state)
            .filter(([k, v]) => v !== undefined && !['ticketId', 'number', 'createdAt', 'changedAt'].includes(k))
            .map(([k, v]) => [k, { to: v }]),
        ),
      },
    ],
    events: [
      buildEvent(
        TicketCreated,
        { ticket: snapshot(state, 1), changes: ['status', 'priority', 'assignmentGroup'] },
        ctx,
      ),
    ],
  });
  return { ...state, version: 1, updatedAt: now };
}

const childLink = (parentId: string, child: TicketState) => ({
  ...keys.child(parentId, child.ticketId),
  type: 'child-link',
  ticketId: child.ticketId,
  number: child.number,
  title: child.title,
});

export async function createIncident(
  ctx: OperationContext,
  p: Principal,
  input: z.infer<typeof CreateIncidentBody>,
): Promise<Ticket> {
  return recordTicket(ctx, p, 'incident', input);
}

export async function createRequest(ctx: OperationContext, p: Principal, input: CreateInput): Promise<Ticket> {
  return recordTicket(ctx, p, 'request', input);
}

export async function getTicket(p: Principal, idOrNumber: string): Promise<Ticket> {
  const t = await loadTicket(idOrNumber);
  assertCanSee(p, t, idOrNumber);
  return t;
}

/** PATCH: classify, prioritise, assign, link and move through the work statuses (If-Match). */
export async function updateTicket(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  version: number,
  input: z.infer<typeof UpdateTicketBody>,
): Promise<Ticket> {
  return withTicket(idOrNumber, version, async (before) => {
    assertCanSee(p, before, idOrNumber);
    if (!isOpenWork(before.status)) {
      throw new ConflictError(
        `Ticket ${before.number} is ${before.status}; reopen it to change it.`,
        'ticket-not-open',
      );
    }
    const { settings } = await loadSettings();
    const problems: FieldError[] = [];
    classify(settings, input, problems);
    problems.push(...(await unknownRelated(p, input.relatedIds ?? [])));
    if (problems.length) throw new ValidationError('The change is not valid.', problems);
    let after: TicketState = { ...stateOf(before), changedAt: new Date().toISOString() };
    const set = <K extends keyof TicketState>(k: K, v: TicketState[K] | null | undefined) => {
      if (v === undefined) return;
      if (v === null) delete after[k];
      else after[k] = v;
    };
    set('title', input.title);
    set('description', input.description);
    set('category', input.category);
    set('impact', input.impact);
    set('urgency', input.urgency);
    set('serviceId', input.serviceId);
    if (input.ciIds) after.ciIds = [...new Set(input.ciIds)];
    if (input.relatedIds) after.relatedIds = [...new Set(input.relatedIds)];
    const writes: Write[] = [];
    if (input.parentId !== undefined) {
      const parent = input.parentId === null ? undefined : await resolveParent(p, input.parentId, before.ticketId);
      if (before.parentId && before.parentId !== parent?.ticketId)
        writes.push({ kind: 'delete', key: keys.child(before.parentId, before.ticketId) });
      if (parent) {
        after.parentId = parent.ticketId;
        writes.push({ kind: 'upsert', item: childLink(parent.ticketId, after) });
      } else delete after.parentId;
    }
    if (input.assignmentGroup && input.assignmentGroup !== before.assignmentGroup) {
      after.assignmentGroup = input.assignmentGroup;
      // A new group picks its own agent unless one is named in the same change.
      if (input.assigneeId === undefined) delete after.assigneeId;
    }
    set('assigneeId', input.assigneeId);
    let status = input.status ?? before.status;
    if (!input.status) {
      if (status === 'new' && after.assigneeId) status = 'assigned';
      if (status === 'in-progress' && !after.assigneeId) status = 'assigned';
    }
    const pendingReason = status === 'pending' ? (input.pendingReason ?? before.pendingReason) : undefined;
    const refused = refuseTransition({
      from: before.status,
      to: status,
      assigneeId: after.assigneeId,
      pendingReason,
      approvalPending: before.approval?.status === 'pending',
    });
    if (refused) throw refusal(refused);
    after.status = status;
    if (pendingReason) after.pendingReason = pendingReason;
    else delete after.pendingReason;
    after = derive(settings, after);
    return commitChange(ctx, before, after, {
      event: TicketChanged,
      action: 'updated',
      reason: input.reason,
      writes,
      expectVersion: version,
    });
  });
}

/** Resolve (PR9.5: resolution code and summary required; open fulfilment tasks block it). */
export async function resolveTicket(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  ifMatch: number | undefined,
  input: z.infer<typeof ResolveBody>,
): Promise<Ticket> {
  return withTicket(idOrNumber, ifMatch, async (before) => {
    assertCanSee(p, before, idOrNumber);
    const refused = refuseAction({
      from: before.status,
      to: 'resolved',
      assigneeId: before.assigneeId,
      resolutionCode: input.resolutionCode,
      resolutionSummary: input.resolutionSummary,
      approvalPending: before.approval?.status === 'pending',
    });
    if (refused) throw refusal(refused);
    if (before.modelId) {
      const open = (await table().all({ pk: keys.ticket(before.ticketId).pk, skBeginsWith: 'TASK#' })).filter(
        (t) => t.status !== 'done',
      );
      if (open.length) throw new ConflictError(`${open.length} fulfilment task(s) are still open.`, 'tasks-open');
    }
    const { settings } = await loadSettings();
    const now = new Date().toISOString();
    const after: TicketState = {
      ...stateOf(before),
      status: 'resolved',
      resolutionCode: input.resolutionCode,
      resolutionSummary: input.resolutionSummary,
      resolvedAt: now,
      autoCloseAt: autoCloseAt(now, settings.autoCloseDays),
      changedAt: now,
    };
    delete after.pendingReason;
    return commitChange(ctx, before, after, { event: TicketResolved, action: 'resolved' });
  });
}

/** The close of a resolved ticket, by the caller's confirmation, an agent or the auto-close rule (PR9.5). */
export function closeState(before: Ticket, by: 'caller' | 'agent' | 'auto', now: string): TicketState {
  if (before.status !== 'resolved') {
    throw refusal({
      code: 'invalid-transition',
      status: 409,
      message: `A ${before.status} ticket cannot be closed; only a resolved one can.`,
    });
  }
  // FitSM PR9.6: a major incident closes only after its review.
  if (before.major && !before.majorReview) {
    throw new ConflictError('A major incident closes only after its review is recorded.', 'major-review-required');
  }
  const after: TicketState = { ...stateOf(before), status: 'closed', closedAt: now, closedBy: by, changedAt: now };
  delete after.autoCloseAt;
  return after;
}

export async function closeTicket(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  ifMatch: number | undefined,
  input: z.infer<typeof CloseBody>,
): Promise<Ticket> {
  return withTicket(idOrNumber, ifMatch, async (before) => {
    assertCallerOrStaff(p, before, idOrNumber);
    const by = before.caller.id === p.id ? 'caller' : 'agent';
    const after = closeState(before, by, new Date().toISOString());
    return commitChange(ctx, before, after, {
      event: TicketClosed,
      action: by === 'caller' ? 'closed on the caller’s confirmation' : 'closed',
      reason: input?.comment,
    });
  });
}

/** Reopen within the window (PR9.5): the clocks continue, work resumes where it was. */
export async function reopenTicket(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  ifMatch: number | undefined,
  input: z.infer<typeof ReasonBody>,
): Promise<Ticket> {
  return withTicket(idOrNumber, ifMatch, async (before) => {
    assertCallerOrStaff(p, before, idOrNumber);
    const { settings } = await loadSettings();
    const now = new Date();
    const refused = refuseReopen(before, settings.reopenWindowDays, now);
    if (refused) throw refusal(refused);
    const after: TicketState = {
      ...stateOf(before),
      status: resumeStatus(before.assigneeId),
      reopenCount: before.reopenCount + 1,
      changedAt: now.toISOString(),
    };
    for (const f of [
      'resolutionCode',
      'resolutionSummary',
      'resolvedAt',
      'closedAt',
      'closedBy',
      'autoCloseAt',
    ] as const)
      delete after[f];
    const ticket = await commitChange(ctx, before, after, {
      event: TicketReopened,
      action: 'reopened',
      reason: input.reason,
    });
    // A reopened major incident needs its update cadence again.
    if (ticket.major) await startCadence(ticket, ctx, settings);
    return ticket;
  });
}

export async function cancelTicket(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  ifMatch: number | undefined,
  input: z.infer<typeof ReasonBody>,
): Promise<Ticket> {
  return withTicket(idOrNumber, ifMatch, async (before) => {
    assertCallerOrStaff(p, before, idOrNumber);
    const refused = refuseAction({ from: before.status, to: 'cancelled' });
    if (refused) throw refusal(refused);
    const now = new Date().toISOString();
    const after: TicketState = {
      ...stateOf(before),
      status: 'cancelled',
      cancelReason: input.reason,
      closedAt: now,
      closedBy: isCustomerBound(p) ? 'caller' : 'agent',
      changedAt: now,
    };
    delete after.pendingReason;
    return commitChange(ctx, before, after, { event: TicketClosed, action: 'cancelled', reason: input.reason });
  });
}

/** Start (or restart after a reopen) the major incident update cadence (PR9.6). */
export async function startCadence(t: Ticket, ctx: OperationContext, settings: DeskSettings): Promise<void> {
  try {
    await startFlow('major-incident', `${t.ticketId}-${t.reopenCount}`, {
      ticketId: t.ticketId,
      cadenceSeconds: settings.majorIncident.cadenceSeconds,
      correlationId: ctx.correlationId,
    });
  } catch (err) {
    // Already running (a repeated request): the cadence is on, which is what was asked.
    if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
  }
}

export async function ticketHistory(p: Principal, idOrNumber: string, q: PageRequest) {
  const t = await getTicket(p, idOrNumber);
  return table().history(keys.ticket(t.ticketId).pk, q);
}

export async function listChildren(p: Principal, idOrNumber: string, q: PageRequest) {
  const t = await getTicket(p, idOrNumber);
  return table().page({ pk: keys.ticket(t.ticketId).pk, skBeginsWith: 'CHILD#', ...q }, (i) => ({
    ticketId: String(i.ticketId),
    number: String(i.number),
    title: String(i.title),
  }));
}
