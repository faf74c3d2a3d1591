import type { EventData } from '../../../shared/contracts/envelope';
import type { ServiceUpdated } from '../../../shared/contracts/portfolio/v1';
import type { OperationContext } from '../../../shared/kit/context';
import { keepCopy } from '../../../shared/kit/copies';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { keys, table } from '../store';

type ServiceSnapshot = EventData<typeof ServiceUpdated>;

/**
 * Keep the copy of a portfolio service. Events may arrive twice or out of order: the copy only
 * moves forward (a conditional write on the service's own version), so the end state is the
 * same whatever the order.
 */
export async function applyServiceEvent(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const s = event.data as ServiceSnapshot;
  await keepCopy(
    table(),
    ctx,
    keys.service(s.serviceId),
    s.version,
    { type: 'service-copy', serviceId: s.serviceId, name: s.name, status: s.status, updatedFrom: event.detailType },
    'serviceVersion',
  );
}
