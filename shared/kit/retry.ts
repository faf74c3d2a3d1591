import { UnavailableError, VersionConflictError } from './errors';
import { logger } from './logger';

/** How long a request without If-Match keeps retrying lost races before answering 503 `busy`. */
export const UNVERSIONED_RETRY_MS = 3000;
/** Whatever the queue, a request answers by then (API functions time out after 10 s by default). */
const UNVERSIONED_HARD_STOP_MS = 7000;
/** Pauses before each retry are random up to 10, 20, 40 ... ms, at most 250 ms (full jitter). */
const BASE_MS = 10;
const MAX_PAUSE_MS = 250;

/**
 * Runs a route implementation (generic, so this module does not import http.ts). A client that
 * sent no If-Match has no version that could be stale, so it never gets a version conflict: when
 * the store's conditional write loses a race (VersionConflictError, which wrote nothing), or the
 * store's repeats of a transaction cancelled for contention run out (503 `contention`), the
 * whole operation runs again from a fresh read, after a random pause, for up to 3 s of lost races
 * after the first loss; then 503 `busy` with Retry-After. With If-Match, the conflict is the answer (409):
 * the client's view is stale. Other 409s (duplicates, invalid transitions) never qualify.
 *
 * Retries of one record in this function instance take turns: N requests that all lost the
 * same race would otherwise keep defeating each other (each round one wins, N-1 read again),
 * which costs N² attempts; in turn, each retry reads the version the previous one wrote. On AWS
 * an instance serves one request at a time, so this matters locally and costs nothing there.
 *
 * @example
 * const result = await runRoute(impls[event.routeKey]!, req);
 */
export async function runRoute<Req extends { ifMatch?: number }, Result>(
  impl: (req: Req) => Promise<Result>,
  req: Req,
): Promise<Result> {
  if (req.ifMatch !== undefined) return impl(req);
  let lost: { record: string };
  try {
    return await impl(req);
  } catch (err) {
    if (!lostRace(err)) throw err;
    lost = err;
  }
  // Time spent waiting for this instance's earlier retries of the same record is not a lost race
  // (on AWS those retries run in other instances, in parallel), so it extends the 3 s; the hard
  // stop keeps the answer well inside the function's timeout.
  let deadline = Date.now() + UNVERSIONED_RETRY_MS;
  const hardStop = Date.now() + UNVERSIONED_HARD_STOP_MS;
  for (let attempt = 1; ; attempt++) {
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(MAX_PAUSE_MS, BASE_MS * 2 ** attempt)));
    try {
      return await inTurn(lost.record, (waitedMs) => {
        deadline += waitedMs;
        if (Date.now() >= Math.min(deadline, hardStop)) throw busy(attempt);
        return impl(req);
      });
    } catch (err) {
      if (!lostRace(err)) throw err;
      lost = err;
    }
  }
}

/**
 * A race lost without writing anything: the store's version check failed, or its repeats of a
 * transaction cancelled for contention ran out. Either way the whole operation may run again.
 */
function lostRace(err: unknown): err is VersionConflictError | UnavailableError {
  return err instanceof VersionConflictError || (err instanceof UnavailableError && err.code === 'contention');
}

function busy(attempts: number): UnavailableError {
  logger.warn('lost the race for a record for 3 s; answering busy', { attempts });
  return new UnavailableError(
    'busy',
    'The record is being changed by many requests right now. Nothing was changed; send the request again.',
  );
}

/** The tail of each record's queue of retries in this instance. */
const turns = new Map<string, Promise<void>>();

/** Runs `work` after the retries of the same record queued before it (FIFO), telling it how long it waited. */
async function inTurn<T>(record: string, work: (waitedMs: number) => Promise<T>): Promise<T> {
  const previous = turns.get(record) ?? Promise.resolve();
  let finished!: () => void;
  const tail = previous.then(() => new Promise<void>((resolve) => (finished = resolve)));
  turns.set(record, tail);
  const queuedAt = Date.now();
  await previous;
  try {
    return await work(Date.now() - queuedAt);
  } finally {
    finished();
    if (turns.get(record) === tail) turns.delete(record);
  }
}

/** The Retry-After header a problem response carries for a 503 that may be sent again. */
export function retryAfterOf(err: unknown): Record<string, string> {
  return err instanceof UnavailableError ? { 'retry-after': String(err.retryAfterSeconds) } : {};
}
