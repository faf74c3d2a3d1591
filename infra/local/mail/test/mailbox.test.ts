import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalMailbox } from '../mailbox';

const dir = mkdtempSync(join(tmpdir(), 'itsm-mail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const message = (to: string) => ({
  FromEmailAddress: 'itsm@example.org',
  Destination: { ToAddresses: [to] },
  Content: { Simple: { Subject: { Data: 'Hello' }, Body: { Text: { Data: 'Text' } } } },
});

describe('a mailbox on a data folder', () => {
  it('keeps what SendEmail accepted across a restart, and skips a line torn by a crash', () => {
    // Prepare
    const file = join(dir, 'mail.jsonl');
    const first = new LocalMailbox({ file });
    first.sendEmail(message('pat@acme.example'), 'sender');
    appendFileSync(file, '{"messageId":"local-torn","at":"2026-');
    // Act
    const second = new LocalMailbox({ file });
    second.sendEmail(message('kim@acme.example'), 'sender');
    // Assess
    expect(second.messages().map((m) => m.to)).toEqual([['pat@acme.example'], ['kim@acme.example']]);
    expect(new LocalMailbox({ file }).messages()).toHaveLength(2);
  });
});
