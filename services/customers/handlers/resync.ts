import { customersResync } from '../../../shared/contracts/customers/v1';
import { resyncConsumer } from '../../../shared/kit/resync';
import { readComplaints, readCustomers } from '../use-cases/resync';

/** Answers ResyncRequested with every customer, then every complaint (ADR 28). */
export const handler = resyncConsumer('customers', customersResync, {
  customer: { read: readCustomers },
  complaint: { read: readComplaints },
});
