import type { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

type KeyLike = webcrypto.CryptoKey | Uint8Array;

/**
 * The local identity provider's key and issuer, shaped like the Cognito user pool the CDK stack
 * creates: an RS256 key pair with a `kid`, a JWKS, tokens shaped like Cognito's, and verification
 * exactly as the HTTP API's JWT authorizer does it (ADR 21). The issuer is the provider's real URL
 * (`<AWS endpoint>/_local/idp`, ADR 29), where `oidc.ts` serves discovery, the JWKS and the
 * sign-in endpoints. The key is kept in a file, and the issuer beside it (`idp.json`), so that
 * tokens from `npx itsm token` work against a running `npm start`, across restarts.
 */
/** The audience of tokens minted for tools and tests (`npx itsm token`, `runtime.token`). */
export const LOCAL_AUDIENCE = 'itsm-local-client';
/** Where the provider lives on the AWS endpoint: its issuer is `<endpoint URL>${ISSUER_PATH}`. */
export const ISSUER_PATH = '/_local/idp';
/** The issuer when nothing says otherwise: the provider on the default AWS endpoint port. */
export const DEFAULT_ISSUER = `http://127.0.0.1:4566${ISSUER_PATH}`;
/** The JWT authorizer accepts RSA signatures only (API Gateway documentation). */
export const AUTHORIZER_ALGORITHMS = ['RS256', 'RS384', 'RS512'];
const SIGNING_ALG = 'RS256';

export interface TokenRequest {
  user: string;
  roles: string[];
  customer?: string;
  email?: string;
  /** Lifetime in seconds (default 12 hours). */
  ttlSeconds?: number;
}

/** A token the authorizer refuses; `description` is what `www-authenticate` tells the client. */
export class InvalidTokenError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'InvalidTokenError';
  }
}

export class LocalIdentity {
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;

  private constructor(
    private readonly privateKey: KeyLike,
    private readonly publicJwk: JWK & { kid: string },
    /** The `iss` of every token minted and the only one accepted. */
    readonly issuer: string,
  ) {
    this.keySet = createLocalJWKSet(this.jwks());
  }

  /**
   * Load the key from `file`, creating it on first use; without a file, a throwaway key. A file
   * from before ADR 21 holds an ES256 key, which the authorizer would refuse: it is replaced.
   * `issuer` is the provider's URL: the runtime passes it once it listens, and it is kept beside
   * the key (`idp.json`); without it (the CLI), the kept one is used, else {@link DEFAULT_ISSUER}.
   */
  static async open(file?: string, issuer?: string): Promise<LocalIdentity> {
    const issuerFile = file ? join(dirname(file), 'idp.json') : undefined;
    let iss = issuer;
    if (iss === undefined && issuerFile && existsSync(issuerFile)) {
      iss = (JSON.parse(readFileSync(issuerFile, 'utf8')) as { issuer?: string }).issuer;
    }
    iss ??= DEFAULT_ISSUER;
    if (issuer !== undefined && issuerFile) {
      mkdirSync(dirname(issuerFile), { recursive: true });
      writeFileSync(issuerFile, JSON.stringify({ issuer }));
    }
    if (file && existsSync(file)) {
      const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
      if (jwk.kty === 'RSA' && jwk.kid && jwk.d) return LocalIdentity.fromPrivateJwk(jwk, iss);
    }
    const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true, modulusLength: 2048 });
    const jwk = await exportJWK(privateKey);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
    const stored = { ...jwk, kid: await calculateJwkThumbprint(pub), alg: SIGNING_ALG, use: 'sig' };
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
    }
    return LocalIdentity.fromPrivateJwk(stored, iss);
  }

  private static async fromPrivateJwk(jwk: JWK, issuer: string): Promise<LocalIdentity> {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
    const privateKey = (await importJWK(jwk, SIGNING_ALG)) as KeyLike;
    return new LocalIdentity(privateKey, { ...pub, kid: String(jwk.kid), alg: SIGNING_ALG, use: 'sig' }, issuer);
  }

  /** The key id tokens carry and the JWKS lists. */
  get kid(): string {
    return this.publicJwk.kid;
  }

  /** The issuer's public keys, as Cognito serves them at `<issuer>/.well-known/jwks.json`. */
  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] };
  }

  /**
   * A token for tools and tests, shaped like a Cognito ID token for the audience
   * {@link LOCAL_AUDIENCE} (sign-in through `oidc.ts` mints Cognito's access and ID tokens instead).
   */
  async mint(req: TokenRequest): Promise<string> {
    return new SignJWT({
      'cognito:username': req.user,
      username: req.user,
      'cognito:groups': req.roles,
      token_use: 'id',
      email: req.email ?? `${req.user}@example.org`,
      ...(req.customer !== undefined ? { 'custom:customer': req.customer } : {}),
    })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: this.kid })
      .setSubject(`user-${req.user}`)
      .setIssuer(this.issuer)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${req.ttlSeconds ?? 12 * 3600}s`)
      .sign(this.privateKey);
  }

  /** Signs `claims` as they are (RS256, this key's `kid`), with this issuer as `iss`. */
  sign(claims: JWTPayload): Promise<string> {
    return new SignJWT({ ...claims, iss: this.issuer })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: this.kid })
      .sign(this.privateKey);
  }

  /**
   * The claims of a token this issuer signed, expired or not: what OpenID Connect RP-Initiated
   * Logout asks of an `id_token_hint` (§2: the OP should accept it after it expired).
   */
  async verifySignature(token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, this.keySet, {
      algorithms: [SIGNING_ALG],
      issuer: this.issuer,
      currentDate: new Date(0),
    });
    return payload;
  }

  /**
   * Verify as API Gateway's JWT authorizer does: an RSA signature by a key of the JWKS named by
   * the token's `kid`; `exp` required and after now; `nbf` and `iat` not after now; `iss`; `aud`,
   * or `client_id` when there is no `aud`, one of `audiences` (the authorizer's `jwtAudience`).
   * Returns the claims as the authorizer passes them to Lambda: every value a string, arrays
   * flattened to `[a b]`. Throws {@link InvalidTokenError}.
   */
  async verify(token: string, audiences: readonly string[] = [LOCAL_AUDIENCE]): Promise<Record<string, string>> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new InvalidTokenError('the token is not a valid JWT');
    }
    if (!header.alg || !AUTHORIZER_ALGORITHMS.includes(header.alg))
      throw new InvalidTokenError(
        `the token is signed with ${header.alg ?? 'no algorithm'}; only RSA algorithms are supported`,
      );
    if (!header.kid) throw new InvalidTokenError('the token has no kid');
    if (!this.jwks().keys.some((k) => k.kid === header.kid))
      throw new InvalidTokenError(`the token's kid ${header.kid} is not a key of the issuer`);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.keySet, {
        algorithms: AUTHORIZER_ALGORITHMS,
        issuer: this.issuer,
        requiredClaims: ['exp'],
        clockTolerance: 0,
      }));
    } catch (err) {
      throw new InvalidTokenError(describe(err));
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat === 'number' && payload.iat > now) throw new InvalidTokenError('the token is not valid yet');
    // API Gateway evaluates `aud` when present, `client_id` only without it (Cognito access tokens).
    const named = payload.aud === undefined ? [payload.client_id] : [payload.aud].flat();
    if (!named.some((a) => typeof a === 'string' && audiences.includes(a)))
      throw new InvalidTokenError('the token does not have a valid audience');
    const claims: Record<string, string> = {};
    for (const [k, v] of Object.entries(payload)) {
      claims[k] = Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    return claims;
  }
}

/** Say why, in API Gateway's lower-case style ("the token does not have a valid audience"). */
function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'exp') return 'the token has no exp';
    if (err.claim === 'nbf' || err.claim === 'iat') return 'the token is not valid yet';
    if (err.claim === 'iss') return 'the token does not have a valid issuer';
    return `the token's ${err.claim} claim is invalid`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return "the token's kid is not a key of the issuer";
  if (err instanceof errors.JOSEAlgNotAllowed) return 'only RSA algorithms are supported';
  return 'the token is not a valid JWT';
}
