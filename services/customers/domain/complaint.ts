/** Customer complaints: register → respond → close, with follow-up actions (FitSM PR7.5). Pure. */
export const COMPLAINT_STATUSES = ['registered', 'responded', 'closed'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

/** A follow-up action agreed while handling a complaint. */
export interface ComplaintAction {
  id: string;
  text: string;
  /** User id responsible for the action. */
  owner: string;
  due?: string;
  done: boolean;
  doneAt?: string;
}

export type CloseOutcome =
  | { ok: true }
  | { ok: false; reason: 'closed' | 'not-responded' | 'open-actions'; openActions?: string[] };

/** A complaint closes once responded to and once every follow-up action is done (PR7.5). */
export function canClose(c: { status: ComplaintStatus; actions: readonly ComplaintAction[] }): CloseOutcome {
  if (c.status === 'closed') return { ok: false, reason: 'closed' };
  if (c.status !== 'responded') return { ok: false, reason: 'not-responded' };
  const open = c.actions.filter((a) => !a.done).map((a) => a.id);
  if (open.length) return { ok: false, reason: 'open-actions', openActions: open };
  return { ok: true };
}

/**
 * The new action list from the edited one: an action keeps its `doneAt` while it stays done;
 * an action newly marked done gets `at`.
 */
export function mergeActions(
  before: readonly ComplaintAction[],
  edited: ReadonlyArray<{
    id: string;
    text: string;
    owner: string;
    due?: string | undefined;
    done?: boolean | undefined;
  }>,
  at: string,
): ComplaintAction[] {
  const old = new Map(before.map((a) => [a.id, a]));
  return edited.map((e) => {
    const prev = old.get(e.id);
    const done = e.done ?? prev?.done ?? false;
    const doneAt = done ? (prev?.done && prev.doneAt ? prev.doneAt : at) : undefined;
    return {
      id: e.id,
      text: e.text,
      owner: e.owner,
      ...(e.due ? { due: e.due } : {}),
      done,
      ...(doneAt ? { doneAt } : {}),
    };
  });
}

/** Ids that appear more than once, as field problems under `prefix`. */
export function duplicateIds(items: readonly { id: string }[], prefix: string) {
  const seen = new Set<string>();
  const problems: { field: string; message: string }[] = [];
  items.forEach((a, i) => {
    if (seen.has(a.id)) problems.push({ field: `${prefix}.${i}.id`, message: `duplicates action ${a.id}` });
    seen.add(a.id);
  });
  return problems;
}

/** Readable numbers start at 101 (`CMP-101`), like a ticket counter people recognise. */
export const complaintNumber = (n: number) => `CMP-${n + 100}`;
export const isComplaintNumber = (s: string) => /^CMP-\d+$/.test(s);
export const followUpNumber = (n: number) => `FUP-${n + 100}`;
export const isFollowUpNumber = (s: string) => /^FUP-\d+$/.test(s);
