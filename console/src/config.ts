/**
 * Run-time settings, read from `/config.json`: written at deploy on AWS (CloudFront + S3) and served by
 * the local runtime from its own URLs, so the same build runs in both places.
 */
export interface ConsoleConfig {
  /** The HTTP API's base URL, without `/v1`. */
  apiUrl: string;
  /** The OpenID Connect issuer: the Cognito user pool's, or the local provider's. */
  authority: string;
  /** The console's app client id (in the API authorizer's audience). */
  clientId: string;
  /**
   * Cognito's managed login does not advertise an end-session endpoint in its discovery document;
   * when set, sign-out goes here with `client_id` and `logout_uri` (Cognito's `/logout`).
   */
  signOutUrl?: string;
}

let loaded: ConsoleConfig | undefined;

export async function loadConfig(): Promise<ConsoleConfig> {
  if (loaded) return loaded;
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`The console's settings (/config.json) answered ${res.status}.`);
  const body = (await res.json()) as Partial<ConsoleConfig>;
  if (!body.apiUrl || !body.authority || !body.clientId)
    throw new Error("The console's settings (/config.json) lack apiUrl, authority or clientId.");
  loaded = { ...body, apiUrl: body.apiUrl.replace(/\/+$/, '') } as ConsoleConfig;
  return loaded;
}

export const config = (): ConsoleConfig => {
  if (!loaded) throw new Error('configuration not loaded');
  return loaded;
};
