import type * as z from 'zod/mini';
import type { Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import type { Page } from '../../../shared/kit/store';
import { assertCanSee } from '../access';
import type { RecordCommunicationBody } from '../schemas';
import { type Communication, keys, strip, table } from '../store';
import { customerExists, customerHistoryEntry, loadCustomer } from './customers';

/** The communication log of a customer (FitSM PR7.3): notices sent, calls and meetings recorded. */
export const toCommunication = (item: Record<string, unknown>) => strip<Communication>(item);

/** The item of one log entry; the id is a ULID, so the partition reads in time order. */
export const communicationItem = (c: Communication) => ({
  ...keys.communication(c.customerId, c.communicationId),
  type: 'communication',
  ...c,
});

export async function recordCommunication(
  ctx: OperationContext,
  customerId: string,
  input: z.infer<typeof RecordCommunicationBody>,
): Promise<Communication> {
  await loadCustomer(customerId);
  const entry: Communication = {
    communicationId: newId(),
    customerId,
    kind: input.kind,
    at: input.at ?? new Date().toISOString(),
    subject: input.subject,
    summary: input.summary,
    to: [],
    delivered: true,
    recordedBy: ctx.actor.id,
  };
  await table().commit(ctx, {
    writes: [customerExists(customerId), { kind: 'create', item: communicationItem(entry) }],
    history: [customerHistoryEntry(customerId, 'communication', entry.communicationId, `${input.kind} recorded`)],
  });
  return entry;
}

/** Newest first; customer users read their own organisation's log. */
export async function listCommunications(
  p: Principal,
  customerId: string,
  q: { limit: number; cursor?: string },
): Promise<Page<Communication>> {
  assertCanSee(p, customerId);
  await loadCustomer(customerId);
  return table().page(
    { pk: keys.customer(customerId).pk, skBeginsWith: 'COMM#', descending: true, ...q },
    toCommunication,
  );
}
