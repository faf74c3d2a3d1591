import * as z from 'zod/mini';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, DomainError, type FieldError } from '../../../shared/kit/errors';
import { issuesToFields } from '../../../shared/kit/validation';
import type { ChangeCopy } from '../domain/authorisation';
import type { CiState } from '../domain/ci';
import { type ImportBody, ImportRow } from '../schemas';
import { keys, table } from '../store';
import { authorise, type ChangeControl, findChange, getChangeControl } from './changes';
import { changeWork, checkAgainstType, loadCi, registrationWork, underChange } from './cis';

/**
 * Bulk import with reconciliation (FitSM PR11.2; the "identification and reconciliation" of
 * ServiceNow IRE / iTop synchro). Each row is identified by its external key (source +
 * sourceId) and is created, updated, left unchanged or rejected on its own: a bad row never
 * blocks good ones, and running the same import twice changes nothing.
 */
export type RowOutcome = 'created' | 'updated' | 'unchanged' | 'rejected';

export interface RowReport {
  index: number;
  sourceId?: string;
  outcome: RowOutcome;
  ciId?: string;
  number?: string;
  changedFields?: string[];
  errors?: FieldError[];
}

const CONCURRENCY = 8;

export async function importCis(ctx: OperationContext, input: z.infer<typeof ImportBody>) {
  const seen = new Map<string, number>();
  const reports: RowReport[] = new Array(input.rows.length);
  let next = 0;
  // Read once: every updated row is checked against the same setting (FitSM PR11.4).
  const control = {
    ref: input.changeId,
    known: {
      control: await getChangeControl(),
      change: input.changeId ? await findChange(input.changeId) : undefined,
    },
  };
  const worker = async () => {
    while (next < input.rows.length) {
      const index = next++;
      reports[index] = await importRow(ctx, input.source, input.rows[index], index, seen, control);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, input.rows.length) }, worker));
  const summary = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  for (const r of reports) summary[r.outcome]++;
  return { source: input.source, summary, rows: reports };
}

async function importRow(
  ctx: OperationContext,
  source: string,
  raw: unknown,
  index: number,
  seen: Map<string, number>,
  control: { ref: string | undefined; known: { control: ChangeControl; change: ChangeCopy | undefined } },
): Promise<RowReport> {
  const parsed = z.safeParse(ImportRow, raw);
  if (!parsed.success) {
    const sourceId =
      typeof (raw as { sourceId?: unknown })?.sourceId === 'string'
        ? (raw as { sourceId: string }).sourceId
        : undefined;
    return {
      index,
      ...(sourceId ? { sourceId } : {}),
      outcome: 'rejected',
      errors: issuesToFields(parsed.error.issues, `rows.${index}`),
    };
  }
  const row = parsed.data;
  const first = seen.get(row.sourceId);
  if (first !== undefined) {
    return {
      index,
      sourceId: row.sourceId,
      outcome: 'rejected',
      errors: [{ field: `rows.${index}.sourceId`, message: `repeats row ${first}` }],
    };
  }
  seen.set(row.sourceId, index);
  const state: CiState = {
    typeId: row.typeId,
    name: row.name,
    attributes: row.attributes,
    ...(row.owner ? { owner: row.owner } : {}),
    status: row.status,
    serviceIds: [...new Set(row.serviceIds)],
    customerIds: [...new Set(row.customerIds)],
  };
  const problems = await checkAgainstType(state, `rows.${index}.`);
  if (problems.length) return { index, sourceId: row.sourceId, outcome: 'rejected', errors: problems };
  try {
    const ref = await table().get(keys.external(source, row.sourceId), true);
    if (!ref) {
      const work = await registrationWork(ctx, state, { source, sourceId: row.sourceId });
      await table().commit(ctx, work);
      return { index, sourceId: row.sourceId, outcome: 'created', ciId: work.ci.ciId, number: work.ci.number };
    }
    const before = await loadCi(String(ref.ciId), true);
    if (before.typeId !== state.typeId) {
      return {
        index,
        sourceId: row.sourceId,
        outcome: 'rejected',
        ciId: before.ciId,
        number: before.number,
        errors: [{ field: `rows.${index}.typeId`, message: `the CI is a ${before.typeId}; a CI cannot change type` }],
      };
    }
    const change = changeWork(ctx, before, state, `import from ${source}`);
    if (!change)
      return { index, sourceId: row.sourceId, outcome: 'unchanged', ciId: before.ciId, number: before.number };
    const changedFields = Object.keys(change.work.history[0]?.changes ?? {});
    const authorisation = await authorise(
      ctx,
      before,
      control.ref,
      changedFields,
      change.updated.updatedAt,
      control.known,
    );
    await table().commit(ctx, underChange(change.work, authorisation));
    return {
      index,
      sourceId: row.sourceId,
      outcome: 'updated',
      ciId: before.ciId,
      number: before.number,
      changedFields,
    };
  } catch (err) {
    if (err instanceof ConflictError || (err instanceof DomainError && err.status < 500)) {
      return {
        index,
        sourceId: row.sourceId,
        outcome: 'rejected',
        errors: [{ field: `rows.${index}`, message: `${err.message} Run the import again.` }],
      };
    }
    throw err;
  }
}
