import * as z from 'zod/mini';

/** Page sizes a list route accepts; one rule for every list. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 25;

/**
 * The query every list route takes: `limit` (a whole number from 1 to 100, default 25; anything else
 * is refused with 400, never capped) and an opaque `cursor` from the previous page.
 */
export const ListQuery = z.strictObject({
  // The length bound goes first and stops there, so `limit=1000` gets one message, not two.
  limit: z.optional(
    z
      .string()
      .check(
        z.maxLength(3, { error: 'must be a whole number from 1 to 100', abort: true }),
        z.regex(/^(?:[1-9]\d?|100)$/, 'must be a whole number from 1 to 100'),
      ),
  ),
  cursor: z.optional(z.string().check(z.maxLength(4096))),
});

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** Turn a validated list query (the API kit checked it against ListQuery) into a page request. */
export function pageRequest(query: { limit?: string | undefined; cursor?: string | undefined }): PageRequest {
  return {
    limit: query.limit ? Number(query.limit) : DEFAULT_PAGE_SIZE,
    ...(query.cursor ? { cursor: query.cursor } : {}),
  };
}

/**
 * A page of `item` as every list route answers it (`{ items, nextCursor }`): the response schema
 * of a list route, so a generated client knows what the items are.
 */
export const pageOf = <T extends z.core.$ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    /** Pass as `cursor` for the next page; absent on the last page. */
    nextCursor: z.optional(z.string()),
  });

/** One entry of a record's history, as the kit's store writes it (who, when, what changed, why). */
export const HistoryEntry = z.object({
  at: z.string(),
  actor: z.object({ id: z.string(), name: z.string(), kind: z.enum(['user', 'system']) }),
  action: z.string(),
  /** Field by field: the value before and after (either is absent when the field was added or removed). */
  changes: z.optional(z.record(z.string(), z.object({ from: z.optional(z.unknown()), to: z.optional(z.unknown()) }))),
  reason: z.optional(z.string()),
  /** The change (RFC) the record was changed under, when the caller named one (FitSM PR11.4). */
  changeId: z.optional(z.string()),
  correlationId: z.string(),
});
export const HistoryPage = pageOf(HistoryEntry);

z.globalRegistry.add(HistoryEntry, { id: 'HistoryEntry' });
z.globalRegistry.add(HistoryPage, { id: 'HistoryPage' });
