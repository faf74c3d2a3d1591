import { fileURLToPath } from 'node:url';
import type { FunctionSpec, ScheduleSpec } from './definition';

/**
 * The outbox relay pieces a publishing service adds to its definition, so both interpreters
 * deploy it like any other function and schedule.
 */
export const outboxRelayFunction: FunctionSpec = {
  entry: fileURLToPath(new URL('./outbox-relay.ts', import.meta.url)),
  description: 'Publishes events left in the outbox when a request died between commit and publish.',
  timeoutSeconds: 60,
  access: { table: 'write', publish: true },
};

export const outboxRelaySchedule = (fn = 'relay'): ScheduleSpec => ({
  id: 'outbox-relay',
  description: 'Every minute, publish outbox events older than 30 s.',
  rate: 'rate(1 minute)',
  function: fn,
});
