import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import { ApiError, describeError } from '../api/client';
import { when } from './format';
import { type Answer, actionError } from './page-kit';

/** What the release pages share: the release's shapes, its status words and who manages releases. */
export type Release = Answer<'/v1/releases/{id}', 'get'>;
export type Deployment = NonNullable<Release['deployment']>;
export type Criterion = Release['gate']['criteria'][number];
export type Strategy = Answer<'/v1/release-strategies', 'get'>['items'][number];

/** The words of the releases service (services/releases/domain/release.ts), copied: the console imports no service. */
export const RELEASE_STATUSES = [
  'planning',
  'accepted',
  'deploying',
  'early-life-support',
  'closed',
  'failed',
  'rolled-back',
  'cancelled',
] as const;
export const RELEASE_TYPES = ['major', 'minor', 'emergency'] as const;
export const CRITERION_STAGES = ['build', 'test', 'deployment'] as const;

/** Who waives criteria, accepts releases into a stage and hands them over (services/releases/service.ts MANAGERS). */
export const RELEASE_MANAGERS = ['releases-manager', 'releases-owner'] as const;

const STATUS_TYPES: Record<string, StatusIndicatorProps.Type> = {
  planning: 'pending',
  accepted: 'success',
  deploying: 'in-progress',
  'early-life-support': 'info',
  closed: 'stopped',
  failed: 'error',
  'rolled-back': 'warning',
  cancelled: 'stopped',
  // criteria
  passed: 'success',
  waived: 'info',
  missing: 'pending',
  // waves and the back-out
  pending: 'pending',
  open: 'in-progress',
  completed: 'success',
  // outcomes
  success: 'success',
  failure: 'error',
};

/** A release, criterion, wave or outcome word with its indicator. */
export function ReleaseStatus({ value }: { value?: string | null }) {
  if (!value) return <>—</>;
  return <StatusIndicator type={STATUS_TYPES[value] ?? 'info'}>{outcomeText(value)}</StatusIndicator>;
}

/** Outcomes and statuses as people say them ("rolled back", not "rolled-back"). */
export const outcomeText = (value: string) => value.replace(/-/g, ' ');

export const releaseWindow = (p: { plannedStart?: string; plannedEnd?: string }) =>
  p.plannedStart ? `${when(p.plannedStart)} – ${when(p.plannedEnd)}` : '—';

/**
 * What a refusal says: the problem's detail and each failing field on its own line (the gate's
 * missing criteria, the plan's missing back-out plan, early-life exit criteria not met).
 */
export function refusalLines(err: unknown, record = 'release'): string[] {
  if (err instanceof ApiError && err.problem.code !== 'version-conflict' && err.status !== 403)
    return [
      err.problem.detail || err.problem.title,
      ...(err.problem.errors ?? []).map((e) => `${e.field}: ${e.message}`),
    ];
  return [err instanceof ApiError ? actionError(err, record) : describeError(err)];
}
