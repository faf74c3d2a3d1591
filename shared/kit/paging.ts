import * as z from 'zod/mini';
import { parse } from './validation';

/** The query every list route takes: `limit` (1-100, default 25) and an opaque `cursor`. */
export const ListQuery = z.object({
  limit: z.optional(z.string().check(z.maxLength(3), z.regex(/^\d{1,3}$/, 'must be a number from 1 to 100'))),
  cursor: z.optional(z.string().check(z.maxLength(4096))),
});

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** Read `limit` and `cursor` from a query string; an over-large limit is capped, not refused. */
export function pageRequest(query: Record<string, string>): PageRequest {
  const q = parse(ListQuery, query, 'query');
  return { limit: Math.min(Math.max(Number(q.limit ?? 25), 1), 100), ...(q.cursor ? { cursor: q.cursor } : {}) };
}
