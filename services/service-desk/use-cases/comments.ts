import type * as z from 'zod/mini';
import { TicketChanged, type TicketComment, TicketCommented } from '../../../shared/contracts/service-desk/v1';
import { isCustomerBound, type Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, ForbiddenError } from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import type { PageRequest } from '../../../shared/kit/paging';
import type { Item } from '../../../shared/kit/store';
import { assertCanSee } from '../access';
import { isFinal, resumeStatus } from '../domain/ticket';
import type { CommentBody, WorkLogBody } from '../schemas';
import { keys, QUEUE, type Ticket, type TicketState, table } from '../store';
import { commitChange, stateOf, withTicket } from './ticket-work';

/**
 * Comments and the work log (FitSM PR9.4: public and internal comments). A public comment is a
 * change of the ticket (new version, TicketChanged, the caller is told); the first public reply
 * of an agent stops the first-response clock. Internal comments are no news for the caller; every
 * comment is announced as TicketCommented (the reporting read model searches them). Work log
 * entries are audited and publish nothing.
 */
export interface CommentView {
  commentId: string;
  visibility: 'public' | 'internal';
  kind: 'comment' | 'stakeholder-update';
  text: string;
  author: { id: string; name: string };
  byCaller: boolean;
  createdAt: string;
}

/** The record a comment event (and a resync) carries: the comment with its ticket's identity. */
export const commentRecord = (
  t: Pick<TicketState, 'ticketId' | 'number' | 'customerId'>,
  c: CommentView,
): TicketComment => ({
  ticketId: t.ticketId,
  number: t.number,
  ...(t.customerId ? { customerId: t.customerId } : {}),
  comment: {
    commentId: c.commentId,
    visibility: c.visibility,
    kind: c.kind,
    text: c.text,
    authorId: c.author.id,
    authorName: c.author.name,
    byCaller: c.byCaller,
    createdAt: c.createdAt,
  },
});

export const toComment = (i: Item): CommentView => ({
  commentId: String(i.commentId),
  visibility: i.visibility as CommentView['visibility'],
  kind: (i.kind ?? 'comment') as CommentView['kind'],
  text: String(i.text),
  author: i.author as CommentView['author'],
  byCaller: Boolean(i.byCaller),
  createdAt: String(i.createdAt),
});

/** Add a public comment (or stakeholder update) to a ticket in one change; shared with major incidents. */
export async function publicComment(
  ctx: OperationContext,
  p: Principal,
  before: Ticket,
  text: string,
  kind: CommentView['kind'],
): Promise<{ ticket: Ticket; comment: CommentView }> {
  const now = new Date().toISOString();
  const byCaller = before.caller.id === p.id;
  const agent = !isCustomerBound(p);
  const comment: CommentView = {
    commentId: newId(),
    visibility: 'public',
    kind,
    text,
    author: { id: p.id, name: p.name },
    byCaller,
    createdAt: now,
  };
  const after: TicketState = { ...stateOf(before), publicComments: before.publicComments + 1, changedAt: now };
  // The first public reply of an agent is the first response (the first-response clock stops).
  if (agent && !byCaller && !before.firstRespondedAt) after.firstRespondedAt = now;
  // The caller answered what we waited for: work resumes (the resolution clock runs again).
  if (byCaller && before.status === 'pending' && before.pendingReason === 'awaiting-caller') {
    after.status = resumeStatus(before.assigneeId);
    delete after.pendingReason;
  }
  if (kind === 'stakeholder-update') after.majorUpdates = before.majorUpdates + 1;
  const version = before.version + 1;
  const ticket = await commitChange(ctx, before, after, {
    event: TicketChanged,
    action: kind === 'stakeholder-update' ? 'stakeholder update published' : 'public comment added',
    extraChanges: kind === 'stakeholder-update' ? ['publicComment', 'majorUpdate'] : ['publicComment'],
    events: (t) => [buildEvent(TicketCommented, commentRecord(t, comment), ctx)],
    writes: [
      {
        kind: 'create',
        item: {
          ...keys.comment(before.ticketId, comment.commentId),
          type: 'comment',
          ...comment,
          gsi1pk: QUEUE.publicComments(before.ticketId),
          gsi1sk: comment.commentId,
        },
      },
      // Which comment this version announced, so the notifier quotes the right one.
      {
        kind: 'create',
        item: { ...keys.note(before.ticketId, version), type: 'note-ref', ...comment },
      },
    ],
  });
  return { ticket, comment };
}

export async function addComment(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof CommentBody>,
) {
  if (isCustomerBound(p) && input.visibility === 'internal')
    throw new ForbiddenError('Customer users write public comments only.');
  return withTicket(idOrNumber, undefined, async (before) => {
    assertCanSee(p, before, idOrNumber);
    // Answering a closed ticket does not revive it (no reply loops): reopen it or open a new one.
    if (isFinal(before.status))
      throw new ConflictError(
        `Ticket ${before.number} is ${before.status}; reopen it or open a new ticket.`,
        'ticket-closed',
      );
    if (input.visibility === 'public') return (await publicComment(ctx, p, before, input.text, 'comment')).comment;
    const comment: CommentView = {
      commentId: newId(),
      visibility: 'internal',
      kind: 'comment',
      text: input.text,
      author: { id: p.id, name: p.name },
      byCaller: false,
      createdAt: new Date().toISOString(),
    };
    await table().commit(ctx, {
      writes: [
        { kind: 'create', item: { ...keys.comment(before.ticketId, comment.commentId), type: 'comment', ...comment } },
      ],
      history: [
        {
          pk: keys.ticket(before.ticketId).pk,
          entityType: 'ticket',
          entityId: before.ticketId,
          action: 'internal comment added',
          changes: { comment: { to: comment.commentId } },
        },
      ],
      events: [buildEvent(TicketCommented, commentRecord(before, comment), ctx)],
    });
    return comment;
  });
}

/** Comments oldest first; customer users read the public-comment index, so internal ones never reach them. */
export async function listComments(p: Principal, idOrNumber: string, q: PageRequest) {
  return withTicket(idOrNumber, undefined, async (t) => {
    assertCanSee(p, t, idOrNumber);
    if (isCustomerBound(p))
      return table().page({ index: 'gsi1', pk: QUEUE.publicComments(t.ticketId), ...q }, toComment);
    return table().page({ pk: keys.ticket(t.ticketId).pk, skBeginsWith: 'COMMENT#', ...q }, toComment);
  });
}

export async function addWork(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof WorkLogBody>,
) {
  return withTicket(idOrNumber, undefined, async (t) => {
    const entry = {
      entryId: newId(),
      minutes: input.minutes,
      note: input.note,
      by: { id: p.id, name: p.name },
      at: new Date().toISOString(),
    };
    await table().commit(ctx, {
      writes: [{ kind: 'create', item: { ...keys.work(t.ticketId, entry.entryId), type: 'work', ...entry } }],
      history: [
        {
          pk: keys.ticket(t.ticketId).pk,
          entityType: 'ticket',
          entityId: t.ticketId,
          action: 'work logged',
          changes: { workLog: { to: { minutes: entry.minutes, note: entry.note } } },
        },
      ],
    });
    return entry;
  });
}

export async function listWork(idOrNumber: string, q: PageRequest) {
  return withTicket(idOrNumber, undefined, (t) =>
    table().page({ pk: keys.ticket(t.ticketId).pk, skBeginsWith: 'WORK#', ...q }, (i) => ({
      entryId: String(i.entryId),
      minutes: Number(i.minutes),
      note: String(i.note),
      by: i.by as { id: string; name: string },
      at: String(i.at),
    })),
  );
}
