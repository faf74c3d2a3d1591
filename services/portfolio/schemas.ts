import * as z from 'zod/mini';
import { fanOut } from '../../shared/contracts/limits';
import { INITIAL_STATUSES, SERVICE_STATUSES } from './domain/service';

/** API request schemas of the portfolio service; validation and the OpenAPI document derive from them. */
const Name = z.string().check(z.minLength(1), z.maxLength(200));
const Id = z.string().check(z.minLength(1), z.maxLength(100));
const Text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
/** At most 40 customers, so one change (links removed and added) fits one transaction. */
const CustomerIds = fanOut(z.array(Id).check(z.maxLength(40)), 2);
const CiIds = z.array(Id).check(z.maxLength(100));
const CriterionId = z
  .string()
  .check(z.maxLength(63), z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be letters, digits, _ or - (at most 63)'));

/** A supplier or federation member with its role, responsibilities and contact point (PR1.4). */
export const PartySchema = z.strictObject({
  name: Name,
  role: Text(100),
  responsibilities: Text(500),
  contact: Text(200),
});
/** Limits keep a service with every list full, changed at once (old and new in its history), within 400 KB (ADR 20). */
const Parties = z.array(PartySchema).check(z.maxLength(10));

/** Criteria are written as id + text; they are marked met only through the fulfilment route. */
export const CriterionSchema = z.strictObject({ id: CriterionId, text: Text(500) });
const Criteria = z.array(CriterionSchema).check(z.maxLength(20));

export const CreateServiceBody = z.strictObject({
  name: Name,
  description: Text(4000),
  owner: Id,
  status: z._default(z.enum(INITIAL_STATUSES), 'proposed'),
  category: z.optional(Text(200)),
  valueProposition: z.optional(Text(4000)),
  customerIds: z._default(CustomerIds, []),
  supportingCiIds: z._default(CiIds, []),
  suppliers: z._default(Parties, []),
  federationMembers: z._default(Parties, []),
  acceptanceCriteria: z._default(Criteria, []),
});

export const UpdateServiceBody = z.strictObject({
  name: z.optional(Name),
  description: z.optional(Text(4000)),
  owner: z.optional(Id),
  status: z.optional(z.enum(SERVICE_STATUSES)),
  category: z.optional(z.nullable(Text(200))),
  valueProposition: z.optional(z.nullable(Text(4000))),
  customerIds: z.optional(CustomerIds),
  supportingCiIds: z.optional(CiIds),
  suppliers: z.optional(Parties),
  federationMembers: z.optional(Parties),
  acceptanceCriteria: z.optional(Criteria),
  /** Why the change was made; kept in the history (FitSM GR2.3). */
  reason: z.optional(z.string().check(z.maxLength(1000))),
});

export const FulfilCriterionBody = z.strictObject({
  /** How the criterion was shown to be met (evidence, test report, sign-off). */
  note: Text(2000),
});

import { HistoryPage, ListQuery, pageOf } from '../../shared/kit/paging';

export { HistoryPage, ListQuery };

export const ListServicesQuery = z.extend(ListQuery, {
  status: z.optional(z.enum(SERVICE_STATUSES)),
});

// ---- Responses (documentation and the console's types; they validate nothing) ----

const AcceptanceCriterion = z.object({
  id: z.string(),
  text: z.string(),
  met: z.boolean(),
  metAt: z.optional(z.string()),
  metBy: z.optional(z.string()),
  note: z.optional(z.string()),
});
const Party = z.object({ name: z.string(), role: z.string(), responsibilities: z.string(), contact: z.string() });

/** A portfolio entry with its specification (PR1.1, PR1.4); its version is also the ETag. */
export const Service = z.object({
  serviceId: z.string(),
  number: z.string(),
  name: z.string(),
  description: z.string(),
  owner: z.string(),
  status: z.enum(SERVICE_STATUSES),
  category: z.optional(z.string()),
  valueProposition: z.optional(z.string()),
  customerIds: z.array(z.string()),
  supportingCiIds: z.array(z.string()),
  suppliers: z.array(Party),
  federationMembers: z.array(Party),
  acceptanceCriteria: z.array(AcceptanceCriterion),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const ServicePage = pageOf(Service);

/** The customer-facing view of a live service (PR2.1). */
export const CatalogueEntry = z.object({
  serviceId: z.string(),
  number: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.optional(z.string()),
  valueProposition: z.optional(z.string()),
});
export const CataloguePage = pageOf(CatalogueEntry);

/** Names in the OpenAPI document (`components.schemas`), so the console's generated client has them by name. */
for (const [id, schema] of Object.entries({ Service, ServicePage, CatalogueEntry, CataloguePage })) {
  z.globalRegistry.add(schema, { id });
}
