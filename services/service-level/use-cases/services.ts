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
 * Keep a copy of each portfolio service's status: the default SLA applies only to live services
 * (FitSM PR2.2). The copy only moves forward (conditional on the portfolio's version), so
 * duplicates and reordering end in the same state.
 */
export async function applyServiceEvent(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const s = event.data as ServiceSnapshot;
  const current = await table().get(keys.serviceCopy(s.serviceId), true);
  if (current && Number(current.serviceVersion) >= s.version) {
    await table().commit(ctx, { writes: [] });
    return;
  }
  try {
    await table().commit(ctx, {
      writes: [
        {
          kind: 'update',
          key: keys.serviceCopy(s.serviceId),
          set: {
            type: 'service-copy',
            serviceId: s.serviceId,
            name: s.name,
            status: s.status,
            serviceVersion: s.version,
          },
          ifBelow: { attribute: 'serviceVersion', value: s.version },
        },
      ],
    });
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    await table().commit(ctx, { writes: [] });
  }
}
