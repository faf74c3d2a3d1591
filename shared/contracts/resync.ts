import * as z from 'zod/mini';
import { defineEvent } from './envelope';
import { byteBoundedList, LIMITS, str } from './limits';

/**
 * The owners' side of a read-model rebuild (`ResyncRequested`, reporting v1): each owning service
 * publishes its records as `RecordsResynced` pages of its own source, and hands a long resync on
 * to its next invocation with a private `ResyncContinued`. Each service declares both in its own
 * v1 contract with this helper, naming its record types and their snapshot schemas.
 */

/**
 * Bytes of JSON a page's `records` may hold. EventBridge takes entries up to 256 KB (Source,
 * DetailType and Detail in UTF-8: EventBridge User Guide, "Calculating PutEvents event entry
 * size"); the rest of the entry (metadata, request id, names) stays far below the 56 KB left, which
 * `test/limits.test.ts` proves from the schemas.
 */
export const RESYNC_PAGE_MAX_BYTES = 200 * 1024;

const RequestId = str(LIMITS.ref);
const Page = z.number().check(z.int(), z.gte(1));

/** One record type's page, its records exactly as that record's live snapshot. */
const pageOf = <T extends string>(recordType: T, record: z.core.$ZodType) =>
  z.object({
    requestId: RequestId,
    recordType: z.literal(recordType),
    /** 1-based, per record type and request. */
    page: Page,
    /** True on the record type's final page (also when it has no records; the final page may be empty). */
    last: z.boolean(),
    records: byteBoundedList(record, RESYNC_PAGE_MAX_BYTES),
  });

/**
 * The `RecordsResynced` and `ResyncContinued` contracts of one owning service.
 *
 * @example
 * export const { RecordsResynced, ResyncContinued } = resyncContracts('itsm.portfolio', { service: ServiceSnapshot });
 */
export function resyncContracts<T extends Record<string, z.core.$ZodType>>(source: string, recordTypes: T) {
  const types = Object.keys(recordTypes) as (keyof T & string)[];
  const pages = types.map((t) => pageOf(t, recordTypes[t] as z.core.$ZodType));
  const RecordsResynced = defineEvent({
    source,
    detailType: 'RecordsResynced',
    version: 1,
    description: `Answer to ResyncRequested: one page of records of one type (${types.join(', ')}), each exactly as its live snapshot; the type's final page is marked last.`,
    data: pages.length === 1 ? pages[0]! : z.union(pages),
  });
  const ResyncContinued = defineEvent({
    source,
    detailType: 'ResyncContinued',
    version: 1,
    description:
      'Private: a resync ran out of its invocation time and hands its cursor to the next invocation of the same function.',
    data: z.object({
      requestId: RequestId,
      recordType: z.enum(types as [string, ...string[]]),
      /** The next page's number. */
      page: Page,
      /** Where reading resumes (the record type's own cursor); absent: from the start. */
      cursor: z.optional(str(4096)),
    }),
  });
  return { RecordsResynced, ResyncContinued, recordTypes: types };
}
