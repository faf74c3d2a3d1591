import { ChangeNoticeIssued } from '../../../shared/contracts/changes/v1';
import { TicketClosed } from '../../../shared/contracts/service-desk/v1';
import { SlaViolationNoticeIssued } from '../../../shared/contracts/service-level/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { deliverChangeNotice, deliverViolationNotice } from '../use-cases/notices';
import { surveyClosedTicket } from '../use-cases/surveys';

/**
 * Consumer of closed tickets (surveys, FitSM PR7.6), SLA violation notices (PR2.3, PR7.3) and
 * change notices (CMMI-SVC SD SP 3.3).
 */
export const handler = eventConsumer('customers', [TicketClosed, SlaViolationNoticeIssued, ChangeNoticeIssued], {
  // A survey created and mailed: not idempotent by itself, the inbox is its guard (with the mail claim).
  TicketClosed: { idempotency: 'inbox', handle: surveyClosedTicket },
  // A notice mailed and logged as a communication: the inbox is its guard.
  SlaViolationNoticeIssued: { idempotency: 'inbox', handle: deliverViolationNotice },
  // Likewise; the mail claim is per notice id, so a re-issued notice (new event id) is not mailed twice.
  ChangeNoticeIssued: { idempotency: 'inbox', handle: deliverChangeNotice },
});
