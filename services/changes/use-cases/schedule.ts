import { ChangeNoticeIssued } from '../../../shared/contracts/changes/v1';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { buildEvent, type OutgoingEvent } from '../../../shared/kit/events';
import type { Key, Write } from '../../../shared/kit/store';
import { type Change, type Conflict, SCHEDULED } from '../domain/change';
import { table } from '../store';
import { relatedWithin } from './graph';
import { loadPolicy } from './policy';

/**
 * The forward schedule of change (FitSM PR12.6): one item per UTC day a scheduled change's window
 * covers (`DAY#<yyyy-mm-dd>` / `CHG#<changeId>`), so a conflict check reads only the days of its
 * own window, whatever the size of the schedule.
 */
const DAY_MS = 86_400_000;

export function windowDays(start: string, end: string): string[] {
  const days: string[] = [];
  const last = Date.parse(end) - 1;
  for (let t = Math.floor(Date.parse(start) / DAY_MS) * DAY_MS; t <= last; t += DAY_MS)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

const dayKey = (day: string, changeId: string): Key => ({ pk: `DAY#${day}`, sk: `CHG#${changeId}` });
const onSchedule = (c: Change | undefined): c is Change & { plannedStart: string; plannedEnd: string } =>
  !!c && SCHEDULED.includes(c.status) && !!c.plannedStart && !!c.plannedEnd;

/** The writes that keep a change's schedule items in step with its window and status. */
export function scheduleWrites(before: Change | undefined, after: Change): Write[] {
  const was = onSchedule(before) ? windowDays(before.plannedStart, before.plannedEnd) : [];
  const is = onSchedule(after) ? windowDays(after.plannedStart, after.plannedEnd) : [];
  const writes: Write[] = was
    .filter((d) => !is.includes(d))
    .map((d): Write => ({ kind: 'delete', key: dayKey(d, after.changeId) }));
  if (onSchedule(after)) {
    for (const d of is)
      writes.push({
        kind: 'upsert',
        item: {
          ...dayKey(d, after.changeId),
          type: 'schedule-day',
          changeId: after.changeId,
          number: after.number,
          title: after.title,
          changeType: after.type,
          status: after.status,
          start: after.plannedStart,
          end: after.plannedEnd,
          ciIds: after.ciIds,
          serviceIds: after.serviceIds,
          customerIds: after.customerIds,
        },
      });
  }
  return writes;
}

/** Other scheduled changes whose windows overlap this one's on the same CI, a related CI or the same service. */
export async function findConflicts(c: Change): Promise<Conflict[]> {
  if (!c.plannedStart || !c.plannedEnd) return [];
  const start = Date.parse(c.plannedStart);
  const end = Date.parse(c.plannedEnd);
  const policy = await loadPolicy();
  const [items, related] = await Promise.all([
    Promise.all(windowDays(c.plannedStart, c.plannedEnd).map((d) => table().all({ pk: `DAY#${d}` }))).then((x) =>
      x.flat(),
    ),
    relatedWithin(c.ciIds, policy.conflictDepth),
  ]);
  const seen = new Set<string>();
  const out: Conflict[] = [];
  for (const o of items) {
    const id = String(o.changeId);
    if (id === c.changeId || seen.has(id)) continue;
    if (!(Date.parse(String(o.start)) < end && Date.parse(String(o.end)) > start)) continue;
    seen.add(id);
    const base = {
      changeId: id,
      number: String(o.number),
      title: String(o.title),
      start: String(o.start),
      end: String(o.end),
    };
    const theirs = (o.ciIds as string[]) ?? [];
    for (const ci of theirs) {
      if (c.ciIds.includes(ci)) out.push({ ...base, kind: 'same-ci', ciId: ci });
      else if (related.has(ci)) out.push({ ...base, kind: 'related-ci', ciId: ci, depth: related.get(ci)! });
    }
    for (const s of (o.serviceIds as string[]) ?? [])
      if (c.serviceIds.includes(s)) out.push({ ...base, kind: 'same-service', serviceId: s });
  }
  return out;
}

/**
 * Notices to affected customers (CMMI-SVC SD SP 3.3): when an authorised change's window is set,
 * moved, or the change is cancelled after approval, one `ChangeNoticeIssued` per customer.
 */
export function noticeEvents(before: Change | undefined, after: Change, ctx: OperationContext): OutgoingEvent[] {
  const wasOn = !!before && ['approved', 'implementing'].includes(before.status);
  const isOn = ['approved', 'implementing'].includes(after.status);
  let kind: 'scheduled' | 'moved' | 'cancelled' | undefined;
  if (!wasOn && isOn && after.status === 'approved') kind = 'scheduled';
  else if (wasOn && isOn && (before!.plannedStart !== after.plannedStart || before!.plannedEnd !== after.plannedEnd))
    kind = 'moved';
  else if (wasOn && after.status === 'cancelled') kind = 'cancelled';
  if (!kind || !after.plannedStart || !after.plannedEnd) return [];
  return after.customerIds.map((customerId) =>
    buildEvent(
      ChangeNoticeIssued,
      {
        noticeId: newId(),
        customerId,
        kind: kind!,
        changeId: after.changeId,
        number: after.number,
        title: after.title,
        serviceIds: after.serviceIds,
        plannedStart: after.plannedStart!,
        plannedEnd: after.plannedEnd!,
        ...(kind === 'moved' ? { previousStart: before!.plannedStart!, previousEnd: before!.plannedEnd! } : {}),
      },
      ctx,
    ),
  );
}
