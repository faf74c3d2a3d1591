import type { FieldError } from '../../../shared/kit/errors';

/**
 * Attachments on tickets and comments (screenshots, logs): the rules that need no I/O. A file is
 * accepted only as one of the types below, with a name ending in one of that type's extensions,
 * so nothing a browser would run or render as a page (HTML, SVG, scripts, executables) is stored
 * under a harmless-looking type; and only up to `MAX_ATTACHMENT_BYTES`.
 */

/** 10 MiB: screenshots, logs and office documents; larger evidence belongs in a file share. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** A presigned upload or download link lives 5 minutes at most (issue 10). */
export const LINK_SECONDS = 300;
/** A requested upload must be completed within an hour; then it is abandoned and swept. */
export const PENDING_SECONDS = 3600;
/** The sweep leaves an abandoned upload this long past its deadline, so a completion under way finishes. */
export const SWEEP_GRACE_SECONDS = 300;

/** The accepted content types and the file name extensions each may carry. */
export const ALLOWED_TYPES: Readonly<Record<string, readonly string[]>> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'text/plain': ['txt', 'log', 'text'],
  'text/csv': ['csv'],
  'application/json': ['json'],
  'application/pdf': ['pdf'],
  'application/zip': ['zip'],
  'application/gzip': ['gz'],
  'application/msword': ['doc'],
  'application/vnd.ms-excel': ['xls'],
  'application/vnd.ms-powerpoint': ['ppt'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/vnd.oasis.opendocument.text': ['odt'],
  'application/vnd.oasis.opendocument.spreadsheet': ['ods'],
  'application/vnd.oasis.opendocument.presentation': ['odp'],
};

export interface UploadRequest {
  fileName: string;
  contentType: string;
  size: number;
}

/** The bare media type, lower case: `Text/Plain; charset=utf-8` is `text/plain`. */
export const mediaType = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();

/** Why an upload is refused (the failing fields), or an empty list. */
export function refuseUpload(u: UploadRequest): FieldError[] {
  const fields: FieldError[] = [];
  const type = mediaType(u.contentType);
  const extensions = ALLOWED_TYPES[type];
  if (!extensions) {
    fields.push({
      field: 'contentType',
      message: `${type || 'This type'} is not accepted; accepted: ${Object.keys(ALLOWED_TYPES).join(', ')}.`,
    });
  } else {
    const dot = u.fileName.lastIndexOf('.');
    const extension = dot > 0 ? u.fileName.slice(dot + 1).toLowerCase() : '';
    if (!extensions.includes(extension))
      fields.push({
        field: 'fileName',
        message: `A ${type} file must be named *.${extensions.join(' or *.')}.`,
      });
  }
  if (!Number.isInteger(u.size) || u.size < 1 || u.size > MAX_ATTACHMENT_BYTES)
    fields.push({ field: 'size', message: `A file must hold 1 to ${MAX_ATTACHMENT_BYTES} bytes.` });
  return fields;
}

/**
 * What the uploaded object must be to be recorded: exactly the declared size and type. A browser
 * cannot change either against the signed upload, but a holder of the URL could use another
 * client; the check before recording holds whatever they sent.
 */
export function refuseStored(
  declared: { contentType: string; size: number },
  stored: { contentType: string; size: number },
): FieldError[] {
  const fields: FieldError[] = [];
  if (stored.size !== declared.size)
    fields.push({ field: 'size', message: `${declared.size} bytes were declared, ${stored.size} uploaded.` });
  if (mediaType(stored.contentType) !== mediaType(declared.contentType))
    fields.push({
      field: 'contentType',
      message: `${mediaType(declared.contentType)} was declared, ${mediaType(stored.contentType)} uploaded.`,
    });
  return fields;
}
