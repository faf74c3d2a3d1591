import type * as z from 'zod/mini';
import { AgreementChanged, AgreementCreated, type AgreementSnapshot } from '../../../shared/contracts/service-level/v1';
import type { Principal } from '../../../shared/kit/auth';
import type { OperationContext } from '../../../shared/kit/context';
import {
  ConflictError,
  DomainError,
  type FieldError,
  NotFoundError,
  ValidationError,
} from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import { sameJson as sameValue } from '../../../shared/kit/json';
import type { PageRequest } from '../../../shared/kit/paging';
import type { Item, Page, Write } from '../../../shared/kit/store';
import { assertMayRead, customerScope } from '../access';
import {
  type AgreementState,
  agreementNumber,
  agreementProblems,
  canMove,
  coverageOf,
  isAgreementNumber,
  numberOf,
  termsChanged,
  unreachableTargets,
} from '../domain/agreement';
import type { BusinessCalendar } from '../domain/calendar';
import type { CreateAgreementBody, ListAgreementsQuery, UpdateAgreementBody } from '../schemas';
import { keys, REVIEW_PK, table } from '../store';
import { getCalendar } from './calendars';

/** Agreements: SLAs, OLAs and UAs with targets, calendars and review dates (FitSM PR2.2, PR2.4). */
export interface Agreement extends AgreementState {
  agreementId: string;
  /** Which immutable terms snapshot (targets, calendar, warning share) is current. */
  termsVersion: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const FIELDS = [
  'kind',
  'name',
  'description',
  'owner',
  'customerId',
  'serviceIds',
  'default',
  'supportingGroup',
  'supplierId',
  'supports',
  'calendarId',
  'targets',
  'availabilityTargetPercent',
  'warningShare',
  'validFrom',
  'validTo',
  'reviewDate',
  'status',
] as const satisfies readonly (keyof AgreementState)[];

export function toAgreement(i: Item): Agreement {
  const a: Record<string, unknown> = {
    agreementId: String(i.agreementId),
    termsVersion: Number(i.termsVersion),
    version: Number(i.version),
    createdAt: String(i.createdAt),
    updatedAt: String(i.updatedAt),
  };
  for (const f of FIELDS) if (i[f] !== undefined) a[f] = i[f];
  a.serviceIds ??= [];
  a.supports ??= [];
  a.default ??= false;
  return a as unknown as Agreement;
}

/** The snapshot AgreementCreated and AgreementChanged carry (and a resync record). */
export const snapshot = (a: Agreement): AgreementSnapshot => ({
  agreementId: a.agreementId,
  kind: a.kind,
  name: a.name,
  ...(a.description !== undefined ? { description: a.description } : {}),
  ...(a.owner !== undefined ? { owner: a.owner } : {}),
  ...(a.customerId !== undefined ? { customerId: a.customerId } : {}),
  serviceIds: a.serviceIds,
  default: a.default,
  ...(a.supportingGroup !== undefined ? { supportingGroup: a.supportingGroup } : {}),
  ...(a.supplierId !== undefined ? { supplierId: a.supplierId } : {}),
  supports: a.supports,
  calendarId: a.calendarId,
  ...(a.availabilityTargetPercent !== undefined ? { availabilityTargetPercent: a.availabilityTargetPercent } : {}),
  ...(a.validFrom !== undefined ? { validFrom: a.validFrom } : {}),
  ...(a.validTo !== undefined ? { validTo: a.validTo } : {}),
  reviewDate: a.reviewDate,
  status: a.status,
  version: a.version,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
});

const state = (a: AgreementState): AgreementState =>
  Object.fromEntries(FIELDS.filter((f) => a[f] !== undefined).map((f) => [f, a[f]])) as unknown as AgreementState;

/** The agreement item with its index keys: lists (gsi1), the customer's SLAs (gsi2), review due (sparse `due`). */
function agreementItem(agreementId: string, a: AgreementState, termsVersion: number): Item {
  return {
    ...keys.agreement(agreementId),
    type: 'agreement',
    agreementId,
    ...state(a),
    termsVersion,
    gsi1pk: 'AGREEMENTS',
    gsi1sk: `${a.kind}#${String(numberOf(agreementId)).padStart(9, '0')}`,
    ...(a.customerId ? { gsi2pk: `CUSTAGR#${a.customerId}`, gsi2sk: agreementId } : {}),
    // FitSM PR2.2/PR2.4: reviews at planned intervals; an expired agreement is not reviewed.
    ...(a.status !== 'expired' ? { duepk: REVIEW_PK, duesk: `${a.reviewDate}#${agreementId}` } : {}),
  };
}

/** Immutable terms snapshot: what clocks measure. The calendar is copied in (calendars are immutable too). */
const termsItem = (agreementId: string, n: number, a: AgreementState, calendar: BusinessCalendar): Item => ({
  ...keys.terms(agreementId, n),
  type: 'agreement-terms',
  agreementId,
  termsVersion: n,
  kind: a.kind,
  ...(a.customerId ? { customerId: a.customerId } : {}),
  calendarId: a.calendarId,
  calendar,
  targets: a.targets,
  warningShare: a.warningShare,
});

async function calendarFor(calendarId: string, field: string): Promise<BusinessCalendar> {
  try {
    return (await getCalendar(calendarId)).calendar;
  } catch (err) {
    if (err instanceof NotFoundError)
      throw new ValidationError('The agreement names a calendar that does not exist.', [
        { field, message: `calendar ${calendarId} does not exist` },
      ]);
    throw err;
  }
}

/** Refuse terms whose targets the calendar cannot reach (400 `target-unreachable`, naming each target). */
function checkReach(a: Pick<AgreementState, 'targets'>, calendar: BusinessCalendar) {
  const problems = unreachableTargets(a.targets, calendar, 'body.targets');
  if (problems.length)
    throw new ValidationError(
      'A target cannot be reached on the agreement’s calendar.',
      problems,
      'target-unreachable',
    );
}

function check(a: AgreementState, prefix = 'body') {
  const problems = agreementProblems(a, prefix);
  if (problems.length) throw new ValidationError('The agreement is not valid.', problems, 'invalid-agreement');
}

const coverageKey = (c: string) => {
  if (c === 'DEFAULT') return keys.defaultCoverage();
  const [customerId, serviceId] = c.split('#') as [string, string];
  return keys.coverage(customerId, serviceId);
};

/**
 * Coverage a change adds must be free: one active SLA per (customer, service) and one active
 * default SLA (FitSM PR2.2). Read first for a precise answer; the create-if-absent condition
 * in the transaction settles races.
 */
async function assertCoverageFree(agreementId: string, added: string[]): Promise<void> {
  if (!added.length) return;
  const taken = await table().batchGet(added.map(coverageKey));
  const others = taken.filter((t) => t.agreementId !== agreementId);
  if (!others.length) return;
  const fields: FieldError[] = others.map((t) =>
    String(t.pk) === 'COVER#DEFAULT'
      ? { field: 'body.default', message: `${t.agreementId} is already the active default SLA` }
      : { field: 'body.serviceIds', message: `service ${t.serviceId} is already covered by ${t.agreementId}` },
  );
  throw new DomainError('coverage-conflict', 409, 'Another active agreement already covers this.', fields);
}

function coverageWrites(
  agreementId: string,
  customerId: string | undefined,
  before: string[],
  after: string[],
): Write[] {
  const writes: Write[] = [];
  for (const c of before.filter((x) => !after.includes(x))) writes.push({ kind: 'delete', key: coverageKey(c) });
  for (const c of after.filter((x) => !before.includes(x))) {
    writes.push({
      kind: 'create',
      item: {
        ...coverageKey(c),
        type: 'coverage',
        agreementId,
        ...(c === 'DEFAULT' ? {} : { customerId, serviceId: c.split('#')[1] }),
      },
    });
  }
  return writes;
}

/** Record an agreement (`SLA-3`, `OLA-1`, `UA-2`); active at once or as a draft. */
export async function createAgreement(
  ctx: OperationContext,
  input: z.infer<typeof CreateAgreementBody>,
): Promise<Agreement> {
  const a: AgreementState = { ...input, serviceIds: input.serviceIds, supports: input.supports } as AgreementState;
  check(a);
  const calendar = await calendarFor(a.calendarId, 'body.calendarId');
  checkReach(a, calendar);
  const coverage = coverageOf(a);
  // Checked before a number is drawn, so a refused agreement burns none.
  await assertCoverageFree('', coverage);
  const agreementId = agreementNumber(a.kind, await table().nextNumber(a.kind.toUpperCase()));
  const now = new Date().toISOString();
  const created: Agreement = { agreementId, ...state(a), termsVersion: 1, version: 1, createdAt: now, updatedAt: now };
  await table().commit(ctx, {
    writes: [
      { kind: 'create', item: agreementItem(agreementId, a, 1) },
      { kind: 'create', item: termsItem(agreementId, 1, a, calendar) },
      ...coverageWrites(agreementId, a.customerId, [], coverage),
    ],
    history: [
      {
        pk: keys.agreement(agreementId).pk,
        entityType: 'agreement',
        entityId: agreementId,
        action: 'recorded',
        changes: Object.fromEntries(Object.entries(state(a)).map(([k, v]) => [k, { to: v }])),
      },
    ],
    events: [buildEvent(AgreementCreated, snapshot(created), ctx)],
    // Written at the snapshot's instant, so the record read back (a resync) equals its event.
    at: now,
  });
  return created;
}

export async function loadAgreement(agreementId: string, consistent = false): Promise<Agreement> {
  const item = isAgreementNumber(agreementId) ? await table().get(keys.agreement(agreementId), consistent) : undefined;
  if (!item) throw new NotFoundError(`Agreement ${agreementId} was not found.`, 'agreement-not-found');
  return toAgreement(item);
}

/** Read one agreement; customer users read only their organisation's SLAs (others look absent). */
export async function getAgreement(p: Principal, agreementId: string): Promise<Agreement> {
  const a = await loadAgreement(agreementId);
  assertMayRead(p, a);
  return a;
}

/** Change an agreement or move it through draft → active → expired (If-Match). */
export async function updateAgreement(
  ctx: OperationContext,
  agreementId: string,
  version: number,
  input: z.infer<typeof UpdateAgreementBody>,
): Promise<Agreement> {
  const before = await loadAgreement(agreementId, true);
  if (before.version !== version)
    throw new ConflictError(`Agreement ${agreementId} is at version ${before.version}, not ${version}. Read it again.`);
  const after: AgreementState = { ...state(before) };
  const { reason, ...changes } = input;
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete (after as unknown as Record<string, unknown>)[k];
    else if (v !== undefined) (after as unknown as Record<string, unknown>)[k] = v;
  }
  if (!canMove(before.status, after.status))
    throw new ValidationError(
      `Agreement ${agreementId} cannot move from ${before.status} to ${after.status}.`,
      [
        {
          field: 'body.status',
          message: `${before.status} agreements can move to: ${['draft', 'active', 'expired'].filter((s) => s !== before.status && canMove(before.status, s as never)).join(', ') || 'nothing'}`,
        },
      ],
      'invalid-transition',
    );
  check(after);
  const diff: Record<string, { from?: unknown; to?: unknown }> = {};
  for (const f of FIELDS) if (!sameValue(before[f], after[f])) diff[f] = { from: before[f], to: after[f] };
  if (Object.keys(diff).length === 0) return before;

  const writes: Write[] = [];
  let termsVersion = before.termsVersion;
  if (termsChanged(before, after)) {
    termsVersion += 1;
    const calendar = await calendarFor(after.calendarId, 'body.calendarId');
    checkReach(after, calendar);
    writes.push({ kind: 'create', item: termsItem(agreementId, termsVersion, after, calendar) });
  }
  const was = coverageOf(before);
  const will = coverageOf(after);
  await assertCoverageFree(
    agreementId,
    will.filter((c) => !was.includes(c)),
  );
  // A replace writes the whole item: it keeps when the agreement was created.
  const kept = { createdAt: before.createdAt };
  writes.unshift({
    kind: 'replace',
    item: { ...agreementItem(agreementId, after, termsVersion), ...kept },
    expectVersion: version,
  });
  writes.push(...coverageWrites(agreementId, after.customerId, was, will));
  const updated: Agreement = {
    ...before,
    ...state(after),
    ...after,
    termsVersion,
    version: version + 1,
    updatedAt: new Date().toISOString(),
  };
  // Fields set to null are gone from `after`, so from the updated agreement too.
  for (const f of FIELDS) if (after[f] === undefined) delete (updated as unknown as Record<string, unknown>)[f];
  await table().commit(ctx, {
    writes,
    history: [
      {
        pk: keys.agreement(agreementId).pk,
        entityType: 'agreement',
        entityId: agreementId,
        action: diff.status ? `moved to ${after.status}` : 'updated',
        changes: diff,
        ...(reason ? { reason } : {}),
      },
    ],
    events: [buildEvent(AgreementChanged, snapshot(updated), ctx)],
    at: updated.updatedAt,
  });
  return updated;
}

/**
 * List agreements, each by one index query: by kind (gsi1), a customer's SLAs (gsi2), or those
 * whose review is due (the sparse `due` index, `REVIEW` partition, sorted by review date).
 * Customer users get their organisation's SLAs only (record-level rule, ARCHITECTURE §7).
 */
export async function listAgreements(
  p: Principal,
  q: z.infer<typeof ListAgreementsQuery>,
  paging: PageRequest,
): Promise<Page<Agreement>> {
  const cursor = paging.cursor ? { cursor: paging.cursor } : {};
  const scope = customerScope(p, q.customerId);
  if (scope !== undefined) {
    if (q.reviewDue === 'true')
      throw new ValidationError('Customer users cannot list reviews.', [
        { field: 'query.reviewDue', message: 'not available to customer users' },
      ]);
    const page = await table().page(
      { index: 'gsi2', pk: `CUSTAGR#${scope}`, limit: paging.limit, ...cursor },
      toAgreement,
    );
    // Only SLAs carry a customer, so this never shows OLAs or UAs.
    return q.kind ? { ...page, items: page.items.filter((a) => a.kind === q.kind) } : page;
  }
  if (q.reviewDue === 'true') {
    const asOf = q.asOf ?? new Date().toISOString().slice(0, 10);
    // The due index holds keys only (it is rewritten with every ticket clock): fetch the page's agreements.
    const page = await table().page(
      { index: 'due', pk: REVIEW_PK, skBetween: ['0', `${asOf}#~`], limit: paging.limit, ...cursor },
      (i) => ({ pk: String(i.pk), sk: String(i.sk), duesk: String(i.duesk) }),
    );
    const found = new Map(
      (await table().batchGet(page.items.map(({ pk, sk }) => ({ pk, sk })))).map((i) => [String(i.pk), i]),
    );
    return {
      ...page,
      items: page.items.flatMap((k) => {
        const item = found.get(k.pk);
        return item ? [toAgreement(item)] : [];
      }),
    };
  }
  return table().page(
    {
      index: 'gsi1',
      pk: 'AGREEMENTS',
      ...(q.kind ? { skBeginsWith: `${q.kind}#` } : {}),
      limit: paging.limit,
      ...cursor,
    },
    toAgreement,
  );
}

export const agreementHistory = async (p: Principal, agreementId: string, paging: PageRequest) => {
  await getAgreement(p, agreementId);
  return table().history(keys.agreement(agreementId).pk, paging);
};
