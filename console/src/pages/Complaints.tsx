import Button from '@cloudscape-design/components/button';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { useNotify } from '../App';
import { api, must } from '../api/client';
import { when } from '../components/format';
import {
  type Answer,
  FormModal,
  LoadError,
  LoadMore,
  optionsOf,
  ROLES,
  Status,
  useCan,
  usePaged,
} from '../components/page-kit';
import { useLoad } from '../components/use-load';

type Complaint = Answer<'/v1/complaints/{id}', 'get'>;
type SurveyResult = Answer<'/v1/survey-results', 'get'>['items'][number];
const STATUSES = ['registered', 'responded', 'closed'] as const;
const CHANNELS = ['portal', 'email', 'phone', 'meeting', 'other'] as const;
type Channel = (typeof CHANNELS)[number];

/**
 * Complaints and satisfaction (FitSM PR7.5, PR7.6): complaints recorded, responded to with
 * follow-up actions and closed; survey results per period for everyone or one customer.
 */
export default function Complaints() {
  const canHandle = useCan(ROLES.customersStaff);
  const [status, setStatus] = useState('all');
  const [dialog, setDialog] = useState<{ kind: 'record' } | { kind: 'respond' | 'close'; complaint: Complaint }>();
  const [selected, setSelected] = useState<Complaint | undefined>();
  const customers = useLoad(
    async () => (await must(api().GET('/v1/customers', { params: { query: { limit: '100' } } }))).data.items,
    [],
  );
  const list = usePaged(
    async (cursor) =>
      (
        await must(
          api().GET('/v1/complaints', {
            params: {
              query: {
                limit: '50',
                ...(status !== 'all' ? { status: status as (typeof STATUSES)[number] } : {}),
                ...(cursor ? { cursor } : {}),
              },
            },
          }),
        )
      ).data,
    [status],
  );
  const current = selected && list.items.find((c) => c.complaintId === selected.complaintId);
  const done = () => {
    list.reload();
    setSelected(undefined);
  };
  return (
    <ContentLayout header={<Header variant="h1">Complaints and surveys</Header>}>
      <SpaceBetween size="l">
        <LoadError error={list.error} />
        <Table<Complaint>
          header={
            <Header
              counter={`(${list.items.length}${list.hasMore ? '+' : ''})`}
              actions={
                canHandle ? (
                  <SpaceBetween direction="horizontal" size="xs">
                    <Button
                      disabled={current?.status !== 'registered'}
                      onClick={() => current && setDialog({ kind: 'respond', complaint: current })}
                    >
                      Respond
                    </Button>
                    <Button
                      disabled={!current || current.status === 'closed'}
                      onClick={() => current && setDialog({ kind: 'close', complaint: current })}
                    >
                      Close complaint
                    </Button>
                    <Button variant="primary" onClick={() => setDialog({ kind: 'record' })}>
                      Record complaint
                    </Button>
                  </SpaceBetween>
                ) : undefined
              }
            >
              Complaints
            </Header>
          }
          filter={
            <SegmentedControl
              selectedId={status}
              onChange={(e) => setStatus(e.detail.selectedId)}
              label="Complaint status"
              options={[{ id: 'all', text: 'All' }, ...STATUSES.map((s) => ({ id: s, text: s }))]}
            />
          }
          ariaLabels={{
            tableLabel: 'Complaints',
            selectionGroupLabel: 'Choose a complaint',
            itemSelectionLabel: (_, c) => `Choose ${c.number}`,
          }}
          selectionType={canHandle ? 'single' : undefined}
          selectedItems={current ? [current] : []}
          onSelectionChange={(e) => setSelected(e.detail.selectedItems[0])}
          loading={list.loading && list.items.length === 0}
          loadingText="Loading complaints"
          items={list.items}
          trackBy="complaintId"
          wrapLines
          empty="No complaints"
          columnDefinitions={[
            { id: 'number', header: 'Number', cell: (c) => c.number, isRowHeader: true },
            { id: 'subject', header: 'Subject', cell: (c) => c.subject },
            { id: 'customer', header: 'Customer', cell: (c) => c.customerId },
            { id: 'status', header: 'Status', cell: (c) => <Status value={c.status} /> },
            { id: 'channel', header: 'Channel', cell: (c) => c.channel },
            { id: 'raised', header: 'Raised', cell: (c) => `${when(c.createdAt)} by ${c.raisedBy.name}` },
            {
              id: 'response',
              header: 'Response / closure',
              cell: (c) => c.closureNote ?? c.response ?? '—',
            },
            {
              id: 'actions',
              header: 'Follow-up actions',
              cell: (c) => c.actions.map((a) => `${a.text} (${a.done ? 'done' : 'open'})`).join('; ') || '—',
            },
          ]}
          footer={<LoadMore list={list} what="complaints" />}
        />
        <SurveyResults customers={customers.data ?? []} />
      </SpaceBetween>
      {canHandle ? (
        <>
          <RecordComplaint
            visible={dialog?.kind === 'record'}
            customers={customers.data ?? []}
            onDismiss={() => setDialog(undefined)}
            onDone={done}
          />
          {dialog && dialog.kind !== 'record' ? (
            <ProgressComplaint
              kind={dialog.kind}
              complaint={dialog.complaint}
              onDismiss={() => setDialog(undefined)}
              onDone={done}
            />
          ) : null}
        </>
      ) : null}
    </ContentLayout>
  );
}

function RecordComplaint(props: {
  visible: boolean;
  customers: { customerId: string; name: string }[];
  onDismiss: () => void;
  onDone: () => void;
}) {
  const notify = useNotify();
  const [customerId, setCustomerId] = useState('');
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [channel, setChannel] = useState<Channel>('phone');
  const options = props.customers.map((c) => ({ value: c.customerId, label: c.name }));
  return (
    <FormModal
      title="Record a complaint"
      visible={props.visible}
      onDismiss={props.onDismiss}
      submitText="Record"
      onSubmit={async () => {
        const { data } = await must(
          api().POST('/v1/complaints', { body: { customerId, subject, description, channel } }),
        );
        notify({ type: 'success', content: `${data.number} recorded.` });
        setSubject('');
        setDescription('');
        props.onDone();
      }}
    >
      <FormField label="Customer">
        <Select
          selectedOption={options.find((o) => o.value === customerId) ?? null}
          options={options}
          onChange={(e) => setCustomerId(e.detail.selectedOption.value ?? '')}
          placeholder="Choose a customer"
        />
      </FormField>
      <FormField label="Subject">
        <Input value={subject} onChange={(e) => setSubject(e.detail.value)} />
      </FormField>
      <FormField label="What happened">
        <Textarea value={description} onChange={(e) => setDescription(e.detail.value)} />
      </FormField>
      <FormField label="Channel">
        <Select
          selectedOption={{ value: channel, label: channel }}
          options={optionsOf(CHANNELS)}
          onChange={(e) => setChannel(e.detail.selectedOption.value as Channel)}
        />
      </FormField>
    </FormModal>
  );
}

/** Respond (with an optional follow-up action) or close (every follow-up action done first: 409 otherwise). */
function ProgressComplaint(props: {
  kind: 'respond' | 'close';
  complaint: Complaint;
  onDismiss: () => void;
  onDone: () => void;
}) {
  const notify = useNotify();
  const { complaint: c } = props;
  const [text, setText] = useState('');
  const [action, setAction] = useState('');
  const [owner, setOwner] = useState('');
  return (
    <FormModal
      title={props.kind === 'respond' ? `Respond to ${c.number}` : `Close ${c.number}`}
      record="complaint"
      visible
      onDismiss={props.onDismiss}
      submitText={props.kind === 'respond' ? 'Send response' : 'Close complaint'}
      onSubmit={async () => {
        if (props.kind === 'respond')
          await must(
            api().POST('/v1/complaints/{id}/response', {
              params: { path: { id: c.complaintId } },
              body: { response: text, actions: action ? [{ id: 'action-1', text: action, owner }] : [] },
            }),
          );
        else
          await must(
            api().POST('/v1/complaints/{id}/closure', {
              params: { path: { id: c.complaintId } },
              body: { note: text },
            }),
          );
        notify({ type: 'success', content: `${c.number} ${props.kind === 'respond' ? 'responded to' : 'closed'}.` });
        props.onDone();
      }}
    >
      <FormField label={props.kind === 'respond' ? 'Response to the customer' : 'Closure note'}>
        <Textarea value={text} onChange={(e) => setText(e.detail.value)} />
      </FormField>
      {props.kind === 'respond' ? (
        <>
          <FormField label="Follow-up action (optional)">
            <Input value={action} onChange={(e) => setAction(e.detail.value)} />
          </FormField>
          <FormField label="Action owner" description="A user id, e.g. user-cora (needed with an action).">
            <Input value={owner} onChange={(e) => setOwner(e.detail.value)} />
          </FormField>
        </>
      ) : null}
    </FormModal>
  );
}

function SurveyResults({ customers }: { customers: { customerId: string; name: string }[] }) {
  const [customerId, setCustomerId] = useState('');
  const results = usePaged(
    async (cursor) =>
      (
        await must(
          api().GET('/v1/survey-results', {
            params: { query: { limit: '24', ...(customerId ? { customerId } : {}), ...(cursor ? { cursor } : {}) } },
          }),
        )
      ).data,
    [customerId],
  );
  const options = [
    { value: '', label: 'Every customer' },
    ...customers.map((c) => ({ value: c.customerId, label: c.name })),
  ];
  return (
    <SpaceBetween size="s">
      <LoadError error={results.error} />
      <Table<SurveyResult>
        header={<Header description="Satisfaction survey answers per period (score 1-5).">Survey results</Header>}
        filter={
          <FormField label="Results for">
            <Select
              selectedOption={options.find((o) => o.value === customerId) ?? options[0]!}
              options={options}
              onChange={(e) => setCustomerId(e.detail.selectedOption.value ?? '')}
            />
          </FormField>
        }
        ariaLabels={{ tableLabel: 'Survey results' }}
        loading={results.loading && results.items.length === 0}
        loadingText="Loading survey results"
        items={results.items}
        trackBy={(r) => `${r.dimension}:${r.key}:${r.period}`}
        empty="No survey answered yet"
        columnDefinitions={[
          { id: 'period', header: 'Period', cell: (r) => r.period, isRowHeader: true },
          { id: 'count', header: 'Answers', cell: (r) => r.count },
          { id: 'average', header: 'Average score', cell: (r) => (r.average === null ? '—' : r.average.toFixed(2)) },
          {
            id: 'distribution',
            header: 'Scores 1/2/3/4/5',
            cell: (r) => [1, 2, 3, 4, 5].map((s) => r.distribution[s as 1 | 2 | 3 | 4 | 5]).join(' / '),
          },
          { id: 'low', header: 'Low scores', cell: (r) => r.low },
        ]}
        footer={<LoadMore list={results} what="survey results" />}
      />
    </SpaceBetween>
  );
}
