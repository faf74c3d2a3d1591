import type { CustomerUpdated } from '../../../shared/contracts/customers/v1';
import type { EventData } from '../../../shared/contracts/envelope';
import type { OperationContext } from '../../../shared/kit/context';
import { keepCopy } from '../../../shared/kit/copies';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { keys, table } from '../store';

type CustomerSnapshot = EventData<typeof CustomerUpdated>;

/**
 * Keep the desk's copy of a customer organisation: which portfolio services it uses, so a
 * customer user can record tickets only against its own services (ADR 0015). The copy only moves
 * forward on the customer's version, so duplicates and reordering converge.
 */
export async function applyCustomerEvent(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const c = event.data as CustomerSnapshot;
  await keepCopy(
    table(),
    ctx,
    keys.customer(c.customerId),
    c.version,
    { type: 'customer-copy', customerId: c.customerId, serviceIds: c.serviceIds, status: c.status },
    'customerVersion',
  );
}

/** The services an organisation uses, as far as the desk has heard; none when it has not heard of it. */
export async function servicesOf(customerId: string): Promise<readonly string[]> {
  const item = await table().get(keys.customer(customerId));
  return Array.isArray(item?.serviceIds) ? (item.serviceIds as string[]) : [];
}
