import type * as z from 'zod/mini';
import { CiRegistered, CiRetired, type CiSnapshot, CiUpdated } from '../../../shared/contracts/configuration/v1';
import { isCustomerBound, type Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent, type OutgoingEvent } from '../../../shared/kit/events';
import type { HistoryEntry, Page, Write } from '../../../shared/kit/store';
import { assertCanChange, assertCanSee } from '../access';
import { allowedTransitions, type CiState, canTransition, ciNumber, diffCi } from '../domain/ci';
import { validateAttributes } from '../domain/ci-types';
import type { CreateCiBody, UpdateCiBody } from '../schemas';
import { type Ci, ciItem, indexOfName, keys, table, toCi, toCiType } from '../store';
import { type Authorisation, authorise } from './changes';

/** CIs: register, read, change, retire, list, history (FitSM PR11.2-PR11.4). */
export const snapshot = (ci: Ci): CiSnapshot => ({
  ciId: ci.ciId,
  number: ci.number,
  typeId: ci.typeId,
  name: ci.name,
  status: ci.status,
  ...(ci.owner ? { owner: ci.owner } : {}),
  serviceIds: ci.serviceIds,
  customerIds: ci.customerIds,
  version: ci.version,
  createdAt: ci.createdAt,
  updatedAt: ci.updatedAt,
});

const fieldsWithPrefix = (prefix: string, errors: { field: string; message: string }[]) =>
  errors.map((e) => ({ ...e, field: `${prefix}${e.field}` }));

/** Validate a CI's state against its type; returns failing fields (empty when fine). */
export async function checkAgainstType(state: Pick<CiState, 'typeId' | 'attributes'>, prefix = 'body.') {
  const item = await table().get(keys.type(state.typeId));
  if (!item) return [{ field: `${prefix}typeId`, message: `CI type ${state.typeId} does not exist` }];
  return fieldsWithPrefix(prefix, validateAttributes(toCiType(item), state.attributes));
}

/** The writes, history and event that register a CI; shared by the API and the importer. */
export async function registrationWork(
  ctx: OperationContext,
  state: CiState,
  external?: { source: string; sourceId: string },
): Promise<{ ci: Ci; writes: Write[]; history: HistoryEntry[]; events: OutgoingEvent[]; at: string }> {
  const ciId = newId();
  const number = ciNumber(await table().nextNumber('CI'));
  const now = new Date().toISOString();
  const ci: Ci = {
    ciId,
    number,
    ...state,
    ...(external ?? {}),
    version: 1,
    createdAt: now,
    updatedAt: now,
    dependsOn: [],
    dependents: [],
  };
  const writes: Write[] = [
    { kind: 'create', item: ciItem({ ciId, number, ...state, ...(external ?? {}) }) },
    { kind: 'create', item: { ...keys.number(number), type: 'ci-number', ciId } },
    ...state.customerIds.map(
      (c): Write => ({ kind: 'upsert', item: { ...keys.customerLink(c, ciId), type: 'customer-link', ciId } }),
    ),
  ];
  if (external)
    writes.push({
      kind: 'create',
      item: { ...keys.external(external.source, external.sourceId), type: 'external-key', ciId },
    });
  const history: HistoryEntry[] = [
    {
      pk: keys.ci(ciId).pk,
      entityType: 'ci',
      entityId: ciId,
      action: external ? `registered by import from ${external.source}` : 'registered',
      changes: Object.fromEntries(Object.entries(state).map(([k, v]) => [k, { to: v }])),
    },
  ];
  // Written at the snapshot's instant, so the record read back (a resync) equals its event.
  return { ci, writes, history, events: [buildEvent(CiRegistered, snapshot(ci), ctx)], at: now };
}

export async function registerCi(ctx: OperationContext, input: z.infer<typeof CreateCiBody>): Promise<Ci> {
  const problems = await checkAgainstType(input);
  if (problems.length) throw new ValidationError('The CI does not fit its type.', problems);
  const work = await registrationWork(ctx, stateOf(input));
  await table().commit(ctx, work);
  return work.ci;
}

const stateOf = (i: {
  typeId: string;
  name: string;
  attributes: Record<string, unknown>;
  owner?: string | undefined;
  status: CiState['status'];
  serviceIds: string[];
  customerIds: string[];
}): CiState => ({
  typeId: i.typeId,
  name: i.name,
  attributes: i.attributes,
  ...(i.owner ? { owner: i.owner } : {}),
  status: i.status,
  serviceIds: [...new Set(i.serviceIds)],
  customerIds: [...new Set(i.customerIds)],
});

/** Find a CI by id or readable number (`CI-1042`). */
export async function loadCi(idOrNumber: string, consistent = false): Promise<Ci> {
  let id = idOrNumber;
  if (/^CI-\d+$/.test(idOrNumber)) {
    const ref = await table().get(keys.number(idOrNumber));
    if (!ref) throw new NotFoundError(`CI ${idOrNumber} was not found.`, 'ci-not-found');
    id = String(ref.ciId);
  }
  const item = await table().get(keys.ci(id), consistent);
  if (!item) throw new NotFoundError(`CI ${idOrNumber} was not found.`, 'ci-not-found');
  return toCi(item);
}

export async function getCi(p: Principal, idOrNumber: string): Promise<Ci> {
  const ci = await loadCi(idOrNumber);
  assertCanSee(p, ci, idOrNumber);
  return ci;
}

/** The writes, history and event of a change from `before` to `after`; shared by the API and the importer. */
export function changeWork(ctx: OperationContext, before: Ci, after: CiState, reason?: string) {
  const changes = diffCi(before, after);
  const changed = Object.keys(changes);
  if (changed.length === 0) return undefined;
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  for (const f of changed) {
    const v = after[f as keyof CiState];
    if (v === undefined) remove.push(f);
    else set[f] = v;
  }
  if (changes.name || changes.typeId) Object.assign(set, indexOfName(after.typeId, after.name, before.ciId));
  const writes: Write[] = [{ kind: 'update', key: keys.ci(before.ciId), set, remove, expectVersion: before.version }];
  if (changes.customerIds) {
    for (const c of after.customerIds.filter((x) => !before.customerIds.includes(x))) {
      writes.push({
        kind: 'upsert',
        item: { ...keys.customerLink(c, before.ciId), type: 'customer-link', ciId: before.ciId },
      });
    }
    for (const c of before.customerIds.filter((x) => !after.customerIds.includes(x))) {
      writes.push({ kind: 'delete', key: keys.customerLink(c, before.ciId) });
    }
  }
  const updated: Ci = { ...before, ...after, version: before.version + 1, updatedAt: new Date().toISOString() };
  if (after.owner === undefined) delete updated.owner;
  const retired = changes.status && after.status === 'retired';
  const event = retired
    ? buildEvent(CiRetired, snapshot(updated), ctx)
    : buildEvent(CiUpdated, { ...snapshot(updated), changedFields: changed }, ctx);
  return {
    updated,
    work: {
      writes,
      history: [
        {
          pk: keys.ci(before.ciId).pk,
          entityType: 'ci',
          entityId: before.ciId,
          action: retired ? 'retired' : 'updated',
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

export async function updateCi(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  version: number,
  input: z.infer<typeof UpdateCiBody>,
): Promise<Ci> {
  const before = await loadCi(idOrNumber, true);
  assertCanSee(p, before, idOrNumber);
  assertCanChange(p, before);
  if (before.version !== version) {
    throw new ConflictError(
      `CI ${before.number} is at version ${before.version}, not ${version}. Read it again and retry.`,
    );
  }
  const after: CiState = {
    typeId: before.typeId,
    name: input.name ?? before.name,
    attributes: input.attributes ?? before.attributes,
    ...(input.owner === null ? {} : input.owner ? { owner: input.owner } : before.owner ? { owner: before.owner } : {}),
    status: input.status ?? before.status,
    serviceIds: input.serviceIds ? [...new Set(input.serviceIds)] : before.serviceIds,
    customerIds: input.customerIds ? [...new Set(input.customerIds)] : before.customerIds,
  };
  if (!canTransition(before.status, after.status)) {
    throw new ValidationError(
      `A ${before.status} CI cannot become ${after.status}.`,
      [
        {
          field: 'body.status',
          message: `must be one of: ${[before.status, ...allowedTransitions(before.status)].join(', ')}`,
        },
      ],
      'invalid-transition',
    );
  }
  if (input.attributes) {
    const problems = await checkAgainstType(after);
    if (problems.length) throw new ValidationError('The CI does not fit its type.', problems);
  }
  const change = changeWork(ctx, before, after, input.reason);
  if (!change) return before;
  // FitSM PR11.4: checked against the change named (or its absence); flagged, never refused.
  const authorisation = await authorise(
    ctx,
    before,
    input.changeId,
    Object.keys(change.work.history[0]?.changes ?? {}),
    change.updated.updatedAt,
  );
  await table().commit(ctx, underChange(change.work, authorisation));
  return change.updated;
}

/** A unit of work with its change-control outcome: the change named in its history, the flag written with it. */
export function underChange<W extends { writes: Write[]; history: HistoryEntry[]; events: OutgoingEvent[] }>(
  work: W,
  a: Authorisation,
): W {
  return {
    ...work,
    writes: [...work.writes, ...a.writes],
    history: a.changeId ? work.history.map((h) => ({ ...h, changeId: a.changeId })) : work.history,
    events: [...work.events, ...a.events],
  };
}

export async function listCis(p: Principal, q: { limit: number; cursor?: string; typeId?: string }): Promise<Page<Ci>> {
  const paging = { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) };
  if (isCustomerBound(p)) {
    if (!p.customerId) return { items: [] };
    // Customer users: the CIs linked to their organisation, one index page then one batch read.
    const links = await table().page({ pk: `CUST#${p.customerId}`, skBeginsWith: 'CI#', ...paging });
    const cis = (await table().batchGet(links.items.map((l) => keys.ci(String(l.ciId))))).map(toCi);
    const order = new Map(links.items.map((l, i) => [String(l.ciId), i]));
    cis.sort((a, b) => (order.get(a.ciId) ?? 0) - (order.get(b.ciId) ?? 0));
    return {
      items: cis.filter((c) => !q.typeId || c.typeId === q.typeId),
      ...(links.nextCursor ? { nextCursor: links.nextCursor } : {}),
    };
  }
  if (q.typeId) return table().page({ index: 'gsi2', pk: `TYPE#${q.typeId}`, ...paging }, toCi);
  return table().page({ index: 'gsi1', pk: 'CI', ...paging }, toCi);
}

export async function ciHistory(idOrNumber: string, q: { limit: number; cursor?: string }) {
  const ci = await loadCi(idOrNumber);
  return table().history(keys.ci(ci.ciId).pk, q);
}
