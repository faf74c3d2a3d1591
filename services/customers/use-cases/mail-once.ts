import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError } from '../../../shared/kit/errors';
import { handled, type Key, type UnitOfWork } from '../../../shared/kit/store';
import { table } from '../store';

/** How long a delivery's claim on a mail holds before another delivery may take the mail over. */
export const CLAIM_TIMEOUT_MS = 60_000;

/** Thrown to a concurrent duplicate delivery: EventBridge retries it, and by then the mail is sent. */
export class MailInProgressError extends Error {
  constructor(what: string) {
    super(`${what} is being sent by another delivery of this event; retry later`);
    this.name = 'MailInProgressError';
  }
}

/**
 * Send a mail from an event consumer exactly once in normal operation, at least once always.
 * EventBridge may deliver an event twice at the same moment, when the inbox check cannot stop
 * the second delivery yet, so the mail is claimed first:
 *
 * 1. claim `key` (`sending`, with the time); a claim already `sent` means done (record the inbox
 *    marker only, `recordHandled`); a fresh claim of another delivery makes this one fail and be retried;
 * 2. send the mail;
 * 3. commit the work, the claim marked `sent` and the inbox marker (`handled`) in one transaction.
 *
 * A delivery that dies between 1 and 3 leaves a claim that goes stale after CLAIM_TIMEOUT_MS;
 * the retry then takes it over and sends again (a second mail beats no mail).
 *
 * `prepare` adds writes to the claim's own transaction: what the mail points at (a survey and its
 * link) must exist before the mail can be read. It gets the stale claim on a takeover, so it can
 * replace what the dead delivery prepared (a new link: the old one's token was never stored).
 */
export async function mailOnce(
  ctx: OperationContext,
  key: Key,
  what: string,
  send: () => Promise<void>,
  work: () => UnitOfWork & { claimSet?: Record<string, unknown> },
  prepare?: (stale: Record<string, unknown> | undefined) => UnitOfWork & { claimSet?: Record<string, unknown> },
): Promise<'sent' | 'already-sent'> {
  const existing = await table().get(key, true);
  let version: number;
  if (existing?.state === 'sent') {
    await table().recordHandled(ctx);
    return 'already-sent';
  }
  const now = Date.now();
  if (existing) {
    if (now - Date.parse(String(existing.claimedAt)) < CLAIM_TIMEOUT_MS) throw new MailInProgressError(what);
    // A stale claim: its delivery died; take it over.
    const { claimSet, ...prepared } = prepare?.(existing) ?? { writes: [] };
    await claim(
      () =>
        table().commit(ctx, {
          ...prepared,
          writes: [
            ...prepared.writes,
            {
              kind: 'update',
              key,
              set: { ...claimSet, claimedAt: new Date(now).toISOString() },
              expectVersion: Number(existing.version),
            },
          ],
        }),
      what,
    );
    version = Number(existing.version) + 1;
  } else {
    const { claimSet, ...prepared } = prepare?.(undefined) ?? { writes: [] };
    await claim(
      () =>
        table().commit(ctx, {
          ...prepared,
          writes: [
            ...prepared.writes,
            {
              kind: 'create',
              item: {
                ...key,
                ...claimSet,
                type: 'mail-claim',
                state: 'sending',
                claimedAt: new Date(now).toISOString(),
              },
            },
          ],
        }),
      what,
    );
    version = 1;
  }
  await send();
  const { claimSet, ...unit } = work();
  await table().commit(ctx, {
    ...unit,
    writes: [...unit.writes, { kind: 'update', key, set: { ...claimSet, state: 'sent' }, expectVersion: version }],
    handles: handled(ctx),
  });
  return 'sent';
}

async function claim(write: () => Promise<void>, what: string): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (err instanceof ConflictError) throw new MailInProgressError(what);
    throw err;
  }
}
