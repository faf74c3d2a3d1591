import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { problem } from '../../shared/kit/errors';
import { AwsError, type AwsService, type RestJsonService } from './aws-service';
import { type LocalMailbox, MailError } from './mail/mailbox';
import type { LocalOidcProvider } from './oidc';
import { isS3Request, type LocalS3, MAX_PUT_BYTES } from './s3/local-s3';
import { type EndpointRequest, type EndpointResponse, serveChannel } from './transport';

/**
 * The AWS-compatible endpoint: one loopback HTTP server that the unchanged AWS SDK v3 talks to
 * (awsJson 1.0/1.1 protocols: `X-Amz-Target: <prefix>.<Action>`). It identifies the calling
 * function from the SigV4 access key id and hands the call to the emulated service. SES v2 speaks
 * restJson instead (`POST /v2/email/outbound-emails`), answered by the local mailbox, which
 * `GET /_local/mail` lists for people. Lambda's `Invoke` (restJson, `POST
 * /2015-03-31/functions/<name>/invocations`) lets operators' tools invoke a function as the AWS CLI
 * would (`npx itsm events redrive`). S3 (restXml, path-style, told apart by the `s3` in the SigV4
 * credential scope) is answered by the local S3 with bytes, not text (infra/local/s3). Functions'
 * SDK calls reach the same dispatch over a message port instead of HTTP (`channel`, ADR 24); everything else (tests, the CLI, scripts) uses HTTP.
 */
const CREDENTIAL = /Credential=([^/,\s]+)\//;
/** The service in the SigV4 credential scope (`<key>/<date>/<region>/<service>/aws4_request`). */
const SCOPE = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/,\s]+)\/aws4_request/;

export class AwsEndpoint {
  private server?: Server;
  private readonly services = new Map<string, AwsService>();
  private readonly channels = new Set<MessagePort>();
  private readonly restServices = new Map<string, RestJsonService>();
  url = '';
  /** Serves `GET /_local/metrics` when set (the runtime's meter). */
  metrics?: () => unknown;
  /** Serves `GET /_local/failures` when set: events the bus or a consumer's retries gave up on. */
  failures?: () => unknown;
  /** Serves Lambda `Invoke` (RequestResponse) when set: the function's result, or its error. */
  invoke?: (functionName: string, payload: unknown) => Promise<unknown>;
  /** Serves `GET /_local/events` and `/_local/events/{id}` when set: the event console (eventbridge/console.ts). */
  events?: (url: URL, accept: string) => Promise<{ status: number; contentType: string; body: string }>;
  /**
   * Serves `POST /_local/aws-events` when set: the body, an event as an AWS service sends it (a
   * corpus sample: `source`, `detail-type`, `detail`, `resources`, `time`), goes on the default bus
   * as that service would put it (a fresh id, this runtime's account and region). For demos and
   * tools; PutEvents refuses `aws.` sources, as on AWS.
   */
  awsEvents?: (event: Record<string, unknown>) => Promise<{ id: string }>;
  /** Serves the local OpenID Connect provider under `/_local/idp/` when set (its issuer URL, ADR 29). */
  oidc?: LocalOidcProvider;
  /** Answers requests signed for S3 (credential scope `…/s3/aws4_request`) when set. */
  s3?: LocalS3;
  /** AWS API requests answered so far, by `<caller> <target>` (e.g. `itsm-x DynamoDB_20120810.GetItem`). */
  readonly requests = new Map<string, number>();

  constructor(
    services: AwsService[],
    private readonly mailbox?: LocalMailbox,
  ) {
    for (const s of services) this.services.set(s.targetPrefix, s);
  }

  /** Adds a restJson service, routed by its SigV4 signing name (the RDS Data API). */
  addRestService(service: RestJsonService): void {
    this.restServices.set(service.signingName, service);
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.serveHttp(req, res).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ __type: 'InternalFailure', message: err.message }));
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

  /**
   * A channel for one function's SDK calls without HTTP (ADR 24): requests posted on the returned
   * port are dispatched exactly as the HTTP server dispatches them. The port is meant to be
   * transferred to the function's worker; `close` closes every channel still open.
   */
  channel(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    serveChannel(port1, (req) => this.dispatch(req));
    port1.unref();
    this.channels.add(port1);
    port1.once('close', () => this.channels.delete(port1));
    return port2;
  }

  private async serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const headers = req.headers as Record<string, string | undefined>;
    const s3 = this.s3 !== undefined && (isS3Request(path, headers) || this.s3.owns(path, headers));
    // S3 refuses a body over its limit from the declared length, before reading it.
    const declared = Number(headers['x-amz-decoded-content-length'] ?? headers['content-length'] ?? 0);
    if (s3 && req.method === 'PUT' && declared > MAX_PUT_BYTES) {
      const answer = await this.dispatch({ method: 'PUT', path, headers, body: '', bytes: new Uint8Array(0) });
      res.writeHead(answer.status, { ...answer.headers, connection: 'close' });
      res.end(answer.bytes);
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const out = await this.dispatch({
      method: req.method ?? 'GET',
      path,
      headers,
      ...(s3 ? { body: '', bytes: raw } : { body: raw.toString('utf8') }),
    });
    const payload = out.bytes ?? Buffer.from(out.body, 'utf8');
    res.writeHead(out.status, {
      ...out.headers,
      'content-length': out.headers['content-length'] ?? payload.byteLength,
    });
    res.end(req.method === 'HEAD' ? undefined : payload);
  }

  /**
   * Answers one request, however it arrived (HTTP or a function's channel): routes it by path or
   * `X-Amz-Target` and names the caller by the access key id in its SigV4 `Authorization` header.
   * Header names are lower case, as Node gives them.
   */
  async dispatch(req: EndpointRequest): Promise<EndpointResponse> {
    try {
      return await this.route(req);
    } catch (err) {
      return json(500, { __type: 'InternalFailure', message: (err as Error).message });
    }
  }

  private async route(req: EndpointRequest): Promise<EndpointResponse> {
    // S3 is told apart by its credential scope, not by path: its paths are bucket names.
    if (this.s3 && (isS3Request(req.path, req.headers) || this.s3.owns(req.path, req.headers))) {
      const answer = await this.s3.serve(req);
      if (answer.action) {
        const counted = `${answer.caller} S3.${answer.action}`;
        this.requests.set(counted, (this.requests.get(counted) ?? 0) + 1);
      }
      return answer.response;
    }
    const path = req.path.split('?')[0];
    if (path === '/_local/metrics' && req.method === 'GET' && this.metrics) return json(200, this.metrics());
    if (path === '/_local/failures' && req.method === 'GET' && this.failures) return json(200, this.failures());
    if (this.events && req.method === 'GET' && (path === '/_local/events' || path?.startsWith('/_local/events/'))) {
      const reply = await this.events(new URL(req.path, this.url), String(req.headers.accept ?? ''));
      return { status: reply.status, headers: { 'content-type': reply.contentType }, body: reply.body };
    }
    if (this.awsEvents && path === '/_local/aws-events' && req.method === 'POST') {
      let event: unknown;
      try {
        event = req.body ? JSON.parse(req.body) : undefined;
      } catch {
        event = undefined;
      }
      if (event === null || typeof event !== 'object' || Array.isArray(event)) {
        return problemJson(
          400,
          'invalid-event',
          'The body must be a JSON object: an event as an AWS service sends it.',
        );
      }
      try {
        return json(200, await this.awsEvents(event as Record<string, unknown>));
      } catch (err) {
        return problemJson(400, 'invalid-event', (err as Error).message);
      }
    }
    if (this.oidc && path?.startsWith('/_local/idp/')) {
      const answer = await this.oidc.serve(req);
      if (answer) return answer;
    }
    const invocation = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(path ?? '');
    if (invocation && req.method === 'POST' && this.invoke) {
      return this.answerInvoke(decodeURIComponent(invocation[1]!), req.body);
    }
    if (this.mailbox && path === '/_local/mail' && req.method === 'GET') {
      return json(200, { messages: this.mailbox.messages() });
    }
    const caller = CREDENTIAL.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'anonymous';
    if (this.mailbox && path === '/v2/email/outbound-emails' && req.method === 'POST') {
      const counted = `${caller} SES.SendEmail`;
      this.requests.set(counted, (this.requests.get(counted) ?? 0) + 1);
      try {
        return json(200, this.mailbox.sendEmail(req.body ? JSON.parse(req.body) : {}, caller));
      } catch (err) {
        const code = err instanceof MailError ? err.code : 'BadRequestException';
        return json(err instanceof MailError ? err.statusCode : 400, { message: (err as Error).message }, code);
      }
    }
    const rest = this.restServices.get(SCOPE.exec(String(req.headers.authorization ?? ''))?.[1] ?? '');
    if (rest) {
      const counted = `${caller} ${rest.signingName} ${req.method} ${path}`;
      this.requests.set(counted, (this.requests.get(counted) ?? 0) + 1);
      try {
        return json(200, await rest.handleRest(req.method, path ?? '/', req.body, { caller }));
      } catch (err) {
        if (err instanceof AwsError) return json(err.statusCode, { message: err.message }, err.code);
        return json(500, { message: (err as Error).message }, 'InternalServerErrorException');
      }
    }
    // awsJson answers in the request's own content type (1.0 or 1.1).
    const type = req.headers['content-type'] ?? 'application/x-amz-json-1.0';
    const target = String(req.headers['x-amz-target'] ?? '');
    const dot = target.lastIndexOf('.');
    const service = this.services.get(target.slice(0, dot));
    if (!service || dot < 0) {
      return awsJson(400, type, {
        __type: 'UnknownOperationException',
        message: `Unknown target ${target || '(none)'}`,
      });
    }
    let input: Record<string, unknown>;
    try {
      input = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    } catch {
      return awsJson(400, type, { __type: 'SerializationException', message: 'Request body is not valid JSON' });
    }
    const counted = `${caller} ${target}`;
    this.requests.set(counted, (this.requests.get(counted) ?? 0) + 1);
    try {
      const out = await service.handle(target.slice(dot + 1), input, { caller });
      return awsJson(200, type, out ?? {});
    } catch (err) {
      if (err instanceof AwsError) {
        // Some errors carry members the SDK reads by name (DynamoDB's CancellationReasons).
        const fields = (err as AwsError & { fields?: Record<string, unknown> }).fields ?? {};
        return awsJson(err.statusCode, type, {
          __type: err.code,
          ...('Message' in fields ? {} : { message: err.message }),
          ...fields,
        });
      }
      return awsJson(500, type, { __type: 'InternalFailure', message: (err as Error).message });
    }
  }

  /**
   * Lambda's synchronous Invoke answer: 200 with the result; a function error is 200 too, with
   * `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage }`; an unknown function 404.
   */
  private async answerInvoke(name: string, body: string): Promise<EndpointResponse> {
    let payload: unknown;
    try {
      payload = body ? JSON.parse(body) : {};
    } catch {
      return json(400, { message: 'Could not parse request body into json' }, 'InvalidRequestContentException');
    }
    // The SDK may send the function's name or its ARN.
    const functionName = name.includes(':function:') ? name.slice(name.lastIndexOf(':function:') + 10) : name;
    try {
      const result = await this.invoke!(functionName, payload);
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result ?? null) };
    } catch (err) {
      const e = err as Error;
      if (/^no local function /.test(e.message)) return json(404, { message: e.message }, 'ResourceNotFoundException');
      const reply = json(200, { errorType: e.name ?? 'Error', errorMessage: e.message });
      reply.headers['x-amz-function-error'] = 'Unhandled';
      return reply;
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
    for (const port of this.channels) port.close();
    for (const s of this.services.values()) await s.close?.();
    for (const s of this.restServices.values()) await s.close?.();
  }
}

/** A restJson answer; errors name their type in `x-amzn-ErrorType` as AWS does. */
function json(status: number, body: unknown, errorType?: string): EndpointResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-requestid': crypto.randomUUID(),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    },
    body: JSON.stringify(body),
  };
}

/** An RFC 9457 problem, as the event console answers bad requests. */
function problemJson(status: number, code: string, detail: string): EndpointResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify(problem(status, code, detail)),
  };
}

function awsJson(status: number, type: string, body: unknown): EndpointResponse {
  return {
    status,
    headers: { 'content-type': type, 'x-amzn-requestid': crypto.randomUUID() },
    body: JSON.stringify(body),
  };
}
