import type * as z from 'zod/mini';
import type { SurveyAnswered as SurveyAnsweredData } from '../../../shared/contracts/customers/v1';
import { SurveyAnswered } from '../../../shared/contracts/customers/v1';
import type { EventData } from '../../../shared/contracts/envelope';
import type { TicketSnapshot } from '../../../shared/contracts/service-desk/v1';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { requireEnv } from '../../../shared/kit/env';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent, type ReceivedEvent } from '../../../shared/kit/events';
import { sendMail } from '../../../shared/kit/mail';
import type { HistoryEntry, Page, Write } from '../../../shared/kit/store';
import { followUpNumber } from '../domain/complaint';
import {
  aggregateCells,
  answerable,
  type Dimension,
  expiry,
  increments,
  isLow,
  isTokenShaped,
  type Result,
  surveyLink,
  surveyMail,
  TOKEN_GRACE_DAYS,
  toResult,
  wantsSurvey,
} from '../domain/survey';
import type { SurveyAnswerBody, SurveyResultsQuery } from '../schemas';
import { type FollowUp, idx, keys, type Survey, strip, table } from '../store';
import { mailOnce } from './mail-once';
import { loadSettings } from './settings';
import { hashToken, newToken } from './tokens';

/**
 * Satisfaction surveys after each closed ticket (FitSM PR7.6). A survey is reached only by its
 * link token; the table keeps the token's SHA-256, never the token. Answering is once, before
 * expiry; each answer increments result aggregates (per service, agent group, customer and
 * overall, by month and by year) in the same transaction, so results are reads, never scans.
 */
export const toSurvey = (item: Record<string, unknown>) => strip<Survey>(item);

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** Event handler: a ticket closed; send its caller a survey (once per ticket). */
export async function surveyClosedTicket(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const { ticket } = event.data as { ticket: TicketSnapshot };
  // Cancelled tickets and tickets without a caller address get no survey.
  if (!wantsSurvey(ticket)) {
    await table().recordHandled(ctx);
    return;
  }
  const settings = await loadSettings();
  const token = newToken();
  const surveyId = newId();
  const sentAt = new Date();
  const dueBy = expiry(sentAt, settings.expiryDays).toISOString();
  const survey: Omit<Survey, 'version' | 'createdAt' | 'updatedAt'> = {
    surveyId,
    ticketId: ticket.ticketId,
    number: ticket.number,
    title: ticket.title,
    callerEmail: ticket.callerEmail!,
    ...(ticket.customerId ? { customerId: ticket.customerId } : {}),
    ...(ticket.serviceId ? { serviceId: ticket.serviceId } : {}),
    ...(ticket.assignmentGroup ? { assignmentGroup: ticket.assignmentGroup } : {}),
    sentAt: sentAt.toISOString(),
    dueBy,
  };
  const hash = hashToken(token);
  // What the mail names: this survey, or on a takeover the one the dead delivery prepared.
  let mailed = { surveyId, dueBy };
  // Prepare and claim, send, then confirm (see mailOnce): the survey and its link exist before the
  // mail does, one mail per ticket even when the event is delivered twice at once, and a mail is
  // never lost to a failure between sending and confirming.
  await mailOnce(
    ctx,
    keys.ticketSurvey(ticket.ticketId),
    `the survey of ${ticket.number}`,
    async () => {
      await sendMail({
        to: [survey.callerEmail],
        ...surveyMail(ticket, surveyLink(settings.publicBaseUrl || requireEnv('CONSOLE_URL'), token), mailed.dueBy),
        tags: { kind: 'survey', ticket: ticket.number, survey: mailed.surveyId },
      });
    },
    () => ({ writes: [] }),
    (stale) => {
      const tokenItem = (surveyOf: string, due: string) => ({
        kind: 'create' as const,
        item: {
          ...keys.token(hash),
          type: 'survey-token',
          surveyId: surveyOf,
          // Past its due date the token answers 410 for a grace period, then DynamoDB TTL removes it.
          expiresAt: epochSeconds(due) + TOKEN_GRACE_DAYS * 86_400,
        },
      });
      if (stale?.surveyId && stale.tokenHash) {
        // The delivery that prepared this survey died before its mail was confirmed: its token was
        // never stored in plain text, so the survey gets a new link (the old one stops working).
        mailed = { surveyId: String(stale.surveyId), dueBy: String(stale.dueBy ?? dueBy) };
        return {
          claimSet: { tokenHash: hash },
          writes: [
            { kind: 'delete', key: keys.token(String(stale.tokenHash)) },
            tokenItem(mailed.surveyId, mailed.dueBy),
          ],
        };
      }
      return {
        claimSet: { surveyId, tokenHash: hash, dueBy },
        writes: [
          { kind: 'create', item: { ...keys.survey(surveyId), type: 'survey', ...survey } },
          tokenItem(surveyId, dueBy),
        ],
        history: [
          {
            pk: keys.survey(surveyId).pk,
            entityType: 'survey',
            entityId: surveyId,
            action: `sent for ${ticket.number}`,
            changes: { dueBy: { to: dueBy } },
          },
        ],
      };
    },
  );
}

async function loadByToken(token: string, consistent = false): Promise<Survey> {
  const notFound = () => new NotFoundError('There is no survey at this link.', 'survey-not-found');
  if (!isTokenShaped(token)) throw notFound();
  const ref = await table().get(keys.token(hashToken(token)), consistent);
  if (!ref) throw notFound();
  const item = await table().get(keys.survey(String(ref.surveyId)), consistent);
  if (!item) throw notFound();
  return toSurvey(item);
}

const expired = (s: Survey) =>
  new DomainError('survey-expired', 410, `The survey for ${s.number} expired on ${s.dueBy.slice(0, 10)}.`);

/** What the person holding the link sees: the ticket, not the caller's address or other data. */
export async function getSurvey(token: string) {
  const s = await loadByToken(token);
  if (!s.answeredAt && answerable(s, new Date()).ok === false) throw expired(s);
  return {
    number: s.number,
    title: s.title,
    ...(s.serviceId ? { serviceId: s.serviceId } : {}),
    dueBy: s.dueBy,
    answered: Boolean(s.answeredAt),
    ...(s.answeredAt ? { answeredAt: s.answeredAt, score: s.score } : {}),
  };
}

/** Answer once (409 the second time), before expiry (410 after). A low score opens a follow-up. */
export async function answerSurvey(ctx: OperationContext, token: string, input: z.infer<typeof SurveyAnswerBody>) {
  const s = await loadByToken(token, true);
  const now = new Date();
  const check = answerable(s, now);
  if (!check.ok) {
    if (check.reason === 'expired') throw expired(s);
    throw new ConflictError(`The survey for ${s.number} was already answered.`, 'survey-answered');
  }
  const settings = await loadSettings();
  const low = isLow(input.score, settings);
  const answeredAt = now.toISOString();
  const comment = input.comment?.trim() || undefined;
  const writes: Write[] = [
    {
      kind: 'update',
      key: keys.survey(s.surveyId),
      set: { answeredAt, score: input.score, ...(comment ? { comment } : {}) },
      expectVersion: s.version,
    },
  ];
  // Atomic increments: concurrent answers on one cell add up, no read-modify-write.
  for (const cell of aggregateCells({ ...s, at: answeredAt })) {
    writes.push({
      kind: 'update',
      key: keys.aggregate(cell.dimension, cell.key, cell.period),
      set: { type: 'survey-aggregate', ...cell },
      increment: increments(input.score, low),
    });
  }
  const history: HistoryEntry[] = [
    {
      pk: keys.survey(s.surveyId).pk,
      entityType: 'survey',
      entityId: s.surveyId,
      action: 'answered',
      changes: { score: { to: input.score }, ...(comment ? { comment: { to: comment } } : {}) },
    },
  ];
  let followUp: FollowUp | undefined;
  if (low) {
    followUp = await followUpFor(s, input.score, comment, answeredAt);
    (writes[0] as { set: Record<string, unknown> }).set.followUpId = followUp.followUpId;
    const { version: _v, createdAt: _c, updatedAt: _u, ...state } = followUp;
    writes.push(
      {
        kind: 'create',
        item: {
          ...keys.followUp(followUp.followUpId),
          type: 'follow-up',
          ...state,
          gsi1pk: idx.openFollowUps(followUp.assignee),
          gsi1sk: followUp.followUpId,
          gsi2pk: idx.followUpsByStatus('open'),
          gsi2sk: followUp.followUpId,
        },
      },
      {
        kind: 'create',
        item: { ...keys.number(followUp.number), type: 'follow-up-number', followUpId: followUp.followUpId },
      },
    );
    history.push({
      pk: keys.followUp(followUp.followUpId).pk,
      entityType: 'follow-up',
      entityId: followUp.followUpId,
      action: `opened for ${s.number} (score ${input.score})`,
      changes: { assignee: { to: followUp.assignee } },
    });
  }
  const data: EventData<typeof SurveyAnsweredData> = {
    surveyId: s.surveyId,
    ticketId: s.ticketId,
    number: s.number,
    ...(s.customerId ? { customerId: s.customerId } : {}),
    ...(s.serviceId ? { serviceId: s.serviceId } : {}),
    ...(s.assignmentGroup ? { assignmentGroup: s.assignmentGroup } : {}),
    score: input.score,
    low,
    answeredAt,
  };
  try {
    await table().commit(ctx, { writes, history, events: [buildEvent(SurveyAnswered, data, ctx)] });
  } catch (err) {
    if (err instanceof ConflictError && err.code === 'version-conflict') {
      throw new ConflictError(`The survey for ${s.number} was already answered.`, 'survey-answered');
    }
    throw err;
  }
  return {
    number: s.number,
    score: input.score,
    answeredAt,
    ...(followUp ? { followUp: followUp.number } : {}),
  };
}

/** A follow-up for a low score, assigned to the customer's account manager (PR7.2, PR7.6). */
async function followUpFor(s: Survey, score: number, comment: string | undefined, at: string): Promise<FollowUp> {
  const customer = s.customerId ? await table().get(keys.customer(s.customerId)) : undefined;
  const followUpId = newId();
  return {
    followUpId,
    number: followUpNumber(await table().nextNumber('FUP')),
    status: 'open',
    surveyId: s.surveyId,
    ticketNumber: s.number,
    ...(s.customerId ? { customerId: s.customerId } : {}),
    ...(s.serviceId ? { serviceId: s.serviceId } : {}),
    ...(s.assignmentGroup ? { assignmentGroup: s.assignmentGroup } : {}),
    score,
    ...(comment ? { comment } : {}),
    assignee: customer ? String(customer.accountManager) : 'unassigned',
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Results of one dimension (service, agent group, customer, or overall when none is given):
 * one period is one read; without a period, a page of periods newest first (one query).
 */
export async function surveyResults(q: z.infer<typeof SurveyResultsQuery>): Promise<Page<Result>> {
  const given: Array<[Dimension, string, string]> = [];
  if (q.serviceId) given.push(['service', q.serviceId, 'serviceId']);
  if (q.group) given.push(['group', q.group, 'group']);
  if (q.customerId) given.push(['customer', q.customerId, 'customerId']);
  if (given.length > 1) {
    throw new ValidationError('Ask for one of serviceId, group or customerId at a time.', [
      { field: `query.${given[1]![2]}`, message: `cannot be combined with ${given[0]![2]}` },
    ]);
  }
  const [dimension, key] = given[0] ?? ['all', 'all'];
  if (q.period) {
    const item = await table().get(keys.aggregate(dimension, key, q.period));
    return { items: [toResult(item ?? { dimension, key, period: q.period })] };
  }
  const limit = Math.min(Math.max(Number(q.limit ?? 25), 1), 100);
  return table().page(
    {
      pk: keys.aggregate(dimension, key, '').pk,
      limit,
      descending: true,
      ...(q.cursor ? { cursor: q.cursor } : {}),
    },
    toResult,
  );
}
