import Table from '@cloudscape-design/components/table';
import { when } from './format';
import { LoadMore } from './page-kit';

export interface HistoryEntry {
  at: string;
  actor: { id: string; name: string; kind: string };
  action: string;
  changes?: Record<string, { from?: unknown; to?: unknown }>;
  reason?: string;
}

const shown = (v: unknown) => (v === undefined || v === null ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** A record's audit trail (FitSM GR2.3: who, when, what changed, why), newest first. */
export function HistoryTable({
  list,
  label,
}: {
  list: { items: HistoryEntry[]; loading: boolean; hasMore: boolean; loadMore: () => void };
  label: string;
}) {
  return (
    <Table<HistoryEntry>
      variant="embedded"
      ariaLabels={{ tableLabel: label }}
      loading={list.loading && list.items.length === 0}
      loadingText="Loading history"
      items={list.items}
      empty="No history"
      wrapLines
      columnDefinitions={[
        { id: 'at', header: 'When', cell: (h) => when(h.at), isRowHeader: true },
        { id: 'actor', header: 'Who', cell: (h) => h.actor.name },
        { id: 'action', header: 'What', cell: (h) => h.action },
        {
          id: 'changes',
          header: 'Changes',
          cell: (h) =>
            Object.entries(h.changes ?? {})
              .map(([field, c]) => `${field}: ${shown(c.from)} → ${shown(c.to)}`)
              .join('; ') || '—',
        },
        { id: 'reason', header: 'Why', cell: (h) => h.reason ?? '—' },
      ]}
      footer={<LoadMore list={list} what="history" />}
    />
  );
}
