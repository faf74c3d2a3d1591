import type * as z from 'zod/mini';
import type { Principal } from '../../../shared/kit/auth';
import type { PageRequest } from '../../../shared/kit/paging';
import type { Item, Page } from '../../../shared/kit/store';
import { customerScope } from '../access';
import type { ListNoticesQuery } from '../schemas';
import { table } from '../store';

/** SLA violation notices (FitSM PR2.3), issued when a customer SLA's clock breaches; newest first. */
export interface ViolationNotice {
  noticeId: string;
  agreementId: string;
  customerId: string;
  serviceId?: string;
  ticketId: string;
  number: string;
  clock: string;
  breachedAt: string;
  issuedAt: string;
  summary: string;
}

const toNotice = (i: Item): ViolationNotice => ({
  noticeId: String(i.noticeId),
  agreementId: String(i.agreementId),
  customerId: String(i.customerId),
  ...(i.serviceId ? { serviceId: String(i.serviceId) } : {}),
  ticketId: String(i.ticketId),
  number: String(i.number),
  clock: String(i.clock),
  breachedAt: String(i.breachedAt),
  issuedAt: String(i.issuedAt),
  summary: String(i.summary),
});

/** One customer's notices (gsi2) or, for staff without a filter, all (gsi1). Customer users get their own only. */
export async function listNotices(
  p: Principal,
  q: z.infer<typeof ListNoticesQuery>,
  paging: PageRequest,
): Promise<Page<ViolationNotice>> {
  const scope = customerScope(p, q.customerId);
  const cursor = paging.cursor ? { cursor: paging.cursor } : {};
  return scope !== undefined
    ? table().page(
        { index: 'gsi2', pk: `CUSTNOTICES#${scope}`, limit: paging.limit, descending: true, ...cursor },
        toNotice,
      )
    : table().page({ index: 'gsi1', pk: 'NOTICES', limit: paging.limit, descending: true, ...cursor }, toNotice);
}
