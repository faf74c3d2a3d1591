import type { EventContract } from '../../../shared/contracts/envelope';
import type { DeploymentSummary, ReleaseSnapshot } from '../../../shared/contracts/releases/v1';
import { now } from '../../../shared/kit/clock';
import type { OperationContext } from '../../../shared/kit/context';
import { NotFoundError } from '../../../shared/kit/errors';
import { buildEvent, type OutgoingEvent } from '../../../shared/kit/events';
import { fieldChanges } from '../../../shared/kit/json';
import type { Write } from '../../../shared/kit/store';
import type { Deployment, Release } from '../domain/release';
import { keys, releaseItem, table, toRelease } from '../store';

/**
 * A release as one aggregate: read by id or number, written whole with its history and events in
 * one transaction. Every use case writes through here.
 */
export const snapshot = (r: Release): ReleaseSnapshot => ({
  releaseId: r.releaseId,
  number: r.number,
  title: r.title,
  type: r.type,
  status: r.status,
  ownerId: r.ownerId,
  ...(r.strategyId ? { strategyId: r.strategyId } : {}),
  changeIds: r.changeIds,
  ciIds: r.ciIds,
  ...(r.plan.plannedStart ? { plannedStart: r.plan.plannedStart } : {}),
  ...(r.plan.plannedEnd ? { plannedEnd: r.plan.plannedEnd } : {}),
  ...(r.pipeline ? { pipeline: r.pipeline } : {}),
  ...(r.outcome ? { outcome: r.outcome } : {}),
  ...(r.deployedAt ? { deployedAt: r.deployedAt } : {}),
  version: r.version,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export const deploymentSummary = (r: Release, d: Deployment): DeploymentSummary => ({
  deploymentId: d.deploymentId,
  releaseId: r.releaseId,
  number: r.number,
  title: r.title,
  changeIds: r.changeIds,
  ciIds: r.ciIds,
  trigger: d.trigger,
  startedAt: d.startedAt,
  ...(d.outcome ? { outcome: d.outcome } : {}),
  ...(d.endedAt ? { endedAt: d.endedAt } : {}),
  ...(d.reason ? { reason: d.reason.slice(0, 4000) } : {}),
  ...(d.failedWave ? { failedWave: d.failedWave } : {}),
});

export async function loadRelease(idOrNumber: string, consistent = false): Promise<Release> {
  let id = idOrNumber;
  if (/^REL-\d+$/.test(idOrNumber)) {
    const n = await table().get(keys.number(idOrNumber), consistent);
    if (!n) throw new NotFoundError(`Release ${idOrNumber} was not found.`, 'release-not-found');
    id = String(n.releaseId);
  }
  const item = await table().get(keys.release(id), consistent);
  if (!item) throw new NotFoundError(`Release ${idOrNumber} was not found.`, 'release-not-found');
  return toRelease(item);
}

/** The release a deployment belongs to (flow answers name the deployment). */
export async function releaseOfDeployment(deploymentId: string): Promise<Release> {
  const link = await table().get(keys.deployment(deploymentId), true);
  if (!link) throw new NotFoundError(`Deployment ${deploymentId} was not found.`, 'deployment-not-found');
  return loadRelease(String(link.releaseId), true);
}

/** Statuses in which a release is the one its pipeline's executions deploy. */
const PIPELINE_OPEN: readonly Release['status'][] = ['planning', 'accepted', 'deploying'];
const holdsPipeline = (r: Release | undefined) => !!r?.pipeline && PIPELINE_OPEN.includes(r.status);

/**
 * The pointer from a pipeline to the one release its executions deploy: created when a release
 * starts naming it (refused while another open release does), removed when it stops.
 */
function pipelineWrites(before: Release | undefined, after: Release): Write[] {
  const out: Write[] = [];
  const had = holdsPipeline(before) ? before!.pipeline : undefined;
  const has = holdsPipeline(after) ? after.pipeline : undefined;
  if (had === has) return out;
  if (had) out.push({ kind: 'delete', key: keys.pipelineRelease(had) });
  if (has)
    out.push({
      kind: 'create',
      item: {
        ...keys.pipelineRelease(has),
        type: 'pipeline-release',
        releaseId: after.releaseId,
        number: after.number,
      },
    });
  return out;
}

/** The open release (planning, accepted or deploying) whose deployments a pipeline runs, if any. */
export async function releaseByPipeline(pipeline: string): Promise<Release | undefined> {
  const link = await table().get(keys.pipelineRelease(pipeline), true);
  return link ? loadRelease(String(link.releaseId), true) : undefined;
}

export interface SaveOptions {
  action: string;
  reason?: string;
  events?: EventContract[];
  extraEvents?: OutgoingEvent[];
  writes?: Write[];
  /** The version the caller read (If-Match); defaults to the loaded one. */
  expectVersion?: number;
  /** The event an inbox consumer handles with this write (`handled(ctx)`). */
  handles?: string;
}

/** Tracked fields whose changes go into the history entry. */
const TRACKED: (keyof Release)[] = [
  'title',
  'description',
  'type',
  'status',
  'ownerId',
  'strategyId',
  'changeIds',
  'ciIds',
  'serviceIds',
  'pipeline',
  'plan',
  'criteria',
  'waivers',
  'acceptances',
  'package',
  'outcome',
];

export const diff = (before: Release | undefined, after: Release) => fieldChanges(TRACKED, before, after);

/**
 * Write a release as one aggregate, conditional on the version it was read at, with its history
 * entry and its events (through the table's stream, ADR 23), in one transaction.
 */
export async function saveRelease(
  ctx: OperationContext,
  before: Release | undefined,
  next: Omit<Release, 'version' | 'updatedAt' | 'createdAt'> & {
    version?: number;
    updatedAt?: string;
    createdAt?: string;
  },
  opts: SaveOptions,
): Promise<Release> {
  const at = new Date(now()).toISOString();
  const after: Release = {
    ...next,
    version: before ? before.version + 1 : 1,
    createdAt: before?.createdAt ?? at,
    updatedAt: at,
  } as Release;
  const writes: Write[] = [
    before
      ? { kind: 'replace', item: releaseItem(after), expectVersion: opts.expectVersion ?? before.version }
      : { kind: 'create', item: releaseItem(after) },
    ...pipelineWrites(before, after),
    ...(opts.writes ?? []),
  ];
  await table().commit(ctx, {
    writes,
    history: [
      {
        pk: keys.release(after.releaseId).pk,
        entityType: 'release',
        entityId: after.releaseId,
        action: opts.action,
        changes: diff(before, after),
        ...(opts.reason ? { reason: opts.reason } : {}),
      },
    ],
    events: [...(opts.events ?? []).map((e) => buildEvent(e, snapshot(after), ctx)), ...(opts.extraEvents ?? [])],
    at,
    ...(opts.handles ? { handles: opts.handles } : {}),
  });
  return after;
}
