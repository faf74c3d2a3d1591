/**
 * Communications with customers (FitSM PR7.3), e.g. SLA violation notices (PR2.3) and notices of
 * changes to their services (CMMI-SVC SD SP 3.3). Pure.
 */
export const COMMUNICATION_KINDS = [
  'sla-violation-notice',
  'change-notice',
  'email',
  'phone',
  'meeting',
  'letter',
  'other',
] as const;
export type CommunicationKind = (typeof COMMUNICATION_KINDS)[number];
/** Kinds only the service writes (from events); people record the others. */
export const NOTICE_KINDS: readonly CommunicationKind[] = ['sla-violation-notice', 'change-notice'];

/** The SLA violation notice mail to a customer's contacts (FitSM PR2.3 via PR7.3 channels). */
export function violationMail(n: {
  customerName: string;
  agreementId: string;
  number: string;
  clock: string;
  breachedAt: string;
  summary: string;
}) {
  return {
    subject: `Service level notice: ${n.agreementId} ${n.clock} target missed on ${n.number}`,
    text: [
      `Dear ${n.customerName} contact,`,
      '',
      `The ${n.clock} target of agreement ${n.agreementId} was missed for ${n.number} at ${n.breachedAt}.`,
      '',
      n.summary,
      '',
      'Your account manager will follow up. Reply to this message with any questions.',
    ].join('\n'),
  };
}

/** An instant as people read it in a notice: minutes, in UTC, named (`2026-12-10 22:00 UTC`). */
const when = (iso: string) => `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * The notice of a change to a customer's services (CMMI-SVC SD SP 3.3 maintenance notifications):
 * what changes, which services, when (the old and the new window when it moved), and that a
 * scheduled change may still move or be cancelled, each of which brings another notice.
 */
export function changeNoticeMail(n: {
  customerName: string;
  kind: 'scheduled' | 'moved' | 'cancelled';
  number: string;
  title: string;
  serviceIds: readonly string[];
  plannedStart: string;
  plannedEnd: string;
  previousStart?: string;
  previousEnd?: string;
}) {
  const window = `from ${when(n.plannedStart)} to ${when(n.plannedEnd)}`;
  const services = n.serviceIds.length ? n.serviceIds.join(', ') : 'none named';
  const what = {
    scheduled: `Change ${n.number} "${n.title}" is scheduled ${window}.`,
    moved:
      n.previousStart && n.previousEnd
        ? `Change ${n.number} "${n.title}" has moved: it was planned from ${when(n.previousStart)} to ${when(n.previousEnd)} and is now planned ${window}.`
        : `Change ${n.number} "${n.title}" has moved: it is now planned ${window}.`,
    cancelled: `Change ${n.number} "${n.title}", planned ${window}, is cancelled: it will not take place.`,
  }[n.kind];
  const after =
    n.kind === 'cancelled'
      ? 'Nothing changes on your services for it. A new date, if any, will be announced by a new notice.'
      : 'The change may still be moved or cancelled; you will get a new notice if it is.';
  return {
    /** The notice in one sentence, for the communication log. */
    summary: what,
    subject: `Change notice (${n.kind}): ${n.number} ${n.title}`,
    text: [
      `Dear ${n.customerName} contact,`,
      '',
      what,
      '',
      `Services affected: ${services}.`,
      '',
      after,
      'Reply to this message with any questions.',
    ].join('\n'),
  };
}
