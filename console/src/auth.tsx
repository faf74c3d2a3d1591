import { type User, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { config } from './config';

/**
 * Sign-in with OpenID Connect, authorization code + PKCE (oidc-client-ts), against Cognito's managed
 * login on AWS and the local runtime's provider locally: the same code in both places. Tokens stay in
 * this tab's sessionStorage; the access token (groups and customer claim) is what the API checks.
 */
export type Role = string;

export interface Session {
  user: User;
  /** The user name (`username` of the access token). */
  name: string;
  roles: Role[];
  /** The customer organisation of a customer user. */
  customer?: string;
  accessToken: string;
}

let manager: UserManager | undefined;

export function userManager(): UserManager {
  if (manager) return manager;
  const c = config();
  const origin = window.location.origin;
  manager = new UserManager({
    authority: c.authority,
    client_id: c.clientId,
    redirect_uri: `${origin}/callback`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: 'openid email profile',
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    // Renew with the refresh token before the access token expires (no hidden iframe).
    automaticSilentRenew: true,
    loadUserInfo: false,
  });
  return manager;
}

/** The access token's claims: groups and the customer claim live there (the pre-token trigger on AWS). */
function claimsOf(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(decodeURIComponent(escape(json))) as Record<string, unknown>;
}

export function sessionOf(user: User): Session {
  const claims = claimsOf(user.access_token);
  const groups = claims['cognito:groups'];
  const customer = claims['custom:customer'];
  return {
    user,
    name: String(claims.username ?? claims['cognito:username'] ?? user.profile.sub),
    roles: Array.isArray(groups) ? groups.map(String) : [],
    ...(typeof customer === 'string' && customer ? { customer } : {}),
    accessToken: user.access_token,
  };
}

export const isCustomer = (s: Session) => s.roles.includes('customer-user') && s.customer !== undefined;
export const STAFF_ROLES = [
  'admin',
  'sms-manager',
  'sms-owner',
  'portfolio-manager',
  'service-level-manager',
  'configuration-manager',
  'configuration-owner',
  'service-desk-manager',
  'customers-manager',
  'reporting-manager',
  'changes-manager',
  'releases-manager',
  'releases-owner',
  'process-staff',
];
export const isAgent = (s: Session) => s.roles.some((r) => r !== 'auditor' && STAFF_ROLES.includes(r));
export const hasAnyRole = (s: Session, roles: readonly string[]) => s.roles.some((r) => roles.includes(r));

const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

/** Renders its children once signed in; sends the browser to sign in otherwise (back here afterwards). */
export function RequireSession({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const um = userManager();
    let active = true;
    um.getUser()
      .then(async (user) => {
        if (user && !user.expired) {
          if (active) setSession(sessionOf(user));
          return;
        }
        await um.signinRedirect({ state: { returnTo: window.location.pathname + window.location.search } });
      })
      .catch((err: unknown) => active && setError(err instanceof Error ? err.message : String(err)));
    const onLoaded = (user: User) => {
      if (active) setSession(sessionOf(user));
    };
    const onExpired = () => void um.signinRedirect({ state: { returnTo: window.location.pathname } });
    um.events.addUserLoaded(onLoaded);
    um.events.addAccessTokenExpired(onExpired);
    return () => {
      active = false;
      um.events.removeUserLoaded(onLoaded);
      um.events.removeAccessTokenExpired(onExpired);
    };
  }, []);
  if (error) return <p role="alert">Sign-in failed: {error}</p>;
  if (!session) return <p aria-live="polite">Signing in…</p>;
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export async function signOut(): Promise<void> {
  const um = userManager();
  const c = config();
  if (c.signOutUrl) {
    // Cognito's managed login: its /logout takes client_id and logout_uri.
    await um.removeUser();
    const url = new URL(c.signOutUrl);
    url.searchParams.set('client_id', c.clientId);
    url.searchParams.set('logout_uri', `${window.location.origin}/`);
    window.location.assign(url.toString());
    return;
  }
  await um.signoutRedirect();
}
