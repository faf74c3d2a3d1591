import type { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
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
  jwtVerify,
  SignJWT,
} from 'jose';

type KeyLike = webcrypto.CryptoKey | Uint8Array;

/**
 * The local identity provider, shaped like the Cognito user pool the CDK stack creates: an RS256
 * key pair with a `kid`, a JWKS and an OIDC discovery document (served on the AWS endpoint under
 * `/_local/idp/`), tokens shaped like Cognito ID tokens, and verification exactly as the HTTP
 * API's JWT authorizer does it (ADR 21). The key is kept in a file so that tokens from
 * `npx itsm token` work against a running `npm start`, across restarts.
 */
export const LOCAL_ISSUER = 'https://local.itsm.invalid/idp';
export const LOCAL_AUDIENCE = 'itsm-local-client';
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
  ) {
    this.keySet = createLocalJWKSet(this.jwks());
  }

  /**
   * Load the key from `file`, creating it on first use; without a file, a throwaway key. A file
   * from before ADR 21 holds an ES256 key, which the authorizer would refuse: it is replaced.
   */
  static async open(file?: string): Promise<LocalIdentity> {
    if (file && existsSync(file)) {
      const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
      if (jwk.kty === 'RSA' && jwk.kid && jwk.d) return LocalIdentity.fromPrivateJwk(jwk);
    }
    const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true, modulusLength: 2048 });
    const jwk = await exportJWK(privateKey);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
    const stored = { ...jwk, kid: await calculateJwkThumbprint(pub), alg: SIGNING_ALG, use: 'sig' };
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
    }
    return LocalIdentity.fromPrivateJwk(stored);
  }

  private static async fromPrivateJwk(jwk: JWK): Promise<LocalIdentity> {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
    const privateKey = (await importJWK(jwk, SIGNING_ALG)) as KeyLike;
    return new LocalIdentity(privateKey, { ...pub, kid: String(jwk.kid), alg: SIGNING_ALG, use: 'sig' });
  }

  /** The key id tokens carry and the JWKS lists. */
  get kid(): string {
    return this.publicJwk.kid;
  }

  /** The issuer's public keys, as Cognito serves them at `<issuer>/.well-known/jwks.json`. */
  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] };
  }

  /** The OIDC discovery document; `baseUrl` is where the JWKS is served (the AWS endpoint). */
  discovery(baseUrl: string) {
    return {
      issuer: LOCAL_ISSUER,
      jwks_uri: `${baseUrl}/_local/idp/.well-known/jwks.json`,
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [SIGNING_ALG],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'cognito:username', 'cognito:groups', 'email'],
    };
  }

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
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${req.ttlSeconds ?? 12 * 3600}s`)
      .sign(this.privateKey);
  }

  /**
   * Verify as API Gateway's JWT authorizer does: an RSA signature by a key of the JWKS named by
   * the token's `kid`; `exp` required and after now; `nbf` and `iat` not after now; `iss`; `aud`,
   * or `client_id` when there is no `aud`. Returns the claims as the authorizer passes them to
   * Lambda: every value a string, arrays flattened to `[a b]`. Throws {@link InvalidTokenError}.
   */
  async verify(token: string): Promise<Record<string, string>> {
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
        issuer: LOCAL_ISSUER,
        requiredClaims: ['exp'],
        clockTolerance: 0,
      }));
    } catch (err) {
      throw new InvalidTokenError(describe(err));
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat === 'number' && payload.iat > now) throw new InvalidTokenError('the token is not valid yet');
    // API Gateway evaluates `aud` when present, `client_id` only without it (Cognito access tokens).
    const audiences = payload.aud === undefined ? [payload.client_id] : [payload.aud].flat();
    if (!audiences.includes(LOCAL_AUDIENCE)) throw new InvalidTokenError('the token does not have a valid audience');
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
