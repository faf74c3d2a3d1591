import type { components } from './schema';

/** The desk's shapes as the API declares them (generated from the OpenAPI document). */
type S = components['schemas'];
export type StaffTicket = S['Ticket'];
export type CustomerTicket = S['CustomerTicket'];
/** What a ticket route answers: the staff view, or the customer view to a customer user. */
export type Ticket = StaffTicket | CustomerTicket;
export type Comment = S['Comment'];
export type WorkLogEntry = S['WorkLogEntry'];
export type HistoryEntry = S['HistoryEntry'];
export type TicketClocks = S['TicketClocks'];
export type ClockReading = S['ClockReading'];

/** Staff see CIs, assignment, relations; the customer view has none of them. */
export const isStaffView = (t: Ticket): t is StaffTicket => 'assignmentGroup' in t || 'ciIds' in t;
