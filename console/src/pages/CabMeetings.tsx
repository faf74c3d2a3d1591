import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import ContentLayout from '@cloudscape-design/components/content-layout';
import DatePicker from '@cloudscape-design/components/date-picker';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import TimeInput from '@cloudscape-design/components/time-input';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { useNotify } from '../App';
import { api, must } from '../api/client';
import { CHANGE_MANAGERS } from '../components/change-kit';
import { when } from '../components/format';
import { RouterLink, useFollow } from '../components/links';
import { type Answer, FormModal, LoadError, LoadMore, useCan, usePaged } from '../components/page-kit';
import { useLoad } from '../components/use-load';

type MeetingRow = Answer<'/v1/cab-meetings', 'get'>['items'][number];
type Meeting = Answer<'/v1/cab-meetings/{id}', 'get'>;
type AgendaItem = Meeting['agenda'][number];

/** CAB meetings, latest first; the change managers schedule one for a CAB. */
export function CabMeetingList() {
  const navigate = useNavigate();
  const canManage = useCan(CHANGE_MANAGERS);
  const [scheduling, setScheduling] = useState(false);
  const list = usePaged<MeetingRow>(
    async (cursor) =>
      (await must(api().GET('/v1/cab-meetings', { params: { query: { limit: '25', ...(cursor ? { cursor } : {}) } } })))
        .data,
    [],
  );
  return (
    <>
      <Table<MeetingRow>
        variant="full-page"
        items={list.items}
        trackBy="meetingId"
        loading={list.loading && list.items.length === 0}
        loadingText="Loading meetings"
        ariaLabels={{ tableLabel: 'CAB meetings' }}
        header={
          <Header
            variant="awsui-h1-sticky"
            description="Change advisory board meetings: the agenda is every change waiting on the board"
            actions={
              canManage ? (
                <Button variant="primary" onClick={() => setScheduling(true)}>
                  Schedule a meeting
                </Button>
              ) : undefined
            }
          >
            CAB meetings
          </Header>
        }
        columnDefinitions={[
          {
            id: 'title',
            header: 'Meeting',
            cell: (m) => <RouterLink href={`/cab-meetings/${m.meetingId}`}>{m.title}</RouterLink>,
            isRowHeader: true,
          },
          { id: 'cab', header: 'CAB', cell: (m) => m.cabId },
          { id: 'starts', header: 'Starts', cell: (m) => when(m.startsAt) },
        ]}
        empty={
          <Box textAlign="center" color="inherit">
            {list.error ? <LoadError error={list.error} /> : 'No meeting.'}
          </Box>
        }
        footer={<LoadMore list={list} what="meetings" />}
      />
      {scheduling ? (
        <ScheduleMeeting onDismiss={() => setScheduling(false)} onDone={(id) => navigate(`/cab-meetings/${id}`)} />
      ) : null}
    </>
  );
}

function ScheduleMeeting(props: { onDismiss: () => void; onDone: (id: string) => void }) {
  const cabs = useLoad(
    async () => (await must(api().GET('/v1/cabs', { params: { query: { limit: '100' } } }))).data.items,
    [],
  );
  const [f, setF] = useState<Record<string, string>>({ time: '10:00' });
  const set = (k: string) => (e: { detail: { value: string } }) => setF((x) => ({ ...x, [k]: e.detail.value }));
  const cab = cabs.data?.find((c) => c.cabId === f.cabId);
  return (
    <FormModal
      visible
      title="Schedule a CAB meeting"
      submitText="Schedule"
      record="meeting"
      onDismiss={props.onDismiss}
      onSubmit={async () => {
        const { data } = await must(
          api().POST('/v1/cab-meetings', {
            body: {
              cabId: f.cabId ?? '',
              title: f.title?.trim() ?? '',
              startsAt: f.date ? new Date(`${f.date}T${f.time || '00:00'}`).toISOString() : '',
            },
          }),
        );
        props.onDone(data.meetingId);
      }}
    >
      <FormField label="CAB">
        <Select
          ariaLabel="CAB"
          statusType={cabs.loading ? 'loading' : 'finished'}
          selectedOption={cab ? { value: cab.cabId, label: cab.name } : null}
          options={(cabs.data ?? []).map((c) => ({ value: c.cabId, label: c.name }))}
          onChange={(e) => setF((x) => ({ ...x, cabId: e.detail.selectedOption.value ?? '' }))}
          placeholder="Choose a board"
        />
      </FormField>
      <FormField label="Title">
        <Input value={f.title ?? ''} onChange={set('title')} />
      </FormField>
      <FormField label="Starts">
        <SpaceBetween direction="horizontal" size="xs">
          <DatePicker value={f.date ?? ''} onChange={set('date')} placeholder="YYYY/MM/DD" ariaLabel="Date" />
          <TimeInput value={f.time ?? ''} onChange={set('time')} format="hh:mm" ariaLabel="Time" />
        </SpaceBetween>
      </FormField>
    </FormModal>
  );
}

/**
 * A CAB meeting: its agenda (the changes waiting on the board now) and, per change, the meeting's
 * decision with the members present who voted so and a rationale; decisions already recorded.
 */
export function CabMeetingPage() {
  const { id = '' } = useParams();
  const follow = useFollow();
  const notify = useNotify();
  const [deciding, setDeciding] = useState<AgendaItem | undefined>();
  const loaded = useLoad(async () => {
    const { data: meeting } = await must(api().GET('/v1/cab-meetings/{id}', { params: { path: { id } } }));
    const cab = await api().GET('/v1/cabs/{id}', { params: { path: { id: meeting.cabId } } });
    return { meeting, cab: cab.data };
  }, [id]);
  if (loaded.error && !loaded.data)
    return (
      <Alert type="error" header="Cannot show this meeting">
        {loaded.error}
      </Alert>
    );
  if (!loaded.data) return <Spinner size="large" />;
  const { meeting: m, cab } = loaded.data;
  return (
    <ContentLayout
      header={
        <SpaceBetween size="m">
          <BreadcrumbGroup
            ariaLabel="Breadcrumbs"
            items={[
              { text: 'CAB meetings', href: '/cab-meetings' },
              { text: m.title, href: `/cab-meetings/${m.meetingId}` },
            ]}
            onFollow={follow}
          />
          <Header
            variant="h1"
            description={`${cab?.name ?? m.cabId} · ${when(m.startsAt)} · members ${cab?.members.join(', ') ?? '—'}`}
          >
            {m.title}
          </Header>
        </SpaceBetween>
      }
    >
      <SpaceBetween size="l">
        <Table<AgendaItem>
          header={
            <Header
              variant="h2"
              counter={`(${m.agenda.length})`}
              description="Changes whose open level waits on this CAB"
            >
              Agenda
            </Header>
          }
          ariaLabels={{ tableLabel: 'Agenda' }}
          items={m.agenda}
          wrapLines
          empty="No change waits on this CAB."
          columnDefinitions={[
            {
              id: 'number',
              header: 'Change',
              cell: (a) => <RouterLink href={`/changes/${a.changeId}`}>{a.number}</RouterLink>,
              isRowHeader: true,
            },
            { id: 'title', header: 'Title', cell: (a) => a.title },
            { id: 'type', header: 'Type', cell: (a) => a.type },
            { id: 'risk', header: 'Risk / impact', cell: (a) => `${a.risk ?? '—'} / ${a.impact ?? '—'}` },
            { id: 'level', header: 'Level', cell: (a) => `${a.level}. ${a.levelName}` },
            { id: 'votes', header: 'Approvals', cell: (a) => `${a.votes} of ${a.required}` },
            { id: 'start', header: 'Planned start', cell: (a) => when(a.plannedStart) },
            {
              id: 'decide',
              header: 'Decision',
              cell: (a) => (
                <Button onClick={() => setDeciding(a)} ariaLabel={`Record the decision on ${a.number}`}>
                  Record decision
                </Button>
              ),
            },
          ]}
        />
        <Table
          header={<Header variant="h2">Decisions recorded</Header>}
          ariaLabels={{ tableLabel: 'Decisions recorded' }}
          items={m.decisions}
          wrapLines
          empty="No decision recorded in this meeting."
          columnDefinitions={[
            {
              id: 'number',
              header: 'Change',
              cell: (d) => <RouterLink href={`/changes/${d.changeId}`}>{d.number}</RouterLink>,
              isRowHeader: true,
            },
            { id: 'decision', header: 'Decision', cell: (d) => (d.decision === 'approve' ? 'approved' : 'rejected') },
            { id: 'voters', header: 'Voters', cell: (d) => d.voters.join(', ') },
            { id: 'rationale', header: 'Rationale', cell: (d) => d.rationale },
            { id: 'by', header: 'Recorded', cell: (d) => `${d.recordedBy}, ${when(d.at)}` },
          ]}
        />
      </SpaceBetween>
      {deciding ? (
        <RecordDecision
          meeting={m}
          members={cab?.members ?? []}
          item={deciding}
          onDismiss={() => setDeciding(undefined)}
          onDone={() => {
            notify({ type: 'success', content: `Decision on ${deciding.number} recorded.` });
            loaded.reload();
          }}
        />
      ) : null}
    </ContentLayout>
  );
}

function RecordDecision(props: {
  meeting: Meeting;
  members: string[];
  item: AgendaItem;
  onDismiss: () => void;
  onDone: () => void;
}) {
  const [decision, setDecision] = useState<'approve' | 'reject'>('approve');
  const [voters, setVoters] = useState<string[]>([]);
  const [rationale, setRationale] = useState('');
  return (
    <FormModal
      visible
      title={`Decision on ${props.item.number}`}
      submitText="Record decision"
      record="meeting"
      onDismiss={props.onDismiss}
      onSubmit={async () => {
        await must(
          api().POST('/v1/cab-meetings/{id}/decisions', {
            params: { path: { id: props.meeting.meetingId } },
            body: { changeId: props.item.changeId, decision, rationale: rationale.trim(), voters },
          }),
        );
        props.onDone();
      }}
    >
      <FormField label="Decision">
        <RadioGroup
          value={decision}
          onChange={(e) => setDecision(e.detail.value as 'approve' | 'reject')}
          items={[
            { value: 'approve', label: 'Approve' },
            { value: 'reject', label: 'Reject' },
          ]}
        />
      </FormField>
      <FormField label="Members present who voted so">
        <SpaceBetween size="xxs">
          {props.members.map((m) => (
            <Checkbox
              key={m}
              checked={voters.includes(m)}
              onChange={(e) => setVoters((v) => (e.detail.checked ? [...v, m] : v.filter((x) => x !== m)))}
            >
              {m}
            </Checkbox>
          ))}
        </SpaceBetween>
      </FormField>
      <FormField label="Rationale">
        <Textarea value={rationale} onChange={(e) => setRationale(e.detail.value)} rows={3} />
      </FormField>
    </FormModal>
  );
}
