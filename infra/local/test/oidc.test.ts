import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, type JWK, jwtVerify } from 'jose';
import { InMemoryWebStorage, OidcClient, WebStorageStateStore } from 'oidc-client-ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers } from '../../../services/customers/service';
import { client as apiClient } from '../../../test/support/runtime';
import { CODE_LIFETIME_MS } from '../oidc';
import { type Runtime, startRuntime } from '../runtime';

/**
 * The local OpenID Connect provider (ADR 29), over real HTTP against a started runtime, as a
 * browser and `oidc-client-ts` use it: authorization code + PKCE S256, exact redirect URIs,
 * single-use short-lived codes, Cognito-shaped tokens the HTTP API accepts, refresh, logout, CORS.
 */
const CONSOLE = 'http://127.0.0.1:5999';
const CALLBACK = `${CONSOLE}/callback`;
const CLIENT_ID = 'test-console';

let rt: Runtime;
let issuer: string;

beforeAll(async () => {
  rt = await startRuntime({ awsPort: 0, apiPort: 0, waitScale: 0, schedules: false, services: [customers] });
  rt.oidc.registerClient({ clientId: CLIENT_ID, redirectUris: [CALLBACK], postLogoutRedirectUris: [`${CONSOLE}/`] });
  issuer = rt.oidc.issuer;
  const admin = apiClient(rt, await rt.token({ user: 'cora', roles: ['customers-manager'] }));
  for (const customerId of ['acme', 'globex'])
    expect(
      (await admin.post('/v1/customers', { customerId, name: customerId, accountManager: 'user-cora' })).status,
    ).toBe(201);
});
afterAll(async () => {
  await rt?.close();
});

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(challenge: string, extra: Record<string, string | undefined> = {}): string {
  const params: Record<string, string | undefined> = {
    client_id: CLIENT_ID,
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid email',
    state: 'st-1',
    nonce: 'n-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
  const url = new URL(`${issuer}/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

/** What a person does on the page: its form, posted back with the chosen user's button. */
async function choose(pageUrl: string, user: string): Promise<Response> {
  const page = await fetch(pageUrl, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  const action = (/<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '').replaceAll('&amp;', '&');
  const fields = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
      m[1]!,
      m[2]!.replaceAll('&quot;', '"').replaceAll('&amp;', '&'),
    ]),
  );
  return fetch(action, form({ ...fields, user }));
}

async function codeFor(user: string, challenge: string): Promise<string> {
  const res = await choose(authorizeUrl(challenge), user);
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
  expect(back.searchParams.get('state')).toBe('st-1');
  return back.searchParams.get('code')!;
}

async function token(fields: Record<string, string>, origin?: string) {
  const res = await fetch(`${issuer}/token`, {
    ...form(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, string> };
}

const redeem = (code: string, verifier: string, extra: Record<string, string> = {}) =>
  token({
    grant_type: 'authorization_code',
    client_id: CLIENT_ID,
    code,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
    ...extra,
  });

/** An authorize request the provider sends back to the client with an error (and the state, no code). */
async function refusedBack(url: string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
  expect(back.searchParams.get('state')).toBe('st-1');
  expect(back.searchParams.get('code')).toBeNull();
  return back;
}

async function signIn(user: string) {
  const { verifier, challenge } = pkce();
  const answer = await redeem(await codeFor(user, challenge), verifier);
  expect(answer.status).toBe(200);
  return answer.body as { access_token: string; id_token: string; refresh_token: string };
}

describe('the local OpenID Connect provider', () => {
  it('publishes a discovery document at its issuer URL, with a JWKS that verifies its tokens', async () => {
    // Act
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    const doc = (await res.json()) as Record<string, unknown>;
    // Assess
    expect(issuer).toBe(`${rt.awsUrl}/_local/idp`);
    expect(new URL(issuer).hostname).toBe('127.0.0.1');
    expect(doc).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      end_session_endpoint: `${issuer}/logout`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(doc.scopes_supported).toContain('openid');
    expect(doc.claims_supported).toEqual(expect.arrayContaining(['cognito:groups', 'custom:customer', 'nonce']));
    const jwks = (await (await fetch(String(doc.jwks_uri))).json()) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([rt.identity.kid]);
    const { id_token } = await signIn('alice');
    const { payload } = await jwtVerify(id_token, createRemoteJWKSet(new URL(String(doc.jwks_uri))), {
      issuer,
      audience: CLIENT_ID,
    });
    expect(payload['cognito:username']).toBe('alice');
  });

  it('signs an agent in with code + PKCE; the access token is Cognito-shaped and the API knows who calls', async () => {
    // Prepare
    const { verifier, challenge } = pkce();
    const page = await fetch(authorizeUrl(challenge));
    const html = await page.text();
    expect(html).toContain('Sign in as cora');
    // Act
    const code = await codeFor('cora', challenge);
    const answer = await redeem(code, verifier);
    // Assess: the answer
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const { access_token, id_token, refresh_token } = answer.body as Record<string, string>;
    expect(refresh_token).toMatch(/^[\w-]{40,}$/);
    // The access token as Cognito's: no aud, client_id instead; the trigger's email and groups.
    expect(decodeProtectedHeader(access_token!)).toEqual({ alg: 'RS256', kid: rt.identity.kid });
    const access = decodeJwt(access_token!);
    expect(access).toMatchObject({
      sub: 'user-cora',
      iss: issuer,
      client_id: CLIENT_ID,
      token_use: 'access',
      scope: 'openid email',
      username: 'cora',
      email: 'cora@example.org',
      'cognito:groups': ['customers-manager'],
    });
    expect(access.aud).toBeUndefined();
    expect(access.exp! - access.iat!).toBe(3600);
    expect(typeof access.jti).toBe('string');
    expect(typeof access.auth_time).toBe('number');
    expect(access['custom:customer']).toBeUndefined();
    const id = decodeJwt(id_token!);
    expect(id).toMatchObject({
      aud: CLIENT_ID,
      token_use: 'id',
      nonce: 'n-1',
      'cognito:username': 'cora',
      email: 'cora@example.org',
      auth_time: access.auth_time,
    });
    // Assess: the HTTP API accepts the access token and reads the principal from it.
    const cora = apiClient(rt, access_token);
    const created = await cora.post('/v1/customers', {
      customerId: 'initech',
      name: 'Initech',
      accountManager: 'user-cora',
    });
    expect(created.status).toBe(201);
    const history = await cora.get<{ items: Array<{ actor: { id: string; name: string } }> }>(
      '/v1/customers/initech/history',
    );
    expect(history.status).toBe(200);
    expect(history.body.items[0]!.actor).toMatchObject({ id: 'user-cora', name: 'cora' });
  });

  it('signs carol in as the ACME customer user: her access token is scoped to acme', async () => {
    // Act
    const { access_token } = await signIn('carol');
    // Assess
    expect(decodeJwt(access_token)).toMatchObject({ 'custom:customer': 'acme', 'cognito:groups': ['customer-user'] });
    const carol = apiClient(rt, access_token);
    expect((await carol.get('/v1/customers/acme')).status).toBe(200);
    expect((await carol.get('/v1/customers/globex')).status).toBe(404);
  });

  it('requires PKCE S256: a wrong verifier, the plain method or no challenge is refused', async () => {
    // Prepare
    const { verifier, challenge } = pkce();
    const code = await codeFor('alice', challenge);
    // Act / Assess: a wrong verifier gets no tokens; the right one still does.
    const wrong = await redeem(code, pkce().verifier);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
    expect(wrong.headers.get('cache-control')).toBe('no-store');
    expect((await redeem(code, verifier)).status).toBe(200);
    // The plain method, and no challenge at all, go back to the client as invalid_request.
    const cases: Array<[Record<string, string | undefined>, RegExp]> = [
      [{ code_challenge_method: 'plain', code_challenge: verifier }, /must be S256/],
      [{ code_challenge_method: undefined }, /must be S256/],
      [{ code_challenge: undefined }, /code_challenge is required/],
      [{ code_challenge: undefined, code_challenge_method: undefined }, /code_challenge is required/],
    ];
    for (const [extra, why] of cases) {
      const back = await refusedBack(authorizeUrl(challenge, extra));
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('error_description')).toMatch(why);
    }
  });

  it('sends other faults back to the client with the error and state: scope, response type, prompt=none', async () => {
    const { challenge } = pkce();
    for (const [extra, error] of [
      [{ scope: 'email' }, 'invalid_scope'],
      [{ scope: 'openid admin' }, 'invalid_scope'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ prompt: 'none' }, 'login_required'],
    ] as const) {
      const back = await refusedBack(authorizeUrl(challenge, extra));
      expect(back.searchParams.get('error')).toBe(error);
    }
  });

  it('shows an error page and redirects nowhere for an unregistered redirect_uri or client, even in a forged POST', async () => {
    // Prepare
    const { verifier, challenge } = pkce();
    const evil = 'https://evil.example/callback';
    // Act / Assess
    for (const url of [
      authorizeUrl(challenge, { redirect_uri: evil }),
      authorizeUrl(challenge, { redirect_uri: `${CALLBACK}/` }),
      authorizeUrl(challenge, { redirect_uri: undefined }),
      authorizeUrl(challenge, { client_id: 'nobody' }),
    ]) {
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('<h1>Sign-in cannot continue</h1>');
    }
    const forged = await fetch(
      `${issuer}/authorize`,
      form({
        client_id: CLIENT_ID,
        redirect_uri: evil,
        response_type: 'code',
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        user: 'admin',
      }),
    );
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
    // The token endpoint wants the authorize request's redirect_uri too.
    const code = await codeFor('alice', challenge);
    const other = await redeem(code, verifier, { redirect_uri: `${CONSOLE}/other` });
    expect(other.body.error).toBe('invalid_grant');
  });

  it('takes each code once: a reused code is refused and revokes what it issued; an expired code is refused', async () => {
    // Prepare
    const { verifier, challenge } = pkce();
    const code = await codeFor('bob', challenge);
    const first = await redeem(code, verifier);
    expect(first.status).toBe(200);
    // Act
    const again = await redeem(code, verifier);
    // Assess
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      refresh_token: first.body.refresh_token!,
    });
    expect(refresh.body.error).toBe('invalid_grant');
    // An expired code: the provider's clock moved past its 60 seconds (no sleep).
    const late = pkce();
    const lateCode = await codeFor('bob', late.challenge);
    rt.oidc.clock = () => Date.now() + CODE_LIFETIME_MS;
    try {
      const expired = await redeem(lateCode, late.verifier);
      expect(expired.status).toBe(400);
      expect(expired.body.error).toBe('invalid_grant');
    } finally {
      rt.oidc.clock = Date.now;
    }
    expect((await redeem(lateCode, late.verifier)).body.error).toBe('invalid_grant');
  });

  it('has the HTTP API refuse a token whose audience is not a registered client', async () => {
    // Prepare: the same access token, once for a registered client and once for another.
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub: 'user-cora',
      'cognito:groups': ['customers-manager'],
      token_use: 'access',
      username: 'cora',
      iat: now,
      exp: now + 600,
    };
    const registered = await rt.identity.sign({ ...claims, client_id: CLIENT_ID });
    const unregistered = await rt.identity.sign({ ...claims, client_id: 'not-registered' });
    // Act
    const ok = await apiClient(rt, registered).get('/v1/customers/acme');
    const refused = await apiClient(rt, unregistered).get('/v1/customers/acme');
    // Assess
    expect(ok.status).toBe(200);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/does not have a valid audience/);
  });

  it('refreshes: new access and ID tokens, the refresh token kept (not rotated), for its own client only', async () => {
    // Prepare
    const first = await signIn('alice');
    rt.oidc.registerClient({
      clientId: 'other-app',
      redirectUris: ['http://127.0.0.1:5998/cb'],
      postLogoutRedirectUris: [],
    });
    // Act
    const refreshed = await token({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      refresh_token: first.refresh_token,
    });
    const stolen = await token({
      grant_type: 'refresh_token',
      client_id: 'other-app',
      refresh_token: first.refresh_token,
    });
    // Assess
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(refreshed.body.refresh_token).toBeUndefined();
    const access = decodeJwt(refreshed.body.access_token!);
    expect(access).toMatchObject({
      username: 'alice',
      token_use: 'access',
      origin_jti: decodeJwt(first.access_token).origin_jti,
    });
    expect(access.jti).not.toBe(decodeJwt(first.access_token).jti);
    expect(decodeJwt(refreshed.body.id_token!)).toMatchObject({ aud: CLIENT_ID, 'cognito:username': 'alice' });
    expect((await apiClient(rt, refreshed.body.access_token).get('/v1/customers/acme')).status).toBe(200);
    expect(stolen.body.error).toBe('invalid_grant');
  });

  it('logs out: back to a registered address with state, and the refresh token stops working', async () => {
    // Prepare
    const session = await signIn('alice');
    const logout = (params: Record<string, string>) =>
      fetch(`${issuer}/logout?${new URLSearchParams(params)}`, { redirect: 'manual' });
    // Act: an unregistered address first: an error page, nothing revoked.
    const refused = await logout({
      id_token_hint: session.id_token,
      post_logout_redirect_uri: 'https://evil.example/',
    });
    const done = await logout({
      id_token_hint: session.id_token,
      post_logout_redirect_uri: `${CONSOLE}/`,
      state: 's-9',
    });
    // Assess
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe(`${CONSOLE}/?state=s-9`);
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      refresh_token: session.refresh_token,
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('answers CORS for the registered clients’ origins only, on token, discovery and JWKS', async () => {
    // Prepare
    const urls = [`${issuer}/.well-known/openid-configuration`, `${issuer}/.well-known/jwks.json`];
    for (const origin of [CONSOLE, 'http://127.0.0.1:6666']) {
      const allowed = origin === CONSOLE ? origin : null;
      // Act / Assess
      for (const url of urls)
        expect((await fetch(url, { headers: { origin } })).headers.get('access-control-allow-origin')).toBe(allowed);
      const answer = await token({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: 'x' }, origin);
      expect(answer.headers.get('access-control-allow-origin')).toBe(allowed);
      const preflight = await fetch(`${issuer}/token`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe(allowed);
    }
  });

  it('serves a sign-in page that cannot be framed, runs no script, is not cached and lists every demo user', async () => {
    // Act
    const res = await fetch(authorizeUrl(pkce().challenge));
    const html = await res.text();
    // Assess
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    expect(csp).toMatch(new RegExp(`form-action 'self' ${CONSOLE}(;|$)`));
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toMatch(/<title>[^<]+<\/title>/);
    expect(html).toMatch(/<main>[\s\S]*<h1>[^<]+<\/h1>/);
    expect(html).not.toMatch(/<script/i);
    for (const u of ['admin', 'alice', 'carol', 'audrey']) expect(html).toContain(`value="${u}"`);
  });

  it('works with oidc-client-ts as the console uses it: authority = issuer, sign-in, then sign-out', async () => {
    // Prepare: the library's own client, its state in memory instead of the browser's storage.
    const oidc = new OidcClient({
      authority: issuer,
      client_id: CLIENT_ID,
      redirect_uri: CALLBACK,
      post_logout_redirect_uri: `${CONSOLE}/`,
      scope: 'openid email',
      stateStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    });
    // Act: its sign-in request, the person's choice on the page, its processing of the callback.
    const request = await oidc.createSigninRequest({});
    const chosen = await choose(request.url, 'carol');
    const signedIn = await oidc.processSigninResponse(chosen.headers.get('location')!);
    const signOut = await oidc.createSignoutRequest({ id_token_hint: signedIn.id_token!, state: { to: 'home' } });
    const out = await fetch(signOut.url, { redirect: 'manual' });
    // Assess
    expect(signedIn.profile).toMatchObject({
      sub: 'user-carol',
      'cognito:username': 'carol',
      'custom:customer': 'acme',
    });
    expect(signedIn.scope).toBe('openid email');
    expect((await apiClient(rt, signedIn.access_token).get('/v1/customers/acme')).status).toBe(200);
    expect(out.status).toBe(302);
    const back = new URL(out.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(`${CONSOLE}/`);
    expect(back.searchParams.get('state')).toBe(signOut.state!.id);
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      refresh_token: signedIn.refresh_token!,
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('registers only clients whose redirect URIs are absolute http(s) URLs without a fragment', () => {
    const register = (uri: string) => () =>
      rt.oidc.registerClient({ clientId: 'bad-app', redirectUris: [uri], postLogoutRedirectUris: [] });
    for (const uri of ['/callback', 'javascript:alert(1)', `${CONSOLE}/callback#x`, 'ftp://127.0.0.1/cb'])
      expect(register(uri)).toThrow(/absolute http\(s\) URL without a fragment/);
    expect(rt.oidc.audiences()).not.toContain('bad-app');
  });
});
