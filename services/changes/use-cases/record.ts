import type { ChangeSnapshot } from '../../../shared/contracts/changes/v1';
import type { EventContract } from '../../../shared/contracts/envelope';
import { now } from '../../../shared/kit/clock';
import type { OperationContext } from '../../../shared/kit/context';
import { NotFoundError } from '../../../shared/kit/errors';
import { buildEvent, type OutgoingEvent } from '../../../shared/kit/events';
import { fieldChanges } from '../../../shared/kit/json';
import type { Write } from '../../../shared/kit/store';
import type { Change } from '../domain/change';
import { changeItem, keys, table, toChange } from '../store';
import { noticeEvents, scheduleWrites } from './schedule';

/**
 * A change as one aggregate: read by id or number, written whole with its history, events,
 * schedule items and customer notices in one transaction. Every use case writes through here.
 */
export const MANAGERS = ['changes-manager', 'changes-owner'] as const;

export const snapshot = (c: Change): ChangeSnapshot => ({
  changeId: c.changeId,
  number: c.number,
  type: c.type,
  status: c.status,
  title: c.title,
  requesterId: c.requesterId,
  ...(c.implementerId ? { implementerId: c.implementerId } : {}),
  ciIds: c.ciIds,
  serviceIds: c.serviceIds.slice(0, 100),
  customerIds: c.customerIds.slice(0, 100),
  ...(c.assessment ? { risk: c.assessment.risk, impact: c.assessment.impact } : {}),
  ...(c.plannedStart ? { plannedStart: c.plannedStart } : {}),
  ...(c.plannedEnd ? { plannedEnd: c.plannedEnd } : {}),
  ...(c.implementationStartedAt ? { implementationStartedAt: c.implementationStartedAt } : {}),
  ...(c.implementationEndedAt ? { implementationEndedAt: c.implementationEndedAt } : {}),
  ...(c.outcome ? { outcome: c.outcome } : {}),
  ...(c.closureCode ? { closureCode: c.closureCode } : {}),
  ...(c.origin ? { origin: c.origin } : {}),
  ...(c.templateId ? { templateId: c.templateId } : {}),
  version: c.version,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export async function loadChange(idOrNumber: string, consistent = false): Promise<Change> {
  let id = idOrNumber;
  if (/^CHG-\d+$/.test(idOrNumber)) {
    const n = await table().get(keys.number(idOrNumber), consistent);
    if (!n) throw new NotFoundError(`Change ${idOrNumber} was not found.`, 'change-not-found');
    id = String(n.changeId);
  }
  const item = await table().get(keys.change(id), consistent);
  if (!item) throw new NotFoundError(`Change ${idOrNumber} was not found.`, 'change-not-found');
  return toChange(item);
}

export interface SaveOptions {
  action: string;
  reason?: string;
  events?: EventContract[];
  extraEvents?: OutgoingEvent[];
  writes?: Write[];
  /** The version the caller read (If-Match); defaults to the loaded one. */
  expectVersion?: number;
  /** The event an inbox consumer handles with this write (`handled(ctx)`). */
  handles?: string;
}

/** Tracked fields whose changes go into the history entry. */
const TRACKED: (keyof Change)[] = [
  'type',
  'status',
  'title',
  'description',
  'reason',
  'implementerId',
  'ciIds',
  'serviceIds',
  'customerIds',
  'plannedStart',
  'plannedEnd',
  'implementationPlan',
  'testPlan',
  'backoutPlan',
  'outcome',
  'closureCode',
  'reviewReasons',
  'incidentIds',
];

export const diff = (before: Change | undefined, after: Change) => fieldChanges(TRACKED, before, after);

/**
 * Write a change as one aggregate, conditional on the version it was read at, with its history
 * entry, its events (through the table's stream, ADR 23), its schedule items and the notices to
 * customers its new window or status calls for, all in one transaction.
 */
export async function saveChange(
  ctx: OperationContext,
  before: Change | undefined,
  next: Omit<Change, 'version' | 'updatedAt'> & { version?: number; updatedAt?: string },
  opts: SaveOptions,
): Promise<Change> {
  const at = new Date(now()).toISOString();
  const after: Change = {
    ...next,
    version: before ? before.version + 1 : 1,
    createdAt: before?.createdAt ?? at,
    updatedAt: at,
  } as Change;
  const writes: Write[] = [
    before
      ? { kind: 'replace', item: changeItem(after), expectVersion: opts.expectVersion ?? before.version }
      : { kind: 'create', item: changeItem(after) },
    ...scheduleWrites(before, after),
    ...(opts.writes ?? []),
  ];
  const events = [
    ...(opts.events ?? []).map((e) => buildEvent(e, snapshot(after), ctx)),
    ...noticeEvents(before, after, ctx),
    ...(opts.extraEvents ?? []),
  ];
  await table().commit(ctx, {
    writes,
    history: [
      {
        pk: keys.change(after.changeId).pk,
        entityType: 'change',
        entityId: after.changeId,
        action: opts.action,
        changes: diff(before, after),
        ...(opts.reason ? { reason: opts.reason } : {}),
      },
    ],
    events,
    at,
    ...(opts.handles ? { handles: opts.handles } : {}),
  });
  return after;
}
