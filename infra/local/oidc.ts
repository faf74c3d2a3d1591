import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { ISSUER_PATH, LOCAL_AUDIENCE, type LocalIdentity } from './identity';
import type { EndpointRequest, EndpointResponse } from './transport';

/**
 * The local OpenID Connect provider (ADR 29): what the Cognito user pool's managed login is on
 * AWS, so that the console signs in with the same code in both places (authorization code + PKCE,
 * `oidc-client-ts` with `authority` = the issuer). Served on the loopback AWS endpoint under
 * `/_local/idp`, which is also its issuer: discovery, JWKS, `authorize` (a page listing the demo
 * users), `token`, `revoke` and `logout`. The rules are OAuth's and Cognito's: registered public
 * clients only, `redirect_uri` equal to a registered one, PKCE S256 required, codes single-use for
 * 60 s, tokens shaped like Cognito's, refresh tokens not rotated. Codes and refresh tokens live in
 * memory: a restart signs everyone out.
 */
export interface OidcClient {
  clientId: string;
  /** Where codes may be sent: compared exactly, character for character (RFC 6749 §3.1.2). */
  redirectUris: string[];
  /** Where `logout` may send the browser back (OIDC RP-Initiated Logout §3). */
  postLogoutRedirectUris: string[];
}

/** A person who can sign in: the demo users (`DEMO_USERS` in seed.ts). */
export interface SignInUser {
  user: string;
  roles: string[];
  customer?: string;
  description: string;
}

/** Cognito's scopes for an app client that the console may ask for; `openid` is required. */
export const SUPPORTED_SCOPES = ['openid', 'email', 'profile'] as const;
/** RFC 6749 §10.5 asks for short-lived codes; ours live 60 s (Cognito's live 5 minutes). */
export const CODE_LIFETIME_MS = 60_000;
/** Cognito's default for access and ID tokens: 1 hour. */
export const TOKEN_LIFETIME_SECONDS = 3600;
/** Cognito's default refresh token validity: 30 days. */
export const REFRESH_LIFETIME_MS = 30 * 86_400_000;

interface AuthorizeRequest {
  client: OidcClient;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  challenge: string;
}

interface Code {
  request: AuthorizeRequest;
  user: SignInUser;
  issuedAt: number;
  /** The session (`origin_jti`) the code started, once redeemed: a second redemption revokes it. */
  session?: string;
}

/** One sign-in: what a refresh token mints again, until it expires or is revoked. */
interface Session {
  originJti: string;
  clientId: string;
  user: SignInUser;
  scope: string;
  authTime: number;
  expiresAt: number;
  refreshToken: string;
}

/** The outcome of checking authorize parameters: an error page (no redirect), an error redirect, or a request. */
type Checked = { page: string } | { redirect: string } | { ok: AuthorizeRequest };

const AUTHORIZE_PARAMS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
] as const;

/** The page's one stylesheet, allowed by its hash: the content security policy allows no inline code. */
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#16191f;background:#fff}
main{max-width:44rem;margin:2rem auto;padding:0 1rem}
ul{list-style:none;padding:0}li{margin:0 0 .75rem}
button{font:inherit;font-weight:600;padding:.5rem 1rem;border:2px solid #0972d3;border-radius:1rem;background:#0972d3;color:#fff;cursor:pointer;min-width:8rem}
button:focus-visible{outline:3px solid #16191f;outline-offset:2px}
.who{margin:.25rem 0 0;color:#414d5c}code{font-size:.9em}`;
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export class LocalOidcProvider {
  /** The provider's clock (ms): codes' and tokens' times. Tests move it to expire codes. */
  clock: () => number = Date.now;
  private readonly clients = new Map<string, OidcClient>();
  private readonly codes = new Map<string, Code>();
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly identity: LocalIdentity,
    private readonly users: readonly SignInUser[],
  ) {}

  get issuer(): string {
    return this.identity.issuer;
  }

  /**
   * Registers (or replaces) a public client, as an app client of the user pool is created. Redirect
   * URIs must be absolute http(s) URLs without a fragment (RFC 6749 §3.1.2).
   */
  registerClient(client: OidcClient): void {
    if (!/^[\w.-]{1,128}$/.test(client.clientId)) throw new Error(`invalid client id "${client.clientId}"`);
    for (const uri of [...client.redirectUris, ...client.postLogoutRedirectUris]) {
      const url = URL.canParse(uri) ? new URL(uri) : undefined;
      if (!url || !/^https?:$/.test(url.protocol) || url.hash !== '' || uri.includes('#'))
        throw new Error(`client ${client.clientId}: "${uri}" is not an absolute http(s) URL without a fragment`);
    }
    this.clients.set(client.clientId, {
      clientId: client.clientId,
      redirectUris: [...client.redirectUris],
      postLogoutRedirectUris: [...client.postLogoutRedirectUris],
    });
  }

  /** The audiences the HTTP API accepts (its JWT authorizer's `jwtAudience`): tools' and every client's. */
  audiences(): string[] {
    return [LOCAL_AUDIENCE, ...this.clients.keys()];
  }

  /** The discovery document (OpenID Connect Discovery 1.0 §3): only what this provider does. */
  discovery() {
    const iss = this.issuer;
    return {
      issuer: iss,
      authorization_endpoint: `${iss}/authorize`,
      token_endpoint: `${iss}/token`,
      revocation_endpoint: `${iss}/revoke`,
      end_session_endpoint: `${iss}/logout`,
      jwks_uri: `${iss}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      scopes_supported: [...SUPPORTED_SCOPES],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'email',
        'email_verified',
        'cognito:username',
        'cognito:groups',
        'custom:customer',
      ],
    };
  }

  /** Answers a request under `/_local/idp/`, or undefined when the path is not the provider's. */
  async serve(req: EndpointRequest): Promise<EndpointResponse | undefined> {
    const url = new URL(req.path, 'http://local');
    if (!url.pathname.startsWith(`${ISSUER_PATH}/`)) return undefined;
    const route = url.pathname.slice(ISSUER_PATH.length);
    const cors = this.cors(req.headers.origin);
    if (
      req.method === 'OPTIONS' &&
      ['/token', '/revoke', '/.well-known/openid-configuration', '/.well-known/jwks.json'].includes(route)
    )
      return { status: 204, headers: { ...cors, ...(cors['access-control-allow-origin'] ? PREFLIGHT : {}) }, body: '' };
    if (req.method === 'GET' && route === '/.well-known/openid-configuration') return json(200, this.discovery(), cors);
    if (req.method === 'GET' && route === '/.well-known/jwks.json') return json(200, this.identity.jwks(), cors);
    if (route === '/authorize' && req.method === 'GET') return this.authorizePage(url.searchParams);
    if (route === '/authorize' && req.method === 'POST') return this.authorizeDecision(req);
    if (route === '/token' && req.method === 'POST') return this.token(req, cors);
    if (route === '/revoke' && req.method === 'POST') return this.revoke(req, cors);
    if (route === '/logout' && req.method === 'GET') return this.logout(url.searchParams);
    return json(404, { error: 'not_found', error_description: `no ${req.method} ${route} on the identity provider` });
  }

  /** CORS for the browser's calls (token, discovery, JWKS): the registered clients' origins only. */
  private cors(origin: string | undefined): Record<string, string> {
    const allowed =
      origin !== undefined &&
      [...this.clients.values()].some((c) =>
        [...c.redirectUris, ...c.postLogoutRedirectUris].some((u) => new URL(u).origin === origin),
      );
    return allowed ? { 'access-control-allow-origin': origin!, vary: 'Origin' } : { vary: 'Origin' };
  }

  /**
   * Checks authorize parameters in RFC 6749 §4.1.2.1's order: with an unknown client or a
   * redirect URI that is not exactly a registered one, an error page and no redirect (an open
   * redirector otherwise); any other fault goes back to the client as `error=…`.
   */
  private check(params: URLSearchParams): Checked {
    const once = (name: string) => (params.getAll(name).length > 1 ? undefined : (params.get(name) ?? undefined));
    const clientId = once('client_id');
    const client = clientId !== undefined ? this.clients.get(clientId) : undefined;
    if (!client) return { page: 'The application asking you to sign in is not registered with this provider.' };
    const redirectUri = once('redirect_uri');
    if (redirectUri === undefined || !client.redirectUris.includes(redirectUri))
      return { page: `The redirect URI is not registered for ${client.clientId}: nothing was sent back to it.` };
    const state = params.getAll('state').length === 1 ? params.get('state')! : undefined;
    const back = (error: string, description: string) => ({
      redirect: withParams(redirectUri, { error, error_description: description, ...(state ? { state } : {}) }),
    });
    // RFC 6749 §3.1: parameters must not be included more than once.
    const repeated = AUTHORIZE_PARAMS.find((p) => params.getAll(p).length > 1);
    if (repeated) return back('invalid_request', `${repeated} is repeated`);
    if (params.get('response_type') !== 'code')
      return back('unsupported_response_type', 'only response_type=code is supported');
    const scopes = (params.get('scope') ?? '').split(' ').filter(Boolean);
    if (!scopes.includes('openid')) return back('invalid_scope', 'the scope must include openid');
    const unknown = scopes.find((s) => !(SUPPORTED_SCOPES as readonly string[]).includes(s));
    if (unknown) return back('invalid_scope', `the scope ${unknown} is not supported`);
    const challenge = params.get('code_challenge');
    if (!challenge) return back('invalid_request', 'code_challenge is required (PKCE)');
    if (params.get('code_challenge_method') !== 'S256')
      return back('invalid_request', 'code_challenge_method must be S256');
    // BASE64URL of a SHA-256 digest: 43 characters (RFC 7636 §4.2).
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
      return back('invalid_request', 'code_challenge is not an S256 challenge');
    // OIDC Core §3.1.2.6: without a session to reuse (there are no sign-in cookies here), a silent
    // request gets login_required; clients renew with the refresh token instead.
    if ((params.get('prompt') ?? '').split(' ').includes('none'))
      return back('login_required', 'there is no session to reuse: sign in on the page');
    const nonce = params.get('nonce') ?? undefined;
    return {
      ok: {
        client,
        redirectUri,
        scope: [...new Set(scopes)].join(' '),
        ...(state !== undefined ? { state } : {}),
        ...(nonce !== undefined ? { nonce } : {}),
        challenge,
      },
    };
  }

  private authorizePage(params: URLSearchParams): EndpointResponse {
    const checked = this.check(params);
    if ('page' in checked) return errorPage(checked.page);
    if ('redirect' in checked) return redirect(checked.redirect);
    const req = checked.ok;
    const hidden = AUTHORIZE_PARAMS.filter((p) => params.has(p))
      .map((p) => `<input type="hidden" name="${p}" value="${escapeHtml(params.get(p)!)}">`)
      .join('');
    const users = this.users
      .map(
        (
          u,
          i,
        ) => `<li><button type="submit" name="user" value="${escapeHtml(u.user)}" aria-describedby="who-${i}">Sign in as ${escapeHtml(u.user)}</button>
<p class="who" id="who-${i}">${escapeHtml(u.description)}. Roles: ${escapeHtml(u.roles.join(', '))}${u.customer ? `; customer: ${escapeHtml(u.customer)}` : ''}.</p></li>`,
      )
      .join('\n');
    const body = `<main>
<h1>Sign in to the ITSM platform</h1>
<p>This is the local identity provider: choose a demo user to continue to <code>${escapeHtml(req.client.clientId)}</code>. No password is asked: it listens on this machine only.</p>
<form method="post" action="${escapeHtml(`${this.issuer}/authorize`)}">${hidden}
<ul>
${users}
</ul>
</form>
</main>`;
    return page(200, 'Sign in: ITSM local identity provider', body, new URL(req.redirectUri).origin);
  }

  /** The page's form: checked as strictly as the page's own request, then a code for the chosen user. */
  private authorizeDecision(req: EndpointRequest): EndpointResponse {
    const form = formOf(req);
    if (!form) return errorPage('The sign-in form must be sent as application/x-www-form-urlencoded.');
    const checked = this.check(form);
    if ('page' in checked) return errorPage(checked.page);
    if ('redirect' in checked) return redirect(checked.redirect);
    const user = form.getAll('user').length === 1 ? this.users.find((u) => u.user === form.get('user')) : undefined;
    if (!user) return errorPage('Choose one of the listed users.');
    this.sweep();
    // 256 random bits (RFC 6749 §10.10 asks that guessing be infeasible).
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, { request: checked.ok, user, issuedAt: this.clock() });
    const { state, redirectUri } = checked.ok;
    return redirect(withParams(redirectUri, { code, ...(state !== undefined ? { state } : {}) }));
  }

  private async token(req: EndpointRequest, cors: Record<string, string>): Promise<EndpointResponse> {
    const form = formOf(req);
    if (!form) return tokenError(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded', cors);
    const repeated = [...new Set(form.keys())].find((k) => form.getAll(k).length > 1);
    if (repeated) return tokenError(400, 'invalid_request', `${repeated} is repeated`, cors);
    const client = this.clients.get(form.get('client_id') ?? '');
    if (!client) return tokenError(400, 'invalid_client', 'unknown client_id', cors);
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const [code, redirectUri, verifier] = [form.get('code'), form.get('redirect_uri'), form.get('code_verifier')];
      if (!code || !redirectUri || !verifier)
        return tokenError(400, 'invalid_request', 'code, redirect_uri and code_verifier are required', cors);
      const grant = this.codes.get(code);
      const now = this.clock();
      if (!grant || now - grant.issuedAt >= CODE_LIFETIME_MS) {
        this.codes.delete(code);
        return tokenError(400, 'invalid_grant', 'the code is unknown or has expired', cors);
      }
      if (grant.session !== undefined) {
        // RFC 6749 §4.1.2: a code used twice revokes what it issued (access tokens are JWTs; they expire).
        this.sessions.delete(grant.session);
        return tokenError(400, 'invalid_grant', 'the code has already been used', cors);
      }
      if (grant.request.client.clientId !== client.clientId)
        return tokenError(400, 'invalid_grant', 'the code was issued to another client', cors);
      if (grant.request.redirectUri !== redirectUri)
        return tokenError(400, 'invalid_grant', 'redirect_uri differs from the authorization request', cors);
      if (!sameText(s256(verifier), grant.request.challenge))
        return tokenError(400, 'invalid_grant', 'the code_verifier does not match the code_challenge', cors);
      const session: Session = {
        originJti: randomUUID(),
        clientId: client.clientId,
        user: grant.user,
        scope: grant.request.scope,
        authTime: Math.floor(grant.issuedAt / 1000),
        expiresAt: now + REFRESH_LIFETIME_MS,
        refreshToken: randomBytes(48).toString('base64url'),
      };
      grant.session = session.originJti;
      this.sessions.set(session.originJti, session);
      return json(
        200,
        { ...(await this.tokens(session, grant.request.nonce)), refresh_token: session.refreshToken },
        { ...cors, ...NO_STORE },
      );
    }
    if (grantType === 'refresh_token') {
      const refreshToken = form.get('refresh_token');
      if (!refreshToken) return tokenError(400, 'invalid_request', 'refresh_token is required', cors);
      const session = this.sessionOf(refreshToken);
      if (!session || session.clientId !== client.clientId)
        return tokenError(400, 'invalid_grant', 'the refresh token is invalid, expired or revoked', cors);
      // Cognito does not rotate refresh tokens by default: the answer has none.
      return json(200, await this.tokens(session), { ...cors, ...NO_STORE });
    }
    return tokenError(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token', cors);
  }

  /** Cognito's `/oauth2/revoke` (RFC 7009): a refresh token and its session end; unknown tokens are no error. */
  private revoke(req: EndpointRequest, cors: Record<string, string>): EndpointResponse {
    const form = formOf(req);
    if (!form?.get('token')) return tokenError(400, 'invalid_request', 'token is required', cors);
    const client = this.clients.get(form.get('client_id') ?? '');
    if (!client) return tokenError(400, 'invalid_client', 'unknown client_id', cors);
    const session = this.sessionOf(form.get('token')!);
    if (session?.clientId === client.clientId) this.sessions.delete(session.originJti);
    return { status: 200, headers: { ...cors, ...NO_STORE }, body: '' };
  }

  /**
   * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the session the ID token
   * hint names (its refresh token stops working) and sends the browser back to a registered
   * post-logout URI with `state`; an unregistered URI gets an error page, never a redirect.
   * Cognito's own parameters (`client_id` and `logout_uri`) are accepted too.
   */
  private async logout(params: URLSearchParams): Promise<EndpointResponse> {
    let hint: Record<string, unknown> | undefined;
    const hintText = params.get('id_token_hint');
    if (hintText) {
      try {
        hint = await this.identity.verifySignature(hintText);
      } catch {
        return errorPage('The id_token_hint is not an ID token of this provider.');
      }
    }
    const clientId = params.get('client_id') ?? (typeof hint?.aud === 'string' ? hint.aud : undefined);
    if (hint && clientId !== undefined && hint.aud !== clientId)
      return errorPage('The id_token_hint was issued to another client.');
    const back = params.get('post_logout_redirect_uri') ?? params.get('logout_uri') ?? undefined;
    const client = clientId !== undefined ? this.clients.get(clientId) : undefined;
    if (back !== undefined && !client?.postLogoutRedirectUris.includes(back))
      return errorPage('The address to return to after signing out is not registered for this application.');
    if (typeof hint?.origin_jti === 'string') this.sessions.delete(hint.origin_jti);
    if (back !== undefined) {
      const state = params.get('state');
      return redirect(withParams(back, state ? { state } : {}));
    }
    return page(200, 'Signed out: ITSM local identity provider', '<main><h1>You are signed out</h1></main>');
  }

  /** The access and ID tokens of a session, shaped as Cognito's (see the ADR for the claims). */
  private async tokens(session: Session, nonce?: string) {
    const iat = Math.floor(this.clock() / 1000);
    const { user } = session;
    const common = {
      sub: `user-${user.user}`,
      'cognito:groups': user.roles,
      origin_jti: session.originJti,
      event_id: randomUUID(),
      auth_time: session.authTime,
      iat,
      exp: iat + TOKEN_LIFETIME_SECONDS,
    };
    const email = `${user.user}@example.org`;
    const customer = user.customer !== undefined ? { 'custom:customer': user.customer } : {};
    // Cognito's access token has no `aud` (the authorizer reads `client_id`); `email` and
    // `custom:customer` are what the deployed pre-token-generation trigger adds to it.
    const access = await this.identity.sign({
      ...common,
      version: 2,
      client_id: session.clientId,
      token_use: 'access',
      scope: session.scope,
      jti: randomUUID(),
      username: user.user,
      email,
      ...customer,
    });
    const id = await this.identity.sign({
      ...common,
      aud: session.clientId,
      token_use: 'id',
      jti: randomUUID(),
      'cognito:username': user.user,
      email,
      email_verified: true,
      ...customer,
      ...(nonce !== undefined ? { nonce } : {}),
    });
    return { access_token: access, id_token: id, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS };
  }

  private sessionOf(refreshToken: string): Session | undefined {
    for (const s of this.sessions.values()) {
      if (!sameText(s.refreshToken, refreshToken)) continue;
      if (this.clock() >= s.expiresAt) {
        this.sessions.delete(s.originJti);
        return undefined;
      }
      return s;
    }
    return undefined;
  }

  /** Forgets codes past their lifetime (a redeemed one is kept until then, to catch its reuse). */
  private sweep(): void {
    const now = this.clock();
    for (const [code, grant] of this.codes) if (now - grant.issuedAt >= CODE_LIFETIME_MS) this.codes.delete(code);
  }
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const PREFLIGHT = {
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers': 'content-type',
  'access-control-max-age': '600',
};

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function sameText(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A form body, or undefined when the request is not `application/x-www-form-urlencoded`. */
function formOf(req: EndpointRequest): URLSearchParams | undefined {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  return type === 'application/x-www-form-urlencoded' ? new URLSearchParams(req.body) : undefined;
}

/** `uri` with `params` added to its query (RFC 6749 §3.1.2: the registered URI's own query is kept). */
function withParams(uri: string, params: Record<string, string>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) url.searchParams.append(k, v);
  return url.toString();
}

function redirect(location: string): EndpointResponse {
  return { status: 302, headers: { location, ...NO_STORE }, body: '' };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): EndpointResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** RFC 6749 §5.2: a JSON error, never cached. */
function tokenError(status: number, error: string, description: string, cors: Record<string, string>) {
  return json(status, { error, error_description: description }, { ...cors, ...NO_STORE });
}

function errorPage(message: string): EndpointResponse {
  return page(
    400,
    'Sign-in error: ITSM local identity provider',
    `<main><h1>Sign-in cannot continue</h1><p role="alert">${escapeHtml(message)}</p></main>`,
  );
}

/**
 * An HTML page with the headers a sign-in page needs: no script at all, its one stylesheet by
 * hash, not framed (clickjacking), not cached; the form may post here and be redirected to
 * `formTarget` (Chromium applies `form-action` to the redirect after a form post too).
 */
function page(status: number, title: string, main: string, formTarget?: string): EndpointResponse {
  const csp = [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    `form-action 'self'${formTarget ? ` ${formTarget}` : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': csp,
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...NO_STORE,
    },
    body: `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${main}
</body>
</html>`,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
