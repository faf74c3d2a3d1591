import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONSOLE_SCOPES,
  CONSOLE_SECURITY_HEADERS,
  type ConsoleConfig,
  type ConsolePolicyOrigins,
  consoleContentSecurityPolicy,
} from '../api/console-headers';

/**
 * The web console as CloudFront serves it on AWS (infra/aws/console.ts): the built single-page app
 * from `console/dist`, `/config.json` with the API and sign-in settings (on AWS written at deploy),
 * the SPA's routes answered with `index.html`, and the same security headers and content security
 * policy. It listens on loopback only.
 */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The console's security headers, as CloudFront's response headers policy sends them (one definition). */
export function consoleSecurityHeaders(origins: ConsolePolicyOrigins): Record<string, string> {
  const h = CONSOLE_SECURITY_HEADERS;
  return {
    'content-security-policy': consoleContentSecurityPolicy(origins),
    'strict-transport-security': `max-age=${h.strictTransportSecurity.maxAgeSeconds}; includeSubDomains`,
    'x-content-type-options': h.contentTypeOptions,
    'x-frame-options': h.frameOptions,
    'referrer-policy': h.referrerPolicy,
  };
}

/** `/config.json` for the local console, in the shape the CDK stack writes on AWS. */
export function consoleConfig(at: { apiUrl: string; issuer: string; consoleUrl: string }): ConsoleConfig {
  return {
    apiUrl: `${at.apiUrl}/`,
    authority: at.issuer,
    clientId: 'itsm-console',
    redirectUri: `${at.consoleUrl}/callback`,
    postLogoutRedirectUri: `${at.consoleUrl}/`,
    managedLoginUrl: at.issuer,
    signOutUrl: `${at.issuer}/logout`,
    scope: CONSOLE_SCOPES.join(' '),
    region: 'us-east-1',
  };
}

export class ConsoleServer {
  private server?: Server;
  url = '';
  /** Set once the API and the sign-in provider are known (they start after this server). */
  settings?: () => { config: ConsoleConfig; origins: ConsolePolicyOrigins };

  constructor(private readonly dist = CONSOLE_DIST) {}

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((done, fail) => {
      this.server!.once('error', fail);
      this.server!.listen(port, host, () => done());
    });
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const settings = this.settings?.();
    const headers = settings ? consoleSecurityHeaders(settings.origins) : {};
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('Method Not Allowed');
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      send(res, 400, { ...headers, 'content-type': 'text/plain' }, 'Bad Request');
      return;
    }
    if (path === '/config.json') {
      if (!settings) {
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' });
        res.end('starting');
        return;
      }
      send(
        res,
        200,
        { ...headers, 'content-type': TYPES['.json']!, 'cache-control': 'no-store' },
        JSON.stringify(settings.config),
      );
      return;
    }
    const root = resolve(this.dist);
    const file = normalize(join(root, path));
    const inside = file === root || file.startsWith(root + sep);
    if (inside && extname(file) && existsSync(file) && statSync(file).isFile()) {
      // Hashed assets never change; everything else is checked on every load.
      const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      send(
        res,
        200,
        { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cache },
        readFileSync(file),
        req.method === 'HEAD',
      );
      return;
    }
    if (inside && extname(path)) {
      send(res, 404, { ...headers, 'content-type': 'text/plain' }, 'Not Found');
      return;
    }
    // A route of the app (`/tickets/42`): the app itself, as CloudFront's function rewrites it.
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      send(
        res,
        503,
        { 'content-type': 'text/plain; charset=utf-8' },
        'The console is not built: run `npm run console:build` (npm start builds it).',
      );
      return;
    }
    send(
      res,
      200,
      { ...headers, 'content-type': TYPES['.html']!, 'cache-control': 'no-cache' },
      readFileSync(index),
      req.method === 'HEAD',
    );
  }

  async close(): Promise<void> {
    await new Promise<void>((done) => {
      if (!this.server) return done();
      this.server.closeAllConnections();
      this.server.close(() => done());
    });
  }
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
  head = false,
) {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

/** A fingerprint of the console's sources and locked packages: the build is current when it matches. */
export function consoleSourceHash(root = fileURLToPath(new URL('../../console', import.meta.url))): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === 'dist' || name === 'node_modules' || name === 'schema.d.ts') continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(p.slice(root.length)).update(readFileSync(p));
    }
  };
  walk(root);
  const lock = join(root, '..', 'package-lock.json');
  if (existsSync(lock)) hash.update(readFileSync(lock));
  return hash.digest('hex').slice(0, 16);
}
