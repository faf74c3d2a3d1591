import type * as z from 'zod/mini';
import type { EventContract } from '../../../shared/contracts/envelope';
import {
  ReleaseAccepted,
  ReleaseCancelled,
  ReleaseCreated,
  ReleaseScheduled,
  ReleaseUpdated,
} from '../../../shared/contracts/releases/v1';
import { hasAnyRole, type Principal } from '../../../shared/kit/auth';
import { now } from '../../../shared/kit/clock';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, DomainError, ValidationError } from '../../../shared/kit/errors';
import type { OutgoingEvent } from '../../../shared/kit/events';
import { sameJson } from '../../../shared/kit/json';
import type { Page, Write } from '../../../shared/kit/store';
import {
  type Criterion,
  DEFAULT_EARLY_LIFE,
  EDITABLE,
  evaluateGate,
  MAX_CIS,
  MAX_EVIDENCE,
  type Plan,
  type Release,
  type ReleaseType,
  readinessProblems,
  releaseNumber,
  type Stage,
} from '../domain/release';
import { highestImpact, inclusionProblem, requiredCriteria, type Strategy } from '../domain/strategy';
import type {
  AcceptanceBody,
  CreateReleaseBody,
  CriterionBody,
  EvidenceBody,
  PlanBody,
  UpdateReleaseBody,
  WaiverBody,
} from '../schemas';
import { keys, table, toRelease } from '../store';
import { type ChangeCopy, changeCopies, changeCopy } from './copies';
import { loadRelease, releaseByPipeline, saveRelease } from './record';
import { getStrategy } from './strategies';

/** The release process's owner and manager: strategies, waivers, acceptance, handover. */
export const MANAGERS = ['releases-manager', 'releases-owner'] as const;

const iso = (t: number) => new Date(t).toISOString();
const slug = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'criterion';

/** Criteria with stable, readable ids (a pipeline maps its test actions to them). */
function withIds(list: Omit<Criterion, 'criterionId'>[]): Criterion[] {
  const used = new Set<string>();
  return list.map((c) => {
    let id = slug(c.name);
    for (let n = 2; used.has(id); n++) id = `${slug(c.name)}-${n}`;
    used.add(id);
    return { criterionId: id, ...c };
  });
}

/** The strategy's criteria for this type and these changes' impact, then the release's own. */
function mergeCriteria(
  strategy: Strategy | undefined,
  type: ReleaseType,
  copies: ChangeCopy[],
  own: z.infer<typeof CriterionBody>[],
  previous: Criterion[] = [],
): Criterion[] {
  const fromStrategy = requiredCriteria(strategy, type, highestImpact(copies.map((c) => c.impact)));
  const names = new Set(fromStrategy.map((c) => c.name.toLowerCase()));
  const merged = withIds([...fromStrategy, ...own.filter((c) => !names.has(c.name.toLowerCase()))]);
  // Keep the ids a criterion already had, so evidence recorded against it still counts.
  return merged.map((c) => previous.find((p) => p.name.toLowerCase() === c.name.toLowerCase()) ?? c);
}

const toPlan = (p: z.infer<typeof PlanBody> | undefined, before?: Plan): Plan => ({
  ...(p?.plannedStart ? { plannedStart: p.plannedStart, plannedEnd: p.plannedEnd } : {}),
  waves: (p?.waves ?? before?.waves ?? []).map((w) => ({
    name: w.name,
    ...(w.environment ? { environment: w.environment } : {}),
    ciIds: [...new Set(w.ciIds ?? [])],
    verification: w.verification,
    ...(w.pipelineStage ? { pipelineStage: w.pipelineStage } : {}),
    ...(w.deploymentGroup ? { deploymentGroup: w.deploymentGroup } : {}),
  })),
  ...((p?.backoutPlan ?? before?.backoutPlan) ? { backoutPlan: p?.backoutPlan ?? before?.backoutPlan } : {}),
  ...((p?.communication ?? before?.communication) ? { communication: p?.communication ?? before?.communication } : {}),
  ...((p?.training ?? before?.training) ? { training: p?.training ?? before?.training } : {}),
  notify: p?.notify ?? before?.notify ?? [],
});

/** Refuse changes that may not go in (FitSM PR13.2), each with its reason and field. */
async function checkInclusion(changeIds: string[], strategy: Strategy | undefined, field: (i: number) => string) {
  const copies = await changeCopies(changeIds);
  const problems: { field: string; message: string }[] = [];
  changeIds.forEach((id, i) => {
    const c = copies.get(id);
    const why = c ? inclusionProblem(c, strategy) : `change ${id} is not known to release management`;
    if (why) problems.push({ field: field(i), message: why });
  });
  if (problems.length)
    throw new DomainError(
      'change-not-includable',
      409,
      `Only approved changes go into a release: ${problems.map((p) => p.message).join('; ')}.`,
      problems,
    );
  return changeIds.map((id) => copies.get(id)!);
}

const union = (...lists: string[][]) => [...new Set(lists.flat())];

function derivedScope(explicitCis: string[], copies: ChangeCopy[]) {
  const ciIds = union(explicitCis, ...copies.map((c) => c.ciIds));
  if (ciIds.length > MAX_CIS)
    throw new ValidationError(`A release deploys to at most ${MAX_CIS} CIs.`, [
      { field: 'ciIds', message: `${ciIds.length} CIs; at most ${MAX_CIS}` },
    ]);
  return { ciIds, serviceIds: union(...copies.map((c) => c.serviceIds)).slice(0, 100) };
}

/** Each change is in at most one release that is not finished. */
const bundleWrites = (releaseId: string, added: string[], removed: string[]): Write[] => [
  ...added.map(
    (changeId): Write => ({
      kind: 'create',
      item: { ...keys.bundled(changeId, releaseId), type: 'bundled', releaseId },
    }),
  ),
  ...removed.map((changeId): Write => ({ kind: 'delete', key: keys.bundled(changeId, releaseId) })),
];

async function refuseBundledElsewhere(releaseId: string, changeIds: string[], field: (i: number) => string) {
  const problems: { field: string; message: string }[] = [];
  for (const [i, changeId] of changeIds.entries()) {
    const others = await table().all({ pk: `CHG#${changeId}`, skBeginsWith: 'IN#' });
    for (const o of others) {
      if (o.releaseId === releaseId) continue;
      const other = await table().get(keys.release(String(o.releaseId)));
      if (other && !['closed', 'failed', 'rolled-back', 'cancelled'].includes(String(other.status))) {
        const number = (await changeCopy(changeId))?.number ?? changeId;
        problems.push({ field: field(i), message: `${number} is already in ${String(other.number)}` });
      }
    }
  }
  if (problems.length)
    throw new DomainError(
      'change-in-another-release',
      409,
      `A change is in one open release at a time: ${problems.map((p) => p.message).join('; ')}.`,
      problems,
    );
}

/** A pipeline deploys one open release at a time: say which one holds it. */
async function refusePipelineHeld(releaseId: string, pipeline: string | null | undefined) {
  if (!pipeline) return;
  const holder = await releaseByPipeline(pipeline);
  if (holder && holder.releaseId !== releaseId)
    throw new DomainError('pipeline-in-another-release', 409, `Pipeline ${pipeline} deploys ${holder.number} now.`, [
      { field: 'pipeline', message: `${holder.number} (${holder.status}) names it` },
    ]);
}

const scheduleEvents = (before: Release | undefined, after: Release): EventContract[] =>
  after.plan.plannedStart &&
  (before?.plan.plannedStart !== after.plan.plannedStart ||
    before?.plan.plannedEnd !== after.plan.plannedEnd ||
    !sameJson(before?.changeIds, after.changeIds))
    ? [ReleaseScheduled]
    : [];

/** Record a release (REL-n), optionally with its approved changes, plan and criteria. */
export async function createRelease(
  ctx: OperationContext,
  p: Principal | { id: string },
  input: z.infer<typeof CreateReleaseBody>,
  extra: { writes?: Write[]; handles?: string; extraEvents?: OutgoingEvent[] } = {},
): Promise<Release> {
  const strategy = input.strategyId ? await getStrategy(input.strategyId) : undefined;
  if (strategy && !strategy.releaseTypes.includes(input.type))
    throw new ValidationError(`Strategy "${strategy.name}" has no ${input.type} releases.`, [
      { field: 'type', message: `the strategy's release types are ${strategy.releaseTypes.join(', ')}` },
    ]);
  const changeIds = [...new Set(input.changeIds ?? [])];
  const copies = await checkInclusion(changeIds, strategy, (i) => `changeIds.${i}`);
  const releaseId = newId();
  await refuseBundledElsewhere(releaseId, changeIds, (i) => `changeIds.${i}`);
  await refusePipelineHeld(releaseId, input.pipeline);
  const number = releaseNumber(await table().nextNumber('REL'));
  const release: Omit<Release, 'version' | 'createdAt' | 'updatedAt'> = {
    releaseId,
    number,
    title: input.title,
    ...(input.description ? { description: input.description } : {}),
    type: input.type,
    status: 'planning',
    ownerId: input.ownerId ?? p.id,
    ...(strategy ? { strategyId: strategy.strategyId } : {}),
    changeIds,
    ...derivedScope(input.ciIds ?? [], copies),
    ...(input.pipeline ? { pipeline: input.pipeline } : {}),
    plan: toPlan(input.plan),
    criteria: mergeCriteria(strategy, input.type, copies, input.criteria ?? []),
    evidence: [],
    waivers: [],
    acceptances: [],
    earlyLifeRules: strategy?.earlyLife ?? DEFAULT_EARLY_LIFE,
    deployments: [],
  };
  return saveRelease(ctx, undefined, release, {
    action: 'created',
    events: [ReleaseCreated, ...scheduleEvents(undefined, release as Release)],
    writes: [
      { kind: 'create', item: { ...keys.number(number), type: 'release-number', releaseId } },
      ...bundleWrites(releaseId, changeIds, []),
      ...(extra.writes ?? []),
    ],
    ...(extra.extraEvents ? { extraEvents: extra.extraEvents } : {}),
    ...(extra.handles ? { handles: extra.handles } : {}),
  });
}

function requireEditable(r: Release) {
  if (!EDITABLE.includes(r.status))
    throw new ConflictError(`${r.number} is ${r.status}; it can no longer be changed.`, 'release-not-editable');
}

/** Edit a release in planning (If-Match); an accepted release goes back to planning when its plan changes. */
export async function updateRelease(
  ctx: OperationContext,
  idOrNumber: string,
  ifMatch: number,
  input: z.infer<typeof UpdateReleaseBody>,
): Promise<Release> {
  const before = await loadRelease(idOrNumber, true);
  requireEditable(before);
  await refusePipelineHeld(before.releaseId, input.pipeline);
  const strategy = before.strategyId ? await getStrategy(before.strategyId) : undefined;
  const copies = [...(await changeCopies(before.changeIds)).values()];
  const next: Release = { ...before };
  if (input.title) next.title = input.title;
  if (input.description) next.description = input.description;
  if (input.ownerId) next.ownerId = input.ownerId;
  if (input.pipeline === null) delete next.pipeline;
  else if (input.pipeline) next.pipeline = input.pipeline;
  if (input.ciIds) Object.assign(next, derivedScope(input.ciIds, copies));
  if (input.plan) next.plan = toPlan(input.plan, before.plan);
  if (input.criteria) next.criteria = mergeCriteria(strategy, before.type, copies, input.criteria, before.criteria);
  const replanned = !sameJson(before.plan, next.plan) || !sameJson(before.criteria, next.criteria);
  // What was accepted is no longer what would deploy: accept it again.
  if (before.status === 'accepted' && replanned) {
    next.status = 'planning';
    next.acceptances = before.acceptances.filter((a) => a.stage !== 'deployment');
  }
  return saveRelease(ctx, before, next, {
    action: 'updated',
    events: [ReleaseUpdated, ...scheduleEvents(before, next)],
    expectVersion: ifMatch,
  });
}

/** Bundle one more approved change (FitSM PR13.2); refused with the reason otherwise. */
export async function includeChange(
  ctx: OperationContext,
  idOrNumber: string,
  ifMatch: number | undefined,
  changeId: string,
) {
  const before = await loadRelease(idOrNumber, true);
  requireEditable(before);
  if (before.changeIds.includes(changeId)) return before;
  const strategy = before.strategyId ? await getStrategy(before.strategyId) : undefined;
  await checkInclusion([changeId], strategy, () => 'changeId');
  await refuseBundledElsewhere(before.releaseId, [changeId], () => 'changeId');
  const changeIds = [...before.changeIds, changeId];
  if (changeIds.length > 50)
    throw new ValidationError('A release bundles at most 50 changes.', [
      { field: 'changeId', message: 'too many changes' },
    ]);
  const copies = [...(await changeCopies(changeIds)).values()];
  const next: Release = {
    ...before,
    changeIds,
    ...derivedScope(before.ciIds, copies),
    criteria: mergeCriteria(strategy, before.type, copies, ownCriteria(before), before.criteria),
    ...(before.status === 'accepted'
      ? { status: 'planning' as const, acceptances: before.acceptances.filter((a) => a.stage !== 'deployment') }
      : {}),
  };
  return saveRelease(ctx, before, next, {
    action: `change ${copies.find((c) => c.changeId === changeId)?.number ?? changeId} included`,
    events: [ReleaseUpdated, ...scheduleEvents(before, next)],
    writes: bundleWrites(before.releaseId, [changeId], []),
    ...(ifMatch !== undefined ? { expectVersion: ifMatch } : {}),
  });
}

const ownCriteria = (r: Release) =>
  r.criteria.filter((c) => !c.fromStrategy).map((c) => ({ name: c.name, stage: c.stage, required: c.required }));

export async function excludeChange(
  ctx: OperationContext,
  idOrNumber: string,
  ifMatch: number | undefined,
  changeId: string,
) {
  const before = await loadRelease(idOrNumber, true);
  requireEditable(before);
  if (!before.changeIds.includes(changeId)) return before;
  const changeIds = before.changeIds.filter((c) => c !== changeId);
  const strategy = before.strategyId ? await getStrategy(before.strategyId) : undefined;
  const copies = [...(await changeCopies(changeIds)).values()];
  const next: Release = {
    ...before,
    changeIds,
    criteria: mergeCriteria(strategy, before.type, copies, ownCriteria(before), before.criteria),
  };
  return saveRelease(ctx, before, next, {
    action: 'change removed',
    events: [ReleaseUpdated, ...scheduleEvents(before, next)],
    writes: bundleWrites(before.releaseId, [], [changeId]),
    ...(ifMatch !== undefined ? { expectVersion: ifMatch } : {}),
  });
}

/** Build or test evidence against a criterion (FitSM PR13.4), by a person or from a pipeline. */
export async function recordEvidence(
  ctx: OperationContext,
  actor: { id: string },
  idOrNumber: string,
  input: z.infer<typeof EvidenceBody> & { source?: { kind: 'api' | 'pipeline'; ref: string } },
  opts: { handles?: string } = {},
): Promise<Release> {
  const before = await loadRelease(idOrNumber, true);
  if (!['planning', 'accepted'].includes(before.status))
    throw new ConflictError(
      `${before.number} is ${before.status}; evidence is recorded before deployment.`,
      'release-not-editable',
    );
  const criterion = before.criteria.find((c) => c.criterionId === input.criterionId);
  if (!criterion)
    throw new ValidationError('No such acceptance criterion on this release.', [
      {
        field: 'criterionId',
        message: `criteria are ${before.criteria.map((c) => c.criterionId).join(', ') || 'none'}`,
      },
    ]);
  const at = iso(now());
  const evidence = [
    ...before.evidence,
    {
      evidenceId: newId(),
      criterionId: criterion.criterionId,
      result: input.result,
      summary: input.summary,
      ...(input.url ? { url: input.url } : {}),
      source: input.source ?? { kind: 'api' as const, ref: actor.id },
      recordedBy: actor.id,
      recordedAt: at,
    },
  ].slice(-MAX_EVIDENCE);
  const next: Release = { ...before, evidence };
  // Failed evidence after acceptance withdraws the acceptance: the gate no longer holds.
  if (before.status === 'accepted' && !evaluateGate(next).passed) {
    next.status = 'planning';
    next.acceptances = before.acceptances.filter((a) => a.stage !== 'deployment');
  }
  return saveRelease(ctx, before, next, {
    action: `evidence for "${criterion.name}": ${input.result}`,
    events: [ReleaseUpdated],
    ...(opts.handles ? { handles: opts.handles } : {}),
  });
}

/** A waiver stands in for a criterion's evidence, with the approver who took the risk. */
export async function recordWaiver(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof WaiverBody>,
) {
  const before = await loadRelease(idOrNumber, true);
  requireEditable(before);
  const criterion = before.criteria.find((c) => c.criterionId === input.criterionId);
  if (!criterion)
    throw new ValidationError('No such acceptance criterion on this release.', [
      { field: 'criterionId', message: 'unknown criterion' },
    ]);
  // Segregation of duties: the release's owner does not waive its own tests.
  if (before.ownerId === p.id)
    throw new DomainError(
      'own-release',
      403,
      'The owner of a release may not waive its criteria; another manager decides.',
    );
  const waivers = [
    ...before.waivers.filter((w) => w.criterionId !== input.criterionId),
    { criterionId: input.criterionId, reason: input.reason, approverId: p.id, at: iso(now()) },
  ];
  return saveRelease(
    ctx,
    before,
    { ...before, waivers },
    {
      action: `criterion "${criterion.name}" waived`,
      reason: input.reason,
      events: [ReleaseUpdated],
    },
  );
}

/** Accept the release into a stage: its entry criteria hold, and the caller is the authority. */
export async function acceptRelease(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof AcceptanceBody>,
) {
  const before = await loadRelease(idOrNumber, true);
  requireEditable(before);
  const stage: Stage = input.stage;
  const gate = evaluateGate(before, stage);
  const problems = [...gate.blocking, ...(stage === 'deployment' ? readinessProblems(before) : [])];
  if (stage === 'deployment') {
    const copies = await changeCopies(before.changeIds);
    for (const [i, id] of before.changeIds.entries()) {
      const c = copies.get(id);
      if (c?.status !== 'approved')
        problems.push({
          field: `changeIds.${i}`,
          message: `${c?.number ?? id} is ${c?.status ?? 'unknown'}, not approved`,
        });
    }
  }
  if (problems.length)
    throw new DomainError(
      'release-gate-not-passed',
      409,
      `${before.number} cannot be accepted into ${stage}: ${problems.map((x) => x.message).join('; ')}.`,
      problems,
    );
  const next: Release = {
    ...before,
    acceptances: [
      ...before.acceptances.filter((a) => a.stage !== stage),
      { stage, by: p.id, ...(input.notes ? { notes: input.notes } : {}), at: iso(now()) },
    ],
    ...(stage === 'deployment' ? { status: 'accepted' as const } : {}),
  };
  return saveRelease(ctx, before, next, {
    action: `accepted into ${stage}`,
    events: stage === 'deployment' ? [ReleaseAccepted] : [ReleaseUpdated],
  });
}

export async function cancelRelease(ctx: OperationContext, p: Principal, idOrNumber: string, reason: string) {
  const before = await loadRelease(idOrNumber, true);
  if (!['planning', 'accepted'].includes(before.status))
    throw new ConflictError(
      `${before.number} is ${before.status}; only a release not deployed can be cancelled.`,
      'release-not-editable',
    );
  if (before.ownerId !== p.id && !hasAnyRole(p, [...MANAGERS]))
    throw new DomainError('not-owner', 403, 'Only the owner or a release manager cancels a release.');
  return saveRelease(
    ctx,
    before,
    { ...before, status: 'cancelled', cancelReason: reason },
    {
      action: 'cancelled',
      reason,
      events: [ReleaseCancelled],
      writes: bundleWrites(before.releaseId, [], before.changeIds),
    },
  );
}

export async function listReleases(q: { limit: number; cursor?: string; status?: string }): Promise<Page<Release>> {
  return table().page(
    q.status
      ? {
          index: 'gsi2',
          pk: `STATUS#${q.status}`,
          limit: q.limit,
          descending: true,
          ...(q.cursor ? { cursor: q.cursor } : {}),
        }
      : { index: 'gsi1', pk: 'RELEASES', limit: q.limit, descending: true, ...(q.cursor ? { cursor: q.cursor } : {}) },
    toRelease,
  );
}

export function releaseHistory(idOrNumber: string, q: { limit: number; cursor?: string }) {
  return loadRelease(idOrNumber).then((r) => table().history(keys.release(r.releaseId).pk, q));
}

/** The release as the API shows it: with its gate and its changes as the copy knows them. */
export async function releaseView(r: Release) {
  const copies = await changeCopies(r.changeIds);
  return {
    ...r,
    gate: { stage: 'deployment' as const, ...evaluateGate(r) },
    changes: r.changeIds.map((id) => {
      const c = copies.get(id);
      return {
        changeId: id,
        ...(c ? { number: c.number, title: c.title, type: c.type, status: c.status } : {}),
        ...(c?.outcome ? { outcome: c.outcome } : {}),
      };
    }),
  };
}
