import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import Tabs from '@cloudscape-design/components/tabs';
import { api } from '../api/client';
import { label, OPEN_STATUSES, statusType, type TicketRow } from '../api/desk';
import type { QueueItem } from '../api/queues';
import { useSession } from '../auth';
import { untilText, when } from '../components/format';
import { RouterLink } from '../components/links';
import { useLoad } from '../components/use-load';

/** The agent's start: my work, my groups' queues, what breaches soon, what moved lately, with counts. */
export default function Home() {
  const session = useSession();
  const me = `user-${session.name}`;
  const data = useLoad(async () => {
    const c = api();
    const open = OPEN_STATUSES.join(',');
    const [mine, breaching, recent, openCount, majors, settings] = await Promise.all([
      c.GET('/v1/queues/mine', {}),
      c.GET('/v1/queues/breaching-soon', {}),
      c.GET('/v1/tickets', { params: { query: { sort: 'updated', order: 'desc', limit: '10' } } }),
      c.GET('/v1/tickets', { params: { query: { status: open, limit: '100' } } }),
      c.GET('/v1/tickets', { params: { query: { status: open, major: 'true', limit: '1' } } }),
      c.GET('/v1/desk-settings', {}),
    ]);
    // My groups: those among the open work's groups (and the default group) that list me as a member.
    const candidates = new Set<string>([
      ...[settings.data?.defaultGroup].filter((g): g is string => !!g),
      ...(openCount.data?.items ?? []).map((t) => t.assignmentGroup).filter((g): g is string => !!g),
    ]);
    const groups = (
      await Promise.all(
        [...candidates].map(async (g) => {
          const { data: group } = await c.GET('/v1/groups/{group}', { params: { path: { group: g } } });
          const members = group?.members ?? [];
          if (!members.includes(me)) return undefined;
          const { data: queue } = await c.GET('/v1/queues/groups/{group}', { params: { path: { group: g } } });
          return { group: g, items: queue?.items ?? [] };
        }),
      )
    ).filter((g): g is { group: string; items: QueueItem[] } => !!g);
    return {
      mine: mine.data?.items ?? [],
      breaching: breaching.data?.items ?? [],
      recent: recent.data?.items ?? [],
      open: openCount.data?.total.value ?? 0,
      majors: majors.data?.total.value ?? 0,
      groups,
    };
  }, [me]);
  const d = data.data;
  return (
    <ContentLayout
      header={
        <Header variant="h1" description={`Signed in as ${session.name}`}>
          Home
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container header={<Header variant="h2">At a glance</Header>}>
          <ColumnLayout columns={4} variant="text-grid">
            <Count
              label="My open work"
              value={d?.mine.length}
              href="/tickets?assigneeId=me&status=new,assigned,in-progress,pending"
            />
            <Count label="Breaching soon" value={d?.breaching.length} href="/tickets?sla=warning" />
            <Count label="Open tickets" value={d?.open} href={`/tickets?status=${OPEN_STATUSES.join(',')}`} />
            <Count
              label="Open major incidents"
              value={d?.majors}
              href={`/tickets?major=true&status=${OPEN_STATUSES.join(',')}`}
            />
          </ColumnLayout>
        </Container>
        {data.error ? <StatusIndicator type="error">{data.error}</StatusIndicator> : null}
        <Queue title="My work" items={d?.mine} loading={data.loading} empty="Nothing assigned to you." />
        <Container header={<Header variant="h2">My groups' queues</Header>}>
          {d && d.groups.length === 0 ? (
            <Box color="text-status-inactive">You are in no group with open work.</Box>
          ) : (
            <Tabs
              ariaLabel="My groups"
              tabs={(d?.groups ?? []).map((g) => ({
                id: g.group,
                label: `${g.group} (${g.items.length})`,
                content: <QueueTable items={g.items} label={`${g.group} queue`} empty="The queue is empty." />,
              }))}
            />
          )}
        </Container>
        <Queue
          title="Breaching soon"
          items={d?.breaching}
          loading={data.loading}
          empty="No ticket is close to its deadline."
        />
        <Table<TicketRow>
          header={<Header variant="h2">Recently updated</Header>}
          ariaLabels={{ tableLabel: 'Recently updated tickets' }}
          loading={data.loading}
          loadingText="Loading"
          items={d?.recent ?? []}
          columnDefinitions={[
            {
              id: 'n',
              header: 'Number',
              isRowHeader: true,
              cell: (t) => <RouterLink href={`/tickets/${t.ticketId}`}>{t.number}</RouterLink>,
            },
            { id: 't', header: 'Title', cell: (t) => t.title },
            {
              id: 's',
              header: 'Status',
              cell: (t) => <StatusIndicator type={statusType(t.status)}>{label(t.status)}</StatusIndicator>,
            },
            { id: 'u', header: 'Updated', cell: (t) => when(t.updatedAt) },
          ]}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}

function Count(props: { label: string; value: number | undefined; href: string }) {
  return (
    <div>
      <Box variant="awsui-key-label">{props.label}</Box>
      <RouterLink href={props.href} fontSize="display-l" ariaLabel={`${props.label}: ${props.value ?? 'loading'}`}>
        {props.value === undefined ? '…' : String(props.value)}
      </RouterLink>
    </div>
  );
}

function Queue(props: { title: string; items: QueueItem[] | undefined; loading: boolean; empty: string }) {
  return (
    <Container
      header={
        <Header variant="h2" counter={props.items ? `(${props.items.length})` : undefined}>
          {props.title}
        </Header>
      }
    >
      <QueueTable items={props.items ?? []} label={props.title} empty={props.empty} loading={props.loading} />
    </Container>
  );
}

function QueueTable(props: { items: QueueItem[]; label: string; empty: string; loading?: boolean }) {
  return (
    <Table<QueueItem>
      variant="embedded"
      ariaLabels={{ tableLabel: props.label }}
      loading={props.loading ?? false}
      loadingText="Loading"
      items={props.items}
      empty={<Box color="text-status-inactive">{props.empty}</Box>}
      columnDefinitions={[
        {
          id: 'n',
          header: 'Number',
          isRowHeader: true,
          cell: (t) => <RouterLink href={`/tickets/${t.ticketId}`}>{t.number}</RouterLink>,
        },
        { id: 't', header: 'Title', cell: (t) => t.title },
        { id: 'p', header: 'Priority', cell: (t) => t.priority },
        {
          id: 's',
          header: 'Status',
          cell: (t) => <StatusIndicator type={statusType(t.status)}>{label(t.status)}</StatusIndicator>,
        },
        { id: 'a', header: 'Assignee', cell: (t) => t.assigneeId?.replace(/^user-/, '') ?? '—' },
        { id: 'd', header: 'Deadline', cell: (t) => (t.slaDeadline ? untilText(t.slaDeadline) : '—') },
      ]}
    />
  );
}
