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
  /** Set when running as an event consumer: the event id, made idempotent by an inbox marker. */
  inboxEventId?: string;
}

export const newId = () => ulid();

export const systemContext = (name: string, correlationId = newId(), causationId?: string): OperationContext => ({
  actor: { id: `system:${name}`, name, kind: 'system' },
  correlationId,
  ...(causationId ? { causationId } : {}),
});
