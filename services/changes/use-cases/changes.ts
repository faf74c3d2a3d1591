import type * as z from 'zod/mini';
import {
  ChangeCancelled,
  ChangeRaised,
  type ChangeRequestData,
  ChangeUpdated,
} from '../../../shared/contracts/changes/v1';
import type { Principal } from '../../../shared/kit/auth';
import { hasAnyRole } from '../../../shared/kit/auth';
import { now } from '../../../shared/kit/clock';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, ForbiddenError, ValidationError } from '../../../shared/kit/errors';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { sameJson } from '../../../shared/kit/json';
import { handled, type Page, type Write } from '../../../shared/kit/store';
import { type Assessment, type Change, changeNumber, EDITABLE, FINISHED } from '../domain/change';
import { assessImpactLevel, assessRisk, classify } from '../domain/policy';
import type { AssessBody, CreateChangeBody, UpdateChangeBody } from '../schemas';
import { keys, table, toChange } from '../store';
import { reschedule, wakeFlow } from './approvals';
import { assessImpact } from './graph';
import { loadPolicy } from './policy';
import { loadChange, MANAGERS, saveChange } from './record';
import { findConflicts } from './schedule';
import { instantiate } from './templates';

/** Raise an RFC (FitSM PR12.1): normal, major or emergency; a standard change from its template. */
export async function raiseChange(
  ctx: OperationContext,
  p: Principal,
  input: z.infer<typeof CreateChangeBody>,
  origin?: { source: string; ref: string; requestKey?: { source: string; requestId: string } },
): Promise<Change> {
  if (input.templateId) return instantiate(ctx, p, input, origin);
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

/**
 * Any service's `ChangeRequested` raises one change per (source, requestId); one naming a standard
 * change template is made from it, pre-approved (a pipeline's routine deployment, FitSM PR12.2).
 */
export async function raiseFromRequest(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const r = event.data as z.infer<typeof ChangeRequestData>;
  const source = event.source.replace(/^itsm\./, '');
  if (await table().get(keys.request(source, r.requestId), true)) return table().recordHandled(ctx);
  const common = { title: r.title, description: r.description, ...(r.reason ? { reason: r.reason } : {}) };
  const window = windowOf(r);
  const input = r.templateId
    ? {
        ...common,
        templateId: r.templateId,
        // The template's CIs and services unless the request names its own.
        ...(r.ciIds ? { ciIds: r.ciIds } : {}),
        ...(r.serviceIds ? { serviceIds: r.serviceIds } : {}),
        // A standard change is scheduled when made: from now for an hour unless the request says when.
        ...(window ?? fromNow()),
      }
    : {
        ...common,
        type: r.suggestedType ?? ('normal' as const),
        ciIds: r.ciIds ?? [],
        serviceIds: r.serviceIds ?? [],
        ...(window ?? {}),
      };
  try {
    await raiseChange(ctx, { id: r.requesterId, name: r.requesterId, roles: [] }, input, {
      source: r.origin.source,
      ref: r.origin.ref,
      requestKey: { source, requestId: r.requestId },
    });
  } catch (err) {
    // A concurrent delivery raised it first (the request key is created in the same transaction).
    if (!(err instanceof ConflictError)) throw err;
    await table().recordHandled(ctx);
  }
}

/** The window a request gives, when it gives a whole one that ends after it starts. */
const windowOf = (r: { plannedStart?: string | undefined; plannedEnd?: string | undefined }) =>
  r.plannedStart && r.plannedEnd && Date.parse(r.plannedEnd) > Date.parse(r.plannedStart)
    ? { plannedStart: r.plannedStart, plannedEnd: r.plannedEnd }
    : undefined;

/** The window of a standard change requested by event without one: from now, for an hour. */
const fromNow = () => {
  const t = now();
  return { plannedStart: new Date(t).toISOString(), plannedEnd: new Date(t + 3_600_000).toISOString() };
};

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
    return reschedule(ctx, before, fields.plannedStart, fields.plannedEnd!, note);
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
  await wakeFlow(before);
  return after;
}
