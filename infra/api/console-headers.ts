/**
 * What the web console's host must send, one definition for both interpreters (no CDK here, so
 * the local runtime may import it): the content security policy and the other security headers
 * (CloudFront's response headers policy on AWS), and the shape of the `/config.json` the console
 * reads at start. (The CORS rule of buckets the console uploads to is `consoleUploadsCors` in `cors.ts`.)
 */

/** `/config.json`, written at deploy on AWS (and served by `npm start` locally): how the console finds the API and signs in. */
export interface ConsoleConfig {
  /** Base URL of the HTTP API, with a trailing slash (`https://abc.execute-api.eu-west-1.amazonaws.com/`). */
  apiUrl: string;
  /** OIDC issuer: discovery at `<authority>/.well-known/openid-configuration`. */
  authority: string;
  /** The console's OIDC client id (public client: authorization code + PKCE). */
  clientId: string;
  /** Where the provider sends the browser back after sign-in (`<console>/callback`). */
  redirectUri: string;
  /** Where the provider sends the browser back after sign-out (`<console>/`). */
  postLogoutRedirectUri: string;
  /** The managed login (hosted sign-in) base URL: `https://<prefix>.auth.<region>.amazoncognito.com`. */
  managedLoginUrl: string;
  /**
   * The sign-out endpoint. Cognito's discovery document has no `end_session_endpoint`: sign-out is
   * `GET <managed login domain>/logout?client_id=…&logout_uri=…` (Cognito Developer Guide, "Logout endpoint").
   */
  signOutUrl: string;
  /** Scopes the console asks for. */
  scope: string;
  region: string;
}

/** Scopes of the console's sign-in: `openid` for the ID token, `email` and `profile` for the name shown. */
export const CONSOLE_SCOPES = ['openid', 'email', 'profile'] as const;

/**
 * The only inline style the console needs: cytoscape (the CMDB impact graph, 3.x) inserts a
 * `<style>` element with exactly this text at run time (`BRp.init`). Allowed by its hash rather
 * than `'unsafe-inline'`; Cloudscape itself injects no style element (its CSS is in the bundle's
 * stylesheets, and React sets `style` props through the CSSOM, which CSP does not restrict).
 */
export const CYTOSCAPE_STYLE = '.__________cytoscape_container { position: relative; }';
/** `'sha256-…'` of {@link CYTOSCAPE_STYLE}, computed in the test that guards it. */
export const CYTOSCAPE_STYLE_HASH = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='";

export interface ConsolePolicyOrigins {
  /** Origins the API answers from (`https://…execute-api…`). */
  api: readonly string[];
  /** Origins of sign-in: the issuer (discovery, JWKS) and the managed login domain (token, logout). */
  auth: readonly string[];
  /** Origins of buckets the console PUTs to and GETs from through presigned URLs. */
  uploads: readonly string[];
}

/**
 * The console's content security policy: its own scripts and styles only, fetches only to itself,
 * the API, sign-in and upload buckets, never framed, no plugins, forms only to itself and sign-in.
 */
export function consoleContentSecurityPolicy(origins: ConsolePolicyOrigins): string {
  const directives: [string, string[]][] = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'", CYTOSCAPE_STYLE_HASH]],
    // Vite inlines small images and fonts as data: URLs.
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'", 'data:']],
    ['connect-src', ["'self'", ...origins.api, ...origins.auth, ...origins.uploads]],
    ['form-action', ["'self'", ...origins.auth]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'self'"]],
    ['frame-ancestors', ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${[...new Set(sources)].join(' ')}`).join('; ');
}

/** The other security headers, with the values both hosts send. */
export const CONSOLE_SECURITY_HEADERS = {
  /** Two years, subdomains included (HSTS preload list's minimum is one year). */
  strictTransportSecurity: { maxAgeSeconds: 63_072_000, includeSubdomains: true },
  contentTypeOptions: 'nosniff',
  /** Older browsers that ignore `frame-ancestors`. */
  frameOptions: 'DENY',
  /** Paths can hold ids; other sites get the origin only, and nothing over plain HTTP. */
  referrerPolicy: 'strict-origin-when-cross-origin',
} as const;
