import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { RouteTable } from '../../shared/kit/routing';
import type { ApiCors } from '../api/cors';
import { InvalidTokenError, LOCAL_AUDIENCE, type LocalIdentity } from './identity';
import { LOCAL_ACCOUNT } from './names';

/**
 * The local HTTP API: builds API Gateway HTTP API (payload 2.0) events for the same routes the
 * CDK stack creates, verifies bearer JWTs as its JWT authorizer does (ADR 21), and answers the way
 * API Gateway answers when it rejects a request itself (401 `{"message":"Unauthorized"}` with the
 * reason in `www-authenticate`, 500
 * `{"message":"Internal Server Error"}` when a function crashes, 413 over 10 MB).
 */
export interface GatewayRoute {
  method: string;
  path: string;
  functionName: string;
  /** False for public routes (the OpenAPI document). */
  authorized: boolean;
}

/** API Gateway HTTP APIs accept payloads up to 10 MB. */
const GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

export class LocalGateway {
  /** Requests that reached a function (API Gateway bills these; 401s from the authorizer are free). */
  requests = 0;
  private server?: Server;
  private readonly table: RouteTable<GatewayRoute>;
  url = '';
  /** CORS as the HTTP API's `corsPreflight` (infra/api/cors.ts); none when unset. */
  cors?: ApiCors;

  constructor(
    routes: GatewayRoute[],
    private readonly defaultFunction: string,
    private readonly identity: LocalIdentity,
    private readonly invoke: (functionName: string, event: APIGatewayProxyEventV2) => Promise<unknown>,
    /** The authorizer's `jwtAudience`: the tools' audience and every registered sign-in client (ADR 29). */
    private readonly audiences: () => readonly string[] = () => [LOCAL_AUDIENCE],
  ) {
    this.table = new RouteTable(routes);
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => json(res, 500, { message: 'Internal Server Error' }));
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const allowed = origin !== undefined && (this.cors?.allowOrigins.includes(origin) ?? false);
    // With CORS configured, API Gateway answers every preflight itself (no route, no authorizer) and
    // puts its configured headers on the answers to an allowed origin, ignoring the integration's.
    if (this.cors && req.method === 'OPTIONS' && origin && req.headers['access-control-request-method']) {
      const method = String(req.headers['access-control-request-method']).toUpperCase();
      const asked = String(req.headers['access-control-request-headers'] ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
      const ok =
        allowed && this.cors.allowMethods.includes(method) && asked.every((h) => this.cors!.allowHeaders.includes(h));
      res.writeHead(
        204,
        ok
          ? {
              'access-control-allow-origin': origin,
              'access-control-allow-methods': this.cors.allowMethods.join(','),
              'access-control-allow-headers': this.cors.allowHeaders.join(','),
              'access-control-max-age': String(this.cors.maxAgeSeconds),
              vary: 'origin',
            }
          : {},
      );
      res.end();
      return;
    }
    if (allowed) {
      const writeHead = res.writeHead.bind(res) as (
        status: number,
        headers?: Record<string, unknown>,
      ) => ServerResponse;
      (res as { writeHead: unknown }).writeHead = (status: number, headers: Record<string, unknown> = {}) => {
        const own = Object.fromEntries(
          Object.entries(headers).filter(([k]) => !k.toLowerCase().startsWith('access-control-')),
        );
        return writeHead(status, {
          ...own,
          'access-control-allow-origin': origin,
          'access-control-expose-headers': this.cors!.exposeHeaders.join(','),
          vary: 'origin',
        });
      };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > GATEWAY_MAX_BYTES) {
        json(res, 413, { message: 'Request Entity Too Large' });
        return;
      }
      chunks.push(c as Buffer);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const match = this.table.match(method, path);
    const route = match.route;
    let claims: Record<string, string> | undefined;
    // Unmatched requests go to `$default`, which is behind the JWT authorizer on AWS too.
    if (route?.authorized ?? true) {
      const auth = String(req.headers.authorization ?? '');
      const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
      try {
        if (!token) throw new Error('missing');
        claims = await this.identity.verify(token, this.audiences());
      } catch (err) {
        // API Gateway's own body; the header says why (RFC 6750), as the authorizer's does.
        res.setHeader(
          'www-authenticate',
          err instanceof InvalidTokenError
            ? `Bearer error="invalid_token", error_description="${headerSafe(err.description)}"`
            : 'Bearer',
        );
        json(res, 401, { message: 'Unauthorized' });
        return;
      }
    }
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = query[k] !== undefined ? `${query[k]},${v}` : v;
    const routeKey = route ? `${route.method} ${route.path}` : '$default';
    const now = new Date();
    const textual = /json|text|xml|form-urlencoded/i.test(headers['content-type'] ?? 'application/json');
    const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
      version: '2.0',
      routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(route && 'params' in match && Object.keys(match.params).length ? { pathParameters: match.params } : {}),
      requestContext: {
        accountId: LOCAL_ACCOUNT,
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: {
          method,
          path: url.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
        ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
      },
      isBase64Encoded: body.length > 0 && !textual,
      ...(body.length ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
    };
    let result: unknown;
    try {
      this.requests++;
      result = await this.invoke(route?.functionName ?? this.defaultFunction, event);
    } catch {
      json(res, 500, { message: 'Internal Server Error' });
      return;
    }
    const r = normalise(result);
    res.writeHead(r.statusCode ?? 200, { ...(r.headers as Record<string, string>) });
    res.end(r.body === undefined ? undefined : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : r.body);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/** What API Gateway does with a payload 2.0 response that is not a structured result. */
function normalise(result: unknown): APIGatewayProxyStructuredResultV2 {
  if (result && typeof result === 'object' && 'statusCode' in result)
    return result as APIGatewayProxyStructuredResultV2;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: typeof result === 'string' ? result : JSON.stringify(result ?? null),
  };
}

/** A token's own header values appear in the description: printable ASCII only, no quotes, bounded. */
const headerSafe = (text: string) =>
  text
    .replace(/[^\x20-\x7e]/g, '?')
    .replaceAll('"', "'")
    .slice(0, 200);

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
