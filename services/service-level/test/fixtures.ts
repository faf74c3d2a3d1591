import type { BusinessCalendar, WeeklyCalendar } from '../domain/calendar';
import type { ClockConfig, SlaDefinition, TimelineEvent } from '../domain/clock';

const nineToFive = [{ start: '09:00', end: '17:00' }];

export const weekdays = (timeZone: string, holidays: WeeklyCalendar['holidays'] = []): WeeklyCalendar => ({
  timeZone,
  hours: { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive, sat: [], sun: [] },
  holidays,
});

/** Berlin office hours with Good Friday 2026 closed. */
export const berlinOffice = weekdays('Europe/Berlin', [{ date: '2026-04-03', name: 'Karfreitag' }]);
export const newYorkOffice = weekdays('America/New_York');
export const berlin24x7: BusinessCalendar = { timeZone: 'Europe/Berlin', twentyFourSeven: true };

const allDay = [{ start: '00:00', end: '24:00' }];
/** 24x7 spelled as weekly windows, with a holiday so the day-walking path (not the 24x7 shortcut) runs. */
export const berlinAllDays: WeeklyCalendar = {
  timeZone: 'Europe/Berlin',
  hours: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
  holidays: [{ date: '2030-12-25' }],
};

export const slas: Record<string, SlaDefinition> = {
  office: {
    slaId: 'office',
    calendar: berlinOffice,
    targets: {
      P1: { firstResponseMinutes: 30, resolutionMinutes: 240 },
      P2: { firstResponseMinutes: 60, resolutionMinutes: 480 },
      P3: { firstResponseMinutes: 240, resolutionMinutes: 1440 },
      P4: { resolutionMinutes: 2400 },
    },
  },
  'office-ny': { slaId: 'office-ny', calendar: newYorkOffice, targets: { P2: { resolutionMinutes: 480 } } },
  'office-half': {
    slaId: 'office-half',
    calendar: berlinOffice,
    warnAt: 0.5,
    targets: { P2: { resolutionMinutes: 480 } },
  },
  'round-the-clock': {
    slaId: 'round-the-clock',
    calendar: berlin24x7,
    targets: { P1: { firstResponseMinutes: 15, resolutionMinutes: 120 }, P3: { resolutionMinutes: 480 } },
  },
  'all-days': {
    slaId: 'all-days',
    calendar: berlinAllDays,
    targets: { P1: { firstResponseMinutes: 15, resolutionMinutes: 120 } },
  },
};

export const config: ClockConfig = {
  resolution: {
    running: ['new', 'assigned', 'in-progress'],
    paused: ['pending'],
    stopped: ['resolved', 'closed', 'cancelled'],
    completes: ['resolved', 'closed'],
  },
  'first-response': {
    running: ['new', 'assigned', 'in-progress'],
    paused: ['pending'],
    stopped: ['resolved', 'closed', 'cancelled'],
    completes: [],
  },
};

export const created = (at: string, priority: string, slaId: string, status = 'in-progress'): TimelineEvent => ({
  at,
  kind: 'created',
  status,
  priority,
  slaId,
});
export const status = (at: string, s: string): TimelineEvent => ({ at, kind: 'status', status: s });
export const priority = (at: string, p: string): TimelineEvent => ({ at, kind: 'priority', priority: p });
export const sla = (at: string, slaId: string): TimelineEvent => ({ at, kind: 'sla', slaId });
export const responded = (at: string): TimelineEvent => ({ at, kind: 'first-response' });

/** An ISO instant in canonical UTC form, as the engine prints it. */
export const z = (at: string) => new Date(at).toISOString();
export const ms = (at: string) => Date.parse(at);
export const HOUR = 3_600_000;
