import type * as z from 'zod/mini';
import {
  ChangeCancelled,
  ChangeRaised,
  type ChangeRequestData,
  type ChangeSnapshot,
  ChangeUpdated,
} from '../../../shared/contracts/changes/v1';
import type { EventContract } from '../../../shared/contracts/envelope';
import type { Principal } from '../../../shared/kit/auth';
import { hasAnyRole } from '../../../shared/kit/auth';
import { now } from '../../../shared/kit/clock';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent, type OutgoingEvent, type ReceivedEvent } from '../../../shared/kit/events';
import { sameJson } from '../../../shared/kit/json';
import { handled, type Page, type Write } from '../../../shared/kit/store';
import { type Assessment, type Change, changeNumber, EDITABLE, FINISHED } from '../domain/change';
import { assessImpactLevel, assessRisk, classify } from '../domain/policy';
import type { AssessBody, CreateChangeBody, UpdateChangeBody } from '../schemas';
import { changeItem, keys, table, toChange } from '../store';
import { assessImpact } from './graph';
import { loadPolicy } from './policy';
import { findConflicts, noticeEvents, scheduleWrites } from './schedule';

export const MANAGERS = ['changes-manager', 'changes-owner'] as const;

export const snapshot = (c: Change): ChangeSnapshot => ({
  changeId: c.changeId,
  number: c.number,
  type: c.type,
  status: c.status,
  title: c.title,
  requesterId: c.requesterId,
  ...(c.implementerId ? { implementerId: c.implementerId } : {}),
  ciIds: c.ciIds,
  serviceIds: c.serviceIds.slice(0, 100),
  customerIds: c.customerIds.slice(0, 100),
  ...(c.assessment ? { risk: c.assessment.risk, impact: c.assessment.impact } : {}),
  ...(c.plannedStart ? { plannedStart: c.plannedStart } : {}),
  ...(c.plannedEnd ? { plannedEnd: c.plannedEnd } : {}),
  ...(c.implementationStartedAt ? { implementationStartedAt: c.implementationStartedAt } : {}),
  ...(c.implementationEndedAt ? { implementationEndedAt: c.implementationEndedAt } : {}),
  ...(c.outcome ? { outcome: c.outcome } : {}),
  ...(c.closureCode ? { closureCode: c.closureCode } : {}),
  ...(c.origin ? { origin: c.origin } : {}),
  ...(c.templateId ? { templateId: c.templateId } : {}),
  version: c.version,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export async function loadChange(idOrNumber: string, consistent = false): Promise<Change> {
  let id = idOrNumber;
  if (/^CHG-\d+$/.test(idOrNumber)) {
    const n = await table().get(keys.number(idOrNumber), consistent);
    if (!n) throw new NotFoundError(`Change ${idOrNumber} was not found.`, 'change-not-found');
    id = String(n.changeId);
  }
  const item = await table().get(keys.change(id), consistent);
  if (!item) throw new NotFoundError(`Change ${idOrNumber} was not found.`, 'change-not-found');
  return toChange(item);
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
const TRACKED: (keyof Change)[] = [
  'type',
  'status',
  'title',
  'description',
  'reason',
  'implementerId',
  'ciIds',
  'serviceIds',
  'customerIds',
  'plannedStart',
  'plannedEnd',
  'implementationPlan',
  'testPlan',
  'backoutPlan',
  'outcome',
  'closureCode',
  'reviewReasons',
  'incidentIds',
];

export function diff(before: Change | undefined, after: Change) {
  const changes: Record<string, { from?: unknown; to?: unknown }> = {};
  for (const f of TRACKED) {
    if (!sameJson(before?.[f], after[f]) && !(before === undefined && after[f] === undefined))
      changes[f] = {
        ...(before?.[f] !== undefined ? { from: before[f] } : {}),
        ...(after[f] !== undefined ? { to: after[f] } : {}),
      };
  }
  return changes;
}

/**
 * Write a change as one aggregate, conditional on the version it was read at, with its history
 * entry, its events (through the table's stream, ADR 23), its schedule items and the notices to
 * customers its new window or status calls for, all in one transaction.
 */
export async function saveChange(
  ctx: OperationContext,
  before: Change | undefined,
  next: Omit<Change, 'version' | 'updatedAt'> & { version?: number; updatedAt?: string },
  opts: SaveOptions,
): Promise<Change> {
  const at = new Date(now()).toISOString();
  const after: Change = {
    ...next,
    version: before ? before.version + 1 : 1,
    createdAt: before?.createdAt ?? at,
    updatedAt: at,
  } as Change;
  const writes: Write[] = [
    before
      ? { kind: 'replace', item: changeItem(after), expectVersion: opts.expectVersion ?? before.version }
      : { kind: 'create', item: changeItem(after) },
    ...scheduleWrites(before, after),
    ...(opts.writes ?? []),
  ];
  const events = [
    ...(opts.events ?? []).map((e) => buildEvent(e, snapshot(after), ctx)),
    ...noticeEvents(before, after, ctx),
    ...(opts.extraEvents ?? []),
  ];
  await table().commit(ctx, {
    writes,
    history: [
      {
        pk: keys.change(after.changeId).pk,
        entityType: 'change',
        entityId: after.changeId,
        action: opts.action,
        changes: diff(before, after),
        ...(opts.reason ? { reason: opts.reason } : {}),
      },
    ],
    events,
    at,
    ...(opts.handles ? { handles: opts.handles } : {}),
  });
  return after;
}

/** Raise an RFC (FitSM PR12.1): normal, major or emergency; a standard change from its template. */
export async function raiseChange(
  ctx: OperationContext,
  p: Principal,
  input: z.infer<typeof CreateChangeBody>,
  origin?: { source: string; ref: string; requestKey?: { source: string; requestId: string } },
): Promise<Change> {
  if (input.templateId) return (await import('./templates')).instantiate(ctx, p, input);
  const changeId = newId();
  const number = changeNumber(await table().nextNumber('CHG'));
  const change: Omit<Change, 'version' | 'updatedAt'> = {
    changeId,
    number,
    type: input.type ?? 'normal',
    status: 'new',
    title: input.title,
    description: input.description,
    ...(input.reason ? { reason: input.reason } : {}),
    requesterId: p.id,
    ...(input.implementerId ? { implementerId: input.implementerId } : {}),
    ciIds: input.ciIds ?? [],
    serviceIds: input.serviceIds ?? [],
    customerIds: [],
    ...(input.plannedStart && input.plannedEnd
      ? { plannedStart: input.plannedStart, plannedEnd: input.plannedEnd }
      : {}),
    ...(input.implementationPlan ? { implementationPlan: input.implementationPlan } : {}),
    ...(input.testPlan ? { testPlan: input.testPlan } : {}),
    ...(input.backoutPlan ? { backoutPlan: input.backoutPlan } : {}),
    ...(origin ? { origin: { source: origin.source, ref: origin.ref } } : {}),
    reviewReasons: [],
    incidentIds: [],
    createdAt: new Date(now()).toISOString(),
  };
  const writes: Write[] = [{ kind: 'create', item: { ...keys.number(number), type: 'change-number', changeId } }];
  if (origin?.requestKey)
    writes.push({
      kind: 'create',
      item: {
        ...keys.request(origin.requestKey.source, origin.requestKey.requestId),
        type: 'change-request',
        changeId,
      },
    });
  return saveChange(ctx, undefined, change, {
    action: origin ? `raised from ${origin.source} ${origin.ref}` : 'raised',
    events: [ChangeRaised],
    writes,
    // Raised from an event: the consumer's inbox marker is written with it.
    ...(ctx.inbox ? { handles: handled(ctx) } : {}),
  });
}

/** Any service's `ChangeRequested` raises one change per (source, requestId). */
export async function raiseFromRequest(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const r = event.data as z.infer<typeof ChangeRequestData>;
  const source = event.source.replace(/^itsm\./, '');
  if (await table().get(keys.request(source, r.requestId), true)) return table().recordHandled(ctx);
  try {
    await raiseChange(
      ctx,
      { id: r.requesterId, name: r.requesterId, roles: [] },
      {
        title: r.title,
        description: r.description,
        ...(r.reason ? { reason: r.reason } : {}),
        type: r.suggestedType ?? 'normal',
        ciIds: r.ciIds ?? [],
        serviceIds: r.serviceIds ?? [],
      },
      { source: r.origin.source, ref: r.origin.ref, requestKey: { source, requestId: r.requestId } },
    );
  } catch (err) {
    // A concurrent delivery raised it first (the request key is created in the same transaction).
    if (!(err instanceof ConflictError)) throw err;
    await table().recordHandled(ctx);
  }
}

export async function getChange(idOrNumber: string) {
  return loadChange(idOrNumber);
}

export function listChanges(q: { limit: number; cursor?: string; status?: string }): Promise<Page<Change>> {
  return table().page(
    q.status
      ? {
          index: 'gsi2',
          pk: `STATUS#${q.status}`,
          limit: q.limit,
          descending: true,
          ...(q.cursor ? { cursor: q.cursor } : {}),
        }
      : { index: 'gsi1', pk: 'CHANGES', limit: q.limit, descending: true, ...(q.cursor ? { cursor: q.cursor } : {}) },
    toChange,
  );
}

export const changeHistory = async (idOrNumber: string, q: { limit: number; cursor?: string }) => {
  const c = await loadChange(idOrNumber);
  return table().history(keys.change(c.changeId).pk, q);
};

const canEdit = (p: Principal, c: Change) =>
  p.id === c.requesterId || p.id === c.implementerId || hasAnyRole(p, MANAGERS);

/**
 * Edit a change. While new or assessed, everything but its number and type standard; editing
 * CIs, services or plans of an assessed change sends it back to `new` (the assessment was of
 * something else). Once approved, only the window moves (a reschedule: conflicts are checked
 * again, customers told, the flow woken).
 */
export async function updateChange(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  ifMatch: number,
  input: z.infer<typeof UpdateChangeBody>,
): Promise<Change> {
  const before = await loadChange(idOrNumber, true);
  if (!canEdit(p, before))
    throw new ForbiddenError('Only the requester, the implementer or a change manager may edit this change.');
  if (before.version !== ifMatch)
    throw new ConflictError('The change was changed by someone else. Read it again and retry with its new version.');
  const { note, ...fields } = input;
  if (before.status === 'approved') {
    const other = Object.keys(fields).filter((k) => k !== 'plannedStart' && k !== 'plannedEnd');
    if (other.length > 0 || !fields.plannedStart)
      throw new ConflictError(
        'An approved change can only be rescheduled (plannedStart and plannedEnd); anything else needs a new change.',
        'change-not-editable',
      );
    return (await import('./approvals')).reschedule(ctx, before, fields.plannedStart, fields.plannedEnd!, note);
  }
  if (!EDITABLE.includes(before.status))
    throw new ConflictError(`A change that is ${before.status} can no longer be edited.`, 'change-not-editable');
  if (before.type === 'standard' && fields.type)
    throw new ValidationError('A standard change keeps its type.', [{ field: 'body.type', message: 'cannot change' }]);
  const next: Change = { ...before, ...fields };
  const reassess = (['ciIds', 'serviceIds', 'type'] as const).some((f) => f in fields && !sameJson(before[f], next[f]));
  if (before.status === 'assessed' && reassess) {
    next.status = 'new';
    delete next.assessment;
  }
  return saveChange(ctx, before, next, {
    action: reassess && before.status === 'assessed' ? 'edited; assessment cleared' : 'edited',
    ...(note ? { reason: note } : {}),
    events: [ChangeUpdated],
  });
}

/** The impact of a set of CIs and services, as the assessment would see it, without writing anything. */
export async function previewImpact(ciIds: string[], serviceIds: string[]) {
  const started = performance.now();
  const [impact, policy] = await Promise.all([assessImpact(ciIds, serviceIds), loadPolicy()]);
  const level = assessImpactLevel(policy, {
    cis: impact.ciCount,
    services: impact.services.length,
    customers: impact.customerIds.length,
  });
  return { ...impact, impact: level.impact, impactBasis: level.basis, tookMs: Math.round(performance.now() - started) };
}

/**
 * Record the assessment (FitSM PR12.3): benefit, effort and feasibility from the assessor; impact
 * from the CI graph (raised, never lowered, by the assessor); risk as the higher of the policy's
 * conditions and the weighted questionnaire. A normal change at or above the policy's bar
 * becomes major (PR12.1).
 */
export async function assessChange(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  ifMatch: number,
  input: z.infer<typeof AssessBody>,
): Promise<Change> {
  const before = await loadChange(idOrNumber, true);
  if (!EDITABLE.includes(before.status))
    throw new ConflictError(`A change that is ${before.status} cannot be assessed again.`, 'change-not-editable');
  if (before.type === 'standard')
    throw new ConflictError('A standard change is pre-assessed by its template.', 'change-not-editable');
  if (before.version !== ifMatch)
    throw new ConflictError('The change was changed by someone else. Read it again and retry with its new version.');
  if (!canEdit(p, before) && !hasAnyRole(p, ['changes-manager', 'changes-owner', 'process-staff']))
    throw new ForbiddenError(
      'Only the requester, the implementer, change staff or a change manager may assess this change.',
    );
  const policy = await loadPolicy();
  const questions = new Set(policy.questionnaire.map((q) => q.id));
  const unknown = Object.keys(input.answers).filter((k) => !questions.has(k));
  if (unknown.length)
    throw new ValidationError(
      'Unknown questionnaire answers.',
      unknown.map((k) => ({ field: `body.answers.${k}`, message: 'is not a question of the policy' })),
    );
  const impact = await assessImpact(before.ciIds, before.serviceIds);
  const level = assessImpactLevel(
    policy,
    { cis: impact.ciCount, services: impact.services.length, customers: impact.customerIds.length },
    input.impact,
  );
  const outside = (await findConflicts(before)).some((c) => c.kind === 'outside-maintenance-window');
  const risk = assessRisk(
    policy,
    {
      affectedCis: impact.ciCount,
      affectedServices: impact.services.length,
      affectedCustomers: impact.customerIds.length,
      affectedAgreements: impact.agreements.length,
      noTestPlan: !before.testPlan,
      noBackoutPlan: !before.backoutPlan,
      outsideMaintenanceWindow: outside,
    },
    input.answers,
  );
  const assessment: Assessment = {
    benefit: input.benefit,
    effort: input.effort,
    feasibility: input.feasibility,
    risk: risk.risk,
    riskBasis: risk.basis,
    questionnaireScore: risk.score,
    impact: level.impact,
    impactBasis: level.basis,
    affected: {
      ciCount: impact.ciCount,
      // At most 100 of each on the record (ADR 20); the counts are exact in the impact basis.
      serviceIds: impact.services.map((s) => s.serviceId).slice(0, 100),
      customerIds: impact.customerIds.slice(0, 100),
      agreementIds: impact.agreements.map((a) => a.agreementId).slice(0, 100),
      truncated: impact.truncated,
    },
    assessedBy: p.id,
    assessedAt: new Date(now()).toISOString(),
  };
  const reclassified = classify(policy, before.type, risk.risk, level.impact);
  const next: Change = {
    ...before,
    status: 'assessed',
    assessment,
    customerIds: impact.customerIds.slice(0, 100),
    ...(reclassified ? { type: reclassified } : {}),
  };
  return saveChange(ctx, before, next, {
    action: reclassified ? `assessed; classified ${reclassified} by the policy` : 'assessed',
    events: [ChangeUpdated],
  });
}

/** Withdraw a change that has not finished; its flow ends, its schedule slot is freed, customers told. */
export async function cancelChange(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  reason: string,
): Promise<Change> {
  const before = await loadChange(idOrNumber, true);
  if (!canEdit(p, before))
    throw new ForbiddenError('Only the requester, the implementer or a change manager may cancel this change.');
  if (FINISHED.includes(before.status) || before.status === 'implemented')
    throw new ConflictError(`A change that is ${before.status} cannot be cancelled.`, 'invalid-transition');
  if (before.status === 'implementing')
    throw new ConflictError(
      'Implementation has started: record its outcome (backed out) instead.',
      'invalid-transition',
    );
  const after = await saveChange(
    ctx,
    before,
    { ...before, status: 'cancelled', closureCode: 'cancelled', closureNotes: reason },
    { action: 'cancelled', reason, events: [ChangeCancelled] },
  );
  await (await import('./approvals')).wakeFlow(before);
  return after;
}
