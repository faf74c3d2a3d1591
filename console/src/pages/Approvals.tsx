import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import Table from '@cloudscape-design/components/table';
import { api, must } from '../api/client';
import { when } from '../components/format';
import { RouterLink } from '../components/links';
import { type Answer, LoadError } from '../components/page-kit';
import { useLoad } from '../components/use-load';

type Item = Answer<'/v1/approval-inbox', 'get'>['items'][number];

/** The approval levels waiting on the signed-in user, by name or through a role; each opens its decision page. */
export default function Approvals() {
  const inbox = useLoad(async () => (await must(api().GET('/v1/approval-inbox', {}))).data.items, []);
  return (
    <Table<Item>
      variant="full-page"
      items={inbox.data ?? []}
      trackBy={(i) => `${i.changeId}-${i.level}`}
      loading={inbox.loading && !inbox.data}
      loadingText="Loading approvals"
      ariaLabels={{ tableLabel: 'Waiting for my approval' }}
      wrapLines
      header={
        <Header
          variant="awsui-h1-sticky"
          counter={inbox.data ? `(${inbox.data.length})` : undefined}
          description="Changes whose open approval level asks you, by name or through one of your roles"
        >
          Waiting for my approval
        </Header>
      }
      columnDefinitions={[
        {
          id: 'number',
          header: 'Change',
          cell: (i) => <RouterLink href={`/changes/${i.changeId}/decision`}>{i.number}</RouterLink>,
          isRowHeader: true,
        },
        { id: 'title', header: 'Title', cell: (i) => i.title },
        { id: 'type', header: 'Type', cell: (i) => i.type },
        { id: 'level', header: 'Level', cell: (i) => `${i.level}. ${i.levelName}` },
        { id: 'asked', header: 'Asked as', cell: (i) => (i.askedAs === 'user' ? 'you, by name' : 'a role you hold') },
        { id: 'opened', header: 'Opened', cell: (i) => when(i.openedAt) },
        { id: 'due', header: 'Due', cell: (i) => when(i.dueAt) },
        { id: 'start', header: 'Planned start', cell: (i) => when(i.plannedStart) },
      ]}
      empty={
        <Box textAlign="center" color="inherit">
          {inbox.error ? <LoadError error={inbox.error} /> : 'Nothing waits for your approval.'}
        </Box>
      }
    />
  );
}
