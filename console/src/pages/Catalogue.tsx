import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useNotify } from '../App';
import { api, must, type Schemas } from '../api/client';
import { when } from '../components/format';
import { actionError, FormModal, LoadError, LoadMore, ROLES, Status, useCan, usePaged } from '../components/page-kit';

type Service = Schemas['Service'];
type ServiceStatus = Service['status'];
type CatalogueEntry = Schemas['CatalogueEntry'];

/** The portfolio's lifecycle (services/portfolio/domain/service.ts): live only through acceptance. */
const NEXT: Record<ServiceStatus, ServiceStatus[]> = {
  proposed: ['planned', 'retired'],
  planned: ['live', 'retired'],
  live: ['retired'],
  retired: [],
};

/**
 * The service portfolio and catalogue, staff view (FitSM PR1, PR2.1): every service with its
 * lifecycle, specification, suppliers and acceptance criteria; what the catalogue offers
 * customers (live services). The chosen service is in the address (`?service=SVC-2`).
 */
export default function Catalogue() {
  const [params, setParams] = useSearchParams();
  const chosen = params.get('service') ?? '';
  const [status, setStatus] = useState('all');
  const [registering, setRegistering] = useState(false);
  const canRegister = useCan(ROLES.portfolioAdmins);
  const services = usePaged(
    async (cursor) => {
      const { data } = await must(
        api().GET('/v1/services', {
          params: {
            query: {
              limit: '50',
              ...(status !== 'all' ? { status: status as ServiceStatus } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      );
      return data;
    },
    [status],
  );
  const catalogue = usePaged(async (cursor) => {
    const { data } = await must(
      api().GET('/v1/catalogue', { params: { query: { limit: '50', ...(cursor ? { cursor } : {}) } } }),
    );
    return data;
  }, []);
  const selected = services.items.find((s) => s.number === chosen);
  const reload = () => {
    services.reload();
    catalogue.reload();
  };
  return (
    <ContentLayout header={<Header variant="h1">Catalogue and portfolio</Header>}>
      <SpaceBetween size="l">
        <LoadError error={services.error} />
        <Table<Service>
          header={
            <Header
              counter={`(${services.items.length}${services.hasMore ? '+' : ''})`}
              description="Every service from proposal to retirement."
              actions={
                canRegister ? (
                  <Button variant="primary" onClick={() => setRegistering(true)}>
                    Register service
                  </Button>
                ) : undefined
              }
            >
              Service portfolio
            </Header>
          }
          filter={
            <SegmentedControl
              selectedId={status}
              onChange={(e) => setStatus(e.detail.selectedId)}
              label="Lifecycle status"
              options={['all', 'proposed', 'planned', 'live', 'retired'].map((s) => ({ id: s, text: s }))}
            />
          }
          ariaLabels={{
            tableLabel: 'Service portfolio',
            selectionGroupLabel: 'Choose a service',
            itemSelectionLabel: (_, s) => `Show ${s.name}`,
          }}
          selectionType="single"
          selectedItems={selected ? [selected] : []}
          onSelectionChange={(e) => {
            const s = e.detail.selectedItems[0];
            if (s) setParams({ service: s.number });
          }}
          loading={services.loading && services.items.length === 0}
          loadingText="Loading services"
          items={services.items}
          trackBy="serviceId"
          empty="No services"
          columnDefinitions={[
            { id: 'number', header: 'Number', cell: (s) => s.number, isRowHeader: true },
            { id: 'name', header: 'Name', cell: (s) => s.name },
            { id: 'status', header: 'Lifecycle', cell: (s) => <Status value={s.status} /> },
            { id: 'owner', header: 'Owner', cell: (s) => s.owner },
            { id: 'customers', header: 'Customers', cell: (s) => s.customerIds.join(', ') || '—' },
            {
              id: 'acceptance',
              header: 'Acceptance',
              cell: (s) =>
                `${s.acceptanceCriteria.filter((c) => c.met).length} of ${s.acceptanceCriteria.length} criteria met`,
            },
          ]}
          footer={<LoadMore list={services} what="services" />}
        />
        {selected ? <ServiceDetail service={selected} onChanged={reload} /> : null}
        <LoadError error={catalogue.error} />
        <Table<CatalogueEntry>
          header={
            <Header counter={`(${catalogue.items.length})`} description="Live services, as customers see them.">
              Service catalogue
            </Header>
          }
          ariaLabels={{ tableLabel: 'Service catalogue' }}
          loading={catalogue.loading && catalogue.items.length === 0}
          loadingText="Loading the catalogue"
          items={catalogue.items}
          trackBy="serviceId"
          wrapLines
          empty="No live service"
          columnDefinitions={[
            { id: 'name', header: 'Service', cell: (s) => s.name, isRowHeader: true },
            { id: 'category', header: 'Category', cell: (s) => s.category ?? '—' },
            { id: 'description', header: 'Description', cell: (s) => s.description },
            { id: 'value', header: 'Value to the customer', cell: (s) => s.valueProposition ?? '—' },
          ]}
          footer={<LoadMore list={catalogue} what="catalogue entries" />}
        />
      </SpaceBetween>
      {canRegister ? (
        <RegisterService
          visible={registering}
          onDismiss={() => setRegistering(false)}
          onDone={(number) => {
            reload();
            setParams({ service: number });
          }}
        />
      ) : null}
    </ContentLayout>
  );
}

function ServiceDetail({ service: s, onChanged }: { service: Service; onChanged: () => void }) {
  const canWrite = useCan(ROLES.portfolioWriters);
  const notify = useNotify();
  const [editing, setEditing] = useState(false);
  const [fulfilling, setFulfilling] = useState<string | undefined>();
  const [moveError, setMoveError] = useState<string | undefined>();
  const move = async (status: ServiceStatus) => {
    setMoveError(undefined);
    try {
      await must(
        api().PATCH('/v1/services/{id}', {
          params: { path: { id: s.serviceId }, header: { 'If-Match': `"${s.version}"` } },
          body: { status },
        }),
      );
      notify({ type: 'success', content: `${s.number} is ${status} now.` });
      onChanged();
    } catch (err) {
      setMoveError(actionError(err, 'service'));
    }
  };
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={s.description}
          actions={
            canWrite ? (
              <SpaceBetween direction="horizontal" size="xs">
                {NEXT[s.status].map((to) => (
                  <Button key={to} onClick={() => void move(to)}>
                    {to === 'retired' ? 'Retire' : `Move to ${to}`}
                  </Button>
                ))}
                <Button variant="primary" onClick={() => setEditing(true)}>
                  Edit
                </Button>
              </SpaceBetween>
            ) : undefined
          }
        >
          {s.number} {s.name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        <LoadError error={moveError} />
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'Lifecycle', value: <Status value={s.status} /> },
            { label: 'Owner', value: s.owner },
            { label: 'Category', value: s.category ?? '—' },
            { label: 'Value proposition', value: s.valueProposition ?? '—' },
            { label: 'Customers', value: s.customerIds.join(', ') || '—' },
            { label: 'Supporting CIs', value: s.supportingCiIds.join(', ') || '—' },
            { label: 'Version', value: String(s.version) },
            { label: 'Updated', value: when(s.updatedAt) },
          ]}
        />
        <ColumnLayout columns={2}>
          <Table
            variant="embedded"
            header={<Header variant="h3">Acceptance criteria</Header>}
            ariaLabels={{ tableLabel: `Acceptance criteria of ${s.number}` }}
            items={s.acceptanceCriteria}
            trackBy="id"
            wrapLines
            empty="No acceptance criteria: a service needs them to go live"
            columnDefinitions={[
              { id: 'text', header: 'Criterion', cell: (c) => c.text, isRowHeader: true },
              {
                id: 'met',
                header: 'Met',
                cell: (c) =>
                  c.met ? (
                    `${when(c.metAt)}: ${c.note ?? ''}`
                  ) : canWrite ? (
                    <Button variant="inline-link" ariaLabel={`Mark met: ${c.id}`} onClick={() => setFulfilling(c.id)}>
                      Mark met
                    </Button>
                  ) : (
                    'not yet'
                  ),
              },
            ]}
          />
          <Table
            variant="embedded"
            header={<Header variant="h3">Suppliers and federation members</Header>}
            ariaLabels={{ tableLabel: `Suppliers of ${s.number}` }}
            items={[...s.suppliers, ...s.federationMembers]}
            trackBy="name"
            wrapLines
            empty="None"
            columnDefinitions={[
              { id: 'name', header: 'Name', cell: (p) => p.name, isRowHeader: true },
              { id: 'role', header: 'Role', cell: (p) => p.role },
              { id: 'responsibilities', header: 'Responsibilities', cell: (p) => p.responsibilities },
              { id: 'contact', header: 'Contact', cell: (p) => p.contact },
            ]}
          />
        </ColumnLayout>
      </SpaceBetween>
      {canWrite ? (
        <>
          <EditService
            key={s.version}
            service={s}
            visible={editing}
            onDismiss={() => setEditing(false)}
            onDone={onChanged}
          />
          <FulfilCriterion
            service={s}
            criterionId={fulfilling}
            onDismiss={() => setFulfilling(undefined)}
            onDone={onChanged}
          />
        </>
      ) : null}
    </Container>
  );
}

function EditService(props: { service: Service; visible: boolean; onDismiss: () => void; onDone: () => void }) {
  const s = props.service;
  const notify = useNotify();
  const [name, setName] = useState(s.name);
  const [description, setDescription] = useState(s.description);
  const [category, setCategory] = useState(s.category ?? '');
  const [value, setValue] = useState(s.valueProposition ?? '');
  const [reason, setReason] = useState('');
  return (
    <FormModal
      title={`Edit ${s.number}`}
      record="service"
      visible={props.visible}
      onDismiss={props.onDismiss}
      submitText="Save"
      onSubmit={async () => {
        await must(
          api().PATCH('/v1/services/{id}', {
            params: { path: { id: s.serviceId }, header: { 'If-Match': `"${s.version}"` } },
            body: {
              name,
              description,
              category: category || null,
              valueProposition: value || null,
              ...(reason ? { reason } : {}),
            },
          }),
        );
        notify({ type: 'success', content: `${s.number} saved.` });
        props.onDone();
      }}
    >
      <FormField label="Service name">
        <Input value={name} onChange={(e) => setName(e.detail.value)} />
      </FormField>
      <FormField label="Description">
        <Textarea value={description} onChange={(e) => setDescription(e.detail.value)} />
      </FormField>
      <FormField label="Category (optional)">
        <Input value={category} onChange={(e) => setCategory(e.detail.value)} />
      </FormField>
      <FormField label="Value proposition (optional)">
        <Textarea value={value} onChange={(e) => setValue(e.detail.value)} />
      </FormField>
      <FormField label="Reason (optional)">
        <Input value={reason} onChange={(e) => setReason(e.detail.value)} />
      </FormField>
    </FormModal>
  );
}

function FulfilCriterion(props: { service: Service; criterionId?: string; onDismiss: () => void; onDone: () => void }) {
  const notify = useNotify();
  const [note, setNote] = useState('');
  return (
    <FormModal
      title={`Mark criterion ${props.criterionId ?? ''} met`}
      visible={props.criterionId !== undefined}
      onDismiss={props.onDismiss}
      submitText="Mark met"
      onSubmit={async () => {
        await must(
          api().POST('/v1/services/{id}/acceptance-criteria/{criterionId}/fulfilment', {
            params: { path: { id: props.service.serviceId, criterionId: props.criterionId ?? '' } },
            body: { note },
          }),
        );
        notify({ type: 'success', content: `Criterion ${props.criterionId} met.` });
        setNote('');
        props.onDone();
      }}
    >
      <FormField label="Evidence" description="How the criterion was shown to be met (test report, sign-off).">
        <Textarea value={note} onChange={(e) => setNote(e.detail.value)} />
      </FormField>
    </FormModal>
  );
}

function RegisterService(props: { visible: boolean; onDismiss: () => void; onDone: (number: string) => void }) {
  const notify = useNotify();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [owner, setOwner] = useState('');
  const [category, setCategory] = useState('');
  const [criterion, setCriterion] = useState('');
  return (
    <FormModal
      title="Register a service"
      visible={props.visible}
      onDismiss={props.onDismiss}
      submitText="Register"
      onSubmit={async () => {
        const { data } = await must(
          api().POST('/v1/services', {
            body: {
              name,
              description,
              owner,
              status: 'proposed',
              ...(category ? { category } : {}),
              customerIds: [],
              supportingCiIds: [],
              suppliers: [],
              federationMembers: [],
              acceptanceCriteria: criterion ? [{ id: 'criterion-1', text: criterion }] : [],
            },
          }),
        );
        const created = data;
        notify({ type: 'success', content: `${created.number} ${created.name} registered.` });
        props.onDone(created.number);
      }}
    >
      <FormField label="Service name">
        <Input value={name} onChange={(e) => setName(e.detail.value)} />
      </FormField>
      <FormField label="Description">
        <Textarea value={description} onChange={(e) => setDescription(e.detail.value)} />
      </FormField>
      <FormField label="Service owner" description="A user id, e.g. user-petra.">
        <Input value={owner} onChange={(e) => setOwner(e.detail.value)} />
      </FormField>
      <FormField label="Category (optional)">
        <Input value={category} onChange={(e) => setCategory(e.detail.value)} />
      </FormField>
      <FormField label="Acceptance criterion (optional)" description="What must be shown before it goes live.">
        <Input value={criterion} onChange={(e) => setCriterion(e.detail.value)} />
      </FormField>
    </FormModal>
  );
}
