import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Textarea from '@cloudscape-design/components/textarea';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { useNotify } from '../App';
import { api, ifMatch, must } from '../api/client';
import { useSession } from '../auth';
import {
  ApprovalLevels,
  type Change,
  ChangeStatus,
  ConflictList,
  ImpactPairs,
  loadConflicts,
  OUTCOMES,
  windowText,
} from '../components/change-kit';
import { when } from '../components/format';
import { HistoryTable } from '../components/history-table';
import { RouterLink, useFollow } from '../components/links';
import { actionError, FormModal, optionsOf, usePaged } from '../components/page-kit';
import { useLoad } from '../components/use-load';

type Action = 'assess' | 'start' | 'end' | 'review' | 'close' | 'cancel';

/**
 * A change with everything on it: the record, its assessment (and the form for it, with the
 * policy's questionnaire), approval levels with votes, conflicts, implementation, review, closure
 * and history. Each action sends the version on screen (If-Match): a 409 says what happened.
 */
export default function ChangePage() {
  const { id = '' } = useParams();
  const session = useSession();
  const notify = useNotify();
  const follow = useFollow();
  const navigate = useNavigate();
  const [action, setAction] = useState<Action | undefined>();
  const loaded = useLoad(async () => {
    const { data: change } = await must(api().GET('/v1/changes/{id}', { params: { path: { id } } }));
    return { change, conflicts: await loadConflicts(change) };
  }, [id]);
  const history = usePaged(
    async (cursor) =>
      (
        await must(
          api().GET('/v1/changes/{id}/history', {
            params: { path: { id }, query: { limit: '25', ...(cursor ? { cursor } : {}) } },
          }),
        )
      ).data,
    [id, loaded.data?.change.version],
  );

  const moving =
    loaded.data?.change.status === 'approval' && !loaded.data.change.approval?.levels.some((l) => l.status === 'open');
  // Submitted, and the flow has not opened a level yet (or is between levels): read again shortly.
  // biome-ignore lint/correctness/useExhaustiveDependencies: each new read of the change sets the next timer.
  useEffect(() => {
    if (!moving) return;
    const timer = setTimeout(loaded.reload, 2000);
    return () => clearTimeout(timer);
  }, [moving, loaded.data]);
  if (loaded.error && !loaded.data)
    return (
      <Alert type="error" header="Cannot show this change">
        {loaded.error}
      </Alert>
    );
  if (!loaded.data) return <Spinner size="large" />;
  const { change: c, conflicts } = loaded.data;
  const path = { path: { id: c.changeId } };
  const headers = ifMatch(c.version);
  const done = (what: string) => {
    notify({ type: 'success', content: `${c.number}: ${what}.` });
    loaded.reload();
  };
  const submit = async () => {
    try {
      await must(api().POST('/v1/changes/{id}/submission', { params: path, headers }));
      done('submitted for approval');
    } catch (err) {
      notify({ type: 'error', content: actionError(err, 'change') });
      loaded.reload();
    }
  };
  const me = `user-${session.name}`;
  const open = c.approval?.levels.find((l) => l.status === 'open');
  const editable = c.status === 'new' || c.status === 'assessed';
  const menu = [
    ...(editable ? [{ id: 'edit', text: 'Edit' }] : []),
    ...(c.status === 'implemented' && !c.review && c.reviewReasons.length
      ? [{ id: 'review', text: 'Record review' }]
      : []),
    ...(['new', 'assessed', 'approval', 'approved'].includes(c.status)
      ? [{ id: 'cancel', text: 'Cancel change' }]
      : []),
  ];
  const primary: { text: string; run: () => void } | undefined =
    c.status === 'new'
      ? { text: 'Assess', run: () => setAction('assess') }
      : c.status === 'assessed'
        ? { text: 'Submit for approval', run: () => void submit() }
        : c.status === 'approval' && open
          ? { text: 'Decide', run: () => navigate(`/changes/${c.changeId}/decision`) }
          : c.status === 'approved'
            ? { text: 'Start implementation', run: () => setAction('start') }
            : c.status === 'implementing'
              ? { text: 'End implementation', run: () => setAction('end') }
              : c.status === 'implemented'
                ? c.reviewReasons.length && !c.review
                  ? { text: 'Record review', run: () => setAction('review') }
                  : { text: 'Close', run: () => setAction('close') }
                : undefined;

  return (
    <ContentLayout
      header={
        <SpaceBetween size="m">
          <BreadcrumbGroup
            ariaLabel="Breadcrumbs"
            items={[
              { text: 'Changes', href: '/changes' },
              { text: c.number, href: `/changes/${c.changeId}` },
            ]}
            onFollow={follow}
          />
          <Header
            variant="h1"
            description={`${c.type} change · raised by ${c.requesterId} ${when(c.createdAt)} · updated ${when(c.updatedAt)}`}
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                {menu.length ? (
                  <ButtonDropdown
                    items={menu}
                    onItemClick={(e) =>
                      e.detail.id === 'edit'
                        ? navigate(`/changes/${c.changeId}/edit`)
                        : setAction(e.detail.id as Action)
                    }
                  >
                    Actions
                  </ButtonDropdown>
                ) : null}
                {primary ? (
                  <Button variant="primary" onClick={primary.run}>
                    {primary.text}
                  </Button>
                ) : null}
              </SpaceBetween>
            }
          >
            {c.number}: {c.title}
          </Header>
        </SpaceBetween>
      }
    >
      <SpaceBetween size="l">
        {open && (open.approverIds.includes(me) || (open.role && session.roles.includes(open.role))) ? (
          <Alert type="info" header="Your decision is asked">
            Level {open.level} ({open.name}) waits for you:{' '}
            <RouterLink href={`/changes/${c.changeId}/decision`}>approve or reject with a rationale</RouterLink>.
          </Alert>
        ) : null}
        <Container header={<Header variant="h2">Overview</Header>}>
          <SpaceBetween size="m">
            <KeyValuePairs
              columns={4}
              items={[
                { label: 'Status', value: <ChangeStatus value={c.status} /> },
                { label: 'Type', value: c.type },
                { label: 'Planned window', value: windowText(c) },
                { label: 'Implementer', value: c.implementerId ?? '—' },
                {
                  label: 'Configuration items',
                  value: c.ciIds.length
                    ? c.ciIds.map((ci, i) => (
                        <span key={ci}>
                          {i ? ', ' : ''}
                          <RouterLink href={`/cis/${ci}`}>{ci}</RouterLink>
                        </span>
                      ))
                    : '—',
                },
                { label: 'Services', value: c.serviceIds.join(', ') || '—' },
                { label: 'Customers', value: c.customerIds.join(', ') || '—' },
                {
                  label: 'Origin',
                  value: c.templateId
                    ? `template ${c.templateId}`
                    : c.origin
                      ? `${c.origin.source} ${c.origin.ref}`
                      : '—',
                },
              ]}
            />
            <Text label="Description" value={c.description} />
            <Text label="Reason" value={c.reason} />
            <Text label="Implementation plan" value={c.implementationPlan} />
            <Text label="Test plan" value={c.testPlan} />
            <Text label="Back-out plan" value={c.backoutPlan} />
          </SpaceBetween>
        </Container>
        <Container header={<Header variant="h2">Assessment</Header>}>
          {c.assessment ? (
            <SpaceBetween size="m">
              <KeyValuePairs
                columns={3}
                items={[
                  { label: 'Risk', value: <strong>{c.assessment.risk}</strong> },
                  { label: 'Risk basis', value: c.assessment.riskBasis.join('; ') || '—' },
                  { label: 'Questionnaire score', value: String(c.assessment.questionnaireScore) },
                  { label: 'Benefit', value: c.assessment.benefit },
                  { label: 'Effort', value: c.assessment.effort },
                  { label: 'Feasibility', value: c.assessment.feasibility },
                ]}
              />
              <ImpactPairs
                cis={c.assessment.affected.ciCount}
                services={c.assessment.affected.serviceIds.length}
                customers={c.assessment.affected.customerIds.length}
                agreements={c.assessment.affected.agreementIds.length}
                impact={c.assessment.impact}
                basis={c.assessment.impactBasis}
                truncated={c.assessment.affected.truncated}
              />
              <Box variant="small">
                Assessed by {c.assessment.assessedBy} {when(c.assessment.assessedAt)}
              </Box>
            </SpaceBetween>
          ) : (
            <Box color="text-status-inactive">Not assessed yet.</Box>
          )}
        </Container>
        <Container header={<Header variant="h2">Conflicts</Header>}>
          <ConflictList conflicts={conflicts} />
        </Container>
        <Container
          header={
            <Header
              variant="h2"
              description={
                c.approval
                  ? `Submitted ${when(c.approval.submittedAt)}${c.approval.basis ? ` · ${c.approval.basis}` : ''}`
                  : undefined
              }
            >
              Approval
            </Header>
          }
        >
          <ApprovalLevels levels={c.approval?.levels ?? []} />
        </Container>
        <Container header={<Header variant="h2">Implementation and closure</Header>}>
          <KeyValuePairs
            columns={3}
            items={[
              { label: 'Started', value: when(c.implementationStartedAt) },
              { label: 'Ended', value: when(c.implementationEndedAt) },
              {
                label: 'Outcome',
                value: c.outcome ? `${c.outcome}${c.outcomeNotes ? `: ${c.outcomeNotes}` : ''}` : '—',
              },
              { label: 'Review required because', value: c.reviewReasons.join('; ') || 'not required' },
              {
                label: 'Review',
                value: c.review
                  ? `${c.review.objectivesMet ? 'Objectives met' : 'Objectives not met'}: ${c.review.summary}${c.review.lessons ? ` Lessons: ${c.review.lessons}` : ''} (${c.review.reviewedBy}, ${when(c.review.reviewedAt)})`
                  : '—',
              },
              {
                label: 'Incidents after the change',
                value: c.incidentIds.length
                  ? c.incidentIds.map((t, i) => (
                      <span key={t}>
                        {i ? ', ' : ''}
                        <RouterLink href={`/tickets/${t}`}>{t}</RouterLink>
                      </span>
                    ))
                  : '—',
              },
              {
                label: 'Closure',
                value: c.closureCode ? `${c.closureCode}${c.closureNotes ? `: ${c.closureNotes}` : ''}` : '—',
              },
            ]}
          />
        </Container>
        <Container header={<Header variant="h2">History</Header>}>
          <HistoryTable list={history} label={`History of ${c.number}`} />
        </Container>
      </SpaceBetween>
      <ActionModals
        change={c}
        action={action}
        onDismiss={() => setAction(undefined)}
        onDone={done}
        onConflict={loaded.reload}
      />
    </ContentLayout>
  );
}

function Text({ label, value }: { label: string; value?: string }) {
  if (!value) return null;
  return (
    <div>
      <Box variant="awsui-key-label">{label}</Box>
      <Box variant="p">{value}</Box>
    </div>
  );
}

function ActionModals(props: {
  change: Change;
  action: Action | undefined;
  onDismiss: () => void;
  onDone: (what: string) => void;
  onConflict: () => void;
}) {
  const c = props.change;
  const params = { path: { id: c.changeId } };
  const headers = ifMatch(c.version);
  const [f, setF] = useState<Record<string, string>>({});
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [met, setMet] = useState(true);
  const set = (k: string) => (e: { detail: { value: string } }) => setF((x) => ({ ...x, [k]: e.detail.value }));
  const policy = useLoad(
    async () => (props.action === 'assess' ? (await must(api().GET('/v1/change-policy', {}))).data : undefined),
    [props.action],
  );
  const common = {
    visible: true,
    onDismiss: props.onDismiss,
    record: 'change',
    onConflict: props.onConflict,
  };
  const opt = (k: string) => (f[k]?.trim() ? { [k]: f[k]?.trim() } : {});
  switch (props.action) {
    case 'assess':
      return (
        <FormModal
          {...common}
          size="large"
          title={`Assess ${c.number}`}
          submitText="Record assessment"
          onSubmit={async () => {
            await must(
              api().POST('/v1/changes/{id}/assessment', {
                params,
                headers,
                body: {
                  benefit: f.benefit ?? '',
                  effort: f.effort ?? '',
                  feasibility: f.feasibility ?? '',
                  answers,
                },
              }),
            );
            props.onDone('assessed');
          }}
        >
          <FormField label="Benefit">
            <Textarea value={f.benefit ?? ''} onChange={set('benefit')} rows={2} />
          </FormField>
          <FormField label="Effort">
            <Textarea value={f.effort ?? ''} onChange={set('effort')} rows={2} />
          </FormField>
          <FormField label="Technical feasibility">
            <Textarea value={f.feasibility ?? ''} onChange={set('feasibility')} rows={2} />
          </FormField>
          {policy.loading ? <Spinner /> : null}
          {policy.data?.questionnaire.map((q) => (
            <FormField key={q.id} label={q.text} description={`Weight ${q.weight}`}>
              <RadioGroup
                ariaLabel={q.text}
                value={answers[q.id] ?? null}
                onChange={(e) => setAnswers((a) => ({ ...a, [q.id]: e.detail.value }))}
                items={q.answers.map((a) => ({ value: a.value, label: a.label }))}
              />
            </FormField>
          ))}
          <Box variant="small">Risk and impact are computed from the policy and the CI graph.</Box>
        </FormModal>
      );
    case 'start':
      return (
        <FormModal
          {...common}
          title={`Start implementing ${c.number}`}
          submitText="Start"
          onSubmit={async () => {
            await must(
              api().POST('/v1/changes/{id}/implementation', {
                params,
                headers,
                body: { event: 'started', ...opt('notes') },
              }),
            );
            props.onDone('implementation started');
          }}
        >
          <FormField label="Notes (optional)">
            <Textarea value={f.notes ?? ''} onChange={set('notes')} rows={2} />
          </FormField>
        </FormModal>
      );
    case 'end':
      return (
        <FormModal
          {...common}
          title={`End implementing ${c.number}`}
          submitText="Record outcome"
          onSubmit={async () => {
            await must(
              api().POST('/v1/changes/{id}/implementation', {
                params,
                headers,
                body: {
                  event: 'ended',
                  outcome: (f.outcome ?? 'successful') as (typeof OUTCOMES)[number],
                  ...opt('notes'),
                },
              }),
            );
            props.onDone('implementation ended');
          }}
        >
          <FormField label="Outcome">
            <Select
              ariaLabel="Outcome"
              selectedOption={{ value: f.outcome ?? 'successful', label: f.outcome ?? 'successful' }}
              options={optionsOf(OUTCOMES)}
              onChange={(e) => setF((x) => ({ ...x, outcome: e.detail.selectedOption.value ?? 'successful' }))}
            />
          </FormField>
          <FormField label="Notes (optional)">
            <Textarea value={f.notes ?? ''} onChange={set('notes')} rows={2} />
          </FormField>
        </FormModal>
      );
    case 'review':
      return (
        <FormModal
          {...common}
          title={`Review ${c.number}`}
          submitText="Record review"
          onSubmit={async () => {
            await must(
              api().POST('/v1/changes/{id}/review', {
                params,
                headers,
                body: { summary: f.summary ?? '', objectivesMet: met, ...opt('lessons') },
              }),
            );
            props.onDone('review recorded');
          }}
        >
          <FormField label="Summary">
            <Textarea value={f.summary ?? ''} onChange={set('summary')} rows={3} />
          </FormField>
          <Checkbox checked={met} onChange={(e) => setMet(e.detail.checked)}>
            Objectives met
          </Checkbox>
          <FormField label="Lessons (optional)">
            <Textarea value={f.lessons ?? ''} onChange={set('lessons')} rows={2} />
          </FormField>
        </FormModal>
      );
    case 'close':
      return (
        <FormModal
          {...common}
          title={`Close ${c.number}`}
          submitText="Close"
          onSubmit={async () => {
            await must(api().POST('/v1/changes/{id}/closure', { params, headers, body: { ...opt('notes') } }));
            props.onDone('closed');
          }}
        >
          <FormField label="Notes (optional)">
            <Textarea value={f.notes ?? ''} onChange={set('notes')} rows={2} />
          </FormField>
        </FormModal>
      );
    case 'cancel':
      return (
        <FormModal
          {...common}
          title={`Cancel ${c.number}`}
          submitText="Cancel change"
          onSubmit={async () => {
            await must(
              api().POST('/v1/changes/{id}/cancellation', {
                params,
                headers,
                body: { reason: f.reason?.trim() ?? '' },
              }),
            );
            props.onDone('cancelled');
          }}
        >
          <FormField label="Reason">
            <Textarea value={f.reason ?? ''} onChange={set('reason')} rows={2} />
          </FormField>
        </FormModal>
      );
    default:
      return null;
  }
}
