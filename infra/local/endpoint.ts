import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError, type AwsService } from './aws-service';
import type { LocalIdentity } from './identity';
import { type LocalMailbox, MailError } from './mail/mailbox';

/**
 * The AWS-compatible endpoint: one loopback HTTP server that the unchanged AWS SDK v3 talks to
 * (awsJson 1.0/1.1 protocols: `X-Amz-Target: <prefix>.<Action>`). It identifies the calling
 * function from the SigV4 access key id and hands the call to the emulated service. SES v2 speaks
 * restJson instead (`POST /v2/email/outbound-emails`), answered by the local mailbox, which
 * `GET /_local/mail` lists for people.
 */
const CREDENTIAL = /Credential=([^/,\s]+)\//;

export class AwsEndpoint {
  private server?: Server;
  private readonly services = new Map<string, AwsService>();
  url = '';
  /** Serves `GET /_local/metrics` when set (the runtime's meter, with `sdk.calls` added here). */
  metrics?: () => unknown;
  /** Serves `GET /_local/failures` when set: events the bus or a consumer's retries gave up on. */
  failures?: () => unknown;
  /** Serves the local identity provider's JWKS and OIDC discovery under `/_local/idp/` when set. */
  identity?: LocalIdentity;
  /** AWS SDK calls answered so far (every service, every caller): the bench's SDK calls per ticket. */
  sdkCalls = 0;

  constructor(
    services: AwsService[],
    private readonly mailbox?: LocalMailbox,
  ) {
    for (const s of services) this.services.set(s.targetPrefix, s);
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        send(res, 500, req, { __type: 'InternalFailure', message: err.message });
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    this.url = `http://${host}:${addr.port}`;
    return this.url;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/_local/metrics' && req.method === 'GET' && this.metrics) {
      sendJson(res, 200, { ...(this.metrics() as object), sdk: { calls: this.sdkCalls } });
      return;
    }
    if (path === '/_local/failures' && req.method === 'GET' && this.failures) {
      sendJson(res, 200, this.failures());
      return;
    }
    if (this.identity && req.method === 'GET' && path === '/_local/idp/.well-known/jwks.json') {
      sendJson(res, 200, this.identity.jwks());
      return;
    }
    if (this.identity && req.method === 'GET' && path === '/_local/idp/.well-known/openid-configuration') {
      sendJson(res, 200, this.identity.discovery(this.url));
      return;
    }
    if (this.mailbox && path === '/_local/mail' && req.method === 'GET') {
      sendJson(res, 200, { messages: this.mailbox.messages() });
      return;
    }
    if (this.mailbox && path === '/v2/email/outbound-emails' && req.method === 'POST') {
      this.sdkCalls++;
      const caller = CREDENTIAL.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'anonymous';
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        sendJson(res, 200, this.mailbox.sendEmail(text ? JSON.parse(text) : {}, caller));
      } catch (err) {
        const code = err instanceof MailError ? err.code : 'BadRequestException';
        sendJson(res, err instanceof MailError ? err.statusCode : 400, { message: (err as Error).message }, code);
      }
      return;
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const dot = target.lastIndexOf('.');
    const service = this.services.get(target.slice(0, dot));
    if (!service || dot < 0) {
      send(res, 400, req, { __type: 'UnknownOperationException', message: `Unknown target ${target || '(none)'}` });
      return;
    }
    let input: Record<string, unknown>;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      input = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      send(res, 400, req, { __type: 'SerializationException', message: 'Request body is not valid JSON' });
      return;
    }
    const caller = CREDENTIAL.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'anonymous';
    this.sdkCalls++;
    try {
      const out = await service.handle(target.slice(dot + 1), input, { caller });
      send(res, 200, req, out ?? {});
    } catch (err) {
      if (err instanceof AwsError) {
        // Some errors carry members the SDK reads by name (DynamoDB's CancellationReasons).
        const fields = (err as AwsError & { fields?: Record<string, unknown> }).fields ?? {};
        send(res, err.statusCode, req, {
          __type: err.code,
          ...('Message' in fields ? {} : { message: err.message }),
          ...fields,
        });
      } else send(res, 500, req, { __type: 'InternalFailure', message: (err as Error).message });
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
    for (const s of this.services.values()) await s.close?.();
  }
}

/** A restJson answer; errors name their type in `x-amzn-ErrorType` as AWS does. */
function sendJson(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

function send(res: ServerResponse, status: number, req: IncomingMessage, body: unknown): void {
  const type = String(req.headers['content-type'] ?? 'application/x-amz-json-1.0');
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
  });
  res.end(text);
}
