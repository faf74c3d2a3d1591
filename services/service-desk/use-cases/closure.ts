import { TicketClosed } from '../../../shared/contracts/service-desk/v1';
import type { OperationContext } from '../../../shared/kit/context';
import { DomainError } from '../../../shared/kit/errors';
import { logger } from '../../../shared/kit/logger';
import { QUEUE, table } from '../store';
import { commitChange, loadTicket } from './ticket-work';
import { closeState } from './tickets';

/** At most this many tickets per run; the rest wait an hour (the index keeps them in order). */
const MAX_PER_RUN = 1000;

/**
 * Auto-close (FitSM PR9.5): resolved tickets the caller neither confirmed nor reopened close
 * when their confirmation period ends. Reads only the due part of the auto-close index; the
 * index projects only keys, so each due ticket is read itself (strongly consistent GetItem).
 */
export async function autoClose(ctx: OperationContext): Promise<{ closed: number; skipped: number }> {
  const now = new Date().toISOString();
  let closed = 0;
  let skipped = 0;
  let cursor: string | undefined;
  do {
    const page = await table().page({
      index: 'gsi5',
      pk: QUEUE.autoClose,
      skBetween: ['0', `${now}#~`],
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    for (const item of page.items) {
      const ticketId = String(item.pk).slice('TICKET#'.length);
      try {
        const before = await loadTicket(ticketId, true);
        // Reopened and resolved again since the index was read: not due yet.
        if (before.status === 'resolved' && !(before.autoCloseAt && before.autoCloseAt <= now)) {
          skipped++;
          continue;
        }
        const after = closeState(before, 'auto', new Date().toISOString());
        await commitChange(ctx, before, after, {
          event: TicketClosed,
          action: 'closed automatically (not confirmed in time)',
        });
        closed++;
      } catch (err) {
        // Changed since the index was read (reopened, closed by the caller): the next run sees the truth.
        if (!(err instanceof DomainError)) throw err;
        logger.info('auto-close skipped a ticket', { ticketId, code: err.code });
        skipped++;
      }
    }
    cursor = page.nextCursor;
  } while (cursor && closed + skipped < MAX_PER_RUN);
  return { closed, skipped };
}
