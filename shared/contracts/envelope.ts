import * as z from 'zod/mini';
import { instant, LIMITS, str } from './limits';

/** `detail.metadata` of every platform event (ARCHITECTURE §6). */
export const EventMetadata = z.object({
  eventId: str(LIMITS.ref, 1),
  version: z.number().check(z.int(), z.gte(1)),
  occurredAt: instant(),
  correlationId: str(LIMITS.ref),
  causationId: z.optional(str(LIMITS.ref)),
  actor: z.object({ id: str(LIMITS.actor), name: str(LIMITS.actor), kind: z.enum(['user', 'system']) }),
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
