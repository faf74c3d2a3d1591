import type * as z from 'zod/mini';
import type { Principal } from '../../../shared/kit/auth';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError, PreconditionError, ValidationError } from '../../../shared/kit/errors';
import { sameJson } from '../../../shared/kit/json';
import { checkSettings, DEFAULT_SETTINGS, type DeskSettings } from '../domain/settings';
import type { GroupBody, SettingsBody } from '../schemas';
import { keys, table } from '../store';

/**
 * Desk settings and support groups (FitSM PR9.1 matrix and categories, PR9.3 escalation rules,
 * PR9.5 closure periods, PR9.6 major incident criteria). Until someone saves settings the
 * defaults apply, at version 0, so the first save sends `If-Match: "0"`.
 */
export async function loadSettings(consistent = false): Promise<{ settings: DeskSettings; version: number }> {
  const item = await table().get(keys.settings(), consistent);
  if (!item) return { settings: DEFAULT_SETTINGS, version: 0 };
  return { settings: item.settings as DeskSettings, version: Number(item.version) };
}

export async function putSettings(ctx: OperationContext, version: number, body: z.infer<typeof SettingsBody>) {
  const input = body as DeskSettings;
  const problems = checkSettings(input);
  if (problems.length) throw new ValidationError('The settings are not consistent.', problems);
  const current = await loadSettings(true);
  if (current.version !== version) {
    throw new ConflictError(`The settings are at version ${current.version}, not ${version}. Read them again.`);
  }
  if (sameJson(current.settings, input)) return current;
  const changes = Object.fromEntries(
    Object.keys(input)
      .filter((k) => !sameJson(current.settings[k as keyof DeskSettings], input[k as keyof DeskSettings]))
      .map((k) => [k, { from: current.settings[k as keyof DeskSettings], to: input[k as keyof DeskSettings] }]),
  );
  await table().commit(ctx, {
    writes: [
      version === 0
        ? { kind: 'create', item: { ...keys.settings(), type: 'settings', settings: input } }
        : { kind: 'update', key: keys.settings(), set: { settings: input }, expectVersion: version },
    ],
    history: [{ pk: keys.settings().pk, entityType: 'desk-settings', entityId: 'desk', action: 'changed', changes }],
  });
  return { settings: input, version: version + 1 };
}

export interface Group {
  group: string;
  name: string;
  managerId?: string;
  managerEmail?: string;
  members: string[];
  version: number;
}

const toGroup = (i: Record<string, unknown>): Group => ({
  group: String(i.group),
  name: String(i.name),
  ...(i.managerId ? { managerId: String(i.managerId) } : {}),
  ...(i.managerEmail ? { managerEmail: String(i.managerEmail) } : {}),
  members: (i.members ?? []) as string[],
  version: Number(i.version),
});

export async function findGroup(group: string, consistent = false): Promise<Group | undefined> {
  const item = await table().get(keys.group(group), consistent);
  return item ? toGroup(item) : undefined;
}

export async function getGroup(group: string): Promise<Group> {
  const g = await findGroup(group);
  if (!g) throw new NotFoundError(`Support group ${group} was not found.`, 'group-not-found');
  return g;
}

const GROUP_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Define a group, or change it (If-Match): its manager is the target of hierarchical escalation (PR9.3). */
export async function putGroup(
  ctx: OperationContext,
  _p: Principal,
  group: string,
  ifMatch: number | undefined,
  input: z.infer<typeof GroupBody>,
): Promise<Group> {
  if (!GROUP_ID.test(group)) {
    throw new ValidationError('The group id is not valid.', [
      { field: 'path.group', message: 'must be lower-case letters, digits and dashes' },
    ]);
  }
  const current = await findGroup(group, true);
  const state = {
    group,
    name: input.name,
    ...(input.managerId ? { managerId: input.managerId } : {}),
    ...(input.managerEmail ? { managerEmail: input.managerEmail } : {}),
    members: [...new Set(input.members)],
  };
  const pk = `GROUPHIST#${group}`;
  if (!current) {
    await table().commit(ctx, {
      writes: [{ kind: 'create', item: { ...keys.group(group), type: 'group', ...state } }],
      history: [{ pk, entityType: 'group', entityId: group, action: 'defined', changes: { group: { to: state } } }],
    });
    return { ...state, version: 1 };
  }
  if (ifMatch === undefined) {
    throw new PreconditionError('Send If-Match with the version you read to change an existing group.');
  }
  if (ifMatch !== current.version) {
    throw new ConflictError(`Group ${group} is at version ${current.version}, not ${ifMatch}. Read it again.`);
  }
  const { version: _v, ...before } = current;
  await table().commit(ctx, {
    writes: [
      {
        kind: 'update',
        key: keys.group(group),
        set: { name: state.name, members: state.members, ...pick(state, ['managerId', 'managerEmail']) },
        remove: ['managerId', 'managerEmail'].filter((k) => !(k in state)),
        expectVersion: current.version,
      },
    ],
    history: [
      { pk, entityType: 'group', entityId: group, action: 'changed', changes: { group: { from: before, to: state } } },
    ],
  });
  return { ...state, version: current.version + 1 };
}

const pick = (o: Record<string, unknown>, ks: string[]) =>
  Object.fromEntries(ks.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
