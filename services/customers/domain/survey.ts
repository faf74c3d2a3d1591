/** Satisfaction surveys after each ticket (FitSM PR7.6). Pure: no I/O except the random source. */

/** Survey settings, kept in the table and changed through the API (audited). */
export interface SurveySettings {
  /** A score at or below this opens a follow-up for the account manager. */
  lowScoreThreshold: number;
  /** Days a survey link stays valid. */
  expiryDays: number;
  /**
   * Base of the link in the mail when the console is reached under another address (a custom
   * domain); empty means the console's own URL (CONSOLE_URL).
   */
  publicBaseUrl: string;
}

export const DEFAULT_SETTINGS: SurveySettings = { lowScoreThreshold: 2, expiryDays: 14, publicBaseUrl: '' };

/** An expired token stays answerable with 410 for this long, then its item expires (TTL) and answers 404. */
export const TOKEN_GRACE_DAYS = 30;

/** A survey token is 43 base64url characters (see use-cases/tokens.ts). */
export const isTokenShaped = (token: string) => /^[A-Za-z0-9_-]{43}$/.test(token);

/** The survey link put in the mail: the console's survey page, which answers without sign-in. */
export function surveyLink(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/survey/${token}`;
}

export const isLow = (score: number, settings: Pick<SurveySettings, 'lowScoreThreshold'>) =>
  score <= settings.lowScoreThreshold;

export const expiry = (from: Date, days: number) => new Date(from.getTime() + days * 86_400_000);

export type SurveyState = { ok: true } | { ok: false; reason: 'answered' | 'expired' };

/** May the survey be answered now? Answered once; never after its expiry. */
export function answerable(s: { answeredAt?: string | undefined; dueBy: string }, now: Date): SurveyState {
  if (s.answeredAt) return { ok: false, reason: 'answered' };
  if (now.getTime() >= Date.parse(s.dueBy)) return { ok: false, reason: 'expired' };
  return { ok: true };
}

/** Should this closed ticket get a survey? Not cancelled tickets, not without a caller address. */
export function wantsSurvey(t: { status: string; callerEmail?: string | undefined }): boolean {
  return t.status !== 'cancelled' && typeof t.callerEmail === 'string' && t.callerEmail.includes('@');
}

/** The periods an answer counts in: its month (`2026-11`) and its year (`2026`), UTC. */
export function periodsOf(at: string): [string, string] {
  return [at.slice(0, 7), at.slice(0, 4)];
}

export const PERIOD = /^\d{4}(-(0[1-9]|1[0-2]))?$/;

/** Aggregate dimensions results are kept by (PR7.6: per customer and service; per agent group). */
export const DIMENSIONS = ['service', 'group', 'customer', 'all'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The aggregate cells one answer increments: per dimension present, per period. */
export function aggregateCells(answer: {
  serviceId?: string | undefined;
  assignmentGroup?: string | undefined;
  customerId?: string | undefined;
  at: string;
}): Array<{ dimension: Dimension; key: string; period: string }> {
  const dims: Array<[Dimension, string | undefined]> = [
    ['service', answer.serviceId],
    ['group', answer.assignmentGroup],
    ['customer', answer.customerId],
    ['all', 'all'],
  ];
  return dims.flatMap(([dimension, key]) =>
    key ? periodsOf(answer.at).map((period) => ({ dimension, key, period })) : [],
  );
}

/** The increments one answer adds to a cell: count, sum, the score's bucket, low answers. */
export function increments(score: number, low: boolean): Record<string, number> {
  return { count: 1, sum: score, [`s${score}`]: 1, low: low ? 1 : 0 };
}

export interface Result {
  dimension: Dimension;
  key: string;
  period: string;
  count: number;
  average: number | null;
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
  low: number;
}

/** A stored aggregate cell as a result. */
export function toResult(cell: Record<string, unknown>): Result {
  const n = (k: string) => Number(cell[k] ?? 0);
  const count = n('count');
  return {
    dimension: cell.dimension as Dimension,
    key: String(cell.key),
    period: String(cell.period),
    count,
    average: count ? Math.round((n('sum') / count) * 100) / 100 : null,
    distribution: { '1': n('s1'), '2': n('s2'), '3': n('s3'), '4': n('s4'), '5': n('s5') },
    low: n('low'),
  };
}

/** The mail inviting the caller to rate a closed ticket. */
export function surveyMail(t: { number: string; title: string }, link: string, expiresAt: string) {
  return {
    subject: `How did we do? ${t.number}: ${t.title}`.slice(0, 200),
    text: [
      `Your ticket ${t.number} (${t.title}) is closed.`,
      '',
      'Please tell us how satisfied you are, on a scale from 1 (very dissatisfied) to 5 (very satisfied):',
      link,
      '',
      `The link works once and until ${expiresAt.slice(0, 10)}.`,
    ].join('\n'),
  };
}
