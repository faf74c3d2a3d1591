import type { ChangeSnapshot } from '../../../shared/contracts/changes/v1';
import type { OperationContext } from '../../../shared/kit/context';
import { keepCopy } from '../../../shared/kit/copies';
import type { ReceivedEvent } from '../../../shared/kit/events';
import type { Item } from '../../../shared/kit/store';
import type { ChangeFacts, ChangeType, Impact } from '../domain/strategy';
import { keys, table } from '../store';

/**
 * The service's copy of the changes it may bundle, kept from the changes service's events (every
 * change event carries the whole snapshot). Only moves forward on the change's version, so
 * duplicates and reordering converge (`idempotency: 'by-version'`).
 */
export async function applyChange(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const c = event.data as ChangeSnapshot;
  await keepCopy(table(), ctx, keys.changeCopy(c.changeId), c.version, {
    type: 'change-copy',
    changeId: c.changeId,
    number: c.number,
    title: c.title,
    changeType: c.type,
    status: c.status,
    ciIds: c.ciIds,
    serviceIds: c.serviceIds,
    ...(c.impact ? { impact: c.impact } : {}),
    ...(c.outcome ? { outcome: c.outcome } : {}),
    ...(c.plannedStart ? { plannedStart: c.plannedStart, plannedEnd: c.plannedEnd } : {}),
    requesterId: c.requesterId,
    ...(c.templateId ? { templateId: c.templateId } : {}),
    ...(c.origin ? { origin: c.origin } : {}),
  });
}

export interface ChangeCopy extends ChangeFacts {
  title: string;
  outcome?: string;
  requesterId: string;
  templateId?: string;
  origin?: { source: string; ref: string };
}

const toCopy = (i: Item): ChangeCopy => ({
  changeId: String(i.changeId),
  number: String(i.number),
  title: String(i.title),
  type: i.changeType as ChangeType,
  status: String(i.status),
  ciIds: (i.ciIds as string[]) ?? [],
  serviceIds: (i.serviceIds as string[]) ?? [],
  ...(i.impact ? { impact: i.impact as Impact } : {}),
  ...(i.outcome ? { outcome: String(i.outcome) } : {}),
  requesterId: String(i.requesterId),
  ...(i.templateId ? { templateId: String(i.templateId) } : {}),
  ...(i.origin ? { origin: i.origin as { source: string; ref: string } } : {}),
});

/** The copies of these changes that the service has (a change it never heard of is missing). */
export async function changeCopies(changeIds: string[]): Promise<Map<string, ChangeCopy>> {
  if (changeIds.length === 0) return new Map();
  const items = await table().batchGet([...new Set(changeIds)].map(keys.changeCopy));
  return new Map(items.map((i) => [String(i.changeId), toCopy(i)]));
}

/** One change's copy by id or number (numbers resolve through the bundle-able copies' ids only). */
export async function changeCopy(changeId: string): Promise<ChangeCopy | undefined> {
  const i = await table().get(keys.changeCopy(changeId), true);
  return i ? toCopy(i) : undefined;
}
