import type * as z from 'zod/mini';
import { isCustomerBound, type Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { requireEnv } from '../../../shared/kit/env';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { deleteObject, headObject, presignedGet, presignedPut } from '../../../shared/kit/objects';
import type { PageRequest } from '../../../shared/kit/paging';
import type { Item } from '../../../shared/kit/store';
import { assertCanSee } from '../access';
import { LINK_SECONDS, PENDING_SECONDS, refuseStored, refuseUpload, SWEEP_GRACE_SECONDS } from '../domain/attachment';
import { isFinal } from '../domain/ticket';
import type { AttachmentBody, AttachmentView as AttachmentSchema } from '../schemas';
import { keys, QUEUE, type Ticket, table } from '../store';
import { withTicket } from './ticket-work';

/**
 * Attachments on tickets and comments (issue 10). The file never passes through the API: the
 * caller asks for an upload (access check, accepted type and size), PUTs the file to a presigned
 * URL of the desk's bucket whose type and length are signed, and completes the upload; only then,
 * after HeadObject shows exactly what was declared, is the attachment recorded and audited.
 * Downloads are presigned GETs on the bucket's domain, issued after the access check, valid 5
 * minutes, always as a download (`attachment`, `application/octet-stream`), so no browser renders
 * an attachment as a page of ours.
 *
 * Customer users see the attachments of public comments and those customer users uploaded to
 * their organisation's ticket, never those of internal comments or staff's own ticket files.
 */
export type AttachmentView = z.infer<typeof AttachmentSchema>;

const bucket = () => requireEnv('BUCKET_NAME');
/** Object keys name the ticket and the attachment only: a file name never reaches S3's key space. */
const objectKey = (ticketId: string, attachmentId: string) => `tickets/${ticketId}/${attachmentId}`;

export const toAttachment = (i: Item): AttachmentView => ({
  attachmentId: String(i.attachmentId),
  ticketId: String(i.ticketId),
  ...(i.commentId ? { commentId: String(i.commentId) } : {}),
  fileName: String(i.fileName),
  contentType: String(i.contentType),
  size: Number(i.size),
  visibility: i.visibility as AttachmentView['visibility'],
  status: i.status as AttachmentView['status'],
  uploadedBy: i.uploadedBy as AttachmentView['uploadedBy'],
  createdAt: String(i.createdAt),
});

const notFound = (attachmentId: string) =>
  new NotFoundError(`Attachment ${attachmentId} was not found.`, 'attachment-not-found');

/** What a customer user may see of a ticket's attachments. */
const visibleTo = (p: Principal, a: AttachmentView) => !isCustomerBound(p) || a.visibility === 'public';

export async function requestUpload(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof AttachmentBody>,
) {
  return withTicket(idOrNumber, undefined, async (t) => {
    assertCanSee(p, t, idOrNumber);
    const refused = refuseUpload(input);
    if (refused.length)
      throw new ValidationError(
        'This file is not accepted.',
        refused.map((f) => ({ ...f, field: `body.${f.field}` })),
        'attachment-not-accepted',
      );
    if (isFinal(t.status))
      throw new ConflictError(`Ticket ${t.number} is ${t.status}; reopen it to add files.`, 'ticket-closed');
    let visibility: AttachmentView['visibility'] = isCustomerBound(p) ? 'public' : 'internal';
    if (input.commentId !== undefined) {
      const comment = await table().get(keys.comment(t.ticketId, input.commentId));
      // An internal comment is, to a customer user, a comment that does not exist.
      if (!comment || (isCustomerBound(p) && comment.visibility !== 'public'))
        throw new NotFoundError(`Comment ${input.commentId} was not found on this ticket.`, 'comment-not-found');
      visibility = comment.visibility === 'public' ? 'public' : 'internal';
    }
    const now = Date.now();
    const deadline = new Date(now + PENDING_SECONDS * 1000).toISOString();
    const attachment: AttachmentView = {
      attachmentId: newId(),
      ticketId: t.ticketId,
      ...(input.commentId !== undefined ? { commentId: input.commentId } : {}),
      fileName: input.fileName,
      contentType: input.contentType,
      size: input.size,
      visibility,
      status: 'pending',
      uploadedBy: { id: p.id, name: p.name },
      createdAt: new Date(now).toISOString(),
    };
    await table().commit(ctx, {
      writes: [
        {
          kind: 'create',
          item: {
            ...keys.upload(t.ticketId, attachment.attachmentId),
            type: 'upload',
            ...attachment,
            deadline,
            // Swept (object and item) by the hourly `abandoned-uploads` schedule once past the
            // deadline; DynamoDB's TTL, a day later, only forgets an item a sweep missed.
            gsi5pk: QUEUE.abandonedUploads,
            gsi5sk: `${deadline}#${attachment.attachmentId}`,
            expiresAt: Math.floor(now / 1000) + PENDING_SECONDS + 86_400,
          },
        },
      ],
    });
    const upload = await presignedPut(bucket(), objectKey(t.ticketId, attachment.attachmentId), {
      expiresInSeconds: LINK_SECONDS,
      contentType: input.contentType,
      contentLength: input.size,
    });
    return {
      attachment,
      upload: {
        method: 'PUT' as const,
        url: upload.url,
        headers: upload.headers,
        expiresAt: new Date(now + LINK_SECONDS * 1000).toISOString(),
      },
    };
  });
}

/** Records an uploaded file once S3 holds exactly what was declared; completing twice answers the same. */
export async function completeUpload(ctx: OperationContext, p: Principal, idOrNumber: string, attachmentId: string) {
  return withTicket(idOrNumber, undefined, async (t) => {
    assertCanSee(p, t, idOrNumber);
    const pending = await table().get(keys.upload(t.ticketId, attachmentId), true);
    // Past its deadline an upload is abandoned, even before the sweep removes it.
    if (!pending || String(pending.deadline) <= new Date().toISOString()) {
      const done = await table().get(keys.attachment(t.ticketId, attachmentId), true);
      if (done && visibleTo(p, toAttachment(done))) return toAttachment(done);
      throw notFound(attachmentId);
    }
    const declared = toAttachment(pending);
    if (isCustomerBound(p) && declared.uploadedBy.id !== p.id)
      throw new ForbiddenError('Only who uploaded a file or the service desk may complete its upload.');
    const key = objectKey(t.ticketId, attachmentId);
    const stored = await headObject(bucket(), key);
    if (!stored)
      throw new ConflictError('The file has not been uploaded yet: PUT it to the upload URL first.', 'upload-missing');
    const mismatch = refuseStored(declared, stored);
    if (mismatch.length) {
      // Nothing other than what was declared and checked stays in the bucket.
      await deleteObject(bucket(), key);
      throw new DomainError('upload-mismatch', 422, 'The uploaded file is not what was declared.', mismatch);
    }
    const attachment: AttachmentView = { ...declared, status: 'available' };
    await recordAttachment(ctx, t, attachment);
    return attachment;
  });
}

async function recordAttachment(ctx: OperationContext, t: Ticket, a: AttachmentView): Promise<void> {
  await table().commit(ctx, {
    writes: [
      { kind: 'delete', key: keys.upload(t.ticketId, a.attachmentId), mustExist: true },
      {
        kind: 'create',
        item: {
          ...keys.attachment(t.ticketId, a.attachmentId),
          type: 'attachment',
          ...a,
          ...(a.visibility === 'public' ? { gsi1pk: QUEUE.publicAttachments(t.ticketId), gsi1sk: a.attachmentId } : {}),
        },
      },
    ],
    // FitSM GR2.3: who added which file, when, to what.
    history: [
      {
        pk: keys.ticket(t.ticketId).pk,
        entityType: 'ticket',
        entityId: t.ticketId,
        action: 'attachment added',
        changes: {
          attachment: {
            to: {
              attachmentId: a.attachmentId,
              fileName: a.fileName,
              contentType: a.contentType,
              size: a.size,
              visibility: a.visibility,
              ...(a.commentId ? { commentId: a.commentId } : {}),
            },
          },
        },
      },
    ],
  });
}

/** A ticket's attachments, oldest first; customer users read the public index, so internal ones never reach them. */
export async function listAttachments(p: Principal, idOrNumber: string, q: PageRequest) {
  return withTicket(idOrNumber, undefined, async (t) => {
    assertCanSee(p, t, idOrNumber);
    if (isCustomerBound(p))
      return table().page({ index: 'gsi1', pk: QUEUE.publicAttachments(t.ticketId), ...q }, toAttachment);
    return table().page({ pk: keys.ticket(t.ticketId).pk, skBeginsWith: 'ATTACH#', ...q }, toAttachment);
  });
}

/** A download link, issued only after the access check. */
export async function downloadLink(p: Principal, idOrNumber: string, attachmentId: string) {
  return withTicket(idOrNumber, undefined, async (t) => {
    assertCanSee(p, t, idOrNumber);
    const item = await table().get(keys.attachment(t.ticketId, attachmentId));
    const a = item ? toAttachment(item) : undefined;
    if (!a || !visibleTo(p, a)) throw notFound(attachmentId);
    const now = Date.now();
    const url = await presignedGet(bucket(), objectKey(t.ticketId, attachmentId), {
      expiresInSeconds: LINK_SECONDS,
      fileName: a.fileName,
      // Whatever was declared, the browser gets bytes to save, never a document to render.
      contentType: 'application/octet-stream',
    });
    return { url, expiresAt: new Date(now + LINK_SECONDS * 1000).toISOString() };
  });
}

/** Abandoned uploads removed per run at most; the rest wait an hour (the index keeps them in order). */
const MAX_SWEPT_PER_RUN = 1000;

/**
 * The hourly sweep of abandoned uploads: asked for, never completed, past their deadline (and a
 * grace period, so a completion that began before the deadline finishes first). Deletes the
 * object, if one was put, then the pending item. Reads only the due part of the sparse index.
 */
export async function sweepAbandonedUploads(ctx: OperationContext): Promise<{ swept: number }> {
  const before = new Date(Date.now() - SWEEP_GRACE_SECONDS * 1000).toISOString();
  let swept = 0;
  let cursor: string | undefined;
  do {
    const page = await table().page({
      index: 'gsi5',
      pk: QUEUE.abandonedUploads,
      skBetween: ['0', `${before}#~`],
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    for (const item of page.items) {
      const ticketId = String(item.pk).slice('TICKET#'.length);
      const attachmentId = String(item.sk).slice('UPLOAD#'.length);
      // The object first: a run that stops between the two deletes leaves the item for the next.
      await deleteObject(bucket(), objectKey(ticketId, attachmentId));
      await table().commit(ctx, { writes: [{ kind: 'delete', key: keys.upload(ticketId, attachmentId) }] });
      swept++;
    }
    cursor = page.nextCursor;
  } while (cursor && swept < MAX_SWEPT_PER_RUN);
  return { swept };
}
