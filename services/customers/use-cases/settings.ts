import type * as z from 'zod/mini';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError } from '../../../shared/kit/errors';
import type { Write } from '../../../shared/kit/store';
import { diff } from '../domain/customer';
import { DEFAULT_SETTINGS, type SurveySettings } from '../domain/survey';
import type { SurveySettingsBody } from '../schemas';
import { keys, table } from '../store';

/**
 * Survey settings live in the table, not in environment variables: changing the low-score
 * threshold or the link expiry is an audited change through the API, not a redeployment.
 */
export type StoredSettings = SurveySettings & { version: number };

const FIELDS = ['lowScoreThreshold', 'expiryDays', 'publicBaseUrl'] as const;

export async function loadSettings(consistent = false): Promise<StoredSettings> {
  const item = await table().get(keys.settings(), consistent);
  if (!item) return { ...DEFAULT_SETTINGS, version: 0 };
  return {
    lowScoreThreshold: Number(item.lowScoreThreshold ?? DEFAULT_SETTINGS.lowScoreThreshold),
    expiryDays: Number(item.expiryDays ?? DEFAULT_SETTINGS.expiryDays),
    publicBaseUrl: String(item.publicBaseUrl ?? DEFAULT_SETTINGS.publicBaseUrl),
    version: Number(item.version),
  };
}

/** Change settings; `If-Match` is optional (409 when stale), version 0 means "never set". */
export async function changeSettings(
  ctx: OperationContext,
  input: z.infer<typeof SurveySettingsBody>,
  version?: number,
): Promise<StoredSettings> {
  const before = await loadSettings(true);
  if (version !== undefined && version !== before.version) {
    throw new ConflictError(`The survey settings are at version ${before.version}, not ${version}. Read them again.`);
  }
  const after: SurveySettings = {
    lowScoreThreshold: input.lowScoreThreshold ?? before.lowScoreThreshold,
    expiryDays: input.expiryDays ?? before.expiryDays,
    publicBaseUrl: input.publicBaseUrl ?? before.publicBaseUrl,
  };
  const changes = diff<SurveySettings>(before, after, FIELDS);
  if (Object.keys(changes).length === 0) return before;
  const write: Write =
    before.version === 0
      ? { kind: 'create', item: { ...keys.settings(), type: 'settings', ...after } }
      : { kind: 'update', key: keys.settings(), set: { ...after }, expectVersion: before.version };
  await table().commit(ctx, {
    writes: [write],
    history: [
      { pk: keys.settings().pk, entityType: 'survey-settings', entityId: 'surveys', action: 'changed', changes },
    ],
  });
  return { ...after, version: before.version + 1 };
}
