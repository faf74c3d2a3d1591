import { type CiState, diffCi } from './ci';

/** Baselines (FitSM PR11.3 and FitSM-0 6.14: a documented configuration at a point in time). */
export interface BaselineMember extends CiState {
  ciId: string;
  number: string;
}

export interface BaselineDiff {
  changed: Array<{ ciId: string; number: string; changes: Record<string, { from?: unknown; to?: unknown }> }>;
  /** In the baseline, gone from the CMDB now. */
  removed: Array<{ ciId: string; number: string }>;
  /** In scope now (same type scope), absent from the baseline. */
  added: Array<{ ciId: string; number: string }>;
  unchanged: number;
}

export function diffBaseline(
  members: BaselineMember[],
  current: Map<string, BaselineMember>,
  inScopeNow: BaselineMember[],
): BaselineDiff {
  const result: BaselineDiff = { changed: [], removed: [], added: [], unchanged: 0 };
  const inBaseline = new Set(members.map((m) => m.ciId));
  for (const m of members) {
    const now = current.get(m.ciId);
    if (!now) {
      result.removed.push({ ciId: m.ciId, number: m.number });
      continue;
    }
    const changes = diffCi(m, now);
    if (Object.keys(changes).length) result.changed.push({ ciId: m.ciId, number: m.number, changes });
    else result.unchanged++;
  }
  for (const c of inScopeNow) if (!inBaseline.has(c.ciId)) result.added.push({ ciId: c.ciId, number: c.number });
  return result;
}
