import {
  appendFileSync,
  closeSync,
  existsSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { RecordedCall } from '../aws-service';
import * as names from '../names';

/** One delivered message, as the local mailbox keeps it. */
export interface MailMessage {
  messageId: string;
  at: string;
  from: string;
  to: string[];
  replyTo: string[];
  subject: string;
  text: string;
  /** The HTML body, when the message had one besides its text. */
  html?: string;
  tags: Record<string, string>;
  /** The function that sent it (its access key). */
  sender: string;
}

export class MailError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

const ADDRESS = /^[^@\s]+@[^@\s]+$/;

/**
 * SES v2 `SendEmail` for the local runtime (restJson: `POST /v2/email/outbound-emails`): the
 * message is validated as SES does for the fields we send, then kept in a mailbox you can read
 * (`GET /_local/mail` on the AWS endpoint, `rt.mailbox.messages()` in tests) instead of being
 * delivered. With a data folder, messages survive restarts and crashes (`<dataDir>/mail.jsonl`, synced
 * before SendEmail answers).
 */
export class LocalMailbox {
  private readonly kept: MailMessage[] = [];

  /**
   * A failure switch for tests: when it returns a reason, SendEmail fails with SES's
   * `MessageRejected` (400), as SES does for a recipient it will not send to (in the sandbox, an
   * unverified address) and nothing is kept.
   */
  rejects?: (to: string[]) => string | undefined;

  constructor(private readonly options: { file?: string; record?: (call: RecordedCall) => void } = {}) {
    const file = options.file;
    if (file && existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      // End a torn last line, so the next message starts a line of its own.
      if (text.length > 0 && !text.endsWith('\n')) appendFileSync(file, '\n');
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          this.kept.push(JSON.parse(line));
        } catch {
          // A line torn by a crash mid-append: SendEmail never answered for it, so it was never sent.
        }
      }
    }
  }

  /** Every message delivered so far, oldest first; optionally only those to one address. */
  messages(to?: string): MailMessage[] {
    return to ? this.kept.filter((m) => m.to.includes(to)) : [...this.kept];
  }

  /** Handles `SendEmail`; returns `{ MessageId }` as SES does. */
  sendEmail(input: Record<string, unknown>, caller: string): { MessageId: string } {
    const from = typeof input.FromEmailAddress === 'string' ? input.FromEmailAddress : '';
    if (!ADDRESS.test(from)) throw new MailError('BadRequestException', 'FromEmailAddress is not a valid address.');
    const dest = (input.Destination ?? {}) as { ToAddresses?: unknown; CcAddresses?: unknown };
    const to = Array.isArray(dest.ToAddresses) ? dest.ToAddresses.map(String) : [];
    if (to.length === 0) throw new MailError('BadRequestException', 'Destination needs at least one address.');
    if (to.length > 50) throw new MailError('BadRequestException', 'At most 50 recipients per message.');
    const bad = to.find((a) => !ADDRESS.test(a));
    if (bad) throw new MailError('BadRequestException', `Invalid recipient address: ${bad}`);
    const rejected = this.rejects?.(to);
    if (rejected) throw new MailError('MessageRejected', rejected);
    const simple = ((input.Content ?? {}) as { Simple?: Record<string, unknown> }).Simple;
    if (!simple) throw new MailError('BadRequestException', 'Only Content.Simple messages are supported locally.');
    const subject = String((simple.Subject as { Data?: unknown } | undefined)?.Data ?? '');
    const body = (simple.Body ?? {}) as { Text?: { Data?: unknown }; Html?: { Data?: unknown } };
    const text = String(body.Text?.Data ?? body.Html?.Data ?? '');
    if (!subject) throw new MailError('BadRequestException', 'Subject is required.');
    const tags = Object.fromEntries(
      (Array.isArray(input.EmailTags) ? input.EmailTags : []).map((t: { Name?: unknown; Value?: unknown }) => [
        String(t.Name),
        String(t.Value),
      ]),
    );
    this.options.record?.({ caller, action: 'ses:SendEmail', resource: names.sesIdentityArn(from) });
    const message: MailMessage = {
      messageId: `local-${crypto.randomUUID()}`,
      at: new Date().toISOString(),
      from,
      to,
      replyTo: Array.isArray(input.ReplyToAddresses) ? input.ReplyToAddresses.map(String) : [],
      subject,
      text,
      // Kept beside the text when both are sent (report summaries), as a mail client gets both.
      ...(body.Text?.Data !== undefined && body.Html?.Data !== undefined ? { html: String(body.Html.Data) } : {}),
      tags,
      sender: caller,
    };
    this.kept.push(message);
    if (this.options.file) {
      mkdirSync(dirname(this.options.file), { recursive: true });
      // On disk before SendEmail answers, as a message SES accepted is not lost (the notifying
      // consumer then marks the event done and will not send it again).
      const fd = openSync(this.options.file, 'a');
      try {
        writeSync(fd, `${JSON.stringify(message)}\n`);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    return { MessageId: message.messageId };
  }
}
