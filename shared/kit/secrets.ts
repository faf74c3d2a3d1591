/**
 * Secrets Manager adapter: the deployment's cursor keys (ADR 19). The secret is a JSON document
 * `{"current": "...", "previous": "..."}`; its ARN is in the function's environment
 * (`CURSOR_SECRET_ARN`, set only on functions that serve list routes). On AWS the stack
 * generates it; locally the runtime keeps it in ITSM_HOME and serves it from its endpoint, so
 * this code is the same in both.
 *
 * Loaded once per instance and kept for five minutes. After a rotation, a cursor signed with a
 * key this instance has not seen yet makes it read the secret again, at most once a second.
 */
import type { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CURSOR_SECRET_ENV } from './definition';
import { requireEnv } from './env';

/** The deployment's cursor keys, as the secret holds them: new cursors use `current`. */
export interface CursorKeys {
  current: string;
  previous?: string;
}

/** Smallest key length accepted: a shorter secret is a deployment mistake, not a key. */
const MIN_KEY_LENGTH = 32;
const REFRESH_INTERVAL_MS = 1000;
/** Kept keys are read again after this long, so a retired key stops working everywhere soon after a rotation. */
const MAX_AGE_MS = 5 * 60_000;

let sdk: Promise<{ client: SecretsManagerClient; Command: typeof GetSecretValueCommand }> | undefined;
const secretsClient = () => {
  // Loaded on first use, not at cold start (ADR 6).
  sdk ??= import('@aws-sdk/client-secrets-manager').then((m) => ({
    client: new m.SecretsManagerClient({}),
    Command: m.GetSecretValueCommand,
  }));
  return sdk;
};

/** Reads a secret's string value. */
export async function secretString(secretId: string): Promise<string> {
  const { client, Command } = await secretsClient();
  const out = await client.send(new Command({ SecretId: secretId }));
  if (typeof out.SecretString !== 'string') throw new Error(`secret ${secretId} holds no string`);
  return out.SecretString;
}

/** The cursor keys from a secret's value; throws (a deployment error) when it is not well-formed. */
export function parseCursorKeys(text: string): CursorKeys {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('the cursor key secret is not JSON');
  }
  const { current, previous } = (value ?? {}) as Record<string, unknown>;
  const ok = (k: unknown) => typeof k === 'string' && k.length >= MIN_KEY_LENGTH;
  if (!ok(current) || (previous !== undefined && previous !== '' && !ok(previous))) {
    throw new Error(
      `the cursor key secret needs "current" (and optionally "previous") of ${MIN_KEY_LENGTH}+ characters`,
    );
  }
  return { current: current as string, ...(ok(previous) ? { previous: previous as string } : {}) };
}

let kept: { keys: CursorKeys; at: number } | undefined;
let loading: Promise<CursorKeys> | undefined;

function load(): Promise<CursorKeys> {
  loading ??= secretString(requireEnv(CURSOR_SECRET_ENV))
    .then((text) => {
      const keys = parseCursorKeys(text);
      kept = { keys, at: Date.now() };
      return keys;
    })
    .finally(() => {
      loading = undefined;
    });
  return loading;
}

/**
 * The deployment's cursor keys. `reload` asks for a fresh read (a cursor names a key this
 * instance does not hold); it is honoured at most once a second, so made-up key ids cannot
 * turn requests into Secrets Manager calls.
 */
export async function cursorKeys(reload = false): Promise<CursorKeys> {
  const age = kept ? Date.now() - kept.at : Number.POSITIVE_INFINITY;
  if (kept && age < MAX_AGE_MS && !(reload && age >= REFRESH_INTERVAL_MS)) return kept.keys;
  return load();
}
