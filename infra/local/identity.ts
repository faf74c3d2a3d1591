import type { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';

type KeyLike = webcrypto.CryptoKey | Uint8Array;

/**
 * The local identity provider: an ES256 development key that signs tokens shaped like Cognito
 * ID tokens, and verification the way the HTTP API's JWT authorizer does it (signature,
 * issuer, audience, expiry). The key is kept in a file so tokens from `npx itsm token` work
 * against a running `npm start`.
 */
export const LOCAL_ISSUER = 'https://local.itsm.invalid/idp';
export const LOCAL_AUDIENCE = 'itsm-local-client';

export interface TokenRequest {
  user: string;
  roles: string[];
  customer?: string;
  email?: string;
  /** Lifetime in seconds (default 12 hours). */
  ttlSeconds?: number;
}

export class LocalIdentity {
  private constructor(
    private readonly privateKey: KeyLike,
    private readonly publicKey: KeyLike,
  ) {}

  /** Load the key from `file`, creating it on first use; without a file, a throwaway key. */
  static async open(file?: string): Promise<LocalIdentity> {
    if (file && existsSync(file)) {
      const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
      const priv = (await importJWK(jwk, 'ES256')) as KeyLike;
      const { d: _d, ...pub } = jwk;
      return new LocalIdentity(priv, (await importJWK(pub, 'ES256')) as KeyLike);
    }
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(await exportJWK(privateKey)), { mode: 0o600 });
    }
    return new LocalIdentity(privateKey, publicKey);
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
      .setProtectedHeader({ alg: 'ES256', kid: 'local-dev' })
      .setSubject(`user-${req.user}`)
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${req.ttlSeconds ?? 12 * 3600}s`)
      .sign(this.privateKey);
  }

  /**
   * Verify like API Gateway's JWT authorizer and return the claims as it passes them to Lambda:
   * every value a string, arrays flattened to `[a b]`.
   */
  async verify(token: string): Promise<Record<string, string>> {
    const { payload } = await jwtVerify(token, this.publicKey, { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE });
    const claims: Record<string, string> = {};
    for (const [k, v] of Object.entries(payload)) {
      claims[k] = Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    return claims;
  }
}
