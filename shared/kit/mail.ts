/**
 * Outgoing e-mail (FitSM PR9.4 keep users informed, PR7 surveys, PR2.3 violation notices): SES v2
 * `SendEmail` from the platform's sender address (`MAIL_FROM`). On AWS the message goes through
 * SES; in the local runtime the same SDK call lands in the local mailbox (`GET /_local/mail` on the
 * AWS endpoint, `rt.mailbox` in tests). Send from event consumers, not from API requests: a consumer
 * retries, and its inbox marker keeps a retried event from sending twice once it has committed.
 */
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { requireEnv } from './env';

export interface Mail {
  to: string[];
  subject: string;
  text: string;
  /** An HTML body besides the text (reports: their summary table); clients show one or the other. */
  html?: string;
  /** Where replies go (e.g. the service desk's address). */
  replyTo?: string[];
  /** Message tags (SES `EmailTags`), e.g. `{ ticket: 'INC-1001', kind: 'resolved' }`. */
  tags?: Record<string, string>;
}

let ses:
  | Promise<{ client: SESv2Client; SendEmailCommand: typeof import('@aws-sdk/client-sesv2').SendEmailCommand }>
  | undefined;
const sesClient = () => {
  // Loaded on first send, not at cold start (ADR 6).
  ses ??= import('@aws-sdk/client-sesv2').then((m) => ({
    client: new m.SESv2Client({}),
    SendEmailCommand: m.SendEmailCommand,
  }));
  return ses;
};

const tagValue = (v: string) => v.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 256) || '_';

/** Send one plain-text message; returns the provider's message id. */
export async function sendMail(mail: Mail): Promise<string> {
  if (mail.to.length === 0) throw new Error('sendMail needs at least one recipient');
  const from = requireEnv('MAIL_FROM');
  const { client, SendEmailCommand } = await sesClient();
  const out = await client.send(
    new SendEmailCommand({
      FromEmailAddress: from,
      Destination: { ToAddresses: mail.to },
      ...(mail.replyTo ? { ReplyToAddresses: mail.replyTo } : {}),
      Content: {
        Simple: {
          Subject: { Data: mail.subject.slice(0, 998), Charset: 'UTF-8' },
          Body: {
            Text: { Data: mail.text, Charset: 'UTF-8' },
            ...(mail.html ? { Html: { Data: mail.html, Charset: 'UTF-8' } } : {}),
          },
        },
      },
      ...(mail.tags
        ? {
            EmailTags: Object.entries(mail.tags).map(([Name, Value]) => ({
              Name: tagValue(Name),
              Value: tagValue(Value),
            })),
          }
        : {}),
    }),
  );
  return out.MessageId ?? '';
}
