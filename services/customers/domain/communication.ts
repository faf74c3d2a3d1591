/** Communications with customers (FitSM PR7.3), e.g. SLA violation notices (PR2.3). Pure. */
export const COMMUNICATION_KINDS = ['sla-violation-notice', 'email', 'phone', 'meeting', 'letter', 'other'] as const;
export type CommunicationKind = (typeof COMMUNICATION_KINDS)[number];

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
