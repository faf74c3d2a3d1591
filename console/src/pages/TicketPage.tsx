import Alert from '@cloudscape-design/components/alert';
import Badge from '@cloudscape-design/components/badge';
import Box from '@cloudscape-design/components/box';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown, { type ButtonDropdownProps } from '@cloudscape-design/components/button-dropdown';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import Tabs from '@cloudscape-design/components/tabs';
import Textarea from '@cloudscape-design/components/textarea';
import { useCallback, useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { useNotify } from '../App';
import { ApiError, api, describeError } from '../api/client';
import { label, statusType } from '../api/desk';
import type { Comment, HistoryEntry, Ticket, TicketClocks, WorkLogEntry } from '../api/ticket';
import { isCustomer, useSession } from '../auth';
import { Attachments } from '../components/attachments';
import { minutesText, untilText, when } from '../components/format';
import { RouterLink, useFollow } from '../components/links';
import {
  type ActionId,
  ActionModal,
  actionsFor,
  assignToMe,
  type Pending,
  runAction,
} from '../components/ticket-actions';

/**
 * A ticket: header with status, priority and SLA clocks (time left and why), caller, customer,
 * service and CIs, the timeline of comments and work log, the actions its status allows, related
 * tickets and history. A 409 shows what changed since the page was read and offers to retry.
 */
export default function TicketPage() {
  const { id = '' } = useParams();
  const session = useSession();
  const customer = isCustomer(session);
  const notify = useNotify();
  const follow = useFollow();
  const [ticket, setTicket] = useState<Ticket | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [comments, setComments] = useState<Comment[]>([]);
  const [workLog, setWorkLog] = useState<WorkLogEntry[]>([]);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [children, setChildren] = useState<{ ticketId: string; number: string; title: string; status: string }[]>([]);
  const [clocks, setClocks] = useState<TicketClocks | undefined>();
  const [action, setAction] = useState<ActionId | undefined>();
  const [conflict, setConflict] = useState<{ pending: Pending; changes: [string, unknown, unknown][] } | undefined>();

  const load = useCallback(async () => {
    const c = api();
    const path = { params: { path: { id } } };
    const { data, response } = await c.GET('/v1/tickets/{id}', path);
    if (!response.ok) {
      setError(response.status === 404 ? 'There is no such ticket, or you may not see it.' : describeError(data));
      return undefined;
    }
    const t = data as unknown as Ticket;
    setTicket(t);
    setError(undefined);
    const tid = { params: { path: { id: t.ticketId } } };
    const [cm, cl] = await Promise.all([
      c.GET('/v1/tickets/{id}/comments', tid),
      c.GET('/v1/tickets/{id}/clocks', tid),
    ]);
    setComments(((cm.data as { items?: Comment[] } | undefined)?.items ?? []) as Comment[]);
    setClocks(cl.response.ok ? (cl.data as unknown as TicketClocks) : undefined);
    if (!customer) {
      const [wl, hi, ch] = await Promise.all([
        c.GET('/v1/tickets/{id}/work-log', tid),
        c.GET('/v1/tickets/{id}/history', tid),
        c.GET('/v1/tickets/{id}/children', tid),
      ]);
      setWorkLog(((wl.data as { items?: WorkLogEntry[] } | undefined)?.items ?? []) as WorkLogEntry[]);
      setHistory(((hi.data as { items?: HistoryEntry[] } | undefined)?.items ?? []) as HistoryEntry[]);
      setChildren(((ch.data as { items?: [] } | undefined)?.items ?? []) as typeof children);
    }
    return t;
  }, [id, customer]);

  useEffect(() => {
    setTicket(undefined);
    load().catch((err: unknown) => setError(describeError(err)));
  }, [load]);

  /** Run an action against the version on screen; on 409, show what changed and keep the input. */
  const perform = async (pending: Pending, against: Ticket) => {
    try {
      await runAction(pending, against);
      setAction(undefined);
      setConflict(undefined);
      notify({ type: 'success', content: `${against.number}: ${pending.done}.` });
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.problem.code === 'version-conflict') {
        const latest = await load();
        if (latest) {
          const changes = diff(against, latest);
          setConflict({ pending, changes });
          setAction(undefined);
        }
        return;
      }
      throw err;
    }
  };

  const me = `user-${session.name}`;
  const choose = (id: ActionId) => {
    if (id === 'assign-me' && ticket)
      void perform(assignToMe(me, ticket), ticket).catch((err: unknown) =>
        notify({ type: 'error', content: describeError(err) }),
      );
    else setAction(id);
  };

  if (error)
    return (
      <Alert type="error" header="Cannot show this ticket">
        {error}
      </Alert>
    );
  if (!ticket) return <Spinner size="large" />;

  const actions = actionsFor(ticket, session);
  const publicOnly = customer;
  const timeline = [
    ...comments.map((c) => ({ at: c.createdAt, kind: 'comment' as const, c })),
    ...workLog.map((w) => ({ at: w.at, kind: 'work' as const, w })),
  ].sort((a, b) => a.at.localeCompare(b.at));

  return (
    <ContentLayout
      header={
        <SpaceBetween size="m">
          <BreadcrumbGroup
            ariaLabel="Breadcrumbs"
            items={[
              { text: 'Tickets', href: '/tickets' },
              { text: ticket.number, href: `/tickets/${ticket.ticketId}` },
            ]}
            onFollow={follow}
          />
          <Header
            variant="h1"
            description={`${label(ticket.type)} · opened ${when(ticket.createdAt)} · updated ${when(ticket.updatedAt)}`}
            actions={
              actions.length ? (
                <SpaceBetween direction="horizontal" size="xs">
                  {actions
                    .filter((a) => a.primary)
                    .map((a) => (
                      <Button key={a.id} variant="primary" onClick={() => choose(a.id)}>
                        {a.text}
                      </Button>
                    ))}
                  {actions.some((a) => !a.primary) ? (
                    <ButtonDropdown
                      items={
                        actions
                          .filter((a) => !a.primary)
                          .map((a) => ({ id: a.id, text: a.text })) as ButtonDropdownProps.Items
                      }
                      onItemClick={(e) => choose(e.detail.id as ActionId)}
                    >
                      Actions
                    </ButtonDropdown>
                  ) : null}
                </SpaceBetween>
              ) : undefined
            }
          >
            {ticket.number}: {ticket.title}
          </Header>
        </SpaceBetween>
      }
    >
      <SpaceBetween size="l">
        {conflict ? (
          <Alert
            type="warning"
            header="Someone changed this ticket since you opened it"
            action={
              <SpaceBetween direction="horizontal" size="xs">
                <Button onClick={() => setConflict(undefined)}>Discard my change</Button>
                <Button
                  variant="primary"
                  onClick={() =>
                    void perform(conflict.pending, ticket).catch((err: unknown) =>
                      notify({ type: 'error', content: describeError(err) }),
                    )
                  }
                >
                  Retry my change
                </Button>
              </SpaceBetween>
            }
          >
            <p>Your change ({conflict.pending.done}) was not applied. What changed meanwhile:</p>
            <ul aria-label="Changes since you opened the ticket">
              {conflict.changes.length ? (
                conflict.changes.map(([field, from, to]) => (
                  <li key={field}>
                    {label(field)}: {show(from)} → {show(to)}
                  </li>
                ))
              ) : (
                <li>Only its comments or internal bookkeeping.</li>
              )}
            </ul>
          </Alert>
        ) : null}
        <Container header={<Header variant="h2">Overview</Header>}>
          <KeyValuePairs
            columns={4}
            items={[
              {
                label: 'Status',
                value: (
                  <StatusIndicator type={statusType(ticket.status)}>
                    {label(ticket.status)}
                    {ticket.pendingReason && ticket.status === 'pending' ? ` (${label(ticket.pendingReason)})` : ''}
                  </StatusIndicator>
                ),
              },
              {
                label: 'Priority',
                value: (
                  <SpaceBetween direction="horizontal" size="xs">
                    <span>{ticket.priority}</span>
                    {ticket.major ? <Badge color="red">Major incident</Badge> : null}
                  </SpaceBetween>
                ),
              },
              { label: 'Impact / urgency', value: `${ticket.impact ?? '—'} / ${ticket.urgency ?? '—'}` },
              { label: 'Channel', value: label(ticket.channel) },
              {
                label: 'Caller',
                value: ticket.caller
                  ? `${ticket.caller.name}${ticket.caller.email ? ` <${ticket.caller.email}>` : ''}`
                  : '—',
              },
              { label: 'Customer', value: ticket.customerId ?? '—' },
              { label: 'Service', value: ticket.serviceId ?? '—' },
              {
                label: 'Configuration items',
                value: ticket.ciIds.length
                  ? ticket.ciIds.map((ci, i) => (
                      <span key={ci}>
                        {i ? ', ' : ''}
                        {customer ? ci : <RouterLink href={`/cis/${ci}`}>{ci}</RouterLink>}
                      </span>
                    ))
                  : '—',
              },
              { label: 'Assignment group', value: ticket.assignmentGroup ?? '—' },
              { label: 'Assignee', value: ticket.assigneeId?.replace(/^user-/, '') ?? '—' },
              { label: 'Category', value: ticket.category?.join(' › ') ?? '—' },
              {
                label: 'Resolution',
                value: ticket.resolutionCode
                  ? `${label(ticket.resolutionCode)}: ${ticket.resolutionSummary ?? ''}`
                  : '—',
              },
            ]}
          />
          {ticket.description ? (
            <Box margin={{ top: 'm' }}>
              <Box variant="awsui-key-label">Description</Box>
              <Box variant="p">{ticket.description}</Box>
            </Box>
          ) : null}
        </Container>
        <Clocks clocks={clocks} />
        <Container header={<Header variant="h2">Conversation</Header>}>
          <SpaceBetween size="m">
            {timeline.length === 0 ? <Box color="text-status-inactive">Nothing yet.</Box> : null}
            <ol aria-label="Timeline" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
              {timeline.map((e) =>
                e.kind === 'comment' ? (
                  <li key={e.c.commentId} style={{ marginBottom: 12 }}>
                    <Box variant="small">
                      {e.c.author.name ?? e.c.author.id} · {when(e.c.createdAt)}{' '}
                      {e.c.visibility === 'internal' ? (
                        <Badge color="grey">Internal</Badge>
                      ) : (
                        <Badge color="blue">Public</Badge>
                      )}
                    </Box>
                    <Box variant="p">{e.c.text}</Box>
                  </li>
                ) : (
                  <li key={e.w.entryId} style={{ marginBottom: 12 }}>
                    <Box variant="small">
                      {e.w.by.name ?? e.w.by.id} · {when(e.w.at)}{' '}
                      <Badge color="green">Work log · {e.w.minutes} min</Badge>
                    </Box>
                    <Box variant="p">{e.w.note}</Box>
                  </li>
                ),
              )}
            </ol>
            {ticket.status !== 'cancelled' ? (
              <CommentForm
                publicOnly={publicOnly}
                onSend={async (text, visibility) => {
                  const { response, error: problem } = await api().POST('/v1/tickets/{id}/comments', {
                    params: { path: { id: ticket.ticketId } },
                    body: { text, visibility } as never,
                  });
                  if (!response.ok) throw new Error(describeError(new ApiError(toProblem(response.status, problem))));
                  notify({ type: 'success', content: 'Comment added.' });
                  await load();
                }}
              />
            ) : null}
          </SpaceBetween>
        </Container>
        <Attachments ticket={ticket} comments={comments} />
        {customer ? null : (
          <Tabs
            ariaLabel="More about this ticket"
            tabs={[
              {
                id: 'related',
                label: 'Related tickets',
                content: (
                  <KeyValuePairs
                    columns={3}
                    items={[
                      {
                        label: 'Parent',
                        value: ticket.parentId ? (
                          <RouterLink href={`/tickets/${ticket.parentId}`}>{ticket.parentId}</RouterLink>
                        ) : (
                          '—'
                        ),
                      },
                      {
                        label: 'Children',
                        value: children.length
                          ? children.map((c, i) => (
                              <span key={c.ticketId}>
                                {i ? ', ' : ''}
                                <RouterLink href={`/tickets/${c.ticketId}`}>{c.number}</RouterLink> ({label(c.status)})
                              </span>
                            ))
                          : '—',
                      },
                      {
                        label: 'Related',
                        value: ticket.relatedIds.length
                          ? ticket.relatedIds.map((r, i) => (
                              <span key={r}>
                                {i ? ', ' : ''}
                                <RouterLink href={`/tickets/${r}`}>{r}</RouterLink>
                              </span>
                            ))
                          : '—',
                      },
                    ]}
                  />
                ),
              },
              {
                id: 'history',
                label: 'History',
                content: (
                  <Table
                    variant="embedded"
                    ariaLabels={{ tableLabel: 'History' }}
                    items={history}
                    columnDefinitions={[
                      { id: 'at', header: 'When', cell: (h) => when(h.at), isRowHeader: true },
                      { id: 'who', header: 'Who', cell: (h) => h.actor.name ?? h.actor.id },
                      { id: 'what', header: 'What', cell: (h) => label(h.action) },
                      {
                        id: 'changes',
                        header: 'Changes',
                        cell: (h) =>
                          Object.entries(h.changes ?? {})
                            .map(([k, v]) => `${k}: ${show(v.from)} → ${show(v.to)}`)
                            .join('; ') || '—',
                      },
                      { id: 'why', header: 'Reason', cell: (h) => h.reason ?? '—' },
                    ]}
                  />
                ),
              },
            ]}
          />
        )}
      </SpaceBetween>
      {action ? (
        <ActionModal
          action={action}
          ticket={ticket}
          me={me}
          onDismiss={() => setAction(undefined)}
          onSubmit={(pending) => perform(pending, ticket)}
        />
      ) : null}
    </ContentLayout>
  );
}

function toProblem(status: number, e: unknown) {
  const p = (e ?? {}) as {
    title?: string;
    detail?: string;
    code?: string;
    errors?: { field: string; message: string }[];
  };
  return {
    status,
    title: p.title ?? `HTTP ${status}`,
    detail: p.detail ?? '',
    code: p.code ?? `http-${status}`,
    ...(p.errors ? { errors: p.errors } : {}),
  };
}

const show = (v: unknown) =>
  v === undefined || v === null
    ? '—'
    : Array.isArray(v)
      ? v.join(', ')
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v);

/** Fields whose values differ between the version the agent read and the latest. */
function diff(before: Ticket, after: Ticket): [string, unknown, unknown][] {
  const skip = new Set(['version', 'updatedAt', 'changedAt', 'sla', 'publicComments', 'majorReminders']);
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const out: [string, unknown, unknown][] = [];
  for (const k of keys) {
    if (skip.has(k)) continue;
    const a = (before as unknown as Record<string, unknown>)[k];
    const b = (after as unknown as Record<string, unknown>)[k];
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push([k, a, b]);
  }
  return out;
}

function Clocks({ clocks }: { clocks: TicketClocks | undefined }) {
  if (!clocks || Object.keys(clocks.clocks).length === 0)
    return (
      <Container header={<Header variant="h2">Service level</Header>}>
        <Box color="text-status-inactive">No agreement covers this ticket.</Box>
      </Container>
    );
  return (
    <Container
      header={
        <Header variant="h2" description={`Agreement ${clocks.terms ?? clocks.agreementId ?? ''}`}>
          Service level
        </Header>
      }
    >
      <ColumnLayout columns={2} variant="text-grid">
        {Object.values(clocks.clocks).map((c) => {
          const target = c.targetMinutes ?? 0;
          const share = target ? Math.min(100, (c.elapsedMinutes / target) * 100) : 0;
          const status =
            c.state === 'breached' || c.state === 'stopped-unmet'
              ? 'error'
              : c.state === 'met'
                ? 'success'
                : c.state === 'paused'
                  ? 'stopped'
                  : share >= 75
                    ? 'warning'
                    : 'in-progress';
          return (
            <SpaceBetween key={c.clock} size="xs">
              <Box variant="h3">{label(c.clock)}</Box>
              <StatusIndicator type={status}>
                {label(c.state)}
                {c.state === 'running' && c.deadline ? `: due ${untilText(c.deadline)}` : ''}
                {c.state === 'running' && !c.deadline && c.remainingMinutes !== undefined
                  ? `: ${minutesText(c.remainingMinutes)} left`
                  : ''}
              </StatusIndicator>
              {target ? (
                <ProgressBar
                  value={share}
                  label={`${label(c.clock)} time used`}
                  description={`${minutesText(c.elapsedMinutes)} of ${minutesText(target)} (business time)`}
                />
              ) : null}
              <ExpandableSection headerText="Why this figure">
                <Table
                  variant="embedded"
                  ariaLabels={{ tableLabel: `${label(c.clock)} explanation` }}
                  items={c.explanation}
                  columnDefinitions={[
                    { id: 'from', header: 'From', cell: (s) => when(s.from), isRowHeader: true },
                    { id: 'to', header: 'To', cell: (s) => when(s.to) },
                    { id: 'status', header: 'Ticket status', cell: (s) => label(s.status) },
                    { id: 'phase', header: 'Clock', cell: (s) => label(s.phase) },
                    {
                      id: 'counted',
                      header: 'Counted',
                      cell: (s) => (s.counted ? minutesText(s.businessMinutes) : 'not counted'),
                    },
                  ]}
                />
              </ExpandableSection>
            </SpaceBetween>
          );
        })}
      </ColumnLayout>
    </Container>
  );
}

function CommentForm(props: {
  publicOnly: boolean;
  onSend: (text: string, visibility: 'public' | 'internal') => Promise<void>;
}) {
  const [text, setText] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'internal'>('public');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const send = async () => {
    if (!text.trim()) {
      setError('Write something first.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await props.onSend(text.trim(), visibility);
      setText('');
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <SpaceBetween size="s">
        <FormField label={props.publicOnly ? 'Reply' : 'Add a comment'} errorText={error}>
          <Textarea
            value={text}
            onChange={(e) => setText(e.detail.value)}
            placeholder={props.publicOnly ? 'Write to the service desk' : 'Write a comment'}
            rows={3}
          />
        </FormField>
        {props.publicOnly ? null : (
          <FormField label="Visibility">
            <RadioGroup
              value={visibility}
              onChange={(e) => setVisibility(e.detail.value as 'public' | 'internal')}
              items={[
                { value: 'public', label: 'Public: the caller and customer see it' },
                { value: 'internal', label: 'Internal: staff only' },
              ]}
            />
          </FormField>
        )}
        <Button variant="primary" formAction="submit" loading={busy}>
          {props.publicOnly ? 'Send reply' : 'Add comment'}
        </Button>
      </SpaceBetween>
    </form>
  );
}
