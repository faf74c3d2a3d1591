import type { DeploymentSummary, ReleaseSnapshot } from '../../../shared/contracts/releases/v1';
import { now } from '../../../shared/kit/clock';
import type { OperationContext } from '../../../shared/kit/context';
import { DomainError, NotFoundError } from '../../../shared/kit/errors';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { logger } from '../../../shared/kit/logger';
import type { Write } from '../../../shared/kit/store';
import type { Change, Outcome } from '../domain/change';
import { keys, table } from '../store';
import { reschedule } from './approvals';
import { endImplementation, startImplementation } from './implementation';
import { loadChange, saveChange } from './record';

/**
 * Changes follow the release that bundles them (FitSM PR13.3, PR13.6). The releases service
 * announces its window, its deployment's start and its outcome; each included change moves,
 * starts and ends through the same use cases a person's request goes through, acted by the
 * system and saying so in its history. Events may come twice or out of order: a change moves
 * only for a newer release version than the one it last followed, and starts or ends only from
 * the status that allows it (an end before its start does both).
 */
const OUTCOME_OF: Record<NonNullable<DeploymentSummary['outcome']>, Outcome> = {
  success: 'successful',
  failure: 'failed',
  'rolled-back': 'backed-out',
};

/** Only changes still waiting to be implemented follow the release's window. */
const FOLLOWS_WINDOW: readonly Change['status'][] = ['approval', 'approved'];

async function loadIfKnown(changeId: string): Promise<Change | undefined> {
  try {
    return await loadChange(changeId, true);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    logger.warn('a release names a change this service does not know', { changeId });
    return undefined;
  }
}

/** True when the change's window holds the release's whole window. */
const covers = (c: Change, start: string, end: string) =>
  !!c.plannedStart &&
  !!c.plannedEnd &&
  Date.parse(c.plannedStart) <= Date.parse(start) &&
  Date.parse(c.plannedEnd) >= Date.parse(end);

/**
 * `ReleaseScheduled`: each included change waiting for approval or its window, with no window or
 * one that does not hold the release's, is moved to the release's window by the reschedule path
 * (conflicts checked again, customers told, the flow woken). The release version each change
 * followed is kept beside it, written with the move, so an older version arriving late moves
 * nothing back.
 */
export async function followReleaseSchedule(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const r = event.data as ReleaseSnapshot;
  for (const changeId of r.changeIds) {
    const marker = keys.releaseFollowed(changeId, r.releaseId);
    const seen = await table().get(marker, true);
    if (seen && Number(seen.releaseVersion) >= r.version) continue;
    const before = await loadIfKnown(changeId);
    if (!before) continue;
    const followed: Write = {
      kind: 'upsert',
      item: { ...marker, type: 'release-followed', releaseId: r.releaseId, releaseVersion: r.version },
    };
    const move =
      r.plannedStart &&
      r.plannedEnd &&
      FOLLOWS_WINDOW.includes(before.status) &&
      !covers(before, r.plannedStart, r.plannedEnd);
    if (!move || !r.plannedStart || !r.plannedEnd) {
      await table().commit(ctx, { writes: [followed] });
      continue;
    }
    try {
      await reschedule(ctx, before, r.plannedStart, r.plannedEnd, `follows release ${r.number}`, [followed]);
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'blackout-window')) throw err;
      // An approved change cannot move into a blackout: it keeps its window, and says why.
      await saveChange(ctx, before, before, {
        action: `did not follow release ${r.number}: its window meets a blackout window`,
        writes: [followed],
      });
    }
  }
  await table().recordHandled(ctx);
}

const by = (d: DeploymentSummary) => `release ${d.number} deployment ${d.deploymentId}`;

/** Start an approved change for the deployment; the release's gate, not the change's window, authorises it. */
async function startForDeployment(ctx: OperationContext, c: Change, d: DeploymentSummary): Promise<Change> {
  const t = now();
  const early = !c.plannedStart || t < Date.parse(c.plannedStart);
  return startImplementation(ctx, c, {
    action: `implementation started by ${by(d)}`,
    ...(early
      ? {
          reason: c.plannedStart
            ? `Started early: the change's window opens at ${c.plannedStart}; the release's gate authorised the deployment.`
            : "Started with no window of its own: the release's gate authorised the deployment.",
        }
      : {}),
  });
}

/** `ReleaseDeploymentStarted`: each included approved change enters implementation. */
export async function startWithRelease(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const d = event.data as DeploymentSummary;
  for (const changeId of d.changeIds) {
    const c = await loadIfKnown(changeId);
    if (c?.status === 'approved') await startForDeployment(ctx, c, d);
  }
  await table().recordHandled(ctx);
}

/**
 * `ReleaseDeploymentEnded`: each included change being implemented gets the deployment's outcome
 * (success → successful, failure → failed, rolled back → backed out) with the reason and the failed
 * wave as its outcome notes, the inputs of the review its rules then require (FitSM PR12.5). One
 * still approved (the start not seen yet) is started and ended in one go.
 */
export async function endWithRelease(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const d = event.data as DeploymentSummary;
  if (!d.outcome) throw new Error(`ReleaseDeploymentEnded ${d.deploymentId} carries no outcome`);
  const outcome = OUTCOME_OF[d.outcome];
  const notes = [
    `${by(d)}: ${d.outcome}`,
    ...(d.failedWave ? [`failed wave: ${d.failedWave}`] : []),
    ...(d.reason ? [d.reason] : []),
  ]
    .join('. ')
    .slice(0, 4000);
  for (const changeId of d.changeIds) {
    let c = await loadIfKnown(changeId);
    if (c?.status === 'approved') c = await startForDeployment(ctx, c, d);
    if (c?.status !== 'implementing') continue;
    await endImplementation(ctx, c, { outcome, notes, action: `implementation ended by ${by(d)}: ${outcome}` });
  }
  await table().recordHandled(ctx);
}
