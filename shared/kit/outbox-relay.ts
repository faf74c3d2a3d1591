import { outboxRelayHandler } from './handlers';

/** Entry of the outbox relay function (one per publishing service, run every minute). */
export const handler = outboxRelayHandler();
