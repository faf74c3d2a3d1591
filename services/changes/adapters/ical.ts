import ical, { ICalEventStatus } from 'ical-generator';
import type { CHANGE_STATUSES, CHANGE_TYPES, RISK_LEVELS } from '../../../shared/contracts/changes/v1';

type ChangeStatus = (typeof CHANGE_STATUSES)[number];
type ChangeType = (typeof CHANGE_TYPES)[number];
type Risk = (typeof RISK_LEVELS)[number];

/**
 * The change calendar as RFC 5545 (FitSM PR12.6: the forward schedule of change, for calendar
 * applications). One VEVENT per scheduled change and per blackout window; times in UTC. An
 * adapter, not domain code: it renders through the `ical-generator` package (domain/ is pure).
 */

/** What the calendar shows of a change: the schedule item's fields. */
export interface CalendarChange {
  changeId: string;
  number: string;
  title: string;
  type: ChangeType;
  status: ChangeStatus;
  risk?: Risk;
  start: string;
  end: string;
  serviceIds: readonly string[];
  /** The change's version: the event's SEQUENCE, so clients replace what they hold (RFC 5545 §3.8.7.4). */
  version: number;
}

export interface CalendarBlackout {
  windowId: string;
  name: string;
  start: string;
  end: string;
  version: number;
  serviceIds: readonly string[];
  ciIds: readonly string[];
}

/** The product identifier (RFC 5545 §3.7.3). */
const PRODID = { company: 'itsm', product: 'changes', language: 'EN' };
/** UIDs are global and must not change for a change (RFC 5545 §3.8.4.7): the id plus our domain. */
export const changeUid = (changeId: string) => `change-${changeId}@itsm.changes`;
export const blackoutUid = (windowId: string) => `blackout-${windowId}@itsm.changes`;

/** In approval: tentative; authorised: confirmed; withdrawn: cancelled. */
export function eventStatus(status: ChangeStatus): ICalEventStatus {
  if (status === 'cancelled' || status === 'rejected') return ICalEventStatus.CANCELLED;
  if (status === 'approved' || status === 'implementing' || status === 'implemented' || status === 'closed')
    return ICalEventStatus.CONFIRMED;
  return ICalEventStatus.TENTATIVE;
}

/**
 * The calendar document. `stamp` is DTSTAMP (when this document was produced); the console link
 * of each change is `${consoleUrl}/changes/<id>`.
 */
export function changeCalendar(input: {
  name: string;
  consoleUrl: string;
  changes: readonly CalendarChange[];
  blackouts: readonly CalendarBlackout[];
  stamp: Date;
}): string {
  const cal = ical({ name: input.name, prodId: PRODID });
  for (const c of input.changes) {
    const link = `${input.consoleUrl.replace(/\/$/, '')}/changes/${c.changeId}`;
    cal.createEvent({
      id: changeUid(c.changeId),
      sequence: c.version,
      stamp: input.stamp,
      start: new Date(c.start),
      end: new Date(c.end),
      summary: `${c.number}: ${c.title}`,
      status: eventStatus(c.status),
      description: [
        `Type: ${c.type}`,
        `Risk: ${c.risk ?? 'not assessed'}`,
        `Services: ${c.serviceIds.length > 0 ? c.serviceIds.join(', ') : 'none named'}`,
        link,
      ].join('\n'),
      url: link,
    });
  }
  for (const b of input.blackouts) {
    const scope = [
      ...(b.serviceIds.length > 0 ? [`Services: ${b.serviceIds.join(', ')}`] : []),
      ...(b.ciIds.length > 0 ? [`CIs: ${b.ciIds.join(', ')}`] : []),
    ];
    cal.createEvent({
      id: blackoutUid(b.windowId),
      sequence: b.version,
      stamp: input.stamp,
      start: new Date(b.start),
      end: new Date(b.end),
      summary: `Change freeze: ${b.name}`,
      status: ICalEventStatus.CONFIRMED,
      description: ['Blackout window: no changes', ...(scope.length > 0 ? scope : ['All services'])].join('\n'),
    });
  }
  return cal.toString();
}
