import type { Kysely } from 'kysely';
import type { Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { requireEnv } from '../../../shared/kit/env';
import { NotFoundError } from '../../../shared/kit/errors';
import { logger } from '../../../shared/kit/logger';
import { presignedGet, putObject } from '../../../shared/kit/objects';
import type { PageRequest } from '../../../shared/kit/paging';
import type { Page } from '../../../shared/kit/store';
import type { ReadModel } from '../db/schema';
import { csvRow } from '../domain/csv';
import type { CreateExportBody, RecordFilters, RecordSearchKind, TicketFilters } from '../schemas';
import { idx, keys, table } from '../store';
import { recordChunk } from './records';
import { ticketChunk } from './tickets';

/**
 * Exports (FitSM PR3): a search written to a file in the service's bucket by a job, because API
 * Gateway and Lambda cannot stream 100,000 rows in one response. `POST /v1/exports` records the
 * job (202); the table's stream starts the `exporter` function on the new item; the job reads the
 * read model by keyset in chunks that stay under the Data API's 1 MiB answer (halving a chunk
 * that does not), writes CSV or JSON, and the requester alone gets a presigned link valid for 5
 * minutes. The job runs with the requester's scope: a customer user's export holds only their
 * organisation's records, exactly as their search would.
 */
export const LINK_SECONDS = 300;
/** The most rows one export holds; beyond it the file ends and the job says `truncated`. */
export const MAX_EXPORT_ROWS = 200_000;
const FIRST_CHUNK = 1_000;
/** Export jobs and their files are kept this long. */
const KEEP_DAYS = 7;

export interface ExportJob {
  exportId: string;
  search: 'tickets' | RecordSearchKind;
  format: 'csv' | 'json';
  filters: Record<string, string>;
  requester: { id: string; name: string; roles: string[]; customerId?: string };
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  createdAt: string;
  finishedAt?: string;
  rows?: number;
  bytes?: number;
  truncated?: boolean;
  failure?: string;
  objectKey?: string;
  version: number;
}

export async function requestExport(ctx: OperationContext, p: Principal, body: CreateExportBody) {
  const exportId = newId();
  const createdAt = new Date().toISOString();
  const job = {
    exportId,
    search: body.search,
    format: body.format,
    filters: (body.filters ?? {}) as Record<string, string>,
    requester: { id: p.id, name: p.name, roles: [...p.roles], ...(p.customerId ? { customerId: p.customerId } : {}) },
    status: 'queued' as const,
  };
  await table().commit(ctx, {
    writes: [
      {
        kind: 'create',
        item: {
          ...keys.export(exportId),
          type: 'export',
          ...job,
          gsi1pk: idx.exportsOf(p.id),
          gsi1sk: createdAt,
          expiresAt: Math.floor(Date.now() / 1000) + KEEP_DAYS * 86_400,
        },
      },
    ],
    history: [{ pk: keys.export(exportId).pk, entityType: 'export', entityId: exportId, action: 'requested' }],
  });
  return view({ ...job, createdAt, version: 1 } as ExportJob);
}

const view = (j: ExportJob, download?: { url: string; expiresAt: string }) => ({
  exportId: j.exportId,
  search: j.search,
  format: j.format,
  status: j.status,
  createdAt: j.createdAt,
  ...(j.finishedAt ? { finishedAt: j.finishedAt } : {}),
  ...(j.rows !== undefined ? { rows: j.rows } : {}),
  ...(j.bytes !== undefined ? { bytes: j.bytes } : {}),
  ...(j.truncated ? { truncated: true } : {}),
  ...(j.failure ? { failure: j.failure } : {}),
  ...(download ? { download } : {}),
});

/** The requester's own export; anyone else gets 404, as for an export that does not exist. */
export async function getExport(p: Principal, exportId: string) {
  const job = (await table().get(keys.export(exportId), true)) as ExportJob | undefined;
  if (!job || job.requester.id !== p.id || (job.requester.customerId ?? '') !== (p.customerId ?? '')) {
    throw new NotFoundError(`Export ${exportId} was not found.`, 'export-not-found');
  }
  if (job.status !== 'succeeded' || !job.objectKey) return view(job);
  const fileName = `${job.search}-${job.createdAt.slice(0, 10)}.${job.format}`;
  const url = await presignedGet(requireEnv('BUCKET_NAME'), job.objectKey, {
    expiresInSeconds: LINK_SECONDS,
    fileName,
  });
  return view(job, { url, expiresAt: new Date(Date.now() + LINK_SECONDS * 1000).toISOString() });
}

export async function listExports(p: Principal, page: PageRequest): Promise<Page<ReturnType<typeof view>>> {
  const out = await table().page(
    {
      index: 'gsi1',
      pk: idx.exportsOf(p.id),
      limit: page.limit,
      descending: true,
      ...(page.cursor ? { cursor: page.cursor } : {}),
    },
    (i) => i as unknown as ExportJob,
  );
  return {
    items: out.items.filter((j) => (j.requester.customerId ?? '') === (p.customerId ?? '')).map((j) => view(j)),
    ...(out.nextCursor ? { nextCursor: out.nextCursor } : {}),
  };
}

const TICKET_COLUMNS = [
  'number',
  'type',
  'title',
  'status',
  'priority',
  'category',
  'callerId',
  'customerId',
  'serviceId',
  'assignmentGroup',
  'assigneeId',
  'major',
  'ciIds',
  'createdAt',
  'updatedAt',
  'resolvedAt',
  'closedAt',
  'slaState',
  'slaDeadline',
] as const;
const CUSTOMER_HIDDEN = new Set(['assignmentGroup', 'assigneeId', 'slaState', 'slaDeadline']);
const RECORD_COLUMNS = ['id', 'number', 'name', 'status', 'updatedAt'] as const;

/** The Data API refuses answers over 1 MiB; the chunk is halved and read again. */
const tooLarge = (err: unknown) =>
  /response size limit|more than the allowed response size/i.test(String((err as Error)?.message));

/** Runs one export job to its end: succeeded with a file, or failed with the reason (never left running). */
export async function runExport(db: Kysely<ReadModel>, ctx: OperationContext, exportId: string): Promise<void> {
  const job = (await table().get(keys.export(exportId), true)) as ExportJob | undefined;
  if (!job || job.status === 'succeeded' || job.status === 'failed') return;
  // A retried delivery finds it running: the file is written again from the start.
  await table().commit(ctx, {
    writes: [{ kind: 'update', key: keys.export(exportId), set: { status: 'running' }, expectVersion: job.version }],
  });
  const principal: Principal = {
    id: job.requester.id,
    name: job.requester.name,
    roles: job.requester.roles as Principal['roles'],
    ...(job.requester.customerId ? { customerId: job.requester.customerId } : {}),
  };
  const started = Date.now();
  try {
    const customer = principal.roles.includes('customer-user') || principal.customerId !== undefined;
    const columns =
      job.search === 'tickets'
        ? TICKET_COLUMNS.filter((c) => !customer || !CUSTOMER_HIDDEN.has(c))
        : [...RECORD_COLUMNS];
    const parts: string[] = [];
    if (job.format === 'csv') parts.push(csvRow([...columns]));
    else parts.push('[');
    let rows = 0;
    let start: string[] | undefined;
    let size = FIRST_CHUNK;
    let more = true;
    while (more && rows < MAX_EXPORT_ROWS) {
      const limit = Math.min(size, MAX_EXPORT_ROWS - rows);
      let chunk: { items: Record<string, unknown>[]; more: boolean; last?: string[] };
      try {
        if (job.search === 'tickets') {
          const c = await ticketChunk(db, principal, job.filters as TicketFilters, start, limit);
          chunk = {
            items: c.lines.map((l) => ({ ...l, slaState: l.sla?.state, slaDeadline: l.sla?.deadline })),
            more: c.more,
            ...(c.last ? { last: c.last } : {}),
          };
        } else {
          const c = await recordChunk(db, principal, job.search, job.filters as RecordFilters, start, limit);
          chunk = { items: c.items.map((i) => ({ ...i })), more: c.more, ...(c.last ? { last: c.last } : {}) };
        }
      } catch (err) {
        if (tooLarge(err) && size > 1) {
          size = Math.max(1, Math.floor(size / 2));
          continue;
        }
        throw err;
      }
      for (const item of chunk.items) {
        if (job.format === 'csv') parts.push(csvRow(columns.map((c) => item[c])));
        else parts.push(`${rows === 0 ? '' : ','}\n${JSON.stringify(job.search === 'tickets' ? item : item.record)}`);
        rows++;
      }
      more = chunk.more;
      start = chunk.last;
    }
    if (job.format === 'json') parts.push('\n]\n');
    const body = parts.join('');
    const objectKey = `exports/${job.exportId}.${job.format}`;
    await putObject(requireEnv('BUCKET_NAME'), objectKey, body, {
      contentType: job.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
    });
    await finish(ctx, exportId, {
      status: 'succeeded',
      rows,
      bytes: Buffer.byteLength(body),
      truncated: more,
      objectKey,
    });
    logger.info('export written', { exportId, rows, ms: Date.now() - started });
  } catch (err) {
    logger.error('export failed', { exportId, error: (err as Error).message });
    await finish(ctx, exportId, { status: 'failed', failure: 'The export could not be produced; request it again.' });
  }
}

async function finish(ctx: OperationContext, exportId: string, set: Record<string, unknown>): Promise<void> {
  await table().commit(ctx, {
    writes: [{ kind: 'update', key: keys.export(exportId), set: { ...set, finishedAt: new Date().toISOString() } }],
    history: [{ pk: keys.export(exportId).pk, entityType: 'export', entityId: exportId, action: String(set.status) }],
  });
}
