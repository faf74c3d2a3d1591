/**
 * Tamper-evident cursors (ADR 19). A list page's cursor is the query's last evaluated key plus
 * an HMAC-SHA256 over that key, the query it belongs to (route key, path parameters, filters
 * except `cursor` and `limit`) and the caller (principal id and customer claim). The API issues
 * and accepts only such cursors; anything else is 400 `invalid-cursor` before the query runs, so
 * a client can neither page another principal's query nor hand DynamoDB a start key of its own.
 *
 * Wire form: `<kid>.<key>.<mac>`, all base64url. `key` is the store's internal cursor (the
 * base64url JSON of DynamoDB's LastEvaluatedKey); `kid` names the signing key, so a cursor
 * signed with the previous key of a rotation is still accepted and a new key is fetched when an
 * instance has not seen it yet.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal } from './auth';
import { ValidationError } from './errors';
import { type CursorKeys, cursorKeys } from './secrets';

export type { CursorKeys };

/** What a cursor is bound to: the query and the caller. */
export interface CursorBinding {
  routeKey: string;
  params: Record<string, string>;
  /** The query string; `cursor` and `limit` are left out (a client may change the page size). */
  query: Record<string, string>;
  principal: Pick<Principal, 'id' | 'customerId'>;
}

/** Query parameters that do not change which items a list returns. */
const UNBOUND = new Set(['cursor', 'limit']);
/** Cursors longer than this are refused unread (a real one is a few hundred bytes). */
const MAX_CURSOR_LENGTH = 4096;
const B64URL = /^[A-Za-z0-9_-]+$/;

export class InvalidCursorError extends ValidationError {
  constructor() {
    super(
      'The cursor is not one this API issued for this query and caller. Start again without a cursor.',
      [{ field: 'cursor', message: 'is invalid' }],
      'invalid-cursor',
    );
  }
}

/** A short, stable id of a key, so a cursor says which key signed it without revealing it. */
export const keyId = (key: string): string => createHash('sha256').update(key).digest('base64url').slice(0, 8);

const sorted = (o: Record<string, string>) =>
  Object.keys(o)
    .sort()
    .map((k) => [k, o[k]]);

/** The bytes the MAC covers: one canonical JSON array, so no two bindings share an encoding. */
function signedText(kid: string, key: string, b: CursorBinding): string {
  return JSON.stringify([
    'itsm-cursor-v1',
    kid,
    key,
    b.routeKey,
    sorted(b.params),
    sorted(Object.fromEntries(Object.entries(b.query).filter(([k]) => !UNBOUND.has(k)))),
    b.principal.id,
    b.principal.customerId ?? null,
  ]);
}

const mac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest();

/** Sign a store cursor for a client: the cursor then works only for `binding`. */
export function signCursor(storeCursor: string, binding: CursorBinding, keys: CursorKeys): string {
  const kid = keyId(keys.current);
  return `${kid}.${storeCursor}.${mac(keys.current, signedText(kid, storeCursor, binding)).toString('base64url')}`;
}

/** The parts of a cursor, if it has the wire form; says nothing about its signature. */
export function cursorKeyId(cursor: string): string | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH) return undefined;
  const parts = cursor.split('.');
  return parts.length === 3 && parts.every((p) => B64URL.test(p)) ? parts[0] : undefined;
}

/**
 * The store cursor inside a client cursor, or InvalidCursorError when the cursor is malformed,
 * was signed by neither key, or was issued for another query or caller.
 */
export function verifyCursor(cursor: string, binding: CursorBinding, keys: CursorKeys): string {
  const kid = cursorKeyId(cursor);
  if (kid === undefined) throw new InvalidCursorError();
  const [, storeCursor, sent] = cursor.split('.') as [string, string, string];
  const secret = [keys.current, keys.previous].find((k) => k !== undefined && keyId(k) === kid);
  if (secret === undefined) throw new InvalidCursorError();
  const expected = mac(secret, signedText(kid, storeCursor, binding));
  const given = Buffer.from(sent, 'base64url');
  // Canonical encoding only: base64url's spare low bits would otherwise let one MAC be spelled twice.
  if (given.length !== expected.length || given.toString('base64url') !== sent || !timingSafeEqual(given, expected))
    throw new InvalidCursorError();
  return storeCursor;
}

/**
 * For a list route, before its implementation runs: replace the client's cursor in the request's
 * query with the store cursor it carries, or refuse it (400 `invalid-cursor`). A malformed cursor
 * is refused before the keys are even read.
 */
export async function openCursor(req: CursorBinding, keys = cursorKeys): Promise<void> {
  const cursor = req.query.cursor;
  if (cursor === undefined || cursor === '') return;
  const kid = cursorKeyId(cursor);
  if (kid === undefined) throw new InvalidCursorError();
  let held = await keys();
  // A key this instance has not seen: the secret may have been rotated since it was read.
  if (![held.current, held.previous].some((k) => k !== undefined && keyId(k) === kid)) held = await keys(true);
  req.query = { ...req.query, cursor: verifyCursor(cursor, req, held) };
}

/**
 * After a route's implementation ran: sign the page's `nextCursor` for this query and caller.
 * A route that returns a cursor without declaring `cursor` in its query is a definition mistake;
 * it fails here (500, found by any test that pages it) rather than hand out an unsigned key.
 */
export async function sealCursor(req: CursorBinding, body: unknown, listRoute: boolean, keys = cursorKeys) {
  const page = body as { nextCursor?: unknown } | undefined;
  if (!page || typeof page !== 'object' || typeof page.nextCursor !== 'string') return;
  if (!listRoute) throw new Error(`${req.routeKey} returns a cursor but its query schema declares no cursor`);
  page.nextCursor = signCursor(page.nextCursor, req, await keys());
}
