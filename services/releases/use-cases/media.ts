import type * as z from 'zod/mini';
import { now } from '../../../shared/kit/clock';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { requireEnv } from '../../../shared/kit/env';
import { ConflictError, NotFoundError } from '../../../shared/kit/errors';
import { headObjectVersion, presignedPut, versionSha256 } from '../../../shared/kit/objects';
import type { Item, Page } from '../../../shared/kit/store';
import type { MediaItem } from '../domain/package';
import type { MediaUploadBody } from '../schemas';
import { table } from '../store';

/**
 * The definitive media library (ITIL release policy): artifacts uploaded into the service's
 * versioned, object-locked bucket through presigned PUTs bound to their declared length, type and
 * SHA-256, then confirmed: the item records the S3 version the upload made, which packages pin.
 *
 * | item         | pk             | sk    | gsi1pk / gsi1sk  |
 * |--------------|----------------|-------|------------------|
 * | library item | MEDIA#<id>     | MEDIA | MEDIA / <id>     |
 */
export const mediaKey = (id: string) => ({ pk: `MEDIA#${id}`, sk: 'MEDIA' });
/** How long an upload link lives: long enough for a large artifact from a build agent. */
export const UPLOAD_SECONDS = 3_600;
const KEY_FIELDS = new Set([
  'pk',
  'sk',
  'type',
  'gsi1pk',
  'gsi1sk',
  'version',
  'createdAt',
  'createdBy',
  'updatedAt',
  'updatedBy',
]);

/** The library's bucket (the service's bucket, BUCKET_NAME). */
export const libraryBucket = () => requireEnv('BUCKET_NAME');

const toMedia = (item: Item): MediaItem => {
  const m: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_FIELDS.has(k)) m[k] = v;
  return m as unknown as MediaItem;
};
const mediaItem = (m: MediaItem): Item => ({
  ...mediaKey(m.mediaId),
  type: 'media',
  ...m,
  gsi1pk: 'MEDIA',
  gsi1sk: m.mediaId,
});

/** Start an upload: a pending library item and the presigned PUT for its key. */
export async function requestUpload(
  ctx: OperationContext,
  actor: { id: string },
  input: z.infer<typeof MediaUploadBody>,
): Promise<MediaItem & { upload: { url: string; method: 'PUT'; headers: Record<string, string>; expiresAt: string } }> {
  const at = now();
  const mediaId = newId();
  const m: MediaItem = {
    mediaId,
    fileName: input.fileName,
    contentType: input.contentType,
    contentLength: input.contentLength,
    sha256: input.sha256,
    key: `dml/${mediaId}/${input.fileName}`,
    status: 'pending',
    requestedBy: actor.id,
    requestedAt: new Date(at).toISOString(),
  };
  // Signed with the SHA-256: S3 itself refuses any other body (BadDigest), and the object-locked
  // bucket takes no upload without an integrity check.
  const up = await presignedPut(libraryBucket(), m.key, {
    expiresInSeconds: UPLOAD_SECONDS,
    contentType: m.contentType,
    contentLength: m.contentLength,
    sha256: m.sha256,
  });
  await table().commit(ctx, {
    writes: [{ kind: 'create', item: mediaItem(m) }],
    history: [{ pk: mediaKey(mediaId).pk, entityType: 'media', entityId: mediaId, action: 'upload requested' }],
    at: m.requestedAt,
  });
  return {
    ...m,
    upload: {
      url: up.url,
      method: 'PUT',
      headers: up.headers,
      expiresAt: new Date(at + UPLOAD_SECONDS * 1000).toISOString(),
    },
  };
}

export async function getMedia(id: string, consistent = false): Promise<MediaItem> {
  const item = await table().get(mediaKey(id), consistent);
  if (!item) throw new NotFoundError(`Library item ${id} was not found.`, 'media-not-found');
  return toMedia(item);
}

export function listMedia(limit: number, cursor?: string): Promise<Page<MediaItem>> {
  return table().page({ index: 'gsi1', pk: 'MEDIA', limit, descending: true, ...(cursor ? { cursor } : {}) }, toMedia);
}

/**
 * Record a finished upload: the version S3 made for the key, its size and the SHA-256 S3 holds
 * (HeadObject with checksum mode), which must be the declared one. A confirmed item answers as it
 * is (the version it pinned stays pinned, whatever is uploaded to the key later).
 */
export async function confirmUpload(ctx: OperationContext, actor: { id: string }, id: string): Promise<MediaItem> {
  const stored = await table().get(mediaKey(id), true);
  if (!stored) throw new NotFoundError(`Library item ${id} was not found.`, 'media-not-found');
  const before = toMedia(stored);
  if (before.status === 'available') return before;
  const bucket = libraryBucket();
  const head = await headObjectVersion(bucket, before.key);
  if (!head?.versionId)
    throw new ConflictError(`Nothing has been uploaded to ${before.key} yet.`, 'media-not-uploaded');
  if (head.size !== before.contentLength)
    throw new ConflictError(
      `${before.key} holds ${head.size} bytes; ${before.contentLength} were declared.`,
      'media-size-mismatch',
    );
  // S3 keeps the SHA-256 an upload carried; without one (uploaded another way), read the version.
  const held = head.sha256 ?? (await versionSha256(bucket, before.key, head.versionId))?.sha256;
  if (held !== before.sha256)
    throw new ConflictError(
      `${before.key} has SHA-256 ${held ?? 'unknown'}; ${before.sha256} was declared.`,
      'media-checksum-mismatch',
    );
  const at = new Date(now()).toISOString();
  const after: MediaItem = {
    ...before,
    status: 'available',
    versionId: head.versionId,
    size: head.size,
    confirmedBy: actor.id,
    confirmedAt: at,
  };
  await table().commit(ctx, {
    writes: [{ kind: 'replace', item: mediaItem(after), expectVersion: Number(stored.version) }],
    history: [
      {
        pk: mediaKey(id).pk,
        entityType: 'media',
        entityId: id,
        action: 'upload confirmed',
        changes: { versionId: { to: head.versionId }, status: { from: 'pending', to: 'available' } },
      },
    ],
    at,
  });
  return after;
}
