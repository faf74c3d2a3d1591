import { type Kysely, sql } from 'kysely';
import { ResyncRequested } from '../../../shared/contracts/reporting/v1';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import { logger } from '../../../shared/kit/logger';
import type { ReadModel } from '../db/schema';
import { idx, keys, table } from '../store';

/**
 * Rebuilding the read model without the bus archive (ADR 25). A rebuild publishes
 * `ResyncRequested`; each owner answers with `RecordsResynced` pages of everything it holds. The
 * projection applies each page marked with the rebuild's id and notes the page here; when every
 * record type of every owner asked has all its pages (the last page says how many there are,
 * whatever order they arrive in), rows the owners no longer hold are swept: those neither in a
 * page nor written since the rebuild began. So a rebuild repairs missed events and removes what
 * should not be there, while search keeps answering throughout.
 */
export const RESYNC_TYPES: Record<string, string[]> = {
  'service-desk': ['ticket', 'ticket-comment'],
  'service-level': ['agreement', 'ticket-clocks'],
  configuration: ['ci'],
  portfolio: ['service'],
  customers: ['customer', 'complaint'],
};

export interface Rebuild {
  rebuildId: string;
  status: 'requested' | 'completed';
  services: string[];
  startedAt: string;
  completedAt?: string;
  swept?: number;
  version: number;
  [progress: string]: unknown;
}

/** DynamoDB attribute names for one record type's progress (`pages#service-desk#ticket`). */
const pagesAttr = (service: string, type: string) => `pages#${service}#${type}`;
const lastAttr = (service: string, type: string) => `last#${service}#${type}`;

export async function requestRebuild(ctx: OperationContext, services?: string[]) {
  const asked = services ?? Object.keys(RESYNC_TYPES);
  const unknown = asked.filter((s) => !RESYNC_TYPES[s]);
  if (unknown.length > 0) {
    throw new ValidationError(
      'Unknown owning services.',
      unknown.map((s) => ({ field: 'services', message: `${s} is not an owner of read-model records` })),
    );
  }
  const rebuildId = newId();
  const startedAt = new Date().toISOString();
  await table().commit(ctx, {
    writes: [
      {
        kind: 'create',
        item: {
          ...keys.rebuild(rebuildId),
          type: 'rebuild',
          rebuildId,
          status: 'requested',
          services: asked,
          startedAt,
          gsi1pk: idx.rebuilds,
          gsi1sk: startedAt,
        },
      },
    ],
    history: [{ pk: keys.rebuild(rebuildId).pk, entityType: 'rebuild', entityId: rebuildId, action: 'requested' }],
    events: [buildEvent(ResyncRequested, { requestId: rebuildId, ...(services ? { services } : {}) }, ctx)],
  });
  return rebuildView({ rebuildId, status: 'requested', services: asked, startedAt, version: 1 });
}

export function rebuildView(r: Rebuild) {
  const progress = r.services.flatMap((service) =>
    (RESYNC_TYPES[service] ?? []).map((recordType) => {
      const pages = r[pagesAttr(service, recordType)];
      const last = r[lastAttr(service, recordType)];
      return {
        service,
        recordType,
        pagesReceived: pages instanceof Set ? pages.size : Array.isArray(pages) ? pages.length : 0,
        ...(typeof last === 'number' ? { pages: last } : {}),
      };
    }),
  );
  return {
    rebuildId: r.rebuildId,
    status: r.status,
    services: r.services,
    startedAt: r.startedAt,
    ...(r.completedAt ? { completedAt: r.completedAt } : {}),
    ...(r.swept !== undefined ? { swept: r.swept } : {}),
    progress,
  };
}

export async function getRebuild(rebuildId: string) {
  const r = (await table().get(keys.rebuild(rebuildId), true)) as Rebuild | undefined;
  if (!r) throw new NotFoundError(`Rebuild ${rebuildId} was not found.`, 'rebuild-not-found');
  return rebuildView(r);
}

/**
 * A resync page was applied: note it, and finish the rebuild when it was the last one missing.
 * Pages of a rebuild this table does not know (an old or foreign request) were applied all the
 * same (they are the owners' current records) and are not tracked.
 */
export async function notePage(
  db: Kysely<ReadModel>,
  ctx: OperationContext,
  source: string,
  page: { requestId: string; recordType: string; page: number; last: boolean },
): Promise<void> {
  const service = source.replace(/^itsm\./, '');
  const key = keys.rebuild(page.requestId);
  const before = (await table().get(key, true)) as Rebuild | undefined;
  if (!before || !before.services.includes(service)) return;
  await table().commit(ctx, {
    writes: [
      {
        kind: 'update',
        key,
        addToSet: { [pagesAttr(service, page.recordType)]: [String(page.page)] },
        ...(page.last ? { set: { [lastAttr(service, page.recordType)]: page.page } } : {}),
        mustExist: true,
      },
    ],
  });
  const now = (await table().get(key, true)) as Rebuild;
  if (now.status === 'completed') return;
  const done = now.services.every((s) =>
    (RESYNC_TYPES[s] ?? []).every((t) => {
      const last = now[lastAttr(s, t)];
      const pages = now[pagesAttr(s, t)];
      const count = pages instanceof Set ? pages.size : Array.isArray(pages) ? pages.length : 0;
      return typeof last === 'number' && count >= last;
    }),
  );
  if (!done) return;
  const swept = await sweep(db, now);
  try {
    await table().commit(ctx, {
      writes: [
        {
          kind: 'update',
          key,
          set: { status: 'completed', completedAt: new Date().toISOString(), swept },
          expectVersion: now.version,
        },
      ],
      history: [{ pk: key.pk, entityType: 'rebuild', entityId: now.rebuildId, action: 'completed' }],
    });
    logger.info('read model rebuilt', { rebuildId: now.rebuildId, swept });
  } catch (err) {
    // Two last pages finishing at once: the other one recorded it (the sweep is idempotent).
    if ((err as Error & { status?: number }).status !== 409) throw err;
  }
}

/** Removes rows of the rebuilt types that no page held and nothing wrote since the rebuild began. */
async function sweep(db: Kysely<ReadModel>, r: Rebuild): Promise<number> {
  const types = new Set(r.services.flatMap((s) => RESYNC_TYPES[s] ?? []));
  const since = new Date(r.startedAt);
  const stale = sql`(synced_by IS DISTINCT FROM ${r.rebuildId} AND applied_at < ${since})`;
  let swept = 0;
  const run = async (q: ReturnType<typeof sql>) => {
    const out = await q.execute(db);
    swept += Number(out.numAffectedRows ?? 0);
  };
  if (types.has('ticket')) await run(sql`DELETE FROM tickets WHERE ${stale}`);
  if (types.has('ticket-comment')) await run(sql`DELETE FROM ticket_comments WHERE ${stale}`);
  if (types.has('ticket-clocks')) await run(sql`DELETE FROM ticket_sla WHERE ${stale}`);
  const kinds = ['ci', 'service', 'agreement', 'customer', 'complaint'].filter((k) => types.has(k));
  if (kinds.length > 0) await run(sql`DELETE FROM records WHERE kind IN (${sql.join(kinds)}) AND ${stale}`);
  return swept;
}
