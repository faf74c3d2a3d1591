import { eventRelayHandler } from './handlers';

/** Entry of the event relay function (one per publishing service, invoked by its table's stream). */
export const handler = eventRelayHandler();
