import type * as z from 'zod/mini';
import type { Principal } from '../../../shared/kit/auth';
import { hasAnyRole } from '../../../shared/kit/auth';
import { now } from '../../../shared/kit/clock';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import type { Item } from '../../../shared/kit/store';
import { currentLevel } from '../domain/approval';
import type { CabBody, MeetingBody, MeetingDecisionBody, PersonBody } from '../schemas';
import { keys, table, toChange } from '../store';
import { decideInMeeting } from './approvals';
import { MANAGERS } from './record';

/**
 * What approvals need to know about people and boards (FitSM PR12.4): who manages whom (for
 * manager-of-requester levels) and where to mail an approver; change advisory boards with their
 * members; CAB meetings with their agenda (the changes waiting on the board) and decisions.
 */
const personView = (i: Item) => ({
  userId: String(i.userId),
  ...(i.name ? { name: String(i.name) } : {}),
  ...(i.email ? { email: String(i.email) } : {}),
  ...(i.managerId ? { managerId: String(i.managerId) } : {}),
  version: Number(i.version),
});

export async function getPerson(userId: string) {
  const i = await table().get(keys.person(userId));
  if (!i) throw new NotFoundError(`No person ${userId} is recorded.`, 'person-not-found');
  return personView(i);
}

/** Record a person (create or replace; If-Match for a replace). A person is never their own manager. */
export async function putPerson(
  ctx: OperationContext,
  userId: string,
  ifMatch: number | undefined,
  input: z.infer<typeof PersonBody>,
) {
  if (input.managerId === userId)
    throw new ValidationError('A person cannot manage themselves.', [
      { field: 'body.managerId', message: 'is the person' },
    ]);
  const current = await table().get(keys.person(userId), true);
  if (current && ifMatch === undefined)
    throw new ConflictError(
      `${userId} is recorded already: send If-Match with its version to change it.`,
      'person-exists',
    );
  const item = { ...keys.person(userId), type: 'person', userId, ...input, gsi1pk: 'PEOPLE', gsi1sk: userId };
  await table().commit(ctx, {
    writes: [current ? { kind: 'replace', item, expectVersion: ifMatch! } : { kind: 'create', item }],
    history: [
      {
        pk: keys.person(userId).pk,
        entityType: 'person',
        entityId: userId,
        action: current ? 'changed' : 'recorded',
        changes: Object.fromEntries(
          (['name', 'email', 'managerId'] as const)
            .filter((k) => current?.[k] !== input[k])
            .map((k) => [k, { ...(current?.[k] ? { from: current[k] } : {}), ...(input[k] ? { to: input[k] } : {}) }]),
        ),
      },
    ],
  });
  return getPerson(userId);
}

const cabView = (i: Item) => ({
  cabId: String(i.cabId),
  name: String(i.name),
  members: i.members as string[],
  emergency: Boolean(i.emergency),
  version: Number(i.version),
});

export async function getCab(id: string) {
  const i = await table().get(keys.cab(id));
  if (!i) throw new NotFoundError(`CAB ${id} was not found.`, 'cab-not-found');
  return cabView(i);
}

export const listCabs = (limit: number, cursor?: string) =>
  table().page({ index: 'gsi1', pk: 'CABS', limit, ...(cursor ? { cursor } : {}) }, cabView);

export async function createCab(ctx: OperationContext, input: z.infer<typeof CabBody>) {
  const cabId = newId();
  const item = {
    ...keys.cab(cabId),
    type: 'cab',
    cabId,
    ...input,
    members: [...new Set(input.members)],
    gsi1pk: 'CABS',
    gsi1sk: cabId,
  };
  await table().commit(ctx, {
    writes: [{ kind: 'create', item }],
    history: [
      {
        pk: item.pk,
        entityType: 'cab',
        entityId: cabId,
        action: 'created',
        changes: { members: { to: item.members } },
      },
    ],
  });
  return getCab(cabId);
}

export async function updateCab(ctx: OperationContext, id: string, ifMatch: number, input: z.infer<typeof CabBody>) {
  const current = await getCab(id);
  const item = {
    ...keys.cab(id),
    type: 'cab',
    cabId: id,
    ...input,
    members: [...new Set(input.members)],
    gsi1pk: 'CABS',
    gsi1sk: id,
  };
  await table().commit(ctx, {
    writes: [{ kind: 'replace', item, expectVersion: ifMatch }],
    history: [
      {
        pk: item.pk,
        entityType: 'cab',
        entityId: id,
        action: 'changed',
        changes: { members: { from: current.members, to: item.members } },
      },
    ],
  });
  return getCab(id);
}

async function loadMeeting(id: string, consistent = false) {
  const i = await table().get(keys.meeting(id), consistent);
  if (!i) throw new NotFoundError(`CAB meeting ${id} was not found.`, 'meeting-not-found');
  return i;
}

/**
 * A CAB meeting with its agenda: the changes whose open approval level waits on this CAB,
 * found through the CAB's members' inboxes (each member is asked by name), so no scan.
 */
export async function getMeeting(id: string) {
  const m = await loadMeeting(id);
  const cab = await getCab(String(m.cabId));
  const asked = (
    await Promise.all(
      cab.members.map((u) =>
        table()
          .page({ index: 'gsi1', pk: `INBOX#${u}`, limit: 100 })
          .then((p) => p.items),
      ),
    )
  ).flat();
  const changeIds = [...new Set(asked.map((a) => String(a.changeId)))];
  const changes = (await table().batchGet(changeIds.map(keys.change))).map(toChange);
  const agenda = changes
    .filter((c) => c.status === 'approval')
    .flatMap((c) => {
      const l = currentLevel(c.approval!.levels);
      return l && l.cabId === cab.cabId && l.status === 'open'
        ? [
            {
              changeId: c.changeId,
              number: c.number,
              title: c.title,
              type: c.type,
              level: l.level,
              levelName: l.name,
              ...(c.plannedStart ? { plannedStart: c.plannedStart } : {}),
              ...(c.assessment ? { risk: c.assessment.risk, impact: c.assessment.impact } : {}),
              votes: l.votes.filter((v) => v.decision === 'approve').length,
              required: l.required,
            },
          ]
        : [];
    })
    .sort((a, b) => (a.plannedStart ?? '').localeCompare(b.plannedStart ?? ''));
  return {
    meetingId: String(m.meetingId),
    cabId: String(m.cabId),
    title: String(m.title),
    startsAt: String(m.startsAt),
    decisions: (m.decisions ?? []) as never[],
    agenda,
    version: Number(m.version),
  };
}

export const listMeetings = (limit: number, cursor?: string) =>
  table().page({ index: 'gsi1', pk: 'MEETINGS', limit, descending: true, ...(cursor ? { cursor } : {}) }, (i) => ({
    meetingId: String(i.meetingId),
    cabId: String(i.cabId),
    title: String(i.title),
    startsAt: String(i.startsAt),
    version: Number(i.version),
  }));

export async function createMeeting(ctx: OperationContext, input: z.infer<typeof MeetingBody>) {
  await getCab(input.cabId).catch((err) => {
    if (err instanceof NotFoundError)
      throw new ValidationError('No such CAB.', [{ field: 'body.cabId', message: 'does not exist' }]);
    throw err;
  });
  const meetingId = newId();
  const item = {
    ...keys.meeting(meetingId),
    type: 'meeting',
    meetingId,
    ...input,
    decisions: [],
    gsi1pk: 'MEETINGS',
    gsi1sk: `${input.startsAt}#${meetingId}`,
  };
  await table().commit(ctx, {
    writes: [{ kind: 'create', item }],
    history: [{ pk: item.pk, entityType: 'meeting', entityId: meetingId, action: 'scheduled' }],
  });
  return getMeeting(meetingId);
}

/** The meeting records its decision on a change on its agenda; only a change manager or a member of the CAB records it. */
export async function recordMeetingDecision(
  ctx: OperationContext,
  p: Principal,
  meetingId: string,
  input: z.infer<typeof MeetingDecisionBody>,
) {
  const m = await loadMeeting(meetingId, true);
  const cab = await getCab(String(m.cabId));
  if (!hasAnyRole(p, MANAGERS) && !cab.members.includes(p.id))
    throw new ForbiddenError('Only a change manager or a member of the CAB may record its decisions.');
  const at = new Date(now()).toISOString();
  const decisions = (m.decisions ?? []) as Item[];
  await decideInMeeting(ctx, p, { meetingId, cabId: cab.cabId }, input, (c) => [
    {
      kind: 'replace',
      item: {
        ...m,
        decisions: [
          ...decisions,
          {
            changeId: c.changeId,
            number: c.number,
            decision: input.decision,
            rationale: input.rationale,
            voters: [...new Set(input.voters)],
            recordedBy: p.id,
            at,
          },
        ].slice(-200),
      },
      expectVersion: Number(m.version),
    },
  ]);
  return getMeeting(meetingId);
}
