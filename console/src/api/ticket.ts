/**
 * The desk's ticket as its API answers it. Until every desk route declares its response schema the
 * page reads these fields; the names are the API's (see services/service-desk/domain/ticket.ts).
 */
export interface Ticket {
  ticketId: string;
  number: string;
  type: 'incident' | 'request';
  title: string;
  description?: string;
  channel: string;
  caller?: { id: string; name: string; email?: string };
  customerId?: string;
  serviceId?: string;
  ciIds: string[];
  category?: string[];
  impact?: string;
  urgency?: string;
  priority: string;
  status: string;
  pendingReason?: string;
  assignmentGroup?: string;
  assigneeId?: string;
  parentId?: string;
  relatedIds: string[];
  reopenCount: number;
  major: boolean;
  majorCriteria?: string[];
  resolutionCode?: string;
  resolutionSummary?: string;
  resolvedAt?: string;
  closedAt?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  modelId?: string;
  form?: Record<string, unknown>;
}

export interface Comment {
  commentId: string;
  text: string;
  visibility: 'public' | 'internal';
  kind?: string;
  byCaller?: boolean;
  author: { id: string; name?: string };
  createdAt: string;
}

export interface WorkLogEntry {
  entryId: string;
  minutes: number;
  note: string;
  by: { id: string; name?: string };
  at: string;
}

export interface HistoryEntry {
  at: string;
  actor: { id: string; name?: string; kind: string };
  action: string;
  changes?: Record<string, { from?: unknown; to?: unknown }>;
  reason?: string;
}

export interface ClockExplanation {
  clock: string;
  state: string;
  elapsedMinutes: number;
  pausedMinutes?: number;
  targetMinutes?: number;
  remainingMinutes?: number;
  deadline?: string;
  breachedAt?: string;
  metAt?: string;
  explanation: { from: string; to: string; status: string; phase: string; counted: boolean; businessMinutes: number }[];
}

export interface TicketClocks {
  agreementId?: string;
  terms?: string;
  now: string;
  clocks: Record<string, ClockExplanation>;
}
