import { describe, expect, it } from 'vitest';
import { type CursorBinding, type CursorKeys, keyId, openCursor, signCursor, verifyCursor } from '../cursor';
import { encodeCursor } from '../store';

/** The HMAC rules of ADR 19, on their own; test/cursors.test.ts proves them through the API. */
const keys: CursorKeys = { current: 'k'.repeat(40) };
const storeCursor = encodeCursor({ pk: 'T#1', sk: 'HIST#2' })!;
const binding: CursorBinding = {
  routeKey: 'GET /v1/tickets',
  params: {},
  query: { status: 'open', limit: '5' },
  principal: { id: 'alice' },
};
const invalid = expect.objectContaining({ code: 'invalid-cursor', status: 400 });

describe('cursor signature', () => {
  it('verifies for the same query and caller, whatever the limit and wherever the cursor is', () => {
    // Prepare
    const cursor = signCursor(storeCursor, binding, keys);
    // Act
    const again = { ...binding, query: { limit: '50', status: 'open', cursor } };
    // Assess
    expect(verifyCursor(cursor, again, keys)).toBe(storeCursor);
  });

  it('refuses another route, path parameter, filter, principal or customer claim', () => {
    const cursor = signCursor(storeCursor, binding, keys);
    for (const other of [
      { ...binding, routeKey: 'GET /v1/problems' },
      { ...binding, params: { id: 'x' } },
      { ...binding, query: { status: 'closed' } },
      { ...binding, query: {} },
      { ...binding, query: { status: 'open', customerId: 'acme' } },
      { ...binding, principal: { id: 'bob' } },
      { ...binding, principal: { id: 'alice', customerId: 'acme' } },
    ]) {
      expect(() => verifyCursor(cursor, other, keys), JSON.stringify(other)).toThrow(invalid);
    }
  });

  it('refuses a flipped character anywhere, a made-up key, and garbage', () => {
    const cursor = signCursor(storeCursor, binding, keys);
    const last = cursor.length - 1;
    // The MAC's last character carries two padding bits: flipping one decodes to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spelledTwice = cursor.slice(0, last) + alphabet[alphabet.indexOf(cursor[last]!) ^ 1];
    expect(Buffer.from(spelledTwice.split('.')[2]!, 'base64url')).toEqual(
      Buffer.from(cursor.split('.')[2]!, 'base64url'),
    );
    expect(() => verifyCursor(spelledTwice, binding, keys)).toThrow(invalid);
    for (let i = 0; i < cursor.length; i++) {
      if (cursor[i] === '.') continue;
      // A and B differ in the lowest bit only: in the last character that bit is padding.
      const flipped = cursor.slice(0, i) + (cursor[i] === 'A' ? 'B' : 'A') + cursor.slice(i + 1);
      expect(() => verifyCursor(flipped, binding, keys), `position ${i}`).toThrow(invalid);
    }
    const [kid, , mac] = cursor.split('.');
    const madeUp = encodeCursor({ pk: 'T#2', sk: 'HIST#9' });
    expect(() => verifyCursor(`${kid}.${madeUp}.${mac}`, binding, keys)).toThrow(invalid);
    expect(() => verifyCursor(storeCursor, binding, keys)).toThrow(invalid);
    for (const bad of ['', '..', 'a.b', 'a.b.c.d', 'a.b.c!', 'x'.repeat(5000)]) {
      expect(() => verifyCursor(bad, binding, keys), bad).toThrow(invalid);
    }
  });

  it('accepts the previous key during a rotation, signs with the current one, refuses a key from neither', () => {
    const old = signCursor(storeCursor, binding, keys);
    const rotated: CursorKeys = { current: 'n'.repeat(40), previous: keys.current };
    expect(verifyCursor(old, binding, rotated)).toBe(storeCursor);
    expect(signCursor(storeCursor, binding, rotated).split('.')[0]).toBe(keyId(rotated.current));
    const again: CursorKeys = { current: 'z'.repeat(40), previous: rotated.current };
    expect(() => verifyCursor(old, binding, again)).toThrow(invalid);
  });
});

describe('openCursor', () => {
  it('reads the keys again when a cursor names a key it does not hold, and refuses malformed ones unread', async () => {
    // Prepare: the instance still holds the old keys; the secret has been rotated.
    const rotated: CursorKeys = { current: 'n'.repeat(40), previous: keys.current };
    const reads: boolean[] = [];
    const loader = async (reload = false) => {
      reads.push(reload);
      return reload ? rotated : keys;
    };
    const req = { ...binding, query: { ...binding.query, cursor: signCursor(storeCursor, binding, rotated) } };
    // Act
    await openCursor(req, loader);
    // Assess
    expect(req.query.cursor).toBe(storeCursor);
    expect(reads).toEqual([false, true]);
    reads.length = 0;
    await expect(openCursor({ ...binding, query: { cursor: 'not a cursor' } }, loader)).rejects.toThrow(invalid);
    expect(reads).toEqual([]);
  });
});
