import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as names from '../../../infra/local/names';
import { type Runtime, startRuntime } from '../../../infra/local/runtime';
import type { Role } from '../../../shared/kit/roles';
import { type Client, client } from '../../../test/support/runtime';
import { MAX_ATTACHMENT_BYTES } from '../domain/attachment';
import { serviceDesk } from '../service';

/**
 * Attachments through the API on the real local runtime and its S3 (issue 10): a file goes up
 * through a presigned PUT and comes down through a presigned GET on the bucket, both issued after
 * the access check; refusals of type, size and a file that is not what was declared; what a
 * customer user sees; a link refused once it has expired.
 */
const BUCKET = names.bucketName('service-desk');

let rt: Runtime;
let manager: Client;
let alice: Client;
let carl: Client;
let cora: Client;
let gina: Client;
let s3: S3Client;

type Ticket = { ticketId: string; number: string };
type Attachment = {
  attachmentId: string;
  ticketId: string;
  commentId?: string;
  fileName: string;
  contentType: string;
  size: number;
  visibility: 'public' | 'internal';
  status: 'pending' | 'available';
  uploadedBy: { id: string; name: string };
};
type Upload = {
  attachment: Attachment;
  upload: { method: 'PUT'; url: string; headers: Record<string, string>; expiresAt: string };
};
type Problem = { code: string; errors?: Array<{ field: string; message: string }> };
type Page<T> = { items: T[]; nextCursor?: string };

const as = async (user: string, roles: Role[], customer?: string) =>
  client(rt, await rt.token({ user, roles, ...(customer ? { customer } : {}) }));

beforeAll(async () => {
  process.env.ITSM_LOG_LEVEL ??= 'ERROR';
  rt = await startRuntime({
    awsPort: 0,
    apiPort: 0,
    waitScale: 0,
    schedules: false,
    retryBaseDelayMs: 5,
    services: [serviceDesk],
  });
  manager = await as('maria', ['service-desk-manager']);
  alice = await as('alice', ['process-staff']);
  carl = await as('carl', ['customer-user'], 'acme');
  cora = await as('cora', ['customer-user'], 'acme');
  gina = await as('gina', ['customer-user'], 'globex');
  s3 = new S3Client({
    endpoint: rt.awsUrl,
    region: names.LOCAL_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'itsm-test', secretAccessKey: 'local' },
  });
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await rt?.close();
});

afterEach(() => {
  rt.s3!.now = Date.now;
});

async function newTicket(): Promise<Ticket> {
  const r = await manager.post<Ticket>('/v1/incidents', {
    title: 'Printer prints blank pages',
    caller: { id: 'carl', name: 'Carl' },
    customerId: 'acme',
    impact: 'low',
    urgency: 'low',
  });
  expect(r.status).toBe(201);
  return r.body;
}

const png = (size: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(size - 4, 7)]);

/** Asks for an upload, PUTs the bytes as a browser would, and completes it. */
async function attach(
  who: Client,
  t: Ticket,
  file: { fileName: string; contentType: string; body: Buffer; commentId?: string },
): Promise<Attachment> {
  const { body, ...declared } = file;
  const asked = await who.post<Upload>(`/v1/tickets/${t.number}/attachments`, { ...declared, size: body.length });
  expect(asked.status, JSON.stringify(asked.body)).toBe(201);
  const put = await fetch(asked.body.upload.url, { method: 'PUT', headers: asked.body.upload.headers, body });
  expect(put.status).toBe(200);
  const done = await who.post<Attachment>(
    `/v1/tickets/${t.number}/attachments/${asked.body.attachment.attachmentId}/completion`,
  );
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return done.body;
}

describe('an attachment goes up and comes down', () => {
  it('uploads through a presigned PUT, records and audits it, and serves it as a download from the bucket', async () => {
    // Prepare
    const t = await newTicket();
    const body = png(2048);
    const fileName = 'écran «1».png';
    // Act
    const asked = await alice.post<Upload>(`/v1/tickets/${t.number}/attachments`, {
      fileName,
      contentType: 'image/png',
      size: body.length,
    });
    const put = await fetch(asked.body.upload.url, { method: 'PUT', headers: asked.body.upload.headers, body });
    const done = await alice.post<Attachment>(
      `/v1/tickets/${t.number}/attachments/${asked.body.attachment.attachmentId}/completion`,
    );
    const again = await alice.post<Attachment>(
      `/v1/tickets/${t.number}/attachments/${asked.body.attachment.attachmentId}/completion`,
    );
    const list = await alice.get<Page<Attachment>>(`/v1/tickets/${t.number}/attachments`);
    const history = await manager.get<Page<{ action: string; changes?: Record<string, unknown> }>>(
      `/v1/tickets/${t.number}/history`,
    );
    const link = await alice.get<{ url: string; expiresAt: string }>(
      `/v1/tickets/${t.number}/attachments/${done.body.attachmentId}/download`,
    );
    const download = await fetch(link.body.url);
    const bytes = Buffer.from(await download.arrayBuffer());
    // Assess: the upload, on the bucket's origin, valid 5 minutes at most, type and length signed.
    expect(asked.status).toBe(201);
    expect(asked.body.attachment).toMatchObject({ status: 'pending', visibility: 'internal', size: 2048 });
    const upload = new URL(asked.body.upload.url);
    expect(upload.origin).toBe(new URL(rt.awsUrl).origin);
    expect(upload.pathname.startsWith(`/${BUCKET}/`)).toBe(true);
    expect(Number(upload.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
    expect(upload.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(
      expect.arrayContaining(['content-length', 'content-type']),
    );
    expect(put.status).toBe(200);
    // Recorded once, and audited.
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'available', fileName, contentType: 'image/png', size: 2048 });
    expect(again.body).toEqual(done.body);
    expect(list.body.items).toEqual([done.body]);
    expect(history.body.items.filter((h) => h.action === 'attachment added')).toHaveLength(1);
    // The download: the bucket's domain, never the API's, 5 minutes, a file to save.
    expect(link.status).toBe(200);
    const url = new URL(link.body.url);
    expect(url.origin).toBe(new URL(rt.awsUrl).origin);
    expect(url.origin).not.toBe(new URL(rt.apiUrl).origin);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    expect(download.status).toBe(200);
    expect(bytes.equals(body)).toBe(true);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="_cran _1_.png"; filename*=UTF-8''%C3%A9cran%20%C2%AB1%C2%BB.png`,
    );
  });

  it('refuses a download link once it has expired', async () => {
    // Prepare
    const t = await newTicket();
    const a = await attach(alice, t, { fileName: 'vpn.log', contentType: 'text/plain', body: Buffer.from('line 1\n') });
    const link = await alice.get<{ url: string }>(`/v1/tickets/${t.number}/attachments/${a.attachmentId}/download`);
    // Act: S3's clock 5 minutes and a second on.
    rt.s3!.now = () => Date.now() + 301_000;
    const expired = await fetch(link.body.url);
    // Assess
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Message>Request has expired</Message>');
  });

  it('lets the console (its origin only) upload to the bucket from a browser', async () => {
    // Prepare
    const t = await newTicket();
    const asked = await alice.post<Upload>(`/v1/tickets/${t.number}/attachments`, {
      fileName: 'a.txt',
      contentType: 'text/plain',
      size: 2,
    });
    const preflight = (origin: string) =>
      fetch(asked.body.upload.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
      });
    // Act
    const console = await preflight(rt.consoleUrl);
    const elsewhere = await preflight('http://127.0.0.1:9999');
    // Assess
    expect(console.status).toBe(200);
    expect(console.headers.get('access-control-allow-origin')).toBe(rt.consoleUrl);
    expect(elsewhere.status).toBe(403);
  });
});

describe('what an upload must be', () => {
  it('refuses types a browser would run or render, names that hide another type, and files over 10 MiB', async () => {
    // Prepare
    const t = await newTicket();
    const ask = (fileName: string, contentType: string, size = 100) =>
      alice.post<Problem>(`/v1/tickets/${t.number}/attachments`, { fileName, contentType, size });
    // Act
    const answers = await Promise.all([
      ask('page.html', 'text/html'),
      ask('logo.svg', 'image/svg+xml'),
      ask('setup.exe', 'application/x-msdownload'),
      ask('setup.exe', 'image/png'),
      ask('big.png', 'image/png', MAX_ATTACHMENT_BYTES + 1),
      ask('ok.png', 'image/png', MAX_ATTACHMENT_BYTES),
    ]);
    // Assess
    const fields = answers.map((r) => [r.status, (r.body.errors ?? []).map((e) => e.field)]);
    expect(fields.slice(0, 5)).toEqual([
      [400, ['body.contentType']],
      [400, ['body.contentType']],
      [400, ['body.contentType']],
      [400, ['body.fileName']],
      [400, ['body.size']],
    ]);
    expect(answers[5]!.status).toBe(201);
  });

  it('deletes an upload that is not what was declared and answers 422 with the field', async () => {
    // Prepare: a holder of the URL is bound by it, but an uploader with other means is not.
    const t = await newTicket();
    const asked = await alice.post<Upload>(`/v1/tickets/${t.number}/attachments`, {
      fileName: 'trace.txt',
      contentType: 'text/plain',
      size: 10,
    });
    const key = `tickets/${asked.body.attachment.ticketId}/${asked.body.attachment.attachmentId}`;
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '<script>alert(1)</script>', ContentType: 'text/html' }),
    );
    // Act
    const done = await alice.post<Problem>(
      `/v1/tickets/${t.number}/attachments/${asked.body.attachment.attachmentId}/completion`,
    );
    const gone = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })).catch((e: Error) => e.name);
    const list = await alice.get<Page<Attachment>>(`/v1/tickets/${t.number}/attachments`);
    // Assess
    expect(done.status).toBe(422);
    expect(done.body.code).toBe('upload-mismatch');
    expect((done.body.errors ?? []).map((e) => e.field).sort()).toEqual(['contentType', 'size']);
    expect(gone).toBe('NoSuchKey');
    expect(list.body.items).toEqual([]);
  });

  it('answers 409 when the file was never uploaded', async () => {
    // Prepare
    const t = await newTicket();
    const asked = await alice.post<Upload>(`/v1/tickets/${t.number}/attachments`, {
      fileName: 'x.pdf',
      contentType: 'application/pdf',
      size: 10,
    });
    // Act
    const done = await alice.post<Problem>(
      `/v1/tickets/${t.number}/attachments/${asked.body.attachment.attachmentId}/completion`,
    );
    // Assess
    expect([done.status, done.body.code]).toEqual([409, 'upload-missing']);
  });
});

describe("a customer user's view", () => {
  it('sees the files of public comments and those customers uploaded, never those of internal comments', async () => {
    // Prepare
    const t = await newTicket();
    const internal = await alice.post<{ commentId: string }>(`/v1/tickets/${t.number}/comments`, {
      text: 'Driver issue, see dump',
      visibility: 'internal',
    });
    const publicComment = await alice.post<{ commentId: string }>(`/v1/tickets/${t.number}/comments`, {
      text: 'Please try this guide',
      visibility: 'public',
    });
    const onInternal = await attach(alice, t, {
      fileName: 'dump.txt',
      contentType: 'text/plain',
      body: Buffer.from('secret dump'),
      commentId: internal.body.commentId,
    });
    const staffFile = await attach(alice, t, {
      fileName: 'notes.txt',
      contentType: 'text/plain',
      body: Buffer.from('x'),
    });
    const onPublic = await attach(alice, t, {
      fileName: 'guide.pdf',
      contentType: 'application/pdf',
      body: Buffer.from('%PDF-1.7'),
      commentId: publicComment.body.commentId,
    });
    const carlsFile = await attach(carl, t, { fileName: 'photo.jpg', contentType: 'image/jpeg', body: png(64) });
    // Act
    const carlList = await carl.get<Page<Attachment>>(`/v1/tickets/${t.number}/attachments`);
    const coraList = await cora.get<Page<Attachment>>(`/v1/tickets/${t.number}/attachments`);
    const staffList = await alice.get<Page<Attachment>>(`/v1/tickets/${t.number}/attachments`);
    const hidden = await Promise.all(
      [onInternal, staffFile].map((a) =>
        carl.get<Problem>(`/v1/tickets/${t.number}/attachments/${a.attachmentId}/download`),
      ),
    );
    const visible = await carl.get<{ url: string }>(
      `/v1/tickets/${t.number}/attachments/${onPublic.attachmentId}/download`,
    );
    const onInternalByCarl = await carl.post<Problem>(`/v1/tickets/${t.number}/attachments`, {
      fileName: 'a.txt',
      contentType: 'text/plain',
      size: 1,
      commentId: internal.body.commentId,
    });
    const globex = await gina.get<Problem>(`/v1/tickets/${t.number}/attachments`);
    const globexLink = await gina.get<Problem>(`/v1/tickets/${t.number}/attachments/${onPublic.attachmentId}/download`);
    // Assess
    expect(onInternal.visibility).toBe('internal');
    expect(staffFile.visibility).toBe('internal');
    expect(onPublic.visibility).toBe('public');
    expect(carlsFile.visibility).toBe('public');
    expect(carlList.body.items.map((a) => a.attachmentId)).toEqual([onPublic.attachmentId, carlsFile.attachmentId]);
    expect(coraList.body.items).toEqual(carlList.body.items);
    expect(staffList.body.items).toHaveLength(4);
    expect(hidden.map((r) => [r.status, r.body.code])).toEqual([
      [404, 'attachment-not-found'],
      [404, 'attachment-not-found'],
    ]);
    expect(visible.status).toBe(200);
    expect(await (await fetch(visible.body.url)).text()).toBe('%PDF-1.7');
    expect([onInternalByCarl.status, onInternalByCarl.body.code]).toEqual([404, 'comment-not-found']);
    expect([globex.status, globex.body.code]).toEqual([404, 'ticket-not-found']);
    expect([globexLink.status, globexLink.body.code]).toEqual([404, 'ticket-not-found']);
  });

  it("cannot complete another user's upload", async () => {
    // Prepare
    const t = await newTicket();
    const asked = await carl.post<Upload>(`/v1/tickets/${t.number}/attachments`, {
      fileName: 'a.txt',
      contentType: 'text/plain',
      size: 1,
    });
    await fetch(asked.body.upload.url, { method: 'PUT', headers: asked.body.upload.headers, body: 'a' });
    // Act
    const byCora = await cora.post<Problem>(
      `/v1/tickets/${t.number}/attachments/${asked.body.attachment.attachmentId}/completion`,
    );
    // Assess
    expect(byCora.status).toBe(403);
  });
});

describe('uploads never completed', () => {
  it('are swept hourly once past their deadline: object and pending item, nothing else', async () => {
    // Prepare: one upload put but never completed, aged past its deadline and the grace period;
    // one fresh pending upload; one recorded attachment.
    const t = await newTicket();
    const ask = async (fileName: string) => {
      const asked = await alice.post<Upload>(`/v1/tickets/${t.number}/attachments`, {
        fileName,
        contentType: 'text/plain',
        size: 3,
      });
      await fetch(asked.body.upload.url, { method: 'PUT', headers: asked.body.upload.headers, body: 'abc' });
      return asked.body.attachment;
    };
    const abandoned = await ask('old.txt');
    const fresh = await ask('new.txt');
    const kept = await attach(alice, t, { fileName: 'kept.txt', contentType: 'text/plain', body: Buffer.from('k') });
    const past = new Date(Date.now() - 3600_000).toISOString();
    const ddb = new DynamoDBClient({
      endpoint: rt.awsUrl,
      region: names.LOCAL_REGION,
      credentials: { accessKeyId: 'itsm-test', secretAccessKey: 'local' },
    });
    await ddb.send(
      new UpdateItemCommand({
        TableName: names.tableName('service-desk'),
        Key: { pk: { S: `TICKET#${t.ticketId}` }, sk: { S: `UPLOAD#${abandoned.attachmentId}` } },
        UpdateExpression: 'SET deadline = :d, gsi5sk = :k',
        ConditionExpression: 'attribute_exists(gsi5pk)',
        ExpressionAttributeValues: { ':d': { S: past }, ':k': { S: `${past}#${abandoned.attachmentId}` } },
      }),
    );
    ddb.destroy();
    const object = (a: Attachment) =>
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `tickets/${t.ticketId}/${a.attachmentId}` })).then(
        () => 'there',
        (e: Error) => e.name,
      );
    // Act
    const run = await rt.runSchedule('service-desk', 'abandoned-uploads');
    const late = await alice.post<Problem>(`/v1/tickets/${t.number}/attachments/${abandoned.attachmentId}/completion`);
    const onTime = await alice.post<Attachment>(`/v1/tickets/${t.number}/attachments/${fresh.attachmentId}/completion`);
    // Assess
    expect(run).toEqual({ swept: 1 });
    expect(await object(abandoned)).toBe('NoSuchKey');
    expect([late.status, late.body.code]).toEqual([404, 'attachment-not-found']);
    expect(onTime.status).toBe(200);
    expect(await object(kept)).toBe('there');
  });
});
