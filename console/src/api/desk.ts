import type { paths } from './schema';

/** Shapes of the desk's answers the pages use, taken from the generated OpenAPI types. */
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
export type Ok<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: infer A }
    ? Json<A>
    : R extends { 201: infer A }
      ? Json<A>
      : R extends { 202: infer A }
        ? Json<A>
        : never
  : never;

export type TicketSearchPage = Ok<'/v1/tickets', 'get'>;
export type TicketRow = TicketSearchPage['items'][number];
export type TicketQuery = NonNullable<paths['/v1/tickets']['get']['parameters']['query']>;

export const STATUSES = ['new', 'assigned', 'in-progress', 'pending', 'resolved', 'closed', 'cancelled'] as const;
export const OPEN_STATUSES = ['new', 'assigned', 'in-progress', 'pending'];
export const PENDING_REASONS = [
  'awaiting-caller',
  'awaiting-supplier',
  'awaiting-change',
  'awaiting-approval',
  'scheduled',
] as const;
export const RESOLUTION_CODES = [
  'fixed',
  'workaround',
  'fulfilled',
  'no-fault-found',
  'duplicate',
  'user-error',
  'not-reproducible',
] as const;

export const label = (code: string) => code.charAt(0).toUpperCase() + code.slice(1).replaceAll('-', ' ');

export type StatusType = 'success' | 'info' | 'pending' | 'stopped' | 'in-progress' | 'warning' | 'error';
export function statusType(status: string): StatusType {
  switch (status) {
    case 'new':
      return 'pending';
    case 'assigned':
    case 'in-progress':
      return 'in-progress';
    case 'pending':
      return 'stopped';
    case 'resolved':
    case 'closed':
      return 'success';
    default:
      return 'info';
  }
}
