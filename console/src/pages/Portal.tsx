import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Cards from '@cloudscape-design/components/cards';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import { label, statusType } from '../api/desk';
import type { CustomerQueueItem, QueueItem } from '../api/queues';
import { useSession } from '../auth';
import { when } from '../components/format';
import { RouterLink } from '../components/links';
import { useLoad } from '../components/use-load';

/** The customer portal: what we offer (services, standard requests), report or request, and our tickets. */
export default function Portal() {
  const session = useSession();
  const navigate = useNavigate();
  const data = useLoad(async () => {
    const c = api();
    const [catalogue, models, queue] = await Promise.all([
      c.GET('/v1/catalogue', {}),
      c.GET('/v1/request-models', {}),
      c.GET('/v1/queues/customer', {}),
    ]);
    return {
      services: catalogue.data?.items ?? [],
      models: (models.data?.items ?? []).filter((m) => m.active),
      tickets: queue.data?.items ?? [],
    };
  }, []);
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={`Signed in as ${session.name} for ${session.customer ?? 'your organisation'}`}
          actions={
            <Button variant="primary" onClick={() => navigate('/tickets/new')}>
              Report an incident
            </Button>
          }
        >
          Service portal
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Cards
          header={<Header variant="h2">Request a service</Header>}
          ariaLabels={{ itemSelectionLabel: () => '', selectionGroupLabel: 'Requests' }}
          loading={data.loading}
          loadingText="Loading the catalogue"
          items={data.data?.models ?? []}
          trackBy="modelId"
          cardDefinition={{
            header: (m) => m.name,
            sections: [
              { id: 'd', content: (m) => m.description ?? '' },
              {
                id: 'a',
                content: (m) => (
                  <Button
                    ariaLabel={`Request ${m.name}`}
                    onClick={() => navigate(`/tickets/new?model=${encodeURIComponent(m.modelId)}`)}
                  >
                    Request
                  </Button>
                ),
              },
            ],
          }}
          empty={<Box>No standard requests are offered yet; describe what you need in a free-form request.</Box>}
        />
        <Table
          header={<Header variant="h2">Our services</Header>}
          ariaLabels={{ tableLabel: 'Our services' }}
          items={data.data?.services ?? []}
          loading={data.loading}
          loadingText="Loading"
          columnDefinitions={[
            { id: 'n', header: 'Service', isRowHeader: true, cell: (s) => `${s.number} ${s.name}` },
            { id: 'd', header: 'Description', cell: (s) => s.description ?? '' },
          ]}
        />
        <Table<QueueItem | CustomerQueueItem>
          header={
            <Header variant="h2" actions={<RouterLink href="/tickets">All our tickets</RouterLink>}>
              Our recent tickets
            </Header>
          }
          ariaLabels={{ tableLabel: 'Our recent tickets' }}
          items={data.data?.tickets ?? []}
          loading={data.loading}
          loadingText="Loading"
          empty={<Box>No open ticket.</Box>}
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
            { id: 'c', header: 'Opened', cell: (t) => when(t.createdAt) },
          ]}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
