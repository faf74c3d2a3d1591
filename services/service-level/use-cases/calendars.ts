import type * as z from 'zod/mini';
import type { OperationContext } from '../../../shared/kit/context';
import { NotFoundError, ValidationError } from '../../../shared/kit/errors';
import type { Item, Page } from '../../../shared/kit/store';
import { type BusinessCalendar, validateCalendar } from '../domain/calendar';
import type { DefineCalendarBody } from '../schemas';
import { table } from '../store';

/**
 * Business calendars (FitSM PR2: service hours and exceptions, SLA template §3). Item layout:
 * `CAL#<calendarId> / CAL`, listed through `gsi1` (`CALENDARS / <calendarId>`).
 */
const key = (calendarId: string) => ({ pk: `CAL#${calendarId}`, sk: 'CAL' });

export interface StoredCalendar {
  calendarId: string;
  name: string;
  calendar: BusinessCalendar;
  version: number;
}

const toCalendar = (i: Item): StoredCalendar => ({
  calendarId: String(i.calendarId),
  name: String(i.name),
  calendar: i.calendar as BusinessCalendar,
  version: Number(i.version),
});

export function checkCalendar(calendar: BusinessCalendar, field: string): void {
  const problems = validateCalendar(calendar);
  if (problems.length) {
    throw new ValidationError(
      'The calendar is not valid.',
      problems.map((p) => ({ ...p, field: [field, p.field].filter(Boolean).join('.') })),
      'invalid-calendar',
    );
  }
}

export async function defineCalendar(
  ctx: OperationContext,
  input: z.infer<typeof DefineCalendarBody>,
): Promise<StoredCalendar> {
  const calendar = input.calendar as BusinessCalendar;
  checkCalendar(calendar, 'body.calendar');
  await table().commit(ctx, {
    writes: [
      {
        kind: 'create',
        item: {
          ...key(input.calendarId),
          type: 'calendar',
          calendarId: input.calendarId,
          name: input.name,
          calendar,
          gsi1pk: 'CALENDARS',
          gsi1sk: input.calendarId,
        },
      },
    ],
    history: [{ pk: key(input.calendarId).pk, entityType: 'calendar', entityId: input.calendarId, action: 'defined' }],
  });
  return { calendarId: input.calendarId, name: input.name, calendar, version: 1 };
}

export async function getCalendar(calendarId: string): Promise<StoredCalendar> {
  const item = await table().get(key(calendarId));
  if (!item) throw new NotFoundError(`Calendar ${calendarId} does not exist.`, 'calendar-not-found');
  return toCalendar(item);
}

export const listCalendars = (limit: number, cursor?: string): Promise<Page<StoredCalendar>> =>
  table().page({ index: 'gsi1', pk: 'CALENDARS', limit, ...(cursor ? { cursor } : {}) }, toCalendar);
