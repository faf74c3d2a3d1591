import type * as z from 'zod/mini';
import type { ChangeSnapshot } from '../../../shared/contracts/changes/v1';
import { CiChangeUnauthorised } from '../../../shared/contracts/configuration/v1';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { keepCopy } from '../../../shared/kit/copies';
import { ConflictError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent, type OutgoingEvent, type ReceivedEvent } from '../../../shared/kit/events';
import { sameJson } from '../../../shared/kit/json';
import type { Item, Page, Write } from '../../../shared/kit/store';
import { assessChange, type ChangeCopy, type UnauthorisedReason } from '../domain/authorisation';
import type { ChangeControlBody } from '../schemas';
import { keys, table } from '../store';

/**
 * Authorised CI changes (FitSM PR11.4). The CMDB keeps a copy of each change from the changes
 * service's events, a setting naming the change-controlled CI types, and a report of CI changes
 * made without a change authorising them.
 */

/**
 * Keep the copy of a change. Events may arrive twice or out of order: the copy only moves
 * forward on the change's own version (keepCopy), so the end state is the same whatever the
 * order. The number never changes, so its lookup item is simply written every time.
 */
export async function applyChangeEvent(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const c = event.data as ChangeSnapshot;
  await table().commit(ctx, {
    writes: [{ kind: 'upsert', item: { ...keys.changeNumber(c.number), type: 'change-number', changeId: c.changeId } }],
  });
  await keepCopy(
    table(),
    ctx,
    keys.change(c.changeId),
    c.version,
    {
      type: 'change-copy',
      changeId: c.changeId,
      number: c.number,
      status: c.status,
      ciIds: c.ciIds,
      // null, not absent: a later version may clear a date, and keepCopy only sets attributes.
      plannedStart: c.plannedStart ?? null,
      plannedEnd: c.plannedEnd ?? null,
      implementationStartedAt: c.implementationStartedAt ?? null,
      implementationEndedAt: c.implementationEndedAt ?? null,
      updatedFrom: event.detailType,
    },
    'changeVersion',
  );
}

const optional = (v: unknown) => (v === null || v === undefined ? undefined : String(v));

const toChangeCopy = (i: Item): ChangeCopy => {
  const dates = {
    plannedStart: optional(i.plannedStart),
    plannedEnd: optional(i.plannedEnd),
    implementationStartedAt: optional(i.implementationStartedAt),
    implementationEndedAt: optional(i.implementationEndedAt),
  };
  return {
    changeId: String(i.changeId),
    number: String(i.number),
    status: String(i.status),
    ciIds: (i.ciIds ?? []) as string[],
    ...Object.fromEntries(Object.entries(dates).filter(([, v]) => v !== undefined)),
  };
};

/** The copy of a change named by id or by number (`CHG-77`); undefined when unknown. */
export async function findChange(ref: string): Promise<ChangeCopy | undefined> {
  let id = ref;
  if (/^CHG-\d+$/.test(ref)) {
    const n = await table().get(keys.changeNumber(ref), true);
    if (!n) return undefined;
    id = String(n.changeId);
  }
  const item = await table().get(keys.change(id), true);
  return item ? toChangeCopy(item) : undefined;
}

export interface ChangeControl {
  /** CI types whose changes must name an authorising change; changes to others are checked only when they name one. */
  controlledTypeIds: string[];
  version: number;
}

/** The change-control setting; until saved, no type is controlled, at version 0 (the first save sends `If-Match: "0"`). */
export async function getChangeControl(consistent = false): Promise<ChangeControl> {
  const item = await table().get(keys.changeControl(), consistent);
  if (!item) return { controlledTypeIds: [], version: 0 };
  return { controlledTypeIds: (item.controlledTypeIds ?? []) as string[], version: Number(item.version) };
}

export async function putChangeControl(
  ctx: OperationContext,
  version: number,
  input: z.infer<typeof ChangeControlBody>,
): Promise<ChangeControl> {
  const controlledTypeIds = [...new Set(input.controlledTypeIds)].sort();
  const known = new Set(
    (await table().batchGet(controlledTypeIds.map(keys.type), ['typeId'])).map((t) => String(t.typeId)),
  );
  const missing = controlledTypeIds.filter((t) => !known.has(t));
  if (missing.length) {
    throw new ValidationError(
      'Only defined CI types can be change-controlled.',
      missing.map((t) => ({
        field: `body.controlledTypeIds.${input.controlledTypeIds.indexOf(t)}`,
        message: `CI type ${t} does not exist`,
      })),
    );
  }
  const current = await getChangeControl(true);
  if (current.version !== version) {
    throw new ConflictError(
      `The change-control setting is at version ${current.version}, not ${version}. Read it again.`,
    );
  }
  if (sameJson(current.controlledTypeIds, controlledTypeIds)) return current;
  await table().commit(ctx, {
    writes: [
      version === 0
        ? { kind: 'create', item: { ...keys.changeControl(), type: 'settings', controlledTypeIds } }
        : { kind: 'update', key: keys.changeControl(), set: { controlledTypeIds }, expectVersion: version },
    ],
    history: [
      {
        pk: keys.changeControl().pk,
        entityType: 'change-control',
        entityId: 'change-control',
        action: 'changed',
        changes: { controlledTypeIds: { from: current.controlledTypeIds, to: controlledTypeIds } },
      },
    ],
  });
  return { controlledTypeIds, version: version + 1 };
}

/** What a CI change adds to its unit of work for change control. */
export interface Authorisation {
  /** For the history entry: the change as named. */
  changeId?: string;
  writes: Write[];
  events: OutgoingEvent[];
}

/**
 * Check a CI change against the change it names (or the lack of one) and, when unauthorised, the
 * report item and `CiChangeUnauthorised` to commit with the change itself: the CI change and its
 * flag are written together or not at all. `at` is the instant the change records.
 */
export async function authorise(
  ctx: OperationContext,
  ci: { ciId: string; number: string; typeId: string },
  changeRef: string | undefined,
  changedFields: string[],
  at: string,
  /** Read once by a caller checking many CIs (an import): the setting, and the change named. */
  known?: { control: ChangeControl; change: ChangeCopy | undefined },
): Promise<Authorisation> {
  const [setting, change] = await Promise.all([
    known?.control ?? getChangeControl(),
    known ? known.change : changeRef ? findChange(changeRef) : undefined,
  ]);
  const verdict = assessChange({
    ciId: ci.ciId,
    controlled: setting.controlledTypeIds.includes(ci.typeId),
    named: changeRef !== undefined,
    change,
    at: new Date(at),
  });
  const named = changeRef ? { changeId: changeRef } : {};
  if (verdict.authorised !== false) return { ...named, writes: [], events: [] };
  const recordId = newId();
  const record = {
    recordId,
    ciId: ci.ciId,
    number: ci.number,
    typeId: ci.typeId,
    ...(changeRef ? { changeRef } : {}),
    ...(change ? { changeId: change.changeId, changeNumber: change.number } : {}),
    reason: verdict.reason,
    actor: ctx.actor,
    changedFields,
    at,
  };
  return {
    ...named,
    writes: [
      {
        kind: 'create',
        item: {
          ...keys.unauthorised(recordId),
          type: 'unauthorised-change',
          ...record,
          gsi1pk: 'UNAUTHORISED',
          // Newest first by instant; the ULID breaks ties and keeps each key unique.
          gsi1sk: `${at}#${recordId}`,
        },
      },
    ],
    events: [buildEvent(CiChangeUnauthorised, record, ctx)],
  };
}

export interface UnauthorisedView {
  recordId: string;
  ciId: string;
  number: string;
  typeId: string;
  changeRef?: string;
  changeId?: string;
  changeNumber?: string;
  reason: UnauthorisedReason;
  actor: { id: string; name: string; kind: 'user' | 'system' };
  changedFields: string[];
  at: string;
}

const toUnauthorised = (i: Item): UnauthorisedView => ({
  recordId: String(i.recordId),
  ciId: String(i.ciId),
  number: String(i.number),
  typeId: String(i.typeId),
  ...(i.changeRef ? { changeRef: String(i.changeRef) } : {}),
  ...(i.changeId ? { changeId: String(i.changeId) } : {}),
  ...(i.changeNumber ? { changeNumber: String(i.changeNumber) } : {}),
  reason: i.reason as UnauthorisedReason,
  actor: i.actor as UnauthorisedView['actor'],
  changedFields: (i.changedFields ?? []) as string[],
  at: String(i.at),
});

/** The report: unauthorised CI changes, newest first, a page at a time from the sparse index. */
export function listUnauthorised(limit: number, cursor?: string): Promise<Page<UnauthorisedView>> {
  return table().page(
    { index: 'gsi1', pk: 'UNAUTHORISED', limit, descending: true, ...(cursor ? { cursor } : {}) },
    toUnauthorised,
  );
}
