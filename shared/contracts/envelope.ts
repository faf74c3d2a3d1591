import * as z from 'zod/mini';

/** `detail.metadata` of every platform event (ARCHITECTURE §6). */
export const EventMetadata = z.object({
  eventId: z.string().check(z.minLength(1)),
  version: z.number().check(z.int(), z.gte(1)),
  occurredAt: z.iso.datetime(),
  correlationId: z.string(),
  causationId: z.optional(z.string()),
  actor: z.object({ id: z.string(), name: z.string(), kind: z.enum(['user', 'system']) }),
});
export type EventMetadata = z.infer<typeof EventMetadata>;

/** A versioned event contract: who publishes it, its name and major version, and the shape of `data`. */
export interface EventContract<D extends z.core.$ZodType = z.core.$ZodType> {
  source: string;
  detailType: string;
  /** Major version; additive changes keep it. */
  version: number;
  description: string;
  data: D;
}

export function defineEvent<D extends z.core.$ZodType>(c: EventContract<D>): EventContract<D> {
  return c;
}

export type EventData<C> = C extends EventContract<infer D> ? z.infer<D> : never;

/** The typed `detail` of an event. */
export interface EventDetail<D = unknown> {
  metadata: EventMetadata;
  data: D;
}
