import { ulid } from 'ulid';

/** Who did something and in which causal chain; carried into audit entries and event metadata. */
export interface Actor {
  id: string;
  name: string;
  /** `user` for people and API clients, `system` for consumers, flows and schedules. */
  kind: 'user' | 'system';
}

export interface OperationContext {
  actor: Actor;
  correlationId: string;
  /** The event or request that caused this operation. */
  causationId?: string;
  /**
   * Set for an `inbox` event consumer (see `eventConsumer`): the event it handles, and whether a
   * unit of work recorded it in the inbox yet (`handled(ctx)`, store/inbox.ts).
   */
  inbox?: { eventId: string; recorded: boolean };
}

export const newId = () => ulid();

export const systemContext = (name: string, correlationId = newId(), causationId?: string): OperationContext => ({
  actor: { id: `system:${name}`, name, kind: 'system' },
  correlationId,
  ...(causationId ? { causationId } : {}),
});
