import { BadRequestException, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../infra/local/runtime';
import { testRuntime, WITHOUT_QUERY_STORE } from './support/runtime';

/** The local SES: the unchanged SDK v3 sends; the message lands in the mailbox, readable by people and tests. */
let rt: Runtime;
let ses: SESv2Client;

beforeAll(async () => {
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  ses = new SESv2Client({
    endpoint: rt.awsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'itsm-test-mailer', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  ses.destroy();
  await rt.close();
});

const message = (to: string[]) =>
  new SendEmailCommand({
    FromEmailAddress: 'itsm@example.org',
    Destination: { ToAddresses: to },
    Content: {
      Simple: { Subject: { Data: 'INC-1001 resolved' }, Body: { Text: { Data: 'Your incident is resolved.' } } },
    },
    EmailTags: [{ Name: 'ticket', Value: 'INC-1001' }],
  });

describe('local SES mailbox', () => {
  it('keeps what SendEmail sends and lists it on /_local/mail', async () => {
    const out = await ses.send(message(['alice@example.org']));
    expect(out.MessageId).toMatch(/^local-/);
    const [m] = rt.mailbox.messages('alice@example.org');
    expect(m).toMatchObject({
      from: 'itsm@example.org',
      to: ['alice@example.org'],
      subject: 'INC-1001 resolved',
      text: 'Your incident is resolved.',
      tags: { ticket: 'INC-1001' },
      sender: 'itsm-test-mailer',
    });
    const listed = (await (await fetch(`${rt.awsUrl}/_local/mail`)).json()) as { messages: unknown[] };
    expect(listed.messages).toHaveLength(1);
    expect(rt.recordedCalls()).toContainEqual(
      expect.objectContaining({
        action: 'ses:SendEmail',
        resource: 'arn:aws:ses:us-east-1:000000000000:identity/itsm@example.org',
      }),
    );
  });

  it('refuses a bad recipient with the typed exception the SDK knows, and keeps nothing', async () => {
    const before = rt.mailbox.messages().length;
    await expect(ses.send(message(['not-an-address']))).rejects.toBeInstanceOf(BadRequestException);
    expect(rt.mailbox.messages()).toHaveLength(before);
  });
});
