import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { defineEvent } from '../../contracts/envelope';
import { claimList, principalFromClaims } from '../auth';
import type { OperationContext } from '../context';
import { ifFound, NotFoundError } from '../errors';
import { buildEvent } from '../events';
import { RouteTable } from '../routing';
import { decodeCursor, encodeCursor } from '../store';
import { encodeTimePrefix } from '../store/publication';

describe('outbox time prefix', () => {
  it('is the ULID time prefix, so "older than" is a key range', () => {
    const t = Date.UTC(2026, 10, 21, 12, 0, 0);
    expect(ulid(t).slice(0, 10)).toBe(encodeTimePrefix(t));
    expect(ulid(t - 1) < encodeTimePrefix(t)).toBe(true);
    expect(ulid(t) < encodeTimePrefix(t)).toBe(false);
  });
});

describe('claims as API Gateway passes them', () => {
  it('reads array claims in every form the authorizer may use', () => {
    expect(claimList('[sms-owner process-staff]')).toEqual(['sms-owner', 'process-staff']);
    expect(claimList('["a","b"]')).toEqual(['a', 'b']);
    expect(claimList(['a'])).toEqual(['a']);
    expect(claimList('a,b')).toEqual(['a', 'b']);
    expect(claimList(undefined)).toEqual([]);
  });
  it('keeps only known roles and the customer organisation', () => {
    const p = principalFromClaims({
      sub: 'u1',
      username: 'carol',
      'cognito:groups': '[customer-user root]',
      'custom:customer': 'acme',
    });
    expect(p).toEqual({ id: 'u1', name: 'carol', roles: ['customer-user'], customerId: 'acme' });
    expect(() => principalFromClaims({})).toThrow();
  });
});

describe('route matching', () => {
  const t = new RouteTable([
    { method: 'GET', path: '/v1/cis/{id}' },
    { method: 'PATCH', path: '/v1/cis/{id}' },
    { method: 'GET', path: '/v1/cis/{id}/impact' },
    { method: 'GET', path: '/v1/ci-types' },
  ]);
  it('matches parameters, prefers literal segments, and tells 405 from 404', () => {
    expect(t.match('GET', '/v1/cis/CI-1')).toMatchObject({ params: { id: 'CI-1' } });
    expect(t.match('GET', '/v1/cis/a%20b')).toMatchObject({ params: { id: 'a b' } });
    expect(t.match('DELETE', '/v1/cis/1')).toEqual({ route: undefined, allowed: ['GET', 'PATCH'] });
    expect(t.match('GET', '/v1/nothing')).toEqual({ route: undefined, allowed: [] });
    expect(t.match('GET', '/v1/cis/1/impact').route?.path).toBe('/v1/cis/{id}/impact');
  });
});

describe('cursors', () => {
  const shape = {
    attributes: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
    partition: { name: 'gsi1pk', value: 'CUST#acme' },
    sort: { name: 'gsi1sk', beginsWith: 'CI#' },
  };
  const key = { pk: 'CI#1', sk: 'CI', gsi1pk: 'CUST#acme', gsi1sk: 'CI#1' };
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it('round-trip a start key of the query they came from', () => {
    expect(decodeCursor(encodeCursor(key), shape)).toEqual(key);
  });

  it('refuse a start key of any other shape, partition or sort range (a signed cursor cannot steer the query)', () => {
    for (const bad of [
      'x',
      enc([1]),
      enc({ pk: 1 }),
      enc({ ...key, gsi1pk: 'CUST#globex' }),
      enc({ ...key, gsi1sk: 'TICKET#1' }),
      enc({ pk: 'CI#1', sk: 'CI' }),
      enc({ gsi1pk: 'CUST#acme', gsi1sk: 'CI#1' }),
      enc({ ...key, extra: 'x' }),
      enc({ ...key, pk: '' }),
    ]) {
      expect(() => decodeCursor(bad, shape), bad).toThrow(expect.objectContaining({ code: 'invalid-cursor' }));
    }
    const between = { ...shape, sort: { name: 'gsi1sk', between: ['2026', '2027'] as [string, string] } };
    expect(decodeCursor(enc({ ...key, gsi1sk: '2026-05' }), between)).toBeDefined();
    expect(() => decodeCursor(enc({ ...key, gsi1sk: '2028' }), between)).toThrow('cursor');
  });
});

describe('ifFound', () => {
  it('absorbs not-found only: any other failure of the read still throws', async () => {
    expect(await ifFound(Promise.resolve(1))).toBe(1);
    expect(await ifFound(Promise.reject(new NotFoundError('gone')))).toBeUndefined();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    await expect(ifFound(Promise.reject(throttled))).rejects.toBe(throttled);
  });
});

describe("events carry the writer's X-Ray trace", () => {
  const contract = defineEvent({
    source: 'itsm.test',
    detailType: 'Traced',
    version: 1,
    description: 'test',
    data: z.object({ n: z.number() }),
  });
  const ctx: OperationContext = { actor: { id: 'test', name: 'Test', kind: 'system' }, correlationId: 'c-1' };

  it("takes the invocation's _X_AMZN_TRACE_ID when PutEvents can take it (1-500 characters)", () => {
    const before = process.env._X_AMZN_TRACE_ID;
    try {
      process.env._X_AMZN_TRACE_ID = 'Root=1-6760b1a0-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1';
      expect(buildEvent(contract, { n: 1 }, ctx).traceHeader).toBe(process.env._X_AMZN_TRACE_ID);
      process.env._X_AMZN_TRACE_ID = `Root=${'x'.repeat(500)}`;
      expect(buildEvent(contract, { n: 1 }, ctx)).not.toHaveProperty('traceHeader');
      delete process.env._X_AMZN_TRACE_ID;
      expect(buildEvent(contract, { n: 1 }, ctx)).not.toHaveProperty('traceHeader');
    } finally {
      if (before === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = before;
    }
  });
});
