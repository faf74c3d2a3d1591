/**
 * Cost at rest per month: what the deployed platform is billed while nobody uses it. The billed
 * resources are counted in the synthesized stack itself (infra/aws, so the count follows the
 * code): metric alarms, secrets, and the scheduled rules, whose every firing is a Lambda
 * invocation with its duration, table reads, log lines and trace. What one firing costs is
 * measured: the meter's reading across an idle window of the running platform, divided by the
 * invocations in it (nothing but schedules runs then). Not counted: storage, which grows with the
 * data kept (tables, point-in-time recovery, the event archive, logs) rather than with time; SNS,
 * SQS, the user pool and API Gateway, which bill per use only; EventBridge, which does not charge
 * for scheduled rules' events.
 */
import { synthTemplates } from '../infra/aws/synth';
import { SERVICES } from '../services/index';
import { price, type Reading, rounded, usageBetween } from './cost';
import { round } from './harness';
import { PRICES_USD } from './prices';

const MINUTES_A_MONTH = 30 * 24 * 60;

function firingsPerMonth(expression: string): number {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!m) throw new Error(`unsupported schedule expression ${expression}`);
  const minutes = Number(m[1]) * (m[2]!.startsWith('minute') ? 1 : m[2]!.startsWith('hour') ? 60 : 1440);
  return MINUTES_A_MONTH / minutes;
}

export async function costAtRest(idleFrom: Reading, idleTo: Reading) {
  const synth = await synthTemplates({ services: SERVICES });
  const resources = [synth.platform, ...Object.values(synth.services)].flatMap((t) => Object.values(t.Resources));
  const alarms = resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length;
  const secrets = resources.filter((r) => r.Type === 'AWS::SecretsManager::Secret').length;
  const schedules = resources
    .filter((r) => r.Type === 'AWS::Events::Rule' && typeof r.Properties?.ScheduleExpression === 'string')
    .map((r) => ({ name: String(r.Properties!.Name ?? ''), rate: String(r.Properties!.ScheduleExpression) }));
  const firings = schedules.reduce((a, s) => a + firingsPerMonth(s.rate), 0);

  const window = usageBetween(idleFrom, idleTo, 1, { atRest: true });
  const observed = window.usage.lambdaInvocations;
  // One firing's usage, averaged over what fired in the window. Without a firing in it, only what
  // every invocation costs for certain is priced (its request, system log records and trace).
  const perFiring =
    observed > 0
      ? usageBetween(idleFrom, idleTo, observed, { atRest: true }).usage
      : { ...window.usage, lambdaInvocations: 1, logBytes: 600, traces: 1 };
  const firingUsd = price(perFiring).total;
  const usd = {
    schedules: firings * firingUsd,
    alarms: alarms * PRICES_USD.alarmMonth,
    secrets: secrets * PRICES_USD.secretMonth,
  };
  const byService = price(perFiring);
  return {
    usdPerMonth: round(usd.schedules + usd.alarms + usd.secrets, 2),
    breakdown: Object.fromEntries(Object.entries(usd).map(([k, v]) => [k, round(v, 2)])),
    schedules,
    firingsPerMonth: Math.round(firings),
    alarms,
    secrets,
    perFiring: rounded(perFiring),
    perFiringUsdByService: Object.fromEntries(Object.entries(byService).map(([k, v]) => [k, round(v * 1e6, 2)])),
    firingsObservedInIdleWindow: observed,
    note: 'perFiringUsdByService is in US$ per million firings. Storage is left out: it grows with data, not time.',
  };
}
