import { describe, expect, it } from 'vitest';
import { authorizeRoute, isCustomerBound, type Principal, principalFromClaims } from '../auth';
import { defineService, type RouteSpec } from '../definition';
import { DomainError } from '../errors';

/** ADR 0015: a customer-bound principal counts as customer-user only, whatever else it holds. */
const claims = (groups: string, customer?: string) => ({
  sub: 'u1',
  username: 'carol',
  'cognito:groups': groups,
  ...(customer !== undefined ? { 'custom:customer': customer } : {}),
});

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? { status: err.status, code: err.code, message: err.message } : err;
  }
  return undefined;
};

const staffRoute: Pick<RouteSpec, 'roles' | 'customerScope'> = { roles: ['sms-owner', 'reporting-owner'] };
const recordRoute: Pick<RouteSpec, 'roles' | 'customerScope'> = {
  roles: ['sms-owner', 'customer-user'],
  customerScope: 'record',
};
const pathRoute: Pick<RouteSpec, 'roles' | 'customerScope'> = {
  roles: ['sms-owner', 'customer-user'],
  customerScope: 'customer-path',
};

describe('customer-bound principals', () => {
  it('count as customer-user only when the token holds customer-user beside other groups', () => {
    const p = principalFromClaims(claims('[customer-user reporting-owner sms-owner]', 'acme'));
    expect(p.roles).toEqual(['customer-user']);
    expect(isCustomerBound(p)).toBe(true);
  });

  it('are bound by a customer claim alone, even without the customer-user group', () => {
    const p = principalFromClaims(claims('[sms-owner]', 'acme'));
    expect(p.roles).toEqual(['customer-user']);
    expect(p.customerId).toBe('acme');
  });

  it('are bound by an empty customer claim, and then have no organisation', () => {
    const p = principalFromClaims(claims('[sms-owner]', ''));
    expect(isCustomerBound(p)).toBe(true);
    expect(p.customerId).toBeUndefined();
    expect(refusal(() => authorizeRoute(p, recordRoute, {}))).toMatchObject({
      status: 403,
      code: 'customer-claim-missing',
    });
  });

  it('staff without a claim keep their groups', () => {
    const p = principalFromClaims(claims('[sms-owner reporting-owner]'));
    expect(p.roles).toEqual(['sms-owner', 'reporting-owner']);
    expect(isCustomerBound(p)).toBe(false);
    expect(refusal(() => authorizeRoute(p, staffRoute, {}))).toBeUndefined();
  });

  it('may not call a route that does not list customer-user, whatever else they hold', () => {
    const p = principalFromClaims(claims('[customer-user reporting-owner sms-owner]', 'acme'));
    expect(refusal(() => authorizeRoute(p, staffRoute, {}))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(refusal(() => authorizeRoute(p, recordRoute, {}))).toBeUndefined();
  });

  it('without an organisation get customer-claim-missing before anything else', () => {
    const p: Principal = { id: 'u1', name: 'carol', roles: ['customer-user'] };
    expect(refusal(() => authorizeRoute(p, staffRoute, {}))).toMatchObject({ code: 'customer-claim-missing' });
  });

  it('reach a customer path only for their own organisation, answered as if another did not exist', () => {
    const p = principalFromClaims(claims('[customer-user]', 'acme'));
    expect(refusal(() => authorizeRoute(p, pathRoute, { customerId: 'acme' }))).toBeUndefined();
    expect(refusal(() => authorizeRoute(p, pathRoute, { customerId: 'globex' }))).toEqual({
      status: 404,
      code: 'customer-not-found',
      message: 'Customer globex was not found.',
    });
    const staff = principalFromClaims(claims('[sms-owner]'));
    expect(refusal(() => authorizeRoute(staff, pathRoute, { customerId: 'globex' }))).toBeUndefined();
  });
});

describe('definitions declare how a customer route scopes customers', () => {
  const base = {
    name: 'widgets',
    title: 'Widgets',
    fitsm: 'PR0',
    table: { indexes: [] },
    functions: { api: { entry: '/dev/null', description: 'api', access: {} } },
    subscriptions: [],
    flows: [],
    schedules: [],
    publishes: [],
  };
  const route = (extra: Partial<RouteSpec>): RouteSpec => ({
    method: 'GET',
    path: '/v1/widgets/{customerId}',
    function: 'api',
    roles: ['customer-user'],
    summary: 'x',
    ...extra,
  });

  it('refuses a route that lists customer-user without a scope', () => {
    expect(() => defineService({ ...base, routes: [route({})] })).toThrow(/must declare its customerScope/);
  });
  it('refuses a scope on a route customers may not call', () => {
    expect(() =>
      defineService({ ...base, routes: [route({ roles: ['sms-owner'], customerScope: 'record' })] }),
    ).toThrow(/does not list customer-user/);
  });
  it('refuses a customer-path scope without a {customerId} in the path', () => {
    expect(() =>
      defineService({ ...base, routes: [route({ path: '/v1/widgets', customerScope: 'customer-path' })] }),
    ).toThrow(/no \{customerId\} parameter/);
  });
  it('accepts a declared scope', () => {
    expect(() => defineService({ ...base, routes: [route({ customerScope: 'customer-path' })] })).not.toThrow();
  });
});
