import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import CollectionPreferences, {
  type CollectionPreferencesProps,
} from '@cloudscape-design/components/collection-preferences';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import Multiselect from '@cloudscape-design/components/multiselect';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { useEffect, useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { useNotify } from '../App';
import { api, describeError, ifMatch, must } from '../api/client';
import {
  label,
  OPEN_STATUSES,
  RESOLUTION_CODES,
  STATUSES,
  statusType,
  type TicketQuery,
  type TicketRow,
} from '../api/desk';
import { isCustomer, useSession } from '../auth';
import { when } from '../components/format';
import { RouterLink } from '../components/links';

/**
 * The ticket list: the reporting service's search (filters, keywords, sort, cursor pages with a
 * total), column choice, saved views, export, and bulk assign/resolve with a result per ticket.
 * The filters live in the URL, so a view is a link.
 */
const FILTER_KEYS = [
  'q',
  'status',
  'priority',
  'type',
  'assignmentGroup',
  'assigneeId',
  'sla',
  'sort',
  'order',
] as const;
const VIEWS_KEY = 'itsm.ticket-views';
const PREFS_KEY = 'itsm.ticket-columns';

interface SavedView {
  name: string;
  query: Record<string, string>;
}

const COLUMNS: { id: string; label: string; cell: (t: TicketRow) => React.ReactNode; sort?: string }[] = [
  { id: 'number', label: 'Number', cell: (t) => <RouterLink href={`/tickets/${t.ticketId}`}>{t.number}</RouterLink> },
  { id: 'title', label: 'Title', cell: (t) => t.title },
  {
    id: 'status',
    label: 'Status',
    cell: (t) => <StatusIndicator type={statusType(t.status)}>{label(t.status)}</StatusIndicator>,
  },
  { id: 'priority', label: 'Priority', cell: (t) => t.priority, sort: 'priority' },
  { id: 'type', label: 'Type', cell: (t) => label(t.type) },
  { id: 'group', label: 'Group', cell: (t) => t.assignmentGroup ?? '—' },
  { id: 'assignee', label: 'Assignee', cell: (t) => t.assigneeId?.replace(/^user-/, '') ?? '—' },
  { id: 'customer', label: 'Customer', cell: (t) => t.customerId ?? '—' },
  {
    id: 'sla',
    label: 'SLA',
    cell: (t) =>
      !t.sla || t.sla.state === 'none' ? (
        '—'
      ) : t.sla.state === 'breached' ? (
        <StatusIndicator type="error">Breached</StatusIndicator>
      ) : t.sla.state === 'warning' ? (
        <StatusIndicator type="warning">Due {when(t.sla.deadline)}</StatusIndicator>
      ) : (
        <StatusIndicator type="success">Due {when(t.sla.deadline)}</StatusIndicator>
      ),
    sort: 'deadline',
  },
  { id: 'created', label: 'Created', cell: (t) => when(t.createdAt), sort: 'created' },
  { id: 'updated', label: 'Updated', cell: (t) => when(t.updatedAt), sort: 'updated' },
];
const DEFAULT_VISIBLE = ['number', 'title', 'status', 'priority', 'group', 'assignee', 'sla', 'updated'];

const option = (value: string, text = label(value)): SelectProps.Option => ({ value, label: text });

function readJson<T>(key: string, fallback: T): T {
  try {
    return (JSON.parse(localStorage.getItem(key) ?? '') as T) ?? fallback;
  } catch {
    return fallback;
  }
}

export default function Tickets() {
  const session = useSession();
  const customer = isCustomer(session);
  const notify = useNotify();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => {
    const q: Record<string, string> = {};
    for (const k of FILTER_KEYS) {
      const v = params.get(k);
      if (v) q[k] = v;
    }
    return q;
  }, [params]);
  const [items, setItems] = useState<TicketRow[]>([]);
  const [total, setTotal] = useState<{ value: number; relation: string } | undefined>();
  const [cursor, setCursor] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const [keyword, setKeyword] = useState(query.q ?? '');
  const [selected, setSelected] = useState<TicketRow[]>([]);
  const [views, setViews] = useState<SavedView[]>(() => readJson(VIEWS_KEY, []));
  const [prefs, setPrefs] = useState<CollectionPreferencesProps.Preferences>(() =>
    readJson(PREFS_KEY, { pageSize: 25, visibleContent: DEFAULT_VISIBLE }),
  );
  const [bulk, setBulk] = useState<'assign' | 'resolve' | 'save' | undefined>();
  const [results, setResults] = useState<{ number: string; ok: boolean; message: string }[]>([]);

  const load = async (after?: string) => {
    setLoading(true);
    setError(undefined);
    try {
      const { data } = await must(
        api().GET('/v1/tickets', {
          params: {
            query: {
              ...(query as TicketQuery),
              limit: String(prefs.pageSize ?? 25),
              ...(after ? { cursor: after } : {}),
            },
          },
        }),
      );
      setItems((prev) => (after ? [...prev, ...data.items] : data.items));
      setTotal(data.total);
      setCursor(data.nextCursor);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new query or page size starts a new list.
  useEffect(() => {
    setSelected([]);
    void load();
  }, [query, prefs.pageSize]);

  const setFilter = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };

  const visible = prefs.visibleContent ?? DEFAULT_VISIBLE;
  const columns: TableProps.ColumnDefinition<TicketRow>[] = COLUMNS.filter((c) => visible.includes(c.id)).map((c) => ({
    id: c.id,
    header: c.label,
    cell: c.cell,
    ...(c.sort ? { sortingField: c.sort } : {}),
    ...(c.id === 'number' ? { isRowHeader: true } : {}),
  }));
  const sortColumn = columns.find((c) => c.sortingField === (query.sort ?? 'updated'));

  const runBulk = async (what: 'assign' | 'resolve', form: Record<string, string>) => {
    const out: typeof results = [];
    for (const t of selected) {
      try {
        if (what === 'assign') {
          await must(
            api().PATCH('/v1/tickets/{id}', {
              params: { path: { id: t.ticketId }, header: { 'If-Match': `"${t.version}"` } },
              body: {
                ...(form.group ? { assignmentGroup: form.group } : {}),
                ...(form.assignee ? { assigneeId: form.assignee } : {}),
              } as never,
            }),
          );
        } else {
          await must(
            api().POST('/v1/tickets/{id}/resolve', {
              params: { path: { id: t.ticketId } },
              headers: ifMatch(t.version),
              body: { resolutionCode: form.code, resolutionSummary: form.summary } as never,
            }),
          );
        }
        out.push({ number: t.number, ok: true, message: what === 'assign' ? 'Assigned' : 'Resolved' });
      } catch (err) {
        out.push({ number: t.number, ok: false, message: describeError(err) });
      }
    }
    setResults(out);
    const failed = out.filter((r) => !r.ok).length;
    notify({
      type: failed ? 'warning' : 'success',
      content: `${out.length - failed} of ${out.length} tickets ${what === 'assign' ? 'assigned' : 'resolved'}.`,
    });
    setBulk(undefined);
    void load();
  };

  const startExport = async (format: 'csv' | 'json') => {
    try {
      const { q, sort, order, ...filters } = query;
      const { data } = await must(
        api().POST('/v1/exports', {
          body: {
            search: 'tickets',
            format,
            filters: { ...filters, ...(q ? { q } : {}), ...(sort ? { sort } : {}), ...(order ? { order } : {}) },
          } as never,
        }),
      );
      const id = (data as { exportId: string }).exportId;
      notify({ type: 'in-progress', content: 'Export started; the download starts when it is ready.' });
      for (let i = 0; i < 120; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const { data: view } = await must(api().GET('/v1/exports/{id}', { params: { path: { id } } }));
        if (view.status === 'failed') throw new Error(view.failure ?? 'the export failed');
        if (view.status === 'succeeded' && view.download) {
          notify({
            type: 'success',
            content: (
              <span>
                Export ready ({view.rows} rows).{' '}
                <a href={view.download.url} download>
                  Download the {format.toUpperCase()} file
                </a>{' '}
                (link valid 5 minutes).
              </span>
            ),
          });
          return;
        }
      }
      throw new Error('the export is still running; find it later under exports');
    } catch (err) {
      notify({ type: 'error', content: `Export failed: ${describeError(err)}` });
    }
  };

  const saveView = (name: string) => {
    const next = [...views.filter((v) => v.name !== name), { name, query }];
    setViews(next);
    localStorage.setItem(VIEWS_KEY, JSON.stringify(next));
    setBulk(undefined);
    notify({ type: 'success', content: `View “${name}” saved.` });
  };

  const statusValues = (query.status ?? '').split(',').filter(Boolean);
  return (
    <SpaceBetween size="m">
      <Table<TicketRow>
        variant="full-page"
        items={items}
        columnDefinitions={columns}
        trackBy="ticketId"
        loading={loading && items.length === 0}
        loadingText="Loading tickets"
        selectionType={customer ? undefined : 'multi'}
        selectedItems={selected}
        onSelectionChange={(e) => setSelected(e.detail.selectedItems)}
        ariaLabels={{
          selectionGroupLabel: 'Ticket selection',
          allItemsSelectionLabel: () => 'Select all tickets shown',
          itemSelectionLabel: (_s, t) => `Select ${t.number}`,
          tableLabel: 'Tickets',
        }}
        sortingColumn={sortColumn ?? {}}
        sortingDescending={(query.order ?? 'desc') === 'desc'}
        onSortingChange={(e) => {
          const next = new URLSearchParams(params);
          if (e.detail.sortingColumn.sortingField) next.set('sort', e.detail.sortingColumn.sortingField);
          next.set('order', e.detail.isDescending ? 'desc' : 'asc');
          setParams(next);
        }}
        header={
          <Header
            variant="awsui-h1-sticky"
            counter={total ? `(${total.value}${total.relation === 'gte' ? '+' : ''})` : undefined}
            description={
              customer ? "Your organisation's tickets" : 'Search every ticket; filters are kept in the address'
            }
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <ButtonDropdown
                  ariaLabel="Saved views"
                  items={[
                    ...views.map((v) => ({ id: `view:${v.name}`, text: v.name })),
                    { id: 'save', text: 'Save this view…' },
                  ]}
                  onItemClick={(e) => {
                    if (e.detail.id === 'save') setBulk('save');
                    else {
                      const v = views.find((x) => `view:${x.name}` === e.detail.id);
                      if (v) setParams(new URLSearchParams(v.query));
                    }
                  }}
                >
                  Views
                </ButtonDropdown>
                {customer ? null : (
                  <>
                    <ButtonDropdown
                      items={[
                        { id: 'csv', text: 'CSV' },
                        { id: 'json', text: 'JSON' },
                      ]}
                      onItemClick={(e) => void startExport(e.detail.id as 'csv' | 'json')}
                    >
                      Export
                    </ButtonDropdown>
                    <ButtonDropdown
                      disabled={selected.length === 0}
                      items={[
                        { id: 'assign', text: 'Assign…' },
                        { id: 'resolve', text: 'Resolve…' },
                      ]}
                      onItemClick={(e) => setBulk(e.detail.id as 'assign' | 'resolve')}
                    >
                      Bulk actions
                    </ButtonDropdown>
                  </>
                )}
                <Button variant="primary" onClick={() => navigate('/tickets/new')}>
                  {customer ? 'Report an incident' : 'New ticket'}
                </Button>
              </SpaceBetween>
            }
          >
            Tickets
          </Header>
        }
        filter={
          <ColumnLayout columns={4}>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                setFilter('q', keyword.trim() || undefined);
              }}
            >
              <FormField label="Keywords">
                <Input
                  type="search"
                  value={keyword}
                  onChange={(e) => setKeyword(e.detail.value)}
                  placeholder="Words, a number, or “a phrase”"
                  ariaLabel="Keywords"
                />
              </FormField>
            </form>
            <FormField label="Status">
              <Multiselect
                selectedOptions={statusValues.map((s) => option(s))}
                options={STATUSES.map((s) => option(s))}
                onChange={(e) =>
                  setFilter('status', e.detail.selectedOptions.map((o) => o.value).join(',') || undefined)
                }
                placeholder="Any status"
                ariaLabel="Status"
              />
            </FormField>
            <FormField label="Priority">
              <Select
                selectedOption={query.priority ? option(query.priority, query.priority) : option('', 'Any priority')}
                options={[option('', 'Any priority'), ...['P1', 'P2', 'P3', 'P4'].map((p) => option(p, p))]}
                onChange={(e) => setFilter('priority', e.detail.selectedOption.value || undefined)}
                ariaLabel="Priority"
              />
            </FormField>
            <FormField label="SLA">
              <Select
                selectedOption={query.sla ? option(query.sla) : option('', 'Any')}
                options={[option('', 'Any'), option('warning', 'Breaching soon'), option('breached')]}
                onChange={(e) => setFilter('sla', e.detail.selectedOption.value || undefined)}
                ariaLabel="SLA"
              />
            </FormField>
          </ColumnLayout>
        }
        empty={
          <Box textAlign="center" color="inherit">
            {error ? <StatusIndicator type="error">{error}</StatusIndicator> : 'No ticket matches.'}
          </Box>
        }
        footer={
          cursor ? (
            <Box textAlign="center">
              <Button onClick={() => void load(cursor)} loading={loading}>
                Load more
              </Button>
            </Box>
          ) : undefined
        }
        preferences={
          <CollectionPreferences
            title="Preferences"
            confirmLabel="Confirm"
            cancelLabel="Cancel"
            preferences={prefs}
            onConfirm={(e) => {
              setPrefs(e.detail);
              localStorage.setItem(PREFS_KEY, JSON.stringify(e.detail));
            }}
            pageSizePreference={{
              title: 'Tickets per page',
              options: [
                { value: 25, label: '25' },
                { value: 50, label: '50' },
                { value: 100, label: '100' },
              ],
            }}
            visibleContentPreference={{
              title: 'Columns',
              options: [{ label: 'Ticket columns', options: COLUMNS.map((c) => ({ id: c.id, label: c.label })) }],
            }}
          />
        }
      />
      {results.length ? (
        <Table
          header={<Header variant="h2">Bulk action results</Header>}
          items={results}
          ariaLabels={{ tableLabel: 'Bulk action results' }}
          columnDefinitions={[
            { id: 'n', header: 'Ticket', cell: (r) => r.number, isRowHeader: true },
            {
              id: 'r',
              header: 'Result',
              cell: (r) => <StatusIndicator type={r.ok ? 'success' : 'error'}>{r.message}</StatusIndicator>,
            },
          ]}
        />
      ) : null}
      <BulkModal
        mode={bulk}
        count={selected.length}
        onDismiss={() => setBulk(undefined)}
        onRun={runBulk}
        onSave={saveView}
      />
      {query.status === undefined && !customer ? (
        <Box variant="small">
          Tip:{' '}
          <RouterLink href={`/tickets?status=${OPEN_STATUSES.join(',')}&sort=deadline&order=asc`}>
            open work by deadline
          </RouterLink>
        </Box>
      ) : null}
    </SpaceBetween>
  );
}

function BulkModal(props: {
  mode: 'assign' | 'resolve' | 'save' | undefined;
  count: number;
  onDismiss: () => void;
  onRun: (what: 'assign' | 'resolve', form: Record<string, string>) => Promise<void>;
  onSave: (name: string) => void;
}) {
  const [form, setForm] = useState<Record<string, string>>({ code: 'fixed' });
  const [busy, setBusy] = useState(false);
  const set = (k: string) => (e: { detail: { value: string } }) => setForm((f) => ({ ...f, [k]: e.detail.value }));
  if (!props.mode) return null;
  const title =
    props.mode === 'save'
      ? 'Save this view'
      : props.mode === 'assign'
        ? `Assign ${props.count} tickets`
        : `Resolve ${props.count} tickets`;
  const submit = async () => {
    if (props.mode === 'save') return props.onSave(form.name?.trim() || 'My view');
    setBusy(true);
    try {
      await props.onRun(props.mode as 'assign' | 'resolve', form);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      visible
      header={title}
      onDismiss={props.onDismiss}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={props.onDismiss}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} onClick={() => void submit()}>
              {props.mode === 'save' ? 'Save' : 'Apply'}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="s">
        {props.mode === 'save' ? (
          <FormField label="View name">
            <Input value={form.name ?? ''} onChange={set('name')} />
          </FormField>
        ) : props.mode === 'assign' ? (
          <>
            <FormField label="Assignment group" description="Leave empty to keep each ticket's group">
              <Input value={form.group ?? ''} onChange={set('group')} />
            </FormField>
            <FormField label="Assignee (user id)" description="For example user-alice">
              <Input value={form.assignee ?? ''} onChange={set('assignee')} />
            </FormField>
          </>
        ) : (
          <>
            <FormField label="Resolution code">
              <Select
                selectedOption={option(form.code ?? 'fixed')}
                options={RESOLUTION_CODES.map((c) => option(c))}
                onChange={(e) => setForm((f) => ({ ...f, code: e.detail.selectedOption.value ?? 'fixed' }))}
              />
            </FormField>
            <FormField label="Resolution summary">
              <Textarea value={form.summary ?? ''} onChange={set('summary')} />
            </FormField>
          </>
        )}
      </SpaceBetween>
    </Modal>
  );
}
