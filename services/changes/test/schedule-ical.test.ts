import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { type CalendarChange, changeCalendar } from '../adapters/ical';

const change = (over: Partial<CalendarChange> = {}): CalendarChange => ({
  changeId: '01CHANGE',
  number: 'CHG-7',
  title: 'Replace core switch; reroute VLANs',
  type: 'normal',
  status: 'approval',
  risk: 'high',
  start: '2026-12-12T22:00:00+01:00',
  end: '2026-12-13T01:30:00+01:00',
  serviceIds: ['network', 'mail'],
  version: 4,
  ...over,
});

/** Parse with a real RFC 5545 parser and hand back the VEVENTs. */
function events(text: string) {
  const cal = new ICAL.Component(ICAL.parse(text));
  expect(cal.name).toBe('vcalendar');
  expect(cal.getFirstPropertyValue('version')).toBe('2.0');
  return cal.getAllSubcomponents('vevent');
}

describe('the change calendar (RFC 5545)', () => {
  it('has one event per change with a stable UID, SEQUENCE from the version, UTC times, summary, status and description', () => {
    const text = changeCalendar({
      name: 'Changes',
      consoleUrl: 'https://console.example.org/',
      changes: [
        change(),
        change({ changeId: '01OTHER', number: 'CHG-8', status: 'approved', version: 9, risk: undefined }),
      ],
      blackouts: [],
      stamp: new Date('2026-12-01T08:00:00Z'),
    });

    const [first, second] = events(text);
    expect(events(text)).toHaveLength(2);
    expect(first!.getFirstPropertyValue('uid')).toBe('change-01CHANGE@itsm.changes');
    expect(first!.getFirstPropertyValue('sequence')).toBe(4);
    expect(first!.getFirstPropertyValue('summary')).toBe('CHG-7: Replace core switch; reroute VLANs');
    expect(first!.getFirstPropertyValue('status')).toBe('TENTATIVE');
    const start = first!.getFirstPropertyValue('dtstart') as ICAL.Time;
    const end = first!.getFirstPropertyValue('dtend') as ICAL.Time;
    expect(start.zone?.tzid).toBe('UTC');
    expect(start.toJSDate().toISOString()).toBe('2026-12-12T21:00:00.000Z');
    expect(end.toJSDate().toISOString()).toBe('2026-12-13T00:30:00.000Z');
    expect(text).toContain('DTSTART:20261212T210000Z');
    expect(first!.getFirstPropertyValue('description')).toBe(
      'Type: normal\nRisk: high\nServices: network, mail\nhttps://console.example.org/changes/01CHANGE',
    );
    expect(first!.getFirstPropertyValue('url')).toBe('https://console.example.org/changes/01CHANGE');
    expect((first!.getFirstPropertyValue('dtstamp') as ICAL.Time).toJSDate().toISOString()).toBe(
      '2026-12-01T08:00:00.000Z',
    );
    expect(second!.getFirstPropertyValue('uid')).toBe('change-01OTHER@itsm.changes');
    expect(second!.getFirstPropertyValue('sequence')).toBe(9);
    expect(second!.getFirstPropertyValue('status')).toBe('CONFIRMED');
    expect(second!.getFirstPropertyValue('description')).toContain('Risk: not assessed');
  });

  it('maps approval to TENTATIVE, approved and implementing to CONFIRMED, cancelled to CANCELLED', () => {
    const statuses = ['approval', 'approved', 'implementing', 'cancelled'] as const;
    const text = changeCalendar({
      name: 'Changes',
      consoleUrl: 'http://localhost:5173',
      changes: statuses.map((status, i) => change({ changeId: `C${i}`, status })),
      blackouts: [],
      stamp: new Date(),
    });

    expect(events(text).map((e) => e.getFirstPropertyValue('status'))).toEqual([
      'TENTATIVE',
      'CONFIRMED',
      'CONFIRMED',
      'CANCELLED',
    ]);
  });

  it('shows blackout windows as events, with their scope', () => {
    const text = changeCalendar({
      name: 'Changes',
      consoleUrl: 'http://localhost:5173',
      changes: [],
      blackouts: [
        {
          windowId: 'B1',
          name: 'Year-end freeze',
          start: '2026-12-20T00:00:00Z',
          end: '2027-01-03T00:00:00Z',
          version: 2,
          serviceIds: [],
          ciIds: [],
        },
        {
          windowId: 'B2',
          name: 'Payroll run',
          start: '2026-12-28T00:00:00Z',
          end: '2026-12-29T00:00:00Z',
          version: 1,
          serviceIds: ['payroll'],
          ciIds: ['db-1'],
        },
      ],
      stamp: new Date(),
    });

    const [global, scoped] = events(text);
    expect(global!.getFirstPropertyValue('uid')).toBe('blackout-B1@itsm.changes');
    expect(global!.getFirstPropertyValue('summary')).toBe('Change freeze: Year-end freeze');
    expect(global!.getFirstPropertyValue('sequence')).toBe(2);
    expect((global!.getFirstPropertyValue('dtend') as ICAL.Time).toJSDate().toISOString()).toBe(
      '2027-01-03T00:00:00.000Z',
    );
    expect(global!.getFirstPropertyValue('description')).toBe('Blackout window: no changes\nAll services');
    expect(scoped!.getFirstPropertyValue('description')).toBe(
      'Blackout window: no changes\nServices: payroll\nCIs: db-1',
    );
  });
});
