import type { Kysely } from 'kysely';
import type { OperationContext } from '../../../shared/kit/context';
import type { ReceivedEvent } from '../../../shared/kit/events';
import type { ReadModel } from '../db/schema';
import {
  applyClocks,
  applyComments,
  applyRecords,
  applySurveyAnswers,
  applyTickets,
  type ClocksRecord,
  type CommentRecord,
  noteWatermark,
  type RecordKind,
  type SurveyAnswerRecord,
  type TicketRecord,
} from './project';
import { notePage } from './rebuild';

/**
 * Which records an owner's event carries, and where they go in the read model. Events without a
 * record the read model keeps (relationships, baselines, reminders) are accepted and ignored.
 */
export async function applyEvent(
  db: Kysely<ReadModel>,
  detailType: string,
  data: Record<string, unknown>,
): Promise<boolean> {
  if ('ticket' in data && typeof data.ticket === 'object' && data.ticket && 'ticketId' in data.ticket) {
    await applyTickets(db, [data.ticket as TicketRecord]);
    return true;
  }
  switch (detailType) {
    case 'TicketCommented':
      await applyComments(db, [
        (data.comment ? { ...(data.comment as object), ticketId: data.ticketId } : data) as CommentRecord,
      ]);
      return true;
    case 'SlaClocksChanged':
      await applyClocks(db, [data as ClocksRecord]);
      return true;
    case 'SurveyAnswered':
      await applySurveyAnswers(db, [data as SurveyAnswerRecord]);
      return true;
    case 'RecordsResynced':
      return applyPage(db, data);
  }
  const kind = KIND_BY_EVENT[detailType];
  if (!kind) return false;
  await applyRecords(db, kind, [data as Record<string, unknown> & { version: number }]);
  return true;
}

const KIND_BY_EVENT: Record<string, RecordKind> = {
  CiRegistered: 'ci',
  CiUpdated: 'ci',
  CiRetired: 'ci',
  ServiceRegistered: 'service',
  ServiceUpdated: 'service',
  ServiceRetired: 'service',
  CustomerRegistered: 'customer',
  CustomerUpdated: 'customer',
  ComplaintRegistered: 'complaint',
  ComplaintChanged: 'complaint',
  ComplaintResponded: 'complaint',
  ComplaintClosed: 'complaint',
  AgreementCreated: 'agreement',
  AgreementChanged: 'agreement',
  AgreementUpdated: 'agreement',
};

/** A resync page (ADR 25): every record of one type, as its live events carry it. */
async function applyPage(db: Kysely<ReadModel>, data: Record<string, unknown>): Promise<boolean> {
  const records = (data.records ?? []) as Record<string, unknown>[];
  const mark = String(data.requestId);
  switch (data.recordType) {
    case 'ticket':
      await applyTickets(db, records as TicketRecord[], mark);
      return true;
    case 'ticket-comment':
      await applyComments(
        db,
        records.map((r) => (r.comment ? { ...(r.comment as object), ticketId: r.ticketId } : r)) as CommentRecord[],
        mark,
      );
      return true;
    case 'ticket-clocks':
      await applyClocks(db, records as ClocksRecord[], mark);
      return true;
    case 'ci':
    case 'service':
    case 'agreement':
    case 'customer':
    case 'complaint':
      await applyRecords(db, data.recordType, records as (Record<string, unknown> & { version: number })[], mark);
      return true;
    default:
      return false;
  }
}

/** The consumer's handler: apply, then move the source's watermark. */
export const projectEvent = (db: () => Kysely<ReadModel>) => async (event: ReceivedEvent, ctx: OperationContext) => {
  const store = db();
  const data = event.data as Record<string, unknown>;
  const applied = await applyEvent(store, event.detailType, data);
  if (!applied) return;
  await noteWatermark(store, event.source, event.metadata.occurredAt);
  if (event.detailType === 'RecordsResynced') {
    await notePage(store, ctx, event.source, data as unknown as Parameters<typeof notePage>[3]);
  }
};
