import Badge from '@cloudscape-design/components/badge';
import Box from '@cloudscape-design/components/box';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { api } from '../api/client';
import { when } from './format';
import { RouterLink } from './links';
import type { Answer } from './page-kit';

/** What the change pages share: the change's shapes, its status words, impact and approval levels. */
export type Change = Answer<'/v1/changes/{id}', 'get'>;
export type ApprovalLevel = Answer<'/v1/changes/{id}/approvals', 'get'>['levels'][number];
export type Impact = Answer<'/v1/change-impact', 'post'>;

/** The words of the changes service (shared/contracts/changes/v1.ts), copied: the console imports no service. */
export const CHANGE_STATUSES = [
  'new',
  'assessed',
  'approval',
  'approved',
  'rejected',
  'implementing',
  'implemented',
  'closed',
  'cancelled',
] as const;
export const OUTCOMES = ['successful', 'partially-successful', 'failed', 'backed-out'] as const;

/** Who configures change management (services/changes/service.ts MANAGERS). */
export const CHANGE_MANAGERS = ['changes-manager', 'changes-owner'] as const;

const STATUS_TYPES: Record<string, StatusIndicatorProps.Type> = {
  new: 'pending',
  assessed: 'pending',
  approval: 'in-progress',
  approved: 'success',
  rejected: 'error',
  implementing: 'in-progress',
  implemented: 'success',
  closed: 'stopped',
  cancelled: 'stopped',
  open: 'in-progress',
  pending: 'pending',
};

export function ChangeStatus({ value }: { value: string }) {
  return <StatusIndicator type={STATUS_TYPES[value] ?? 'info'}>{value}</StatusIndicator>;
}

/** A planned window in words. */
export const windowText = (c: { plannedStart?: string; plannedEnd?: string }) =>
  c.plannedStart ? `${when(c.plannedStart)} – ${when(c.plannedEnd)}` : '—';

/** A conflict of a change: another change (same CI, a dependent CI, same service) or a blackout window. */
export type Conflict = Answer<'/v1/changes/{id}/conflicts', 'get'>['items'][number];

/** The conflicts of a change (the schedule's check, `GET /v1/changes/{id}/conflicts`). */
export async function loadConflicts(change: Change): Promise<Conflict[]> {
  const { data, response } = await api().GET('/v1/changes/{id}/conflicts', {
    params: { path: { id: change.changeId } },
  });
  return response.ok ? (data?.items ?? []) : [];
}

export function ConflictList({ conflicts }: { conflicts: Conflict[] }) {
  if (!conflicts.length) return <Box color="text-status-inactive">No conflict known.</Box>;
  return (
    <ul aria-label="Conflicts">
      {conflicts.map((c) => (
        <li key={`${c.kind}-${c.changeId ?? c.windowId ?? ''}-${c.ciId ?? c.serviceId ?? ''}`}>
          <Badge color="red">Conflict</Badge>{' '}
          {c.changeId ? <RouterLink href={`/changes/${c.changeId}`}>{c.number ?? c.changeId}</RouterLink> : null}{' '}
          {c.kind}
          {c.title ? `: ${c.title}` : ''} ({when(c.start)} – {when(c.end)})
        </li>
      ))}
    </ul>
  );
}

/** The impact the graph gives (live on the form, recorded on the assessment). */
export function ImpactPairs(props: {
  cis: number;
  services: number;
  customers: number;
  agreements: number;
  impact: string;
  basis: string[];
  truncated: boolean;
}) {
  return (
    <KeyValuePairs
      columns={3}
      items={[
        { label: 'Impact level', value: <strong>{props.impact}</strong> },
        { label: 'Affected CIs', value: `${props.cis}${props.truncated ? '+' : ''}` },
        { label: 'Services', value: String(props.services) },
        { label: 'Customers', value: String(props.customers) },
        { label: 'Agreements', value: String(props.agreements) },
        { label: 'Basis', value: props.basis.length ? props.basis.join('; ') : 'below every threshold' },
      ]}
    />
  );
}

/** Who a level asks, in words. */
export function askedText(l: ApprovalLevel): string {
  return [
    l.approverIds.length ? l.approverIds.join(', ') : '',
    l.role ? `role ${l.role}` : '',
    l.cabId ? `CAB ${l.cabId}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** The approval levels with each vote and rationale: which is open, who is asked, by when. */
export function ApprovalLevels({ levels }: { levels: ApprovalLevel[] }) {
  return (
    <Table<ApprovalLevel>
      variant="embedded"
      ariaLabels={{ tableLabel: 'Approval levels' }}
      items={levels}
      empty="Not submitted for approval"
      wrapLines
      columnDefinitions={[
        { id: 'level', header: 'Level', cell: (l) => `${l.level}. ${l.name}`, isRowHeader: true },
        { id: 'status', header: 'Status', cell: (l) => <ChangeStatus value={l.status} /> },
        {
          id: 'rule',
          header: 'Rule',
          cell: (l) => `${l.mode === 'any' ? 'any one' : l.mode === 'all' ? 'all' : `quorum`} (${l.required} needed)`,
        },
        { id: 'asked', header: 'Asked', cell: (l) => askedText(l) || '—' },
        {
          id: 'due',
          header: 'Due',
          cell: (l) =>
            l.status === 'open' && l.dueAt
              ? `${when(l.dueAt)} (then ${l.onTimeout})`
              : l.decidedAt
                ? `decided ${when(l.decidedAt)}`
                : '—',
        },
        { id: 'escalations', header: 'Escalations', cell: (l) => String(l.escalations) },
        {
          id: 'votes',
          header: 'Votes',
          cell: (l) =>
            l.votes.length ? (
              <SpaceBetween size="xxs">
                {l.votes.map((v) => (
                  <span key={`${v.userId}-${v.at}`}>
                    <StatusIndicator type={v.decision === 'approve' ? 'success' : 'error'}>
                      {v.userId} {v.decision === 'approve' ? 'approved' : 'rejected'}
                    </StatusIndicator>
                    : “{v.rationale}” ({when(v.at)}
                    {v.meetingId ? `, CAB meeting ${v.meetingId}` : ''})
                  </span>
                ))}
              </SpaceBetween>
            ) : (
              '—'
            ),
        },
      ]}
    />
  );
}
