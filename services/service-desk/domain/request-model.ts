/**
 * Request models: standard service requests with a form, fulfilment tasks and an optional
 * approval (FitSM PR9.2: request models as step-by-step workflows). Pure: no I/O.
 */
import type { FieldError } from '../../../shared/kit/errors';

export const FIELD_TYPES = ['string', 'number', 'boolean', 'date', 'choice'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface FormField {
  name: string;
  label?: string;
  type: FieldType;
  required: boolean;
  /** For `choice` (and optionally `string`): the values allowed. */
  allowedValues?: string[];
}

export interface FulfilmentTaskSpec {
  title: string;
  group?: string;
}

/** Who must approve before fulfilment starts: anyone holding a role, or one named user. */
export interface ApprovalSpec {
  role?: string;
  userId?: string;
}

export interface RequestModel {
  modelId: string;
  name: string;
  description?: string;
  serviceId: string;
  fields: FormField[];
  tasks: FulfilmentTaskSpec[];
  approval?: ApprovalSpec;
  /** Group that fulfils the request. */
  group?: string;
  active: boolean;
  version: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Check a submitted form against its model; returns failing fields (empty when valid). */
export function validateForm(fields: FormField[], form: Record<string, unknown>, prefix = 'body.form.'): FieldError[] {
  const out: FieldError[] = [];
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(form)) {
    if (!known.has(key)) out.push({ field: `${prefix}${key}`, message: 'is not a field of this request model' });
  }
  for (const f of fields) {
    const v = form[f.name];
    const field = `${prefix}${f.name}`;
    if (v === undefined || v === null || v === '') {
      if (f.required) out.push({ field, message: 'is required' });
      continue;
    }
    switch (f.type) {
      case 'string':
        if (typeof v !== 'string') out.push({ field, message: 'must be text' });
        else if (f.allowedValues?.length && !f.allowedValues.includes(v))
          out.push({ field, message: `must be one of ${f.allowedValues.join(', ')}` });
        break;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) out.push({ field, message: 'must be a number' });
        break;
      case 'boolean':
        if (typeof v !== 'boolean') out.push({ field, message: 'must be true or false' });
        break;
      case 'date':
        if (typeof v !== 'string' || !DATE.test(v) || Number.isNaN(Date.parse(v)))
          out.push({ field, message: 'must be a date (YYYY-MM-DD)' });
        break;
      case 'choice':
        if (typeof v !== 'string' || !(f.allowedValues ?? []).includes(v))
          out.push({ field, message: `must be one of ${(f.allowedValues ?? []).join(', ')}` });
        break;
    }
  }
  return out;
}

/** Consistency checks of a model beyond its schema. */
export function checkModel(m: Pick<RequestModel, 'fields' | 'approval'>, prefix = 'body.'): FieldError[] {
  const out: FieldError[] = [];
  const names = new Set<string>();
  m.fields.forEach((f, i) => {
    if (names.has(f.name)) out.push({ field: `${prefix}fields.${i}.name`, message: `${f.name} appears twice` });
    names.add(f.name);
    if (f.type === 'choice' && !f.allowedValues?.length)
      out.push({ field: `${prefix}fields.${i}.allowedValues`, message: 'is required for a choice field' });
  });
  if (m.approval && !m.approval.role === !m.approval.userId)
    out.push({ field: `${prefix}approval`, message: 'must name either a role or a userId' });
  return out;
}
