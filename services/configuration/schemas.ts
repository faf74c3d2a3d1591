import * as z from 'zod/mini';
import { boundedRecord, fanOut, instant, limitsRegistry } from '../../shared/contracts/limits';
import { CI_STATUSES } from './domain/ci';
import { ATTRIBUTE_KINDS, DEPENDENCY_DIRECTIONS } from './domain/ci-types';
import { VERIFICATION_RESULTS } from './domain/verification';

/** API request schemas of the configuration service; validation and the OpenAPI document derive from them. */
const Slug = z
  .string()
  .check(z.maxLength(63), z.regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be lower-case letters, digits and dashes'));
const Name = z.string().check(z.minLength(1), z.maxLength(200));
const Id = z.string().check(z.minLength(1), z.maxLength(100));
const IdList = z.array(Id).check(z.maxLength(100));
/** A scope of up to 1000 CIs: each becomes its own snapshot or result item, written in batches; the record keeps a count. */
const ApartIds = () => {
  const schema = z.array(Id).check(z.minLength(1), z.maxLength(1000));
  limitsRegistry.add(schema, { notStored: true });
  return schema;
};
/** At most 40 customers: a change replacing all of them (40 links removed, 40 added) fits one transaction. */
const CustomerIdList = fanOut(z.array(Id).check(z.maxLength(40)), 2);
const AttributeName = z
  .string()
  .check(z.maxLength(63), z.regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'must be a letter then letters, digits or _'));
/** At most 30 attributes per type, 20 allowed values each: a type or CI changed all at once (old and new in its history) fits 400 KB. */
const MAX_ATTRIBUTES = 30;

export const AttributeSpecSchema = z.strictObject({
  name: AttributeName,
  type: z.enum(ATTRIBUTE_KINDS),
  required: z._default(z.boolean(), false),
  allowedValues: z.optional(
    z.array(z.string().check(z.minLength(1), z.maxLength(60))).check(z.minLength(1), z.maxLength(20)),
  ),
  description: z.optional(z.string().check(z.maxLength(200))),
});

export const CreateCiTypeBody = z.strictObject({
  typeId: Slug,
  name: Name,
  description: z.optional(z.string().check(z.maxLength(2000))),
  attributes: z._default(z.array(AttributeSpecSchema).check(z.maxLength(MAX_ATTRIBUTES)), []),
});

export const UpdateCiTypeBody = z.strictObject({
  name: z.optional(Name),
  description: z.optional(z.string().check(z.maxLength(2000))),
  attributes: z.optional(z.array(AttributeSpecSchema).check(z.maxLength(MAX_ATTRIBUTES))),
});

export const CreateRelationshipTypeBody = z.strictObject({
  typeId: Slug,
  name: Name,
  inverseName: Name,
  dependency: z.enum(DEPENDENCY_DIRECTIONS),
});

/** Attribute values: the kinds a CI type knows (string, date and enum are strings); null clears. */
const Attributes = boundedRecord(
  AttributeName,
  z.union([z.string().check(z.maxLength(500)), z.number(), z.boolean(), z.null()]),
  MAX_ATTRIBUTES,
);

export const CreateCiBody = z.strictObject({
  typeId: Slug,
  name: Name,
  attributes: z._default(Attributes, {}),
  owner: z.optional(Id),
  status: z._default(z.enum(CI_STATUSES), 'planned'),
  serviceIds: z._default(IdList, []),
  customerIds: z._default(CustomerIdList, []),
});

export const UpdateCiBody = z.strictObject({
  name: z.optional(Name),
  attributes: z.optional(Attributes),
  owner: z.optional(z.nullable(Id)),
  status: z.optional(z.enum(CI_STATUSES)),
  serviceIds: z.optional(IdList),
  customerIds: z.optional(CustomerIdList),
  /** Why the change was made; kept in the history (FitSM GR2.3). */
  reason: z.optional(z.string().check(z.maxLength(1000))),
});

export const AddRelationshipBody = z.strictObject({
  type: Slug,
  targetCiId: Id,
  reason: z.optional(z.string().check(z.maxLength(1000))),
});

import { ListQuery } from '../../shared/kit/paging';

export { ListQuery };

export const ListCisQuery = z.extend(ListQuery, {
  typeId: z.optional(Slug),
});

export const ImpactQuery = z.object({
  direction: z.optional(z.enum(['downstream', 'upstream'])),
  depth: z.optional(z.string().check(z.maxLength(2), z.regex(/^(10|[1-9])$/, 'must be a number from 1 to 10'))),
});

export const ImportRow = z.strictObject({
  sourceId: Id,
  typeId: Slug,
  name: Name,
  attributes: z._default(Attributes, {}),
  owner: z.optional(Id),
  status: z._default(z.enum(CI_STATUSES), 'active'),
  serviceIds: z._default(IdList, []),
  customerIds: z._default(CustomerIdList, []),
});

/** Rows are validated one by one (each row is accepted or rejected on its own), so `rows` is loose here. */
export const ImportBody = z.strictObject({
  source: z
    .string()
    .check(z.maxLength(63), z.regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be a short lower-case source name')),
  rows: z.array(z.unknown()).check(z.minLength(1), z.maxLength(1000)),
});
// Each row becomes its own CI in its own transaction: bounded as a row, not kept in one record.
limitsRegistry.add(ImportBody.shape.rows, { elements: ImportRow, notStored: true });

export const CaptureBaselineBody = z.strictObject({
  name: Name,
  description: z.optional(z.string().check(z.maxLength(2000))),
  /** Either explicit CIs or every CI of a type. */
  ciIds: z.optional(ApartIds()),
  typeId: z.optional(Slug),
});

export const PlanCampaignBody = z.strictObject({
  name: Name,
  ciIds: z.optional(ApartIds()),
  typeId: z.optional(Slug),
  /** When the campaign closes by itself if not every CI was verified. */
  dueAt: instant(),
});

export const RecordResultBody = z.strictObject({
  ciId: Id,
  result: z.enum(VERIFICATION_RESULTS),
  notes: z.optional(z.string().check(z.maxLength(4000))),
});

export const CloseCampaignBody = z.optional(
  z.strictObject({ reason: z.optional(z.string().check(z.maxLength(1000))) }),
);
