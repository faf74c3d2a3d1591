import type * as z from 'zod/mini';
import type { Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError } from '../../../shared/kit/errors';
import type { Page } from '../../../shared/kit/store';
import { assertCanSee } from '../access';
import { CONTACT_FIELDS, type ContactState, diff } from '../domain/customer';
import type { CreateContactBody, UpdateContactBody } from '../schemas';
import { type Contact, contactIndexes, keys, strip, table } from '../store';
import { customerExists, customerHistoryEntry, loadCustomer, loadForChange } from './customers';

/** Contacts of a customer (FitSM PR7.1, PR7.3): who to talk to, who gets notices, who uses the portal. */
export const toContact = (item: Record<string, unknown>) => strip<Contact>(item);

export async function addContact(
  ctx: OperationContext,
  p: Principal,
  customerId: string,
  input: z.infer<typeof CreateContactBody>,
): Promise<Contact> {
  await loadForChange(p, customerId);
  const contactId = newId();
  const state: ContactState = {
    name: input.name,
    email: input.email.toLowerCase(),
    ...(input.phone ? { phone: input.phone } : {}),
    role: input.role,
    receivesServiceLevelNotices: input.receivesServiceLevelNotices,
    portalUser: input.portalUser,
  };
  const now = new Date().toISOString();
  await table().commit(ctx, {
    writes: [
      customerExists(customerId),
      {
        kind: 'create',
        item: {
          ...keys.contact(customerId, contactId),
          type: 'contact',
          contactId,
          customerId,
          ...state,
          ...contactIndexes(customerId, contactId, state.receivesServiceLevelNotices),
        },
      },
    ],
    history: [
      customerHistoryEntry(
        customerId,
        'contact',
        contactId,
        `contact ${state.name} added`,
        Object.fromEntries(Object.entries(state).map(([k, v]) => [k, { to: v }])),
      ),
    ],
  });
  return { contactId, customerId, ...state, version: 1, createdAt: now, updatedAt: now };
}

async function loadContact(customerId: string, contactId: string, consistent = false): Promise<Contact> {
  const item = await table().get(keys.contact(customerId, contactId), consistent);
  if (!item) throw new NotFoundError(`Contact ${contactId} of ${customerId} was not found.`, 'contact-not-found');
  return toContact(item);
}

export async function getContact(p: Principal, customerId: string, contactId: string): Promise<Contact> {
  assertCanSee(p, customerId, `Contact ${contactId}`, 'contact-not-found');
  return loadContact(customerId, contactId);
}

/** One page of a customer's contacts (a key query on the customer's partition). */
export async function listContacts(
  p: Principal,
  customerId: string,
  q: { limit: number; cursor?: string },
): Promise<Page<Contact>> {
  assertCanSee(p, customerId);
  await loadCustomer(customerId);
  return table().page({ pk: keys.customer(customerId).pk, skBeginsWith: 'CONTACT#', ...q }, toContact);
}

export async function updateContact(
  ctx: OperationContext,
  p: Principal,
  customerId: string,
  contactId: string,
  version: number,
  input: z.infer<typeof UpdateContactBody>,
): Promise<Contact> {
  await loadForChange(p, customerId);
  const before = await loadContact(customerId, contactId, true);
  if (before.version !== version) {
    throw new ConflictError(`Contact ${contactId} is at version ${before.version}, not ${version}. Read it again.`);
  }
  const phone = input.phone === null ? undefined : (input.phone ?? before.phone);
  const after: ContactState = {
    name: input.name ?? before.name,
    email: input.email?.toLowerCase() ?? before.email,
    ...(phone ? { phone } : {}),
    role: input.role ?? before.role,
    receivesServiceLevelNotices: input.receivesServiceLevelNotices ?? before.receivesServiceLevelNotices,
    portalUser: input.portalUser ?? before.portalUser,
  };
  const changes = diff<ContactState>(before, after, CONTACT_FIELDS);
  if (Object.keys(changes).length === 0) return before;
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  for (const f of Object.keys(changes) as (keyof ContactState)[]) {
    if (after[f] === undefined) remove.push(f);
    else set[f] = after[f];
  }
  // Keep the sparse notice index in step with the flag.
  if (changes.receivesServiceLevelNotices) {
    if (after.receivesServiceLevelNotices) Object.assign(set, contactIndexes(customerId, contactId, true));
    else remove.push('gsi1pk', 'gsi1sk');
  }
  await table().commit(ctx, {
    writes: [{ kind: 'update', key: keys.contact(customerId, contactId), set, remove, expectVersion: before.version }],
    history: [
      customerHistoryEntry(customerId, 'contact', contactId, `contact ${after.name} updated`, changes, input.reason),
    ],
  });
  const updated: Contact = { ...before, ...after, version: before.version + 1, updatedAt: new Date().toISOString() };
  if (!phone) delete updated.phone;
  return updated;
}

export async function removeContact(
  ctx: OperationContext,
  p: Principal,
  customerId: string,
  contactId: string,
  version: number,
): Promise<void> {
  await loadForChange(p, customerId);
  const before = await loadContact(customerId, contactId, true);
  await table().commit(ctx, {
    writes: [{ kind: 'delete', key: keys.contact(customerId, contactId), expectVersion: version }],
    history: [customerHistoryEntry(customerId, 'contact', contactId, `contact ${before.name} removed`)],
  });
}

/** The contacts that receive service-level notices: one query on the sparse notice index. */
export async function noticeContacts(customerId: string): Promise<Contact[]> {
  return table().all({ index: 'gsi1', pk: `NOTICES#${customerId}` }, toContact);
}
