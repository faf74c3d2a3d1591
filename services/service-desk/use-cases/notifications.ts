import type { TicketSnapshot } from '../../../shared/contracts/service-desk/v1';
import { newId, type OperationContext } from '../../../shared/kit/context';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { type Mail, sendMail } from '../../../shared/kit/mail';
import { handled } from '../../../shared/kit/store';
import { keys, table } from '../store';
import { findGroup, loadSettings } from './settings';

/**
 * Notifications (FitSM PR9.4: customers and users are kept informed). Consumes this service's own
 * ticket events and e-mails whoever should know: the caller of caller-facing changes, the
 * coordinator of a major incident, the manager a ticket was escalated to. Internal changes
 * (priority, group, internal comments) tell the caller nothing. The inbox marker committed after
 * sending (`handled`) keeps a redelivered event from mailing twice; each message sent is logged on the ticket.
 */
interface Planned {
  to: string[];
  subject: string;
  text: string;
  kind: string;
}

type Change = { ticket: TicketSnapshot; changes: string[] };

const label = (t: TicketSnapshot) => `[${t.number}] ${t.title}`;
const toCaller = (t: TicketSnapshot, kind: string, subject: string, text: string): Planned[] =>
  t.callerEmail ? [{ to: [t.callerEmail], kind, subject: `${label(t)}: ${subject}`, text }] : [];

async function plan(event: ReceivedEvent): Promise<{ ticketId: string; number: string; mails: Planned[] }> {
  const d = event.data as Record<string, unknown>;
  if (event.detailType === 'MajorIncidentUpdateRequested') {
    const ticketId = String(d.ticketId);
    const item = await table().get(keys.ticket(ticketId));
    const email = item?.coordinatorEmail ? String(item.coordinatorEmail) : undefined;
    return {
      ticketId,
      number: String(d.number),
      mails: email
        ? [
            {
              to: [email],
              kind: 'major-update-due',
              subject: `[${String(d.number)}] Stakeholder update due (reminder ${String(d.reminder)})`,
              text: `Major incident ${String(d.number)} is still open. Please publish a stakeholder update (POST /v1/tickets/${String(d.number)}/major/updates).`,
            },
          ]
        : [],
    };
  }
  const { ticket: t, changes } = d as unknown as Change;
  const base = { ticketId: t.ticketId, number: t.number };
  switch (event.detailType) {
    case 'TicketCreated':
      return {
        ...base,
        mails: toCaller(
          t,
          'recorded',
          'recorded',
          `We have recorded your ${t.type === 'incident' ? 'incident' : 'request'} ${t.number} "${t.title}" with priority ${t.priority}. We will keep you informed.`,
        ),
      };
    case 'TicketResolved': {
      const item = await table().get(keys.ticket(t.ticketId));
      const { settings } = await loadSettings();
      const summary = item?.resolutionSummary ? `\n\nResolution: ${String(item.resolutionSummary)}` : '';
      return {
        ...base,
        mails: toCaller(
          t,
          'resolved',
          'resolved',
          `Your ticket ${t.number} was resolved (${t.resolutionCode ?? 'resolved'}).${summary}\n\nPlease confirm, or reopen it if the problem persists. It closes by itself after ${settings.autoCloseDays} days.`,
        ),
      };
    }
    case 'TicketClosed':
      return {
        ...base,
        mails: toCaller(
          t,
          t.status === 'cancelled' ? 'cancelled' : 'closed',
          t.status === 'cancelled' ? 'cancelled' : 'closed',
          t.status === 'cancelled'
            ? `Your ticket ${t.number} was cancelled.`
            : `Your ticket ${t.number} is closed. Thank you.`,
        ),
      };
    case 'TicketReopened':
      return {
        ...base,
        mails: toCaller(t, 'reopened', 'reopened', `Your ticket ${t.number} was reopened; we are on it again.`),
      };
    case 'TicketChanged': {
      const mails: Planned[] = [];
      if (changes.includes('publicComment')) {
        const note = await table().get(keys.note(t.ticketId, t.version));
        if (note && !note.byCaller) {
          const author = (note.author as { name?: string } | undefined)?.name ?? 'The service desk';
          if (changes.includes('majorUpdate')) {
            const { settings } = await loadSettings();
            const to = [
              ...new Set([...(t.callerEmail ? [t.callerEmail] : []), ...settings.majorIncident.stakeholderEmails]),
            ];
            if (to.length)
              mails.push({
                to,
                kind: 'stakeholder-update',
                subject: `${label(t)}: major incident update`,
                text: String(note.text),
              });
          } else {
            mails.push(...toCaller(t, 'comment', 'new reply', `${author} wrote:\n\n${String(note.text)}`));
          }
        }
      }
      if (changes.includes('status') && t.status === 'pending' && t.pendingReason === 'awaiting-caller')
        mails.push(
          ...toCaller(
            t,
            'awaiting-caller',
            'we need your input',
            `To continue with ${t.number} we need information from you. Please reply with a comment.`,
          ),
        );
      return { ...base, mails };
    }
    case 'TicketEscalated': {
      const e = d.escalation as { kind: string; trigger: string; reason: string; to: string; from?: string };
      if (e.kind !== 'hierarchical') return { ...base, mails: [] };
      const { settings } = await loadSettings();
      const duty = settings.escalation.dutyManager;
      const group = e.from ? await findGroup(e.from) : undefined;
      const email = duty?.id === e.to ? duty.email : group?.managerId === e.to ? group.managerEmail : undefined;
      return {
        ...base,
        mails: email
          ? [
              {
                to: [email],
                kind: 'escalated',
                subject: `${label(t)}: escalated to you (${e.trigger})`,
                text: `${t.number} (${t.priority}, group ${t.assignmentGroup}) was escalated to you.\n\nReason: ${e.reason}`,
              },
            ]
          : [],
      };
    }
    case 'MajorIncidentDeclared': {
      const item = await table().get(keys.ticket(t.ticketId));
      const email = item?.coordinatorEmail ? String(item.coordinatorEmail) : undefined;
      return {
        ...base,
        mails: email
          ? [
              {
                to: [email],
                kind: 'major-declared',
                subject: `${label(t)}: you coordinate this major incident`,
                text: `${t.number} was declared a major incident and you are its coordinator. Publish stakeholder updates and record the review before closure.`,
              },
            ]
          : [],
      };
    }
    default:
      return { ...base, mails: [] };
  }
}

export async function notify(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const { ticketId, number, mails } = await plan(event);
  const sent: Array<Planned & { messageId: string }> = [];
  for (const m of mails) {
    const mail: Mail = { to: m.to, subject: m.subject, text: m.text, tags: { ticket: number, kind: m.kind } };
    sent.push({ ...m, messageId: await sendMail(mail) });
  }
  await table().commit(ctx, {
    handles: handled(ctx),
    writes: sent.map((m) => ({
      kind: 'create' as const,
      item: {
        ...keys.mail(ticketId, newId()),
        type: 'notification',
        to: m.to,
        kind: m.kind,
        subject: m.subject,
        messageId: m.messageId,
        eventId: event.metadata.eventId,
      },
    })),
  });
}
