import type * as z from 'zod/mini';
import {
  ServiceRegistered,
  ServiceRetired,
  type ServiceSnapshot,
  ServiceUpdated,
} from '../../../shared/contracts/portfolio/v1';
import type { Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import type { HistoryEntry, Page, Write } from '../../../shared/kit/store';
import { assertCanChange } from '../access';
import {
  allowedTransitions,
  canTransition,
  diffService,
  duplicateIds,
  fulfil,
  goLiveProblems,
  isServiceNumber,
  mergeCriteria,
  type ServiceState,
  type ServiceStatus,
  sameValue,
  serviceNumber,
} from '../domain/service';
import type { CreateServiceBody, FulfilCriterionBody, UpdateServiceBody } from '../schemas';
import {
  catalogueEntryItem,
  catalogueView,
  indexOfStatus,
  keys,
  type Service,
  STATUS_PK,
  serviceItem,
  table,
  toService,
} from '../store';

/** Services: register, read, change, move through the lifecycle, accept, history (FitSM PR1.1-PR1.4). */
export const snapshot = (s: Service): ServiceSnapshot => ({
  serviceId: s.serviceId,
  name: s.name,
  status: s.status,
  version: s.version,
  number: s.number,
  description: s.description,
  owner: s.owner,
  ...(s.category ? { category: s.category } : {}),
  customerIds: s.customerIds,
  supportingCiIds: s.supportingCiIds,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

const prefixed = (prefix: string, problems: { field: string; message: string }[]) =>
  problems.map((p) => ({ ...p, field: `${prefix}${p.field}` }));

/**
 * Catalogue entries to write for a change from `before` to `after`: one per customer, carrying
 * the customer-facing view, indexed only while the service is live. Nothing when neither the
 * view, the status nor the customers changed.
 */
function catalogueWrites(before: Service | undefined, after: Service): Write[] {
  if (
    before &&
    before.status === after.status &&
    sameValue(before.customerIds, after.customerIds) &&
    sameValue(catalogueView(before), catalogueView(after))
  ) {
    return [];
  }
  const writes: Write[] = after.customerIds.map((c): Write => ({ kind: 'upsert', item: catalogueEntryItem(c, after) }));
  for (const c of (before?.customerIds ?? []).filter((x) => !after.customerIds.includes(x))) {
    writes.push({ kind: 'delete', key: keys.catalogueEntry(c, after.serviceId) });
  }
  return writes;
}

export async function registerService(
  ctx: OperationContext,
  input: z.infer<typeof CreateServiceBody>,
): Promise<Service> {
  const dupes = duplicateIds(input.acceptanceCriteria, 'body.acceptanceCriteria');
  if (dupes.length) throw new ValidationError('The request is not valid.', dupes);
  const state: ServiceState = {
    name: input.name,
    description: input.description,
    owner: input.owner,
    status: input.status,
    ...(input.category ? { category: input.category } : {}),
    ...(input.valueProposition ? { valueProposition: input.valueProposition } : {}),
    customerIds: [...new Set(input.customerIds)],
    supportingCiIds: [...new Set(input.supportingCiIds)],
    suppliers: input.suppliers,
    federationMembers: input.federationMembers,
    acceptanceCriteria: mergeCriteria([], input.acceptanceCriteria),
  };
  const serviceId = newId();
  const number = serviceNumber(await table().nextNumber('SVC'));
  const now = new Date().toISOString();
  const service: Service = { serviceId, number, ...state, version: 1, createdAt: now, updatedAt: now };
  const history: HistoryEntry[] = [
    {
      pk: keys.service(serviceId).pk,
      entityType: 'service',
      entityId: serviceId,
      action: 'registered',
      changes: Object.fromEntries(Object.entries(state).map(([k, v]) => [k, { to: v }])),
    },
  ];
  await table().commit(ctx, {
    writes: [
      { kind: 'create', item: serviceItem({ serviceId, number, ...state }) },
      { kind: 'create', item: { ...keys.number(number), type: 'service-number', serviceId } },
      ...catalogueWrites(undefined, service),
    ],
    history,
    events: [buildEvent(ServiceRegistered, snapshot(service), ctx)],
    at: now,
  });
  return service;
}

/** Find a service by id or readable number (`SVC-12`). */
export async function loadService(idOrNumber: string, consistent = false): Promise<Service> {
  let id = idOrNumber;
  if (isServiceNumber(idOrNumber)) {
    const ref = await table().get(keys.number(idOrNumber));
    if (!ref) throw new NotFoundError(`Service ${idOrNumber} was not found.`, 'service-not-found');
    id = String(ref.serviceId);
  }
  const item = await table().get(keys.service(id), consistent);
  if (!item) throw new NotFoundError(`Service ${idOrNumber} was not found.`, 'service-not-found');
  return toService(item);
}

export const getService = (idOrNumber: string) => loadService(idOrNumber);

/** The writes, history and event of a change from `before` to `after`. */
function changeWork(ctx: OperationContext, before: Service, after: ServiceState, action?: string, reason?: string) {
  const changes = diffService(before, after);
  const changed = Object.keys(changes);
  if (changed.length === 0) return undefined;
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  for (const f of changed) {
    const v = after[f as keyof ServiceState];
    if (v === undefined) remove.push(f);
    else set[f] = v;
  }
  if (changes.name || changes.status) Object.assign(set, indexOfStatus(after.status, after.name, before.serviceId));
  const updated: Service = { ...before, ...after, version: before.version + 1, updatedAt: new Date().toISOString() };
  if (after.category === undefined) delete updated.category;
  if (after.valueProposition === undefined) delete updated.valueProposition;
  const retired = Boolean(changes.status) && after.status === 'retired';
  const event = retired
    ? buildEvent(ServiceRetired, snapshot(updated), ctx)
    : buildEvent(ServiceUpdated, snapshot(updated), ctx);
  return {
    updated,
    work: {
      writes: [
        { kind: 'update', key: keys.service(before.serviceId), set, remove, expectVersion: before.version } as Write,
        ...catalogueWrites(before, updated),
      ],
      history: [
        {
          pk: keys.service(before.serviceId).pk,
          entityType: 'service',
          entityId: before.serviceId,
          action: action ?? (retired ? 'retired' : changes.status ? `moved to ${after.status}` : 'updated'),
          changes,
          ...(reason ? { reason } : {}),
        },
      ],
      events: [event],
      // The item's updatedAt is the snapshot's, so the record read back (a resync) equals its event.
      at: updated.updatedAt,
    },
  };
}

const stale = (s: Service, version: number) =>
  new ConflictError(`Service ${s.number} is at version ${s.version}, not ${version}. Read it again and retry.`);

export async function updateService(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  version: number,
  input: z.infer<typeof UpdateServiceBody>,
): Promise<Service> {
  const before = await loadService(idOrNumber, true);
  assertCanChange(p, before);
  if (before.version !== version) throw stale(before, version);
  if (input.acceptanceCriteria) {
    const dupes = duplicateIds(input.acceptanceCriteria, 'body.acceptanceCriteria');
    if (dupes.length) throw new ValidationError('The request is not valid.', dupes);
  }
  const category = input.category === null ? undefined : (input.category ?? before.category);
  const valueProposition =
    input.valueProposition === null ? undefined : (input.valueProposition ?? before.valueProposition);
  const after: ServiceState = {
    name: input.name ?? before.name,
    description: input.description ?? before.description,
    owner: input.owner ?? before.owner,
    status: input.status ?? before.status,
    ...(category ? { category } : {}),
    ...(valueProposition ? { valueProposition } : {}),
    customerIds: input.customerIds ? [...new Set(input.customerIds)] : before.customerIds,
    supportingCiIds: input.supportingCiIds ? [...new Set(input.supportingCiIds)] : before.supportingCiIds,
    suppliers: input.suppliers ?? before.suppliers,
    federationMembers: input.federationMembers ?? before.federationMembers,
    acceptanceCriteria: input.acceptanceCriteria
      ? mergeCriteria(before.acceptanceCriteria, input.acceptanceCriteria)
      : before.acceptanceCriteria,
  };
  assertTransition(before.status, after);
  const change = changeWork(ctx, before, after, undefined, input.reason);
  if (!change) return before;
  await table().commit(ctx, change.work);
  return change.updated;
}

/** The lifecycle (PR1.3): only allowed moves, and `live` only with every acceptance criterion met. */
function assertTransition(from: ServiceStatus, after: ServiceState): void {
  if (!canTransition(from, after.status)) {
    throw new ValidationError(
      `A ${from} service cannot become ${after.status}.`,
      [{ field: 'body.status', message: `must be one of: ${[from, ...allowedTransitions(from)].join(', ')}` }],
      'invalid-transition',
    );
  }
  if (from !== 'live' && after.status === 'live') {
    const problems = goLiveProblems(after.acceptanceCriteria);
    if (problems.length) {
      throw new ValidationError(
        'The service cannot go live until every acceptance criterion is met.',
        prefixed('body.', problems),
        'acceptance-criteria-not-met',
      );
    }
  }
}

/** Mark one acceptance criterion met, with who, when and a note (PR1.3). */
export async function fulfilCriterion(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  criterionId: string,
  input: z.infer<typeof FulfilCriterionBody>,
  version?: number,
): Promise<Service> {
  const before = await loadService(idOrNumber, true);
  assertCanChange(p, before);
  if (version !== undefined && before.version !== version) throw stale(before, version);
  const outcome = fulfil(
    before.status,
    before.acceptanceCriteria,
    criterionId,
    p.id,
    new Date().toISOString(),
    input.note,
  );
  if (!outcome.ok) {
    if (outcome.reason === 'unknown-criterion') {
      throw new NotFoundError(
        `Service ${before.number} has no acceptance criterion ${criterionId}.`,
        'criterion-not-found',
      );
    }
    throw new ConflictError(
      outcome.reason === 'already-met'
        ? `Criterion ${criterionId} of ${before.number} is already met.`
        : `Service ${before.number} is retired.`,
      outcome.reason === 'already-met' ? 'criterion-already-met' : 'service-retired',
    );
  }
  const change = changeWork(
    ctx,
    before,
    { ...before, acceptanceCriteria: outcome.criteria },
    `acceptance criterion ${criterionId} met`,
    input.note,
  );
  if (!change) return before;
  await table().commit(ctx, change.work);
  return change.updated;
}

export async function listServices(q: {
  limit: number;
  cursor?: string;
  status?: ServiceStatus;
}): Promise<Page<Service>> {
  const paging = { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) };
  if (q.status) return table().page({ index: 'gsi1', pk: STATUS_PK(q.status), ...paging }, toService);
  return table().page({ index: 'gsi2', pk: 'SERVICES', ...paging }, toService);
}

export async function serviceHistory(idOrNumber: string, q: { limit: number; cursor?: string }) {
  const s = await loadService(idOrNumber);
  return table().history(keys.service(s.serviceId).pk, q);
}
