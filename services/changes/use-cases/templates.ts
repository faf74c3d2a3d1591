import type * as z from 'zod/mini';
import { ChangeApproved, ChangeRaised } from '../../../shared/contracts/changes/v1';
import type { Principal } from '../../../shared/kit/auth';
import { now } from '../../../shared/kit/clock';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { handled, type Item, type Write } from '../../../shared/kit/store';
import { type Change, changeNumber } from '../domain/change';
import type { CreateChangeBody, TemplateBody } from '../schemas';
import { keys, table } from '../store';
import { startChangeFlow } from './approvals';
import { assessImpact } from './graph';
import { saveChange } from './record';

/**
 * Standard changes (FitSM PR12.2): pre-approved templates with their own fields. Making a change
 * from a template needs no approval: it is authorised by the template, which says so as the
 * basis of its approval (never as a person's approval), and goes straight to its window.
 */
const view = (i: Item) => ({
  templateId: String(i.templateId),
  name: String(i.name),
  description: String(i.description),
  ciIds: (i.ciIds ?? []) as string[],
  serviceIds: (i.serviceIds ?? []) as string[],
  implementationPlan: String(i.implementationPlan),
  testPlan: String(i.testPlan),
  backoutPlan: String(i.backoutPlan),
  fields: (i.fields ?? []) as { name: string; label: string; required: boolean }[],
  version: Number(i.version),
});

export async function getTemplate(id: string) {
  const i = await table().get(keys.template(id));
  if (!i) throw new NotFoundError(`Standard change template ${id} was not found.`, 'template-not-found');
  return view(i);
}

export const listTemplates = (limit: number, cursor?: string) =>
  table().page({ index: 'gsi1', pk: 'TEMPLATES', limit, ...(cursor ? { cursor } : {}) }, view);

export async function createTemplate(ctx: OperationContext, input: z.infer<typeof TemplateBody>) {
  const templateId = newId();
  const item = {
    ...keys.template(templateId),
    type: 'template',
    templateId,
    ...input,
    gsi1pk: 'TEMPLATES',
    gsi1sk: templateId,
  };
  await table().commit(ctx, {
    writes: [{ kind: 'create', item }],
    history: [{ pk: item.pk, entityType: 'template', entityId: templateId, action: 'created' }],
  });
  return getTemplate(templateId);
}

export async function instantiate(
  ctx: OperationContext,
  p: Principal,
  input: z.infer<typeof CreateChangeBody>,
  origin?: { source: string; ref: string; requestKey?: { source: string; requestId: string } },
): Promise<Change> {
  const t = await getTemplate(input.templateId!).catch((err) => {
    if (err instanceof NotFoundError)
      throw new ValidationError('No such standard change template.', [
        { field: 'body.templateId', message: 'does not exist' },
      ]);
    throw err;
  });
  const fields = input.fields ?? {};
  const missing = t.fields.filter((f) => f.required && !fields[f.name]);
  const unknown = Object.keys(fields).filter((k) => !t.fields.some((f) => f.name === k));
  const problems = [
    ...missing.map((f) => ({ field: `body.fields.${f.name}`, message: `is required by the template (${f.label})` })),
    ...unknown.map((k) => ({ field: `body.fields.${k}`, message: 'is not a field of the template' })),
  ];
  if (!input.plannedStart)
    problems.push({ field: 'body.plannedStart', message: 'a standard change is scheduled when made' });
  if (problems.length) throw new ValidationError('The standard change does not fit its template.', problems);
  const changeId = newId();
  const number = changeNumber(await table().nextNumber('CHG'));
  const ciIds = input.ciIds ?? t.ciIds;
  const serviceIds = input.serviceIds ?? t.serviceIds;
  const impact = await assessImpact(ciIds, serviceIds);
  const at = new Date(now()).toISOString();
  const description = [
    input.description,
    ...t.fields.filter((f) => fields[f.name]).map((f) => `${f.label}: ${fields[f.name]}`),
  ].join('\n');
  const change = {
    changeId,
    number,
    type: 'standard',
    status: 'approved',
    title: input.title,
    description: description.slice(0, 4000),
    ...(input.reason ? { reason: input.reason } : {}),
    requesterId: p.id,
    ...(input.implementerId ? { implementerId: input.implementerId } : {}),
    ciIds,
    serviceIds,
    customerIds: impact.customerIds.slice(0, 100),
    plannedStart: input.plannedStart!,
    plannedEnd: input.plannedEnd!,
    implementationPlan: t.implementationPlan,
    testPlan: t.testPlan,
    backoutPlan: t.backoutPlan,
    templateId: t.templateId,
    ...(origin ? { origin: { source: origin.source, ref: origin.ref } } : {}),
    approval: {
      levels: [],
      submittedAt: at,
      decidedAt: at,
      basis: `pre-approved by standard change template "${t.name}" (version ${t.version})`,
    },
    reviewReasons: [],
    incidentIds: [],
    createdAt: at,
  } as unknown as Change;
  const writes: Write[] = [{ kind: 'create', item: { ...keys.number(number), type: 'change-number', changeId } }];
  // Requested by event: once per (source, requestId), the key and the inbox marker written with it.
  if (origin?.requestKey)
    writes.push({
      kind: 'create',
      item: {
        ...keys.request(origin.requestKey.source, origin.requestKey.requestId),
        type: 'change-request',
        changeId,
      },
    });
  const saved = await saveChange(ctx, undefined, change, {
    action: `raised from standard change template "${t.name}"${origin ? ` for ${origin.source} ${origin.ref}` : ''}: pre-approved`,
    events: [ChangeRaised, ChangeApproved],
    writes,
    ...(ctx.inbox ? { handles: handled(ctx) } : {}),
  });
  return startChangeFlow(ctx, saved);
}
