import type { EventData } from '../../../shared/contracts/envelope';
import type { ServiceUpdated } from '../../../shared/contracts/portfolio/v1';
import type { OperationContext } from '../../../shared/kit/context';
import { keepCopy } from '../../../shared/kit/copies';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { keys, table } from '../store';

type ServiceSnapshot = EventData<typeof ServiceUpdated>;

/**
 * Keep a copy of each portfolio service's status: the default SLA applies only to live services
 * (FitSM PR2.2). The copy only moves forward (conditional on the portfolio's version), so
 * duplicates and reordering end in the same state.
 */
export async function applyServiceEvent(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const s = event.data as ServiceSnapshot;
  await keepCopy(
    table(),
    ctx,
    keys.serviceCopy(s.serviceId),
    s.version,
    { type: 'service-copy', serviceId: s.serviceId, name: s.name, status: s.status },
    'serviceVersion',
  );
}
