import type { ChangeNoticeIssued } from '../../../shared/contracts/changes/v1';
import type { EventData } from '../../../shared/contracts/envelope';
import type { SlaViolationNoticeIssued } from '../../../shared/contracts/service-level/v1';
import { newId, type OperationContext } from '../../../shared/kit/context';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { logger } from '../../../shared/kit/logger';
import { sendMail } from '../../../shared/kit/mail';
import { changeNoticeMail, violationMail } from '../domain/communication';
import { type Communication, keys, table } from '../store';
import { communicationItem } from './communications';
import { noticeContacts } from './contacts';
import { customerHistoryEntry } from './customers';
import { mailOnce } from './mail-once';

/**
 * Who gets a customer's notices: the distinct addresses of its contacts flagged for service-level
 * notices (one sparse-index query), and why nobody does when nobody does.
 */
async function recipients(customerId: string) {
  const customer = await table().get(keys.customer(customerId));
  const contacts = customer ? await noticeContacts(customerId) : [];
  const to = [...new Set(contacts.map((c) => c.email))];
  let note: string | undefined;
  if (!customer) note = `customer ${customerId} is not registered`;
  else if (to.length === 0) note = 'no contact of this customer receives service-level notices';
  return { customer, to, note };
}

/**
 * Claim, send, then commit (see mailOnce): one mail per notice id even when its event is delivered
 * twice at once, and the communication log entry with its history line in the same commit,
 * delivered or not. Shared by every kind of notice the customers service delivers.
 */
async function deliverOnce(
  ctx: OperationContext,
  entry: Communication & { noticeId: string },
  mail: { subject: string; text: string; html?: string },
  what: string,
  tags: Record<string, string>,
): Promise<void> {
  await mailOnce(
    ctx,
    { pk: `NOTICE#${entry.noticeId}`, sk: 'MAIL' },
    what,
    async () => {
      if (!entry.to.length) return;
      await sendMail({ to: entry.to, ...mail, tags });
    },
    () => ({
      writes: [{ kind: 'create', item: communicationItem(entry) }],
      history: [
        customerHistoryEntry(
          entry.customerId,
          'communication',
          entry.communicationId,
          entry.to.length ? `${what} sent to ${entry.to.length} contact(s)` : `${what} not sent`,
        ),
      ],
    }),
  );
}

/**
 * Event handler: the service-level service issued an SLA violation notice (FitSM PR2.3). Mail it
 * to the customer's contacts flagged for service-level notices (one sparse-index query) and keep
 * it in the customer's communication log, delivered or not, so the record shows what was sent.
 */
export async function deliverViolationNotice(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const n = event.data as EventData<typeof SlaViolationNoticeIssued>;
  const { customer, to, note } = await recipients(n.customerId);
  const mail = violationMail({
    customerName: customer ? String(customer.name) : n.customerId,
    agreementId: n.agreementId,
    number: n.number,
    clock: n.clock,
    breachedAt: n.breachedAt,
    summary: n.summary,
  });
  if (note) logger.warn('SLA violation notice not mailed', { noticeId: n.noticeId, note });
  const entry = {
    communicationId: newId(),
    customerId: n.customerId,
    kind: 'sla-violation-notice' as const,
    at: new Date().toISOString(),
    subject: mail.subject,
    summary: n.summary,
    to,
    delivered: to.length > 0,
    ...(note ? { note } : {}),
    noticeId: n.noticeId,
    agreementId: n.agreementId,
    ticketNumber: n.number,
    recordedBy: ctx.actor.id,
  };
  await deliverOnce(ctx, entry, mail, `SLA violation notice ${n.noticeId}`, {
    kind: 'sla-violation-notice',
    notice: n.noticeId,
    customer: n.customerId,
    ticket: n.number,
  });
}

/**
 * Event handler: the changes service issued a notice to one affected customer (CMMI-SVC SD SP 3.3:
 * a change to its services was scheduled, moved or cancelled). Delivered like an SLA violation
 * notice: to the contacts flagged for service-level notices (the flag covers "service-level
 * communication", which maintenance notices are), logged as a `change-notice` whether delivered or
 * not, and mailed once per notice id however often the event comes.
 */
export async function deliverChangeNotice(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const n = event.data as EventData<typeof ChangeNoticeIssued>;
  const { customer, to, note } = await recipients(n.customerId);
  const { summary, ...mail } = changeNoticeMail({
    customerName: customer ? String(customer.name) : n.customerId,
    kind: n.kind,
    number: n.number,
    title: n.title,
    serviceIds: n.serviceIds,
    plannedStart: n.plannedStart,
    plannedEnd: n.plannedEnd,
    ...(n.previousStart ? { previousStart: n.previousStart } : {}),
    ...(n.previousEnd ? { previousEnd: n.previousEnd } : {}),
  });
  if (note) logger.warn('change notice not mailed', { noticeId: n.noticeId, note });
  const entry = {
    communicationId: newId(),
    customerId: n.customerId,
    kind: 'change-notice' as const,
    at: new Date().toISOString(),
    subject: mail.subject,
    summary,
    to,
    delivered: to.length > 0,
    ...(note ? { note } : {}),
    noticeId: n.noticeId,
    changeNumber: n.number,
    recordedBy: ctx.actor.id,
  };
  await deliverOnce(ctx, entry, mail, `change notice ${n.noticeId} (${n.kind} ${n.number})`, {
    kind: 'change-notice',
    notice: n.noticeId,
    customer: n.customerId,
    change: n.number,
  });
}
