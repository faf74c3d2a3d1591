import { ForbiddenError, UnauthorizedError } from './errors';
import { isRole, type Role } from './roles';

/** Who is calling, as read from the claims API Gateway's JWT authorizer passes on. */
export interface Principal {
  /** Stable user id (`sub`). */
  id: string;
  /** Display name (`username`, `cognito:username` or `email`). */
  name: string;
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

export function principalFromClaims(claims: Claims | undefined): Principal {
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '') throw new UnauthorizedError();
  const roles = claimList(claims['cognito:groups']).filter(isRole);
  const name = String(claims.username ?? claims['cognito:username'] ?? claims.email ?? claims.sub);
  const customer = claims['custom:customer'];
  const email = claims.email;
  return {
    id: claims.sub,
    name,
    roles,
    ...(typeof customer === 'string' && customer !== '' ? { customerId: customer } : {}),
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

/** True when the caller is only a customer user (record-level rules then apply). */
export const isCustomerOnly = (p: Principal) => p.roles.length > 0 && p.roles.every((r) => r === 'customer-user');
