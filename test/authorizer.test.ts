import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE } from '../infra/local/identity';
import { type Runtime, startRuntime } from '../infra/local/runtime';
import { portfolio } from '../services/portfolio/service';
import { client } from './support/runtime';

/**
 * The local gateway checks bearer JWTs as the HTTP API's JWT authorizer does (ADR 21): RSA only,
 * a `kid` of the issuer's JWKS, `exp` required and in the future, `nbf`/`iat` not in the future,
 * `iss`, and `aud` (or `client_id`). A refusal keeps API Gateway's body and says why in
 * `www-authenticate`.
 */
let rt: Runtime;
let home: string;
let keyFile: string;
let privateJwk: JWK;

/** The issuer is the provider's URL (ADR 29): a restart keeps the port, as `npm start` does. */
const start = (awsPort = 0) =>
  startRuntime({
    awsPort,
    apiPort: 0,
    waitScale: 0,
    schedules: false,
    services: [portfolio],
    identityFile: keyFile,
  });

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'itsm-idp-'));
  keyFile = join(home, 'dev-signing-key.json');
  rt = await start();
  privateJwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
});
afterAll(async () => {
  await rt?.close();
  rmSync(home, { recursive: true, force: true });
});

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: JWTPayload = {}): JWTPayload => ({
  sub: 'user-x',
  'cognito:groups': ['portfolio-manager'],
  iss: rt.identity.issuer,
  aud: LOCAL_AUDIENCE,
  iat: now(),
  exp: now() + 600,
  ...extra,
});

/** Sign with the local identity's own private key (read from its file), header and claims as given. */
async function signed(header: Record<string, unknown>, payload: JWTPayload, key?: Parameters<SignJWT['sign']>[0]) {
  const k = key ?? (await importJWK(privateJwk, 'RS256'));
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', ...header } as { alg: string }).sign(k);
}

async function refused(token: string | undefined, why: RegExp) {
  const r = await client(rt, token).get('/v1/services');
  expect(r.status).toBe(401);
  expect(r.body).toEqual({ message: 'Unauthorized' });
  expect(r.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
  expect(r.headers.get('www-authenticate')).toMatch(why);
}

describe('the JWT authorizer, locally', () => {
  it('accepts a token minted by the local identity: RS256 with the kid of its JWKS', async () => {
    const token = await rt.token({ user: 'pat', roles: ['portfolio-manager'] });
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, string>;
    expect(header).toEqual({ alg: 'RS256', kid: privateJwk.kid });
    expect((await client(rt, token).get('/v1/services')).status).toBe(200);
    expect((await client(rt, await signed({ kid: privateJwk.kid }, claims())).get('/v1/services')).status).toBe(200);
  });

  it('accepts client_id in place of aud, as for Cognito access tokens', async () => {
    const token = await signed({ kid: privateJwk.kid }, claims({ aud: undefined, client_id: LOCAL_AUDIENCE }));
    expect((await client(rt, token).get('/v1/services')).status).toBe(200);
  });

  it('refuses algorithms other than RSA', async () => {
    const hs = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: privateJwk.kid! })
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!'));
    await refused(hs, /HS256; only RSA algorithms are supported/);
    const ec = (await generateKeyPair('ES256')).privateKey;
    await refused(await signed({ alg: 'ES256', kid: privateJwk.kid }, claims(), ec), /ES256; only RSA/);
  });

  it('refuses a token without a kid, or with a kid the JWKS does not list', async () => {
    await refused(await signed({}, claims()), /the token has no kid/);
    await refused(await signed({ kid: 'someone-else' }, claims()), /kid someone-else is not a key of the issuer/);
    // The header names what the token said, made safe: a hostile kid is no 500.
    await refused(await signed({ kid: 'é\r\n"x' }, claims()), /kid \?\?\?'x is not a key/);
  });

  it('refuses a token signed by another key under the right kid', async () => {
    const other = (await generateKeyPair('RS256')).privateKey;
    await refused(await signed({ kid: privateJwk.kid }, claims(), other), /signature is invalid/);
  });

  it('refuses a token without exp, expired, or not yet valid', async () => {
    const kid = { kid: privateJwk.kid };
    await refused(await signed(kid, claims({ exp: undefined })), /the token has no exp/);
    await refused(await signed(kid, claims({ exp: now() - 10 })), /the token has expired/);
    await refused(await rt.token({ user: 'x', roles: ['portfolio-manager'], ttlSeconds: -10 }), /has expired/);
    await refused(await signed(kid, claims({ nbf: now() + 300 })), /not valid yet/);
    await refused(await signed(kid, claims({ iat: now() + 300 })), /not valid yet/);
  });

  it('refuses a token of another issuer or audience', async () => {
    const kid = { kid: privateJwk.kid };
    await refused(await signed(kid, claims({ iss: 'https://elsewhere.example' })), /valid issuer/);
    await refused(await signed(kid, claims({ aud: 'another-client' })), /does not have a valid audience/);
    await refused(await signed(kid, claims({ aud: undefined })), /does not have a valid audience/);
  });

  it('refuses garbage, and answers a request without a token with a bare challenge', async () => {
    await refused('not-a-jwt', /not a valid JWT/);
    const r = await client(rt, undefined).get('/v1/services');
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: 'Unauthorized' });
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('publishes its JWKS and OIDC discovery document, which verify its tokens', async () => {
    const discovery = (await (await fetch(`${rt.awsUrl}/_local/idp/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
      id_token_signing_alg_values_supported: string[];
    };
    expect(discovery).toMatchObject({
      issuer: `${rt.awsUrl}/_local/idp`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: JWK[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', kid: privateJwk.kid, alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]!.d).toBeUndefined();
    const token = await rt.token({ user: 'pat', roles: ['portfolio-manager'] });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: discovery.issuer,
      audience: LOCAL_AUDIENCE,
    });
    expect(payload['cognito:username']).toBe('pat');
  });

  it('keeps its key across restarts, and replaces a pre-RSA key file', async () => {
    const token = await rt.token({ user: 'pat', roles: ['portfolio-manager'] });
    const port = Number(new URL(rt.awsUrl).port);
    await rt.close();
    rt = await start(port);
    expect((await client(rt, token).get('/v1/services')).status).toBe(200);
    await rt.close();
    const ec = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    writeFileSync(keyFile, JSON.stringify(ec));
    rt = await start(port);
    privateJwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
    expect(privateJwk).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    await refused(token, /signature is invalid|not a key of the issuer/);
    expect(
      (await client(rt, await rt.token({ user: 'pat', roles: ['portfolio-manager'] })).get('/v1/services')).status,
    ).toBe(200);
  });
});
