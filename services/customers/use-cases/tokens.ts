import { createHash, randomBytes } from 'node:crypto';

/**
 * A survey token: 32 random bytes (256 bits), base64url, 43 characters. Only its SHA-256 is
 * stored, so a leaked table or backup does not leak working links; the plain token exists only
 * in the mail. A hash without salt is enough: the token is random, not a password.
 */
export const newToken = () => randomBytes(32).toString('base64url');
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
