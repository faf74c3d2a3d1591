import type { CustomerScope, RouteSpec } from './definition';
import { DomainError, ForbiddenError, NotFoundError, UnauthorizedError } from './errors';
import { isRole, type Role } from './roles';

/** Who is calling, as read from the claims API Gateway's JWT authorizer passes on. */
export interface Principal {
  /** Stable user id (`sub`). */
  id: string;
  /** Display name (`username`, `cognito:username` or `email`). */
  name: string;
  /**
   * The roles that count. A customer-bound principal (see {@link isCustomerBound}) counts as
   * `customer-user` only, whatever other groups its token lists (ADR 0015).
   */
  roles: Role[];
  /** For customer users: the customer organisation id (`custom:customer`). */
  customerId?: string;
  /** E-mail address (`email` claim), where notifications to this person go. */
  email?: string;
}

export type Claims = Record<string, string | number | boolean | string[] | undefined>;

/**
 * API Gateway HTTP APIs pass array claims to Lambda flattened to a string like `[a b c]`;
 * accept that form, a JSON array string, a real array, or a comma list.
 */
export function claimList(value: Claims[string]): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  const text = String(value).trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1).trim();
    if (inner.startsWith('"')) {
      try {
        return (JSON.parse(text) as unknown[]).map(String);
      } catch {
        /* fall through to the space-separated form */
      }
    }
    return inner.split(/[\s,]+/).filter(Boolean);
  }
  return text.split(/[\s,]+/).filter(Boolean);
}

/**
 * The principal a token's claims describe. A token that holds `customer-user` or carries a
 * customer claim is customer-bound: it counts as `customer-user` only, so no other group it
 * holds can widen what it may call or see (ADR 0015). The claim is kept when present, even empty
 * strings are not: an empty claim is no organisation.
 */
export function principalFromClaims(claims: Claims | undefined): Principal {
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '') throw new UnauthorizedError();
  const held = claimList(claims['cognito:groups']).filter(isRole);
  const name = String(claims.username ?? claims['cognito:username'] ?? claims.email ?? claims.sub);
  const raw = claims['custom:customer'];
  const customer = typeof raw === 'string' && raw !== '' ? raw : undefined;
  const bound = held.includes('customer-user') || raw !== undefined;
  const email = claims.email;
  return {
    id: claims.sub,
    name,
    roles: bound ? ['customer-user'] : held,
    ...(customer !== undefined ? { customerId: customer } : {}),
    ...(typeof email === 'string' && email.includes('@') ? { email } : {}),
  };
}

export const hasAnyRole = (p: Principal, roles: readonly Role[]) => p.roles.some((r) => roles.includes(r));

/** Route-level check: the caller holds at least one of the route's declared roles. */
export function requireAnyRole(p: Principal, roles: readonly Role[]): void {
  if (!hasAnyRole(p, roles)) {
    throw new ForbiddenError(`This operation needs one of the roles: ${roles.join(', ')}.`);
  }
}

/**
 * A customer-bound principal holds `customer-user` or carries a customer claim. It may call only
 * routes that list `customer-user`, and sees and changes only its organisation's records,
 * whatever else it holds (ADR 0015).
 */
export const isCustomerBound = (p: Principal) => p.roles.includes('customer-user') || p.customerId !== undefined;

/**
 * Route-level authorisation, before any handler code runs: the caller holds one of the route's
 * roles; a customer-bound caller needs an organisation (403 `customer-claim-missing`) and a route
 * that declares how it scopes customers; and where the route's path names the customer, it must be
 * the caller's own (404, exactly as for a customer that does not exist).
 */
export function authorizeRoute(
  p: Principal,
  route: Pick<RouteSpec, 'roles' | 'customerScope'>,
  params: Record<string, string | undefined>,
): void {
  if (isCustomerBound(p)) {
    if (p.customerId === undefined) {
      throw new DomainError(
        'customer-claim-missing',
        403,
        'Your account is a customer account but is not linked to a customer organisation.',
      );
    }
    if (route.customerScope === undefined || !route.roles.includes('customer-user')) {
      throw new ForbiddenError('Customer accounts may not use this operation.');
    }
  }
  requireAnyRole(p, route.roles);
  if (isCustomerBound(p) && route.customerScope === 'customer-path') {
    const asked = params.customerId;
    if (asked !== p.customerId) throw new NotFoundError(`Customer ${asked} was not found.`, 'customer-not-found');
  }
}

export type { CustomerScope };
