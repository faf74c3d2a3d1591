import { ValidationError } from '../../../shared/kit/errors';
import { type Ci, keys, table, toCi } from '../store';

/** Largest set of CIs a baseline or a campaign may cover (keeps each one bounded). */
export const MAX_SCOPE = 1000;

/** The CIs of these ids in the order given (duplicates once), and the ids the CMDB does not know. */
export async function findCis(ciIds: string[]): Promise<{ found: Ci[]; missing: string[] }> {
  const ids = [...new Set(ciIds)];
  const found = (await table().batchGet(ids.map(keys.ci))).map(toCi);
  const known = new Set(found.map((c) => c.ciId));
  const order = new Map(ids.map((id, i) => [id, i]));
  found.sort((a, b) => (order.get(a.ciId) ?? 0) - (order.get(b.ciId) ?? 0));
  return { found, missing: ids.filter((id) => !known.has(id)) };
}

/** Resolve a scope given as explicit CIs or as a CI type; every CI must exist. */
export async function resolveScope(scope: {
  ciIds?: string[] | undefined;
  typeId?: string | undefined;
}): Promise<Ci[]> {
  if (!!scope.ciIds === !!scope.typeId) {
    throw new ValidationError('Give either ciIds or typeId as the scope.', [
      { field: 'body.ciIds', message: 'give either ciIds or typeId' },
    ]);
  }
  if (scope.ciIds) {
    const { found, missing } = await findCis(scope.ciIds);
    if (missing.length) {
      throw new ValidationError(
        'Some CIs in scope do not exist.',
        missing.slice(0, 20).map((id) => ({ field: 'body.ciIds', message: `CI ${id} does not exist` })),
      );
    }
    return found;
  }
  const cis: Ci[] = [];
  let cursor: string | undefined;
  do {
    const page = await table().page(
      { index: 'gsi2', pk: `TYPE#${scope.typeId}`, limit: 500, ...(cursor ? { cursor } : {}) },
      toCi,
    );
    cis.push(...page.items);
    cursor = page.nextCursor;
    if (cis.length > MAX_SCOPE) {
      throw new ValidationError(
        `More than ${MAX_SCOPE} CIs are of type ${scope.typeId}; give explicit ciIds in slices.`,
        [{ field: 'body.typeId', message: `selects more than ${MAX_SCOPE} CIs` }],
        'scope-too-large',
      );
    }
  } while (cursor);
  if (cis.length === 0)
    throw new ValidationError(
      'The scope is empty.',
      [{ field: 'body.typeId', message: 'selects no CI' }],
      'scope-empty',
    );
  return cis;
}
