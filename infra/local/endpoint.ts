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
 * `GET /_local/mail` lists for people. Lambda's `Invoke` (restJson, `POST
 * /2015-03-31/functions/<name>/invocations`) lets operators' tools invoke a function as the AWS CLI
 * would (`npx itsm events redrive`).
 */
const CREDENTIAL = /Credential=([^/,\s]+)\//;

export class AwsEndpoint {
  private server?: Server;
  private readonly services = new Map<string, AwsService>();
  url = '';
  /** Serves `GET /_local/metrics` when set (the runtime's meter). */
  metrics?: () => unknown;
  /** Serves `GET /_local/failures` when set: events the bus or a consumer's retries gave up on. */
  failures?: () => unknown;
  /** Serves Lambda `Invoke` (RequestResponse) when set: the function's result, or its error. */
  invoke?: (functionName: string, payload: unknown) => Promise<unknown>;
  /** Serves `GET /_local/events` and `/_local/events/{id}` when set: the event console (eventbridge/console.ts). */
  events?: (url: URL, accept: string) => Promise<{ status: number; contentType: string; body: string }>;
  /** Serves the local identity provider's JWKS and OIDC discovery under `/_local/idp/` when set. */
  identity?: LocalIdentity;

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
      sendJson(res, 200, this.metrics());
      return;
    }
    if (path === '/_local/failures' && req.method === 'GET' && this.failures) {
      sendJson(res, 200, this.failures());
      return;
    }
    if (this.events && req.method === 'GET' && (path === '/_local/events' || path?.startsWith('/_local/events/'))) {
      const reply = await this.events(new URL(req.url ?? '/', this.url), String(req.headers.accept ?? ''));
      res.writeHead(reply.status, {
        'content-type': reply.contentType,
        'content-length': Buffer.byteLength(reply.body),
      });
      res.end(reply.body);
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
    const invocation = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(path ?? '');
    if (invocation && req.method === 'POST' && this.invoke) {
      await this.answerInvoke(res, decodeURIComponent(invocation[1]!), Buffer.concat(chunks).toString('utf8'));
      return;
    }
    if (this.mailbox && path === '/_local/mail' && req.method === 'GET') {
      sendJson(res, 200, { messages: this.mailbox.messages() });
      return;
    }
    if (this.mailbox && path === '/v2/email/outbound-emails' && req.method === 'POST') {
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

  /**
   * Lambda's synchronous Invoke answer: 200 with the result; a function error is 200 too, with
   * `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage }`; an unknown function 404.
   */
  private async answerInvoke(res: ServerResponse, name: string, body: string): Promise<void> {
    let payload: unknown;
    try {
      payload = body ? JSON.parse(body) : {};
    } catch {
      sendJson(res, 400, { message: 'Could not parse request body into json' }, 'InvalidRequestContentException');
      return;
    }
    // The SDK may send the function's name or its ARN.
    const functionName = name.includes(':function:') ? name.slice(name.lastIndexOf(':function:') + 10) : name;
    try {
      const result = await this.invoke!(functionName, payload);
      const text = JSON.stringify(result ?? null);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } catch (err) {
      const e = err as Error;
      if (/^no local function /.test(e.message)) {
        sendJson(res, 404, { message: e.message }, 'ResourceNotFoundException');
        return;
      }
      const text = JSON.stringify({ errorType: e.name ?? 'Error', errorMessage: e.message });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-amz-function-error': 'Unhandled',
      });
      res.end(text);
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
