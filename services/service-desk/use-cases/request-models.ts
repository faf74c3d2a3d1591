import type * as z from 'zod/mini';
import { TicketChanged, TicketClosed } from '../../../shared/contracts/service-desk/v1';
import { hasAnyRole, type Principal } from '../../../shared/kit/auth';
import type { OperationContext } from '../../../shared/kit/context';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionError,
  ValidationError,
} from '../../../shared/kit/errors';
import type { PageRequest } from '../../../shared/kit/paging';
import { isRole } from '../../../shared/kit/roles';
import type { Item, Write } from '../../../shared/kit/store';
import { assertCanSee } from '../access';
import { checkModel, type FulfilmentTaskSpec, type RequestModel } from '../domain/request-model';
import { resumeStatus } from '../domain/ticket';
import type { ApprovalBody, RequestModelBody } from '../schemas';
import { keys, type TicketState, table } from '../store';
import { commitChange, stateOf, withTicket } from './ticket-work';

/**
 * Request models (FitSM PR9.2): standard requests with a validated form, fulfilment tasks
 * created as the request's work items, and an optional approval that must be given before
 * fulfilment starts.
 */
const MODEL_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

const toModel = (i: Item): RequestModel => ({
  modelId: String(i.modelId),
  name: String(i.name),
  ...(i.description ? { description: String(i.description) } : {}),
  serviceId: String(i.serviceId),
  fields: (i.fields ?? []) as RequestModel['fields'],
  tasks: (i.tasks ?? []) as RequestModel['tasks'],
  ...(i.approval ? { approval: i.approval as RequestModel['approval'] } : {}),
  ...(i.group ? { group: String(i.group) } : {}),
  active: Boolean(i.active),
  version: Number(i.version),
});

export async function findModel(modelId: string, consistent = false): Promise<RequestModel | undefined> {
  const item = await table().get(keys.model(modelId), consistent);
  return item ? toModel(item) : undefined;
}

export async function getModel(modelId: string): Promise<RequestModel> {
  const m = await findModel(modelId);
  if (!m) throw new NotFoundError(`Request model ${modelId} was not found.`, 'request-model-not-found');
  return m;
}

/** Models by id: their own partition (`MODEL`), so no index entry has to carry a model's attributes. */
export function listModels(q: PageRequest) {
  return table().page({ pk: keys.model('').pk, ...q }, toModel);
}

export async function putModel(
  ctx: OperationContext,
  modelId: string,
  ifMatch: number | undefined,
  input: z.infer<typeof RequestModelBody>,
): Promise<RequestModel> {
  if (!MODEL_ID.test(modelId))
    throw new ValidationError('The model id is not valid.', [
      { field: 'path.id', message: 'must be lower-case letters, digits and dashes' },
    ]);
  const problems = checkModel(input);
  if (input.approval?.role && !isRole(input.approval.role))
    problems.push({ field: 'body.approval.role', message: 'is not a role' });
  if (problems.length) throw new ValidationError('The request model is not valid.', problems);
  const state = { modelId, ...input };
  const current = await findModel(modelId, true);
  // No index keys: models are listed from their partition (older items may still carry gsi2 MODELS keys).
  const item = { ...keys.model(modelId), type: 'request-model', ...state };
  if (!current) {
    await table().commit(ctx, {
      writes: [{ kind: 'create', item }],
      history: [
        {
          pk: `MODELHIST#${modelId}`,
          entityType: 'request-model',
          entityId: modelId,
          action: 'defined',
          changes: { model: { to: state } },
        },
      ],
    });
    return { ...(state as Omit<RequestModel, 'version'>), version: 1 };
  }
  if (ifMatch === undefined)
    throw new PreconditionError('Send If-Match with the version you read to change a request model.');
  if (ifMatch !== current.version)
    throw new ConflictError(`Request model ${modelId} is at version ${current.version}, not ${ifMatch}.`);
  const { version: _v, ...before } = current;
  await table().commit(ctx, {
    writes: [{ kind: 'replace', item, expectVersion: current.version }],
    history: [
      {
        pk: `MODELHIST#${modelId}`,
        entityType: 'request-model',
        entityId: modelId,
        action: 'changed',
        changes: { model: { from: before, to: state } },
      },
    ],
  });
  return { ...(state as Omit<RequestModel, 'version'>), version: current.version + 1 };
}

/** The fulfilment tasks of a request, as work items under it. */
export function taskWrites(ticketId: string, tasks: FulfilmentTaskSpec[]): Write[] {
  return tasks.map((t, i) => {
    const taskId = `T${String(i + 1).padStart(2, '0')}`;
    return {
      kind: 'create',
      item: {
        ...keys.task(ticketId, taskId),
        type: 'task',
        taskId,
        title: t.title,
        ...(t.group ? { group: t.group } : {}),
        status: 'open',
      },
    };
  });
}

const taskView = (i: Item) => ({
  taskId: String(i.taskId),
  title: String(i.title),
  ...(i.group ? { group: String(i.group) } : {}),
  status: String(i.status),
  ...(i.doneBy ? { doneBy: String(i.doneBy), doneAt: String(i.doneAt) } : {}),
  version: Number(i.version),
});

export async function listTasks(p: Principal, idOrNumber: string) {
  return withTicket(idOrNumber, undefined, async (t) => {
    assertCanSee(p, t, idOrNumber);
    const items = await table().all({ pk: keys.ticket(t.ticketId).pk, skBeginsWith: 'TASK#' });
    return { items: items.map(taskView) };
  });
}

export async function completeTask(ctx: OperationContext, p: Principal, idOrNumber: string, taskId: string) {
  return withTicket(idOrNumber, undefined, async (t) => {
    assertCanSee(p, t, idOrNumber);
    const item = await table().get(keys.task(t.ticketId, taskId), true);
    if (!item) throw new NotFoundError(`Task ${taskId} of ${t.number} was not found.`, 'task-not-found');
    if (item.status === 'done') throw new ConflictError(`Task ${taskId} is already done.`, 'task-done');
    const now = new Date().toISOString();
    await table().commit(ctx, {
      writes: [
        {
          kind: 'update',
          key: keys.task(t.ticketId, taskId),
          set: { status: 'done', doneBy: p.id, doneAt: now },
          expectVersion: Number(item.version),
        },
      ],
      history: [
        {
          pk: keys.ticket(t.ticketId).pk,
          entityType: 'ticket',
          entityId: t.ticketId,
          action: `fulfilment task ${taskId} done`,
          changes: { [`task.${taskId}`]: { from: 'open', to: 'done' } },
        },
      ],
    });
    return taskView({ ...item, status: 'done', doneBy: p.id, doneAt: now, version: Number(item.version) + 1 });
  });
}

/** Approve or reject a request that needs approval (PR9.2); fulfilment tasks appear on approval. */
export async function decideApproval(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof ApprovalBody>,
) {
  return withTicket(idOrNumber, undefined, async (before) => {
    const approval = before.approval;
    if (approval?.status !== 'pending')
      throw new ConflictError(`Ticket ${before.number} has no approval outstanding.`, 'no-pending-approval');
    const allowed =
      (approval.userId !== undefined && approval.userId === p.id) ||
      (approval.role !== undefined && isRole(approval.role) && hasAnyRole(p, [approval.role]));
    if (!allowed) throw new ForbiddenError('You are not the approver of this request.');
    const now = new Date().toISOString();
    const decided = {
      ...approval,
      status: input.decision,
      decidedBy: p.id,
      decidedAt: now,
      ...(input.comment ? { comment: input.comment } : {}),
    };
    const after: TicketState = { ...stateOf(before), approval: decided, changedAt: now };
    delete after.pendingReason;
    if (input.decision === 'approved') {
      after.status = resumeStatus(before.assigneeId);
      const model = before.modelId ? await findModel(before.modelId) : undefined;
      return commitChange(ctx, before, after, {
        event: TicketChanged,
        action: 'approved',
        reason: input.comment,
        writes: taskWrites(before.ticketId, model?.tasks ?? []),
      });
    }
    after.status = 'cancelled';
    after.cancelReason = `rejected${input.comment ? `: ${input.comment}` : ''}`;
    after.closedAt = now;
    after.closedBy = 'approver';
    return commitChange(ctx, before, after, { event: TicketClosed, action: 'rejected', reason: input.comment });
  });
}
