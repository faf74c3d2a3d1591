import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { publishEvents, type TestEvent } from '../../../test/support/events';
import { as, type Client, client, eventually, testRuntime } from '../../../test/support/runtime';
import { customers } from '../service';
import { hashToken } from '../use-cases/tokens';

/**
 * Satisfaction surveys and SLA violation notices, end to end: events injected on the local bus
 * as the service desk and the service-level service would publish them, mail read from the
 * local mailbox, answers and results over HTTP.
 */
let rt: Runtime;
let manager: Client;
let sam: Client;
let otherStaff: Client;
let auditor: Client;
let caller: Client;
/** Whoever holds the link: no login (ADR 12). */
let anonymous: Client;

type Problem = { code: string; errors?: Array<{ field: string; message: string }> };
type Result = { dimension: string; key: string; period: string; count: number; average: number | null; low: number };
type FollowUp = {
  followUpId: string;
  number: string;
  status: string;
  assignee: string;
  score: number;
  version: number;
};
type Page<T> = { items: T[]; nextCursor?: string };

const month = () => new Date().toISOString().slice(0, 7);

const publish = (entries: TestEvent[]) => publishEvents(rt, entries);

let ticketSeq = 1000;
/** A TicketClosed event as the service desk publishes it. */
function ticketClosed(extra: Record<string, unknown> = {}) {
  ticketSeq++;
  const now = new Date().toISOString();
  return {
    source: 'itsm.service-desk',
    detailType: 'TicketClosed',
    data: {
      ticket: {
        ticketId: `t-${ticketSeq}`,
        number: `INC-${ticketSeq}`,
        type: 'incident',
        version: 5,
        title: `Printer on fire ${ticketSeq}`,
        status: 'closed',
        priority: 'P3',
        callerId: 'user-carl',
        callerEmail: `carl.${ticketSeq}@acme.example`,
        customerId: 'acme',
        serviceId: 'SVC-7',
        assignmentGroup: 'network',
        major: false,
        createdAt: now,
        changedAt: now,
        closedAt: now,
        reopenCount: 0,
        ...extra,
      },
      changes: ['status'],
    },
  };
}

const tokenIn = (text: string) => /\/survey\/([A-Za-z0-9_-]{43})/.exec(text)?.[1];

/** Wait for the survey mail of a ticket and return its token. */
async function surveyToken(email: string): Promise<{ token: string; text: string; subject: string }> {
  const mail = await eventually(async () => rt.mailbox.messages(email)[0], 5000, `survey mail to ${email}`);
  const token = tokenIn(mail.text);
  expect(token).toBeDefined();
  return { token: token!, text: mail.text, subject: mail.subject };
}

beforeAll(async () => {
  rt = await testRuntime({ services: [customers] });
  manager = await as(rt, 'carol', ['customers-manager']);
  sam = await as(rt, 'sam', ['process-staff']);
  otherStaff = await as(rt, 'oscar', ['process-staff']);
  auditor = await as(rt, 'audrey', ['auditor']);
  anonymous = client(rt, undefined);
  caller = client(
    rt,
    await rt.token({ user: 'carl', roles: ['customer-user'], customer: 'acme', email: 'carl@acme.example' }),
  );
  for (const customerId of ['acme', 'globex']) {
    expect(
      (await manager.post('/v1/customers', { customerId, name: customerId.toUpperCase(), accountManager: 'user-sam' }))
        .status,
    ).toBe(201);
  }
  await sam.post('/v1/customers/acme/contacts', {
    name: 'Pat Primary',
    email: 'pat@acme.example',
    role: 'primary',
    receivesServiceLevelNotices: true,
  });
  await sam.post('/v1/customers/acme/contacts', { name: 'Bill Billing', email: 'bill@acme.example', role: 'billing' });
  await sam.post('/v1/customers/globex/contacts', { name: 'Gus', email: 'gus@globex.example', role: 'technical' });
});

afterAll(async () => {
  await rt?.close();
});

describe('satisfaction surveys', () => {
  it('mails a survey for a closed ticket once, answers once, counts it and opens a follow-up when low', async () => {
    const closed = ticketClosed();
    const email = closed.data.ticket.callerEmail;
    const eventId = ulid();
    // The same event delivered twice: one survey, one mail.
    await publish([{ ...closed, eventId }]);
    await publish([{ ...closed, eventId }]);
    const { token, subject } = await surveyToken(email);
    await rt.bus.drain();
    expect(rt.functions.asyncFailures()).toEqual([]);
    const mails = rt.mailbox.messages(email);
    expect(mails).toHaveLength(1);
    expect(subject).toContain(closed.data.ticket.number);
    expect(mails[0]!.tags).toMatchObject({ kind: 'survey', ticket: closed.data.ticket.number });

    const view = await anonymous.get<{ number: string; answered: boolean; dueBy: string }>(`/v1/surveys/${token}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ number: closed.data.ticket.number, answered: false });
    expect(JSON.stringify(view.body)).not.toContain(email);
    expect((await anonymous.get<Problem>(`/v1/surveys/${'x'.repeat(43)}`)).body.code).toBe('survey-not-found');

    const bad = await anonymous.post<Problem>(`/v1/surveys/${token}/answers`, { score: 9 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.field).toBe('body.score');
    const answer = await anonymous.post<{ score: number; followUp?: string }>(`/v1/surveys/${token}/answers`, {
      score: 2,
      comment: 'Took a week.',
    });
    expect(answer.status).toBe(201);
    expect(answer.body.followUp).toMatch(/^FUP-1\d\d$/);
    const twice = await anonymous.post<Problem>(`/v1/surveys/${token}/answers`, { score: 5 });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('survey-answered');
    expect((await anonymous.get<{ answered: boolean }>(`/v1/surveys/${token}`)).body.answered).toBe(true);

    // Results are reads of aggregates kept per service, agent group, customer and overall.
    const byService = await auditor.get<Page<Result>>(`/v1/survey-results?serviceId=SVC-7&period=${month()}`);
    expect(byService.body.items).toEqual([
      expect.objectContaining({ dimension: 'service', key: 'SVC-7', count: 1, average: 2, low: 1 }),
    ]);
    const byGroup = await auditor.get<Page<Result>>('/v1/survey-results?group=network');
    expect(byGroup.body.items.map((r) => r.period)).toEqual([month(), month().slice(0, 4)]);
    const both = await auditor.get<Problem>('/v1/survey-results?serviceId=SVC-7&group=network');
    expect(both.status).toBe(400);
    expect((await caller.get('/v1/survey-results')).status).toBe(403);

    // The low score opened a follow-up for the customer's account manager.
    const queue = await sam.get<Page<FollowUp>>('/v1/follow-ups?assignee=user-sam');
    const fup = queue.body.items.find((f) => f.number === answer.body.followUp);
    expect(fup).toMatchObject({ status: 'open', assignee: 'user-sam', score: 2 });
    expect((await otherStaff.post(`/v1/follow-ups/${fup!.number}/closure`, { note: 'x' })).status).toBe(403);
    const closedFup = await sam.post<FollowUp>(`/v1/follow-ups/${fup!.number}/closure`, {
      note: 'Called Carl, apologised, explained the supplier delay.',
    });
    expect(closedFup.status).toBe(200);
    expect(closedFup.body.status).toBe('closed');
    expect((await sam.post<Problem>(`/v1/follow-ups/${fup!.number}/closure`, { note: 'x' })).body.code).toBe(
      'follow-up-closed',
    );
    expect(
      (await sam.get<Page<FollowUp>>('/v1/follow-ups?assignee=user-sam')).body.items.map((f) => f.number),
    ).not.toContain(fup!.number);
    expect(
      (await auditor.get<Page<FollowUp>>('/v1/follow-ups?status=closed')).body.items.map((f) => f.number),
    ).toContain(fup!.number);

    await rt.bus.drain();
    const answered = rt.bus.published().filter((e) => e['detail-type'] === 'SurveyAnswered');
    expect(answered.map((e) => (e.detail as { data: unknown }).data)).toEqual([
      expect.objectContaining({ number: closed.data.ticket.number, score: 2, low: true, serviceId: 'SVC-7' }),
    ]);
  });

  it('sends no survey for cancelled tickets or tickets without a caller address', async () => {
    const cancelled = ticketClosed({ status: 'cancelled' });
    const anonymous = ticketClosed();
    delete (anonymous.data.ticket as { callerEmail?: string }).callerEmail;
    const normal = ticketClosed();
    await publish([cancelled, anonymous, normal]);
    await surveyToken(normal.data.ticket.callerEmail);
    await rt.bus.drain();
    expect(rt.mailbox.messages(cancelled.data.ticket.callerEmail)).toEqual([]);
    expect(rt.mailbox.messages().filter((m) => m.subject.includes(anonymous.data.ticket.number))).toEqual([]);
    expect(rt.functions.asyncFailures()).toEqual([]);
  });

  it('answers 410 Gone once a survey expired', async () => {
    const closed = ticketClosed();
    await publish([closed]);
    const { token } = await surveyToken(closed.data.ticket.callerEmail);
    // Move the survey's due date into the past, as time would.
    const ddb = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: rt.awsUrl,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'x' },
      }),
    );
    const ref = await ddb.send(
      new GetCommand({ TableName: 'itsm-customers', Key: { pk: `TOKEN#${hashToken(token)}`, sk: 'TOKEN' } }),
    );
    expect(ref.Item?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 40 * 86_400);
    await ddb.send(
      new UpdateCommand({
        TableName: 'itsm-customers',
        Key: { pk: `SURVEY#${ref.Item!.surveyId}`, sk: 'SURVEY' },
        UpdateExpression: 'SET dueBy = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
      }),
    );
    ddb.destroy();
    const view = await anonymous.get<Problem>(`/v1/surveys/${token}`);
    expect(view.status).toBe(410);
    expect(view.body.code).toBe('survey-expired');
    const late = await anonymous.post<Problem>(`/v1/surveys/${token}/answers`, { score: 4 });
    expect(late.status).toBe(410);
  });

  it('uses the configured threshold and link base, and keeps averages per period', async () => {
    const before = await auditor.get<Page<Result>>(`/v1/survey-results?customerId=acme&period=${month()}`);
    const settings = await manager.call<{ lowScoreThreshold: number; version: number }>('PUT', '/v1/survey-settings', {
      lowScoreThreshold: 3,
      publicBaseUrl: 'https://itsm.example.org',
    });
    expect(settings.status).toBe(200);
    expect(settings.body.lowScoreThreshold).toBe(3);
    expect((await sam.call('PUT', '/v1/survey-settings', { expiryDays: 3 })).status).toBe(403);
    const bad = await manager.call<Problem>('PUT', '/v1/survey-settings', { lowScoreThreshold: 5 });
    expect(bad.status).toBe(400);

    const closed = ticketClosed({ assignmentGroup: 'desktop' });
    await publish([closed]);
    const { token, text } = await surveyToken(closed.data.ticket.callerEmail);
    expect(text).toContain(`https://itsm.example.org/survey/${token}`);
    const answer = await anonymous.post<{ followUp?: string }>(`/v1/surveys/${token}/answers`, { score: 3 });
    expect(answer.body.followUp).toBeDefined();
    const after = await auditor.get<Page<Result>>(`/v1/survey-results?customerId=acme&period=${month()}`);
    expect(after.body.items[0]!.count).toBe(before.body.items[0]!.count + 1);
    const desktop = await auditor.get<Page<Result>>(`/v1/survey-results?group=desktop&period=${month()}`);
    expect(desktop.body.items[0]).toMatchObject({ count: 1, average: 3, low: 1 });
    await manager.call('PUT', '/v1/survey-settings', { lowScoreThreshold: 2, publicBaseUrl: '' });
  });
});

describe('SLA violation notices', () => {
  const notice = (customerId: string, extra: Record<string, unknown> = {}) => ({
    source: 'itsm.service-level',
    detailType: 'SlaViolationNoticeIssued',
    data: {
      noticeId: ulid(),
      agreementId: 'SLA-3',
      customerId,
      serviceId: 'SVC-7',
      ticketId: 't-9',
      number: 'INC-9',
      clock: 'resolution',
      breachedAt: new Date().toISOString(),
      summary: 'INC-9 was resolved 3 hours after its 8-hour target.',
      ...extra,
    },
  });

  it('mails the contacts flagged for notices, once, and logs the communication', async () => {
    const n = notice('acme');
    const eventId = ulid();
    await publish([{ ...n, eventId }]);
    await publish([{ ...n, eventId }]);
    await rt.bus.drain();
    expect(rt.functions.asyncFailures()).toEqual([]);
    const sent = rt.mailbox.messages().filter((m) => m.tags.notice === n.data.noticeId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual(['pat@acme.example']);
    expect(sent[0]!.subject).toContain('SLA-3');
    expect(sent[0]!.text).toContain(n.data.summary);
    const log = await caller.get<Page<{ kind: string; to: string[]; delivered: boolean; noticeId: string }>>(
      '/v1/customers/acme/communications',
    );
    expect(log.body.items.filter((c) => c.noticeId === n.data.noticeId)).toEqual([
      expect.objectContaining({ kind: 'sla-violation-notice', to: ['pat@acme.example'], delivered: true }),
    ]);
  });

  it('keeps a record even when no contact receives notices', async () => {
    const n = notice('globex');
    await publish([n]);
    await rt.bus.drain();
    expect(rt.mailbox.messages('gus@globex.example')).toEqual([]);
    const log = await auditor.get<Page<{ noticeId: string; delivered: boolean; note?: string }>>(
      '/v1/customers/globex/communications',
    );
    expect(log.body.items.find((c) => c.noticeId === n.data.noticeId)).toMatchObject({
      delivered: false,
      note: expect.stringMatching(/no contact/),
    });
  });
});

describe('change notices (CMMI-SVC SD SP 3.3)', () => {
  type Entry = {
    kind: string;
    to: string[];
    delivered: boolean;
    noticeId: string;
    changeNumber?: string;
    note?: string;
  };
  const notice = (customerId: string, extra: Record<string, unknown> = {}) => ({
    source: 'itsm.changes',
    detailType: 'ChangeNoticeIssued',
    data: {
      noticeId: ulid(),
      customerId,
      kind: 'scheduled',
      changeId: ulid(),
      number: 'CHG-77',
      title: 'Replace core switch sw-core-1',
      serviceIds: ['SVC-7', 'SVC-9'],
      plannedStart: '2026-12-10T22:00:00Z',
      plannedEnd: '2026-12-11T02:00:00Z',
      ...extra,
    },
  });

  it('mails a moved change to the notice contacts with both windows, and logs it', async () => {
    // Prepare
    const n = notice('acme', {
      kind: 'moved',
      previousStart: '2026-12-03T22:00:00Z',
      previousEnd: '2026-12-04T02:00:00Z',
    });
    // Act
    await publish([n]);
    await rt.bus.drain();
    // Assess
    expect(rt.functions.asyncFailures()).toEqual([]);
    const sent = rt.mailbox.messages().filter((m) => m.tags.notice === n.data.noticeId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual(['pat@acme.example']);
    expect(sent[0]!.tags).toMatchObject({ kind: 'change-notice', change: 'CHG-77', customer: 'acme' });
    expect(sent[0]!.subject).toContain('CHG-77');
    const text = sent[0]!.text;
    expect(text).toContain('Replace core switch sw-core-1');
    expect(text).toContain('SVC-7, SVC-9');
    expect(text).toContain('from 2026-12-03 22:00 UTC to 2026-12-04 02:00 UTC');
    expect(text).toContain('from 2026-12-10 22:00 UTC to 2026-12-11 02:00 UTC');
    expect(text).toMatch(/may still be moved or cancelled/);
    const log = await caller.get<Page<Entry>>('/v1/customers/acme/communications');
    expect(log.status).toBe(200);
    expect(log.body.items.filter((c) => c.noticeId === n.data.noticeId)).toEqual([
      expect.objectContaining({
        kind: 'change-notice',
        changeNumber: 'CHG-77',
        to: ['pat@acme.example'],
        delivered: true,
      }),
    ]);
  });

  it('sends one mail per notice when the event comes twice, even under two event ids', async () => {
    // Prepare: the same delivery twice, and the same notice published again as a new event.
    const n = notice('acme', { kind: 'cancelled' });
    const eventId = ulid();
    // Act
    await publish([{ ...n, eventId }]);
    await publish([{ ...n, eventId }]);
    await rt.bus.drain();
    await publish([n]);
    await rt.bus.drain();
    // Assess
    expect(rt.functions.asyncFailures()).toEqual([]);
    const sent = rt.mailbox.messages().filter((m) => m.tags.notice === n.data.noticeId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toMatch(/is cancelled: it will not take place/);
    const log = await caller.get<Page<Entry>>('/v1/customers/acme/communications');
    expect(log.body.items.filter((c) => c.noticeId === n.data.noticeId)).toHaveLength(1);
  });

  it('logs a notice it could not deliver when no contact receives notices', async () => {
    // Prepare
    const n = notice('globex');
    // Act
    await publish([n]);
    await rt.bus.drain();
    // Assess
    expect(rt.functions.asyncFailures()).toEqual([]);
    expect(rt.mailbox.messages().filter((m) => m.tags.notice === n.data.noticeId)).toEqual([]);
    const log = await auditor.get<Page<Entry>>('/v1/customers/globex/communications');
    expect(log.body.items.find((c) => c.noticeId === n.data.noticeId)).toMatchObject({
      kind: 'change-notice',
      delivered: false,
      to: [],
      note: expect.stringMatching(/no contact/),
    });
  });
});
