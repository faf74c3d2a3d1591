import type * as z from 'zod/mini';
import type { Principal } from '../../../shared/kit/auth';
import { ValidationError } from '../../../shared/kit/errors';
import { CLOCKS } from '../domain/clock';
import type { ComplianceQuery } from '../schemas';
import { compliancePk, table } from '../store';
import { getAgreement } from './agreements';

/** Months from `from` to `to` inclusive (`YYYY-MM`). */
function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  const end = to;
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > end) break;
    out.push(month);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

export interface ClockCompliance {
  /** Tickets whose clock stopped in the period under this agreement. */
  counted: number;
  met: number;
  breached: number;
  /** Stopped without meeting and without breaching (e.g. cancelled, or resolved without a response in time): not measured. */
  unmet: number;
  /** met / (met + breached) × 100, two decimals; absent with nothing measured. */
  percentage?: number;
}

/**
 * SLA compliance report (FitSM PR2.3 service performance evaluated, PR2.5 OLA/UA performance):
 * from the outcome records written when each clock stopped, stored under agreement + month, so
 * the report reads one index partition per month and nothing else.
 */
export async function complianceReport(p: Principal, agreementId: string, q: z.infer<typeof ComplianceQuery>) {
  const agreement = await getAgreement(p, agreementId);
  let months: string[];
  if (q.period && !q.from && !q.to) months = [q.period];
  else if (!q.period && q.from && q.to) {
    months = monthsBetween(q.from, q.to);
    if (months.length === 0)
      throw new ValidationError('The period is empty.', [{ field: 'query.to', message: 'must not be before from' }]);
    if (months.length > 12)
      throw new ValidationError('Ask for at most 12 months.', [
        { field: 'query.to', message: 'at most 12 months after from' },
      ]);
  } else {
    throw new ValidationError('Give period=YYYY-MM, or from=YYYY-MM and to=YYYY-MM.', [
      { field: 'query.period', message: 'give period, or from and to' },
    ]);
  }
  const clocks = Object.fromEntries(
    CLOCKS.map((c) => [c, { counted: 0, met: 0, breached: 0, unmet: 0 } as ClockCompliance]),
  ) as Record<string, ClockCompliance>;
  for (const month of months) {
    const items = await table().all({ index: 'gsi1', pk: compliancePk(agreement.agreementId, month) });
    for (const i of items) {
      const c = clocks[String(i.clock)];
      if (!c) continue;
      c.counted += 1;
      if (i.outcome === 'met') c.met += 1;
      else if (i.outcome === 'breached') c.breached += 1;
      else c.unmet += 1;
    }
  }
  for (const c of Object.values(clocks)) {
    const measured = c.met + c.breached;
    if (measured > 0) c.percentage = Math.round((c.met / measured) * 10_000) / 100;
  }
  return {
    agreementId: agreement.agreementId,
    kind: agreement.kind,
    from: months[0],
    to: months[months.length - 1],
    clocks,
  };
}
