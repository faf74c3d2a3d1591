import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError } from '../../../shared/kit/errors';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { keys, table } from '../store';

interface ServiceSnapshot {
  serviceId: string;
  name: string;
  status: string;
  version: number;
}

/**
 * Keep the copy of a portfolio service. Events may arrive twice or out of order: the copy only
 * moves forward (a conditional write on the service's own version), so the end state is the
 * same whatever the order.
 */
export async function applyServiceEvent(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const s = event.data as ServiceSnapshot;
  const current = await table().get(keys.service(s.serviceId), true);
  if (current && Number(current.serviceVersion) >= s.version) {
    // Stale or repeated news: only record that the event was handled.
    await table().commit(ctx, { writes: [] });
    return;
  }
  try {
    await table().commit(ctx, {
      writes: [
        {
          kind: 'update',
          key: keys.service(s.serviceId),
          set: {
            type: 'service-copy',
            serviceId: s.serviceId,
            name: s.name,
            status: s.status,
            serviceVersion: s.version,
            updatedFrom: event.detailType,
          },
          // A newer copy written concurrently wins; this one is then stale.
          ifBelow: { attribute: 'serviceVersion', value: s.version },
        },
      ],
    });
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    await table().commit(ctx, { writes: [] });
  }
}
