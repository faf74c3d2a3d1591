import type * as z from 'zod/mini';
import type { CiSnapshot, Relationship } from '../../../shared/contracts/configuration/v1';
import type { DependencyDirection } from '../domain/ci-types';
import { keys, table, toCi } from '../store';
import { getRelationshipType } from './ci-types';
import { snapshot } from './cis';

type Page<T> = { records: T[]; nextCursor?: string };

/** One page of CIs from `gsi1` (`CI`: every CI by id), never a scan. */
async function cisFrom(cursor: string | undefined, limit: number) {
  return table().page({ index: 'gsi1', pk: 'CI', limit, ...(cursor ? { cursor } : {}) }, toCi);
}

/** Every CI, as its live snapshot (ADR 28). */
export async function readCis(cursor: string | undefined, limit: number): Promise<Page<CiSnapshot>> {
  const page = await cisFrom(cursor, limit);
  return { records: page.items.map(snapshot), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

/** Every relationship once: the outgoing edges of each CI (one query per CI on its own partition). */
export async function readRelationships(
  cursor: string | undefined,
  limit: number,
): Promise<Page<z.infer<typeof Relationship>>> {
  const page = await cisFrom(cursor, limit);
  const records: z.infer<typeof Relationship>[] = [];
  // A type's dependency never changes once defined: read each type once per page.
  const dependencies = new Map<string, Promise<DependencyDirection>>();
  const dependencyOf = (typeId: string) => {
    let known = dependencies.get(typeId);
    if (!known) {
      known = getRelationshipType(typeId).then((t) => t.dependency);
      dependencies.set(typeId, known);
    }
    return known;
  };
  for (const ci of page.items) {
    const edges = await table().all({ pk: keys.ci(ci.ciId).pk, skBeginsWith: 'REL#OUT#' });
    for (const e of edges) {
      records.push({
        sourceCiId: String(e.sourceCiId),
        targetCiId: String(e.targetCiId),
        type: String(e.relType),
        dependency: await dependencyOf(String(e.relType)),
      });
    }
  }
  return { records, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}
