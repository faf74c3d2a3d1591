import type { components } from './schema';

type S = components['schemas'];
/** A ticket's line in a work queue (`/v1/queues/...`). */
export type QueueItem = S['QueueLine'];
export type CustomerQueueItem = S['CustomerQueueLine'];
export type RequestModel = S['RequestModel'];
export type DeskSettings = S['DeskSettings'];
