import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Steps, { type StepsProps } from '@cloudscape-design/components/steps';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { type ReactNode, useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { useNotify } from '../App';
import { api, ifMatch, must } from '../api/client';
import { useSession } from '../auth';
import { ChangeStatus } from '../components/change-kit';
import { when } from '../components/format';
import { HistoryTable } from '../components/history-table';
import { RouterLink, useFollow } from '../components/links';
import { FormModal, useCan, usePaged } from '../components/page-kit';
import {
  type Deployment,
  outcomeText,
  RELEASE_MANAGERS,
  type Release,
  ReleaseStatus,
  refusalLines,
  releaseWindow,
} from '../components/release-kit';
import { useLoad } from '../components/use-load';

type Action = 'add-change' | 'evidence' | 'waiver' | 'handover' | 'cancel';
/** Where a release may still be edited (services/releases/domain/release.ts EDITABLE). */
const EDITABLE = ['planning', 'accepted'];
/** How often the page reads the release again while its deployment runs on its own. */
const POLL_MS = 2000;

/**
 * A release with everything on it: its changes, the gate (criteria, evidence, waivers, acceptance),
 * the deployment wave by wave with the decisions it waits for (a wave's verification, the back-out's
 * result), past deployments, early-life support with its handover, and history. A refusal shows
 * the problem's detail and each failing field; while a deployment runs the page reads it again.
 */
export default function ReleasePage() {
  const { id = '' } = useParams();
  const session = useSession();
  const notify = useNotify();
  const follow = useFollow();
  const manager = useCan(RELEASE_MANAGERS);
  const [action, setAction] = useState<{ kind: Action; criterionId?: string } | undefined>();
  const [refusal, setRefusal] = useState<{ what: string; lines: string[] } | undefined>();
  const loaded = useLoad(
    async () => (await must(api().GET('/v1/releases/{id}', { params: { path: { id } } }))).data,
    [id],
  );
  const strategyId = loaded.data?.strategyId;
  // The strategy's name (it does not change while the page is open): read once, not at every poll.
  const strategy = useLoad(
    async () =>
      strategyId
        ? (await api().GET('/v1/release-strategies/{id}', { params: { path: { id: strategyId } } })).data
        : undefined,
    [strategyId],
  );
  const history = usePaged(
    async (cursor) =>
      (
        await must(
          api().GET('/v1/releases/{id}/history', {
            params: { path: { id }, query: { limit: '25', ...(cursor ? { cursor } : {}) } },
          }),
        )
      ).data,
    [id, loaded.data?.version],
  );
  const running = loaded.data?.status === 'deploying';
  // The flow moves on its own (the CMDB's baseline, the next wave, the outcome): read again while it runs.
  // biome-ignore lint/correctness/useExhaustiveDependencies: each new read of the release sets the next timer.
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(loaded.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [running, loaded.data]);

  if (loaded.error && !loaded.data)
    return (
      <Alert type="error" header="Cannot show this release">
        {loaded.error}
      </Alert>
    );
  if (!loaded.data) return <Spinner size="large" />;
  const r = loaded.data;
  const path = { path: { id: r.releaseId } };
  const done = (what: string) => {
    setRefusal(undefined);
    notify({ type: 'success', content: `${r.number}: ${what}.` });
    loaded.reload();
  };
  /** Run an action from the page; a refusal stays on the page with each failing field. */
  const run = async (what: string, call: () => Promise<unknown>, success: string) => {
    try {
      await call();
      done(success);
    } catch (err) {
      setRefusal({ what, lines: refusalLines(err) });
      loaded.reload();
    }
  };
  const editable = EDITABLE.includes(r.status);
  const accepted = (stage: string) => r.acceptances.some((a) => a.stage === stage);
  const deploy = () =>
    run(
      'The deployment was refused',
      () => must(api().POST('/v1/releases/{id}/deployments', { params: path, body: {} })),
      'deployment started',
    );
  const accept = (stage: 'test' | 'deployment') =>
    run(
      `Acceptance into ${stage} was refused`,
      () => must(api().POST('/v1/releases/{id}/acceptances', { params: path, body: { stage } })),
      `accepted into ${stage}`,
    );
  const menu = [
    ...(editable ? [{ id: 'add-change', text: 'Add a change' }] : []),
    ...(editable ? [{ id: 'evidence', text: 'Record evidence' }] : []),
    ...(editable && manager ? [{ id: 'waiver', text: 'Waive a criterion' }] : []),
    ...(manager && editable && !accepted('test') ? [{ id: 'accept-test', text: 'Accept into test' }] : []),
    ...(editable ? [{ id: 'cancel', text: 'Cancel release' }] : []),
  ];
  const primary: { text: string; run: () => void } | undefined =
    r.status === 'accepted'
      ? { text: 'Deploy', run: () => void deploy() }
      : r.status === 'planning' && manager
        ? { text: 'Accept for deployment', run: () => void accept('deployment') }
        : r.status === 'planning'
          ? { text: 'Deploy', run: () => void deploy() }
          : r.status === 'early-life-support' && manager
            ? { text: 'Hand over', run: () => setAction({ kind: 'handover' }) }
            : undefined;

  return (
    <ContentLayout
      header={
        <SpaceBetween size="m">
          <BreadcrumbGroup
            ariaLabel="Breadcrumbs"
            items={[
              { text: 'Releases', href: '/releases' },
              { text: r.number, href: `/releases/${r.releaseId}` },
            ]}
            onFollow={follow}
          />
          <Header
            variant="h1"
            description={`${r.type} release · owned by ${r.ownerId} · recorded ${when(r.createdAt)} · updated ${when(r.updatedAt)}`}
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                {menu.length ? (
                  <ButtonDropdown
                    items={menu}
                    onItemClick={(e) =>
                      e.detail.id === 'accept-test' ? void accept('test') : setAction({ kind: e.detail.id as Action })
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
            {r.number}: {r.title}
          </Header>
        </SpaceBetween>
      }
    >
      <SpaceBetween size="l">
        {refusal ? (
          <Alert
            type="error"
            header={refusal.what}
            dismissible
            dismissAriaLabel="Dismiss"
            onDismiss={() => setRefusal(undefined)}
          >
            <ul aria-label="Why">
              {refusal.lines.map((l) => (
                <li key={l}>{l}</li>
              ))}
            </ul>
          </Alert>
        ) : null}
        <Container header={<Header variant="h2">Overview</Header>}>
          <SpaceBetween size="m">
            <KeyValuePairs
              columns={4}
              items={[
                { label: 'Status', value: <ReleaseStatus value={r.status} /> },
                { label: 'Type', value: r.type },
                { label: 'Planned window', value: releaseWindow(r.plan) },
                { label: 'Outcome', value: r.outcome ? <ReleaseStatus value={r.outcome} /> : '—' },
                {
                  label: 'Strategy',
                  value: r.strategyId
                    ? strategy.data
                      ? `${strategy.data.name} (${strategy.data.approach}${strategy.data.frequency ? `, ${strategy.data.frequency}` : ''})`
                      : r.strategyId
                    : '—',
                },
                { label: 'Pipeline', value: r.pipeline ?? '—' },
                {
                  label: 'Configuration items',
                  value: r.ciIds.length
                    ? r.ciIds.map((ci, i) => (
                        <span key={ci}>
                          {i ? ', ' : ''}
                          <RouterLink href={`/cis/${ci}`}>{ci}</RouterLink>
                        </span>
                      ))
                    : '—',
                },
                { label: 'Deployed', value: when(r.deployedAt) },
                { label: 'Notify', value: r.plan.notify.join(', ') || '—' },
                ...(r.cancelReason ? [{ label: 'Cancelled because', value: r.cancelReason }] : []),
              ]}
            />
            <Text label="Description" value={r.description} />
            <Text label="Back-out plan" value={r.plan.backoutPlan} />
            <Text label="Communication" value={r.plan.communication} />
          </SpaceBetween>
        </Container>
        <ChangesTable release={r} editable={editable} run={run} />
        <Gate
          release={r}
          manager={manager}
          editable={editable}
          onAction={(kind, criterionId) => setAction({ kind, criterionId })}
        />
        {r.package ? <PackageTable release={r} /> : null}
        <DeploymentView release={r} run={run} />
        {r.deployments.length ? <PastDeployments release={r} /> : null}
        {r.earlyLife ? <EarlyLife release={r} /> : null}
        <Container header={<Header variant="h2">History</Header>}>
          <HistoryTable list={history} label={`History of ${r.number}`} />
        </Container>
      </SpaceBetween>
      <ActionModals
        release={r}
        action={action}
        me={`user-${session.name}`}
        onDismiss={() => setAction(undefined)}
        onDone={done}
        onConflict={loaded.reload}
      />
    </ContentLayout>
  );
}

type Run = (what: string, call: () => Promise<unknown>, success: string) => Promise<void>;

function Text({ label, value }: { label: string; value?: string | undefined }) {
  if (!value) return null;
  return (
    <div>
      <Box variant="awsui-key-label">{label}</Box>
      <Box variant="p">{value}</Box>
    </div>
  );
}

function ChangesTable({ release: r, editable, run }: { release: Release; editable: boolean; run: Run }) {
  type Row = Release['changes'][number];
  return (
    <Table<Row>
      ariaLabels={{ tableLabel: 'Changes in the release' }}
      header={
        <Header variant="h2" counter={`(${r.changes.length})`} description="Approved changes bundled into the release">
          Changes
        </Header>
      }
      items={r.changes}
      trackBy="changeId"
      wrapLines
      empty="No change yet: a release bundles at least one approved change."
      columnDefinitions={[
        {
          id: 'number',
          header: 'Number',
          cell: (c) => <RouterLink href={`/changes/${c.changeId}`}>{c.number ?? c.changeId}</RouterLink>,
          isRowHeader: true,
        },
        { id: 'title', header: 'Title', cell: (c) => c.title ?? '—' },
        { id: 'type', header: 'Type', cell: (c) => c.type ?? '—' },
        { id: 'status', header: 'Status', cell: (c) => (c.status ? <ChangeStatus value={c.status} /> : '—') },
        { id: 'outcome', header: 'Outcome', cell: (c) => c.outcome ?? '—' },
        ...(editable
          ? [
              {
                id: 'remove',
                header: 'Remove',
                cell: (c: Row) => (
                  <Button
                    variant="inline-link"
                    ariaLabel={`Take out ${c.number ?? c.changeId}`}
                    onClick={() =>
                      void run(
                        `${c.number ?? c.changeId} could not be taken out`,
                        () =>
                          must(
                            api().DELETE('/v1/releases/{id}/changes/{changeId}', {
                              params: { path: { id: r.releaseId, changeId: c.changeId } },
                              headers: ifMatch(r.version),
                            }),
                          ),
                        `${c.number ?? c.changeId} taken out`,
                      )
                    }
                  >
                    Take out
                  </Button>
                ),
              },
            ]
          : []),
      ]}
    />
  );
}

function Gate(props: {
  release: Release;
  manager: boolean;
  editable: boolean;
  onAction: (kind: Action, criterionId: string) => void;
}) {
  const r = props.release;
  type Row = Release['gate']['criteria'][number];
  const latest = (criterionId: string) =>
    r.evidence.filter((e) => e.criterionId === criterionId).sort((a, b) => b.recordedAt.localeCompare(a.recordedAt))[0];
  return (
    <Container
      header={
        <Header
          variant="h2"
          description="Deployment needs every required criterion passed or waived, and acceptance into deployment"
        >
          Gate
        </Header>
      }
    >
      <SpaceBetween size="m">
        <KeyValuePairs
          columns={3}
          items={[
            {
              label: 'Gate',
              value: r.gate.passed ? <ReleaseStatus value="passed" /> : <ReleaseStatus value="missing" />,
            },
            {
              label: 'Acceptance',
              value: r.acceptances.length ? (
                <SpaceBetween size="xxs">
                  {r.acceptances.map((a) => (
                    <span key={`${a.stage}-${a.at}`}>
                      into {a.stage} by {a.by}, {when(a.at)}
                      {a.notes ? `: ${a.notes}` : ''}
                    </span>
                  ))}
                </SpaceBetween>
              ) : (
                'not accepted yet'
              ),
            },
            {
              label: 'Blocking',
              value: r.gate.blocking.length ? (
                <ul aria-label="What blocks the gate">
                  {r.gate.blocking.map((b) => (
                    <li key={b.field}>{b.message}</li>
                  ))}
                </ul>
              ) : (
                'nothing'
              ),
            },
          ]}
        />
        <Table<Row>
          variant="embedded"
          ariaLabels={{ tableLabel: 'Acceptance criteria' }}
          items={r.gate.criteria}
          trackBy="criterionId"
          wrapLines
          empty="No acceptance criterion."
          columnDefinitions={[
            { id: 'name', header: 'Criterion', cell: (c) => c.name, isRowHeader: true },
            { id: 'stage', header: 'Stage', cell: (c) => c.stage },
            { id: 'required', header: 'Required', cell: (c) => (c.required ? 'required' : 'optional') },
            { id: 'state', header: 'State', cell: (c) => <ReleaseStatus value={c.state} /> },
            {
              id: 'evidence',
              header: 'Evidence',
              cell: (c) => {
                const e = latest(c.criterionId);
                if (!e) return '—';
                return (
                  <span>
                    {e.result}: {e.summary}
                    {e.url ? (
                      <>
                        {' '}
                        <Link href={e.url} external>
                          run
                        </Link>
                      </>
                    ) : null}{' '}
                    ({e.source.kind === 'pipeline' ? `pipeline ${e.source.ref}` : e.recordedBy}, {when(e.recordedAt)})
                  </span>
                );
              },
            },
            {
              id: 'waiver',
              header: 'Waiver',
              cell: (c) => {
                const w = r.waivers.find((x) => x.criterionId === c.criterionId);
                return w ? `${w.reason} (approved by ${w.approverId}, ${when(w.at)})` : '—';
              },
            },
            ...(props.editable
              ? [
                  {
                    id: 'actions',
                    header: 'Actions',
                    cell: (c: Row) => (
                      <SpaceBetween direction="horizontal" size="xs">
                        <Button
                          variant="inline-link"
                          ariaLabel={`Record evidence for ${c.name}`}
                          onClick={() => props.onAction('evidence', c.criterionId)}
                        >
                          Record evidence
                        </Button>
                        {props.manager && c.state !== 'passed' && c.state !== 'waived' ? (
                          <Button
                            variant="inline-link"
                            ariaLabel={`Waive ${c.name}`}
                            onClick={() => props.onAction('waiver', c.criterionId)}
                          >
                            Waive
                          </Button>
                        ) : null}
                      </SpaceBetween>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </SpaceBetween>
    </Container>
  );
}

function PackageTable({ release: r }: { release: Release }) {
  const p = r.package!;
  type Row = (typeof p.items)[number];
  return (
    <Table<Row>
      ariaLabels={{ tableLabel: 'Release package' }}
      header={
        <Header variant="h2" description={`Recorded by ${p.recordedBy}, ${when(p.recordedAt)}`}>
          Package {p.name}
        </Header>
      }
      items={p.items}
      trackBy="ciId"
      wrapLines
      empty="No item."
      columnDefinitions={[
        {
          id: 'ci',
          header: 'CI',
          cell: (i) => <RouterLink href={`/cis/${i.ciId}`}>{i.ciId}</RouterLink>,
          isRowHeader: true,
        },
        { id: 'version', header: 'Version', cell: (i) => i.version },
        { id: 'checksum', header: 'Checksum', cell: (i) => <code>{i.checksum}</code> },
      ]}
    />
  );
}

const WAVE_STEP: Record<string, StepsProps.Status> = {
  pending: 'pending',
  deploying: 'in-progress',
  passed: 'success',
  failed: 'error',
};
const OUTCOME_STEP: Record<string, StepsProps.Status> = {
  success: 'success',
  failure: 'error',
  'rolled-back': 'warning',
};

/** The deployment's progress: baseline, each wave, the back-out, the configuration check, the outcome. */
function deploymentSteps(d: Deployment, decide: (wave: number) => ReactNode, backout: ReactNode): StepsProps.Step[] {
  const past = (phase: string) =>
    ['baseline', 'waves', 'backing-out', 'verifying', 'finishing', 'ended'].indexOf(d.phase) >
    ['baseline', 'waves', 'backing-out', 'verifying', 'finishing', 'ended'].indexOf(phase);
  const steps: StepsProps.Step[] = [
    {
      status: d.phase === 'baseline' ? 'in-progress' : d.baselineId ? 'success' : 'stopped',
      statusIconAriaLabel: d.phase === 'baseline' ? 'in progress' : 'done',
      header: 'Baseline of the affected CIs',
      details:
        d.phase === 'baseline'
          ? 'Waiting for the CMDB to capture the baseline.'
          : d.baselineId
            ? `Baseline ${d.baselineId} captured.`
            : 'No baseline.',
    },
    ...d.waves.map(
      (w, i): StepsProps.Step => ({
        status: WAVE_STEP[w.status] ?? 'info',
        statusIconAriaLabel: w.status,
        header: `Wave ${i + 1}: ${w.name} (${w.status})`,
        details: (
          <SpaceBetween size="xs">
            <span>
              {w.verification} verification
              {w.startedAt ? ` · started ${when(w.startedAt)}` : ''}
              {w.decidedAt ? ` · decided ${when(w.decidedAt)} by ${w.decidedBy ?? w.source ?? '—'}` : ''}
              {w.notes ? ` · “${w.notes}”` : ''}
            </span>
            {w.status === 'deploying' && d.phase === 'waves' ? decide(i + 1) : null}
          </SpaceBetween>
        ),
      }),
    ),
  ];
  if (d.backout || d.phase === 'backing-out')
    steps.push({
      status: d.backout?.status === 'completed' ? 'success' : d.backout?.status === 'failed' ? 'error' : 'in-progress',
      statusIconAriaLabel: d.backout?.status ?? 'open',
      header: `Back-out (${d.backout?.status ?? 'open'})`,
      details: (
        <SpaceBetween size="xs">
          <span>
            {d.failedWave ? `Wave ${d.failedWave} failed: the back-out plan runs.` : 'The back-out plan runs.'}
            {d.backout?.at ? ` Recorded ${when(d.backout.at)} by ${d.backout.decidedBy ?? '—'}.` : ''}
            {d.backout?.notes ? ` “${d.backout.notes}”` : ''}
          </span>
          {d.backout?.status === 'open' ? backout : null}
        </SpaceBetween>
      ),
    });
  else
    steps.push({
      status: d.verification
        ? d.verification.mismatches.length
          ? 'warning'
          : 'success'
        : d.phase === 'verifying'
          ? 'in-progress'
          : past('verifying')
            ? 'stopped'
            : 'pending',
      statusIconAriaLabel: d.verification ? 'checked' : d.phase === 'verifying' ? 'in progress' : 'not yet',
      header: 'Configuration verification',
      details: d.verification ? (
        d.verification.mismatches.length ? (
          <Table
            variant="embedded"
            ariaLabels={{ tableLabel: 'Configuration mismatches' }}
            items={d.verification.mismatches}
            columnDefinitions={[
              { id: 'ci', header: 'CI', cell: (m) => <RouterLink href={`/cis/${m.ciId}`}>{m.ciId}</RouterLink> },
              { id: 'expected', header: 'Expected', cell: (m) => m.expected },
              { id: 'found', header: 'Found', cell: (m) => m.found ?? '—' },
              { id: 'problem', header: 'Problem', cell: (m) => m.problem },
            ]}
          />
        ) : (
          (d.verification.note ?? 'The CMDB holds the versions the package deploys.')
        )
      ) : d.phase === 'verifying' ? (
        'Comparing the CMDB after the waves with the package.'
      ) : (
        'After the last wave.'
      ),
    });
  steps.push({
    status: d.outcome ? (OUTCOME_STEP[d.outcome] ?? 'info') : 'pending',
    statusIconAriaLabel: d.outcome ? outcomeText(d.outcome) : 'not yet',
    header: d.outcome ? `Outcome: ${outcomeText(d.outcome)}` : 'Outcome',
    details: d.outcome
      ? `${d.endedAt ? `Ended ${when(d.endedAt)}.` : ''}${d.reason ? ` ${d.reason}` : ''}`
      : 'Not ended yet.',
  });
  return steps;
}

function DeploymentView({ release: r, run }: { release: Release; run: Run }) {
  const d = r.deployment;
  const [notes, setNotes] = useState('');
  const [result, setResult] = useState<string>('passed');
  if (!d)
    return (
      <Container header={<Header variant="h2">Deployment</Header>}>
        <Box color="text-status-inactive">
          Not deployed yet. The gate must pass and the release be accepted for deployment.
        </Box>
      </Container>
    );
  const path = { path: { id: r.releaseId } };
  const decide = (wave: number) => (
    <DecisionForm
      label={`Verification of wave ${wave}`}
      options={[
        { value: 'passed', label: 'Passed: deploy the next wave' },
        { value: 'failed', label: 'Failed: run the back-out plan' },
      ]}
      submitText="Record verification"
      result={result}
      setResult={setResult}
      notes={notes}
      setNotes={setNotes}
      onSubmit={() =>
        run(
          `The verification of wave ${wave} was refused`,
          async () => {
            await must(
              api().POST('/v1/releases/{id}/deployment/waves/{wave}/verification', {
                params: { path: { id: r.releaseId, wave: String(wave) } },
                body: { result: result as 'passed' | 'failed', ...(notes.trim() ? { notes: notes.trim() } : {}) },
              }),
            );
            setNotes('');
            setResult('passed');
          },
          `wave ${wave} verified ${result}`,
        )
      }
    />
  );
  const backout = (
    <DecisionForm
      label="Back-out result"
      options={[
        { value: 'completed', label: 'Completed: the previous state is back' },
        { value: 'failed', label: 'Failed: the back-out did not work' },
      ]}
      submitText="Record back-out"
      result={result === 'passed' ? 'completed' : result}
      setResult={setResult}
      notes={notes}
      setNotes={setNotes}
      onSubmit={() =>
        run(
          'The back-out result was refused',
          async () => {
            await must(
              api().POST('/v1/releases/{id}/deployment/back-out', {
                params: path,
                body: {
                  result: (result === 'failed' ? 'failed' : 'completed') as 'completed' | 'failed',
                  ...(notes.trim() ? { notes: notes.trim() } : {}),
                },
              }),
            );
            setNotes('');
            setResult('passed');
          },
          'back-out recorded',
        )
      }
    />
  );
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={`Started ${when(d.startedAt)} by ${d.startedBy} (${d.trigger.kind === 'pipeline' ? `pipeline ${d.trigger.ref}` : 'by hand'})`}
        >
          Deployment
        </Header>
      }
    >
      <section aria-label="Deployment progress" aria-live="polite">
        <Steps ariaLabel="Deployment steps" steps={deploymentSteps(d, decide, backout)} />
      </section>
    </Container>
  );
}

/** An inline decision (a wave's verification, the back-out's result): a choice and notes. */
function DecisionForm(props: {
  label: string;
  options: { value: string; label: string }[];
  submitText: string;
  result: string;
  setResult: (v: string) => void;
  notes: string;
  setNotes: (v: string) => void;
  onSubmit: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <form
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        void props.onSubmit().finally(() => setBusy(false));
      }}
    >
      <Form
        actions={
          <Button variant="primary" loading={busy}>
            {props.submitText}
          </Button>
        }
      >
        <SpaceBetween size="s">
          <FormField label={props.label}>
            <RadioGroup
              ariaLabel={props.label}
              value={props.result}
              onChange={(e) => props.setResult(e.detail.value)}
              items={props.options}
            />
          </FormField>
          <FormField label="Notes (optional)">
            <Textarea value={props.notes} onChange={(e) => props.setNotes(e.detail.value)} rows={2} />
          </FormField>
        </SpaceBetween>
      </Form>
    </form>
  );
}

function PastDeployments({ release: r }: { release: Release }) {
  type Row = Release['deployments'][number];
  return (
    <Table<Row>
      ariaLabels={{ tableLabel: 'Past deployments' }}
      header={<Header variant="h2">Past deployments</Header>}
      items={r.deployments}
      trackBy="deploymentId"
      wrapLines
      columnDefinitions={[
        { id: 'started', header: 'Started', cell: (x) => when(x.startedAt), isRowHeader: true },
        {
          id: 'trigger',
          header: 'Trigger',
          cell: (x) => (x.trigger.kind === 'pipeline' ? `pipeline ${x.trigger.ref}` : `by ${x.trigger.ref}`),
        },
        { id: 'ended', header: 'Ended', cell: (x) => when(x.endedAt) },
        { id: 'outcome', header: 'Outcome', cell: (x) => <ReleaseStatus value={x.outcome} /> },
        { id: 'failed', header: 'Failed wave', cell: (x) => x.failedWave ?? '—' },
      ]}
    />
  );
}

function EarlyLife({ release: r }: { release: Release }) {
  const e = r.earlyLife!;
  type Row = (typeof e.incidents)[number];
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={`Exit: no ${e.priorities.join('/')} incident on the released CIs in the last ${e.quietDays} days`}
        >
          Early-life support
        </Header>
      }
    >
      <SpaceBetween size="m">
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'From', value: when(e.from) },
            { label: 'Until', value: when(e.until) },
            {
              label: 'Handover',
              value: e.handedOverAt
                ? `accepted by ${e.acceptedBy ?? '—'} (handed over by ${e.handedOverBy ?? '—'}, ${when(e.handedOverAt)})${e.notes ? `: ${e.notes}` : ''}`
                : 'not handed over yet',
            },
          ]}
        />
        <Table<Row>
          variant="embedded"
          ariaLabels={{ tableLabel: 'Incidents during early life' }}
          items={e.incidents}
          trackBy="ticketId"
          empty="No incident on the released CIs."
          columnDefinitions={[
            {
              id: 'number',
              header: 'Incident',
              cell: (i) => <RouterLink href={`/tickets/${i.ticketId}`}>{i.number}</RouterLink>,
              isRowHeader: true,
            },
            { id: 'priority', header: 'Priority', cell: (i) => i.priority },
            { id: 'cis', header: 'CIs', cell: (i) => i.ciIds.join(', ') },
            { id: 'at', header: 'Raised', cell: (i) => when(i.at) },
          ]}
        />
      </SpaceBetween>
    </Container>
  );
}

function ActionModals(props: {
  release: Release;
  action: { kind: Action; criterionId?: string } | undefined;
  me: string;
  onDismiss: () => void;
  onDone: (what: string) => void;
  onConflict: () => void;
}) {
  const r = props.release;
  const params = { path: { id: r.releaseId } };
  const [f, setF] = useState<Record<string, string>>({});
  const set = (k: string) => (e: { detail: { value: string } }) => setF((x) => ({ ...x, [k]: e.detail.value }));
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new action starts from an empty form.
  useEffect(() => setF({}), [props.action?.kind, props.action?.criterionId]);
  const approved = useLoad(
    async () =>
      props.action?.kind === 'add-change'
        ? (await must(api().GET('/v1/changes', { params: { query: { status: 'approved', limit: '100' } } }))).data.items
        : [],
    [props.action?.kind],
  );
  const common = { visible: true, onDismiss: props.onDismiss, record: 'release', onConflict: props.onConflict };
  const criterionId = f.criterionId ?? props.action?.criterionId;
  const criterion = r.gate.criteria.find((c) => c.criterionId === criterionId);
  const criterionField = (
    <FormField label="Criterion">
      <Select
        ariaLabel="Criterion"
        selectedOption={criterion ? { value: criterion.criterionId, label: criterion.name } : null}
        placeholder="Choose a criterion"
        options={r.gate.criteria.map((c) => ({
          value: c.criterionId,
          label: c.name,
          description: `${c.stage}, ${c.state}`,
        }))}
        onChange={(e) => setF((x) => ({ ...x, criterionId: e.detail.selectedOption.value ?? '' }))}
      />
    </FormField>
  );
  switch (props.action?.kind) {
    case 'add-change': {
      const options = (approved.data ?? [])
        .filter((c) => !r.changeIds.includes(c.changeId))
        .map((c) => ({ value: c.changeId, label: `${c.number}: ${c.title}` }));
      return (
        <FormModal
          {...common}
          title={`Add a change to ${r.number}`}
          submitText="Add change"
          onSubmit={async () => {
            if (!f.changeId) throw new Error('Choose a change.');
            await must(
              api().POST('/v1/releases/{id}/changes', {
                params,
                headers: ifMatch(r.version),
                body: { changeId: f.changeId },
              }),
            );
            props.onDone('change added');
          }}
        >
          <FormField label="Approved change" description="Only approved changes go into a release">
            <Select
              ariaLabel="Approved change"
              statusType={approved.loading ? 'loading' : 'finished'}
              loadingText="Loading approved changes"
              empty="No other approved change"
              filteringType="auto"
              selectedOption={options.find((o) => o.value === f.changeId) ?? null}
              placeholder="Choose a change"
              options={options}
              onChange={(e) => setF((x) => ({ ...x, changeId: e.detail.selectedOption.value ?? '' }))}
            />
          </FormField>
        </FormModal>
      );
    }
    case 'evidence':
      return (
        <FormModal
          {...common}
          title={`Record evidence for ${r.number}`}
          submitText="Record evidence"
          onSubmit={async () => {
            if (!criterionId) throw new Error('Choose a criterion.');
            await must(
              api().POST('/v1/releases/{id}/evidence', {
                params,
                body: {
                  criterionId,
                  result: (f.result ?? 'passed') as 'passed' | 'failed',
                  summary: f.summary?.trim() ?? '',
                  ...(f.url?.trim() ? { url: f.url.trim() } : {}),
                },
              }),
            );
            props.onDone(`evidence recorded for ${criterion?.name ?? criterionId}`);
          }}
        >
          {criterionField}
          <FormField label="Result">
            <RadioGroup
              ariaLabel="Result"
              value={f.result ?? 'passed'}
              onChange={set('result')}
              items={[
                { value: 'passed', label: 'passed' },
                { value: 'failed', label: 'failed' },
              ]}
            />
          </FormField>
          <FormField label="Summary">
            <Input value={f.summary ?? ''} onChange={set('summary')} />
          </FormField>
          <FormField label="Link to the run (optional)">
            <Input value={f.url ?? ''} onChange={set('url')} type="url" />
          </FormField>
        </FormModal>
      );
    case 'waiver':
      return (
        <FormModal
          {...common}
          title={`Waive a criterion of ${r.number}`}
          submitText="Waive"
          onSubmit={async () => {
            if (!criterionId) throw new Error('Choose a criterion.');
            await must(
              api().POST('/v1/releases/{id}/waivers', {
                params,
                body: { criterionId, reason: f.reason?.trim() ?? '' },
              }),
            );
            props.onDone(`${criterion?.name ?? criterionId} waived`);
          }}
        >
          {criterionField}
          <FormField label="Reason" description={`You (${props.me}) are recorded as the waiver's approver`}>
            <Textarea value={f.reason ?? ''} onChange={set('reason')} rows={2} />
          </FormField>
        </FormModal>
      );
    case 'handover':
      return (
        <FormModal
          {...common}
          title={`Hand ${r.number} over to operations`}
          submitText="Hand over"
          onSubmit={async () => {
            await must(
              api().POST('/v1/releases/{id}/handover', {
                params,
                body: { acceptedBy: f.acceptedBy?.trim() ?? '', ...(f.notes?.trim() ? { notes: f.notes.trim() } : {}) },
              }),
            );
            props.onDone('handed over to operations');
          }}
        >
          <FormField label="Accepted by" description="Who in operations takes the release over (user-…)">
            <Input value={f.acceptedBy ?? ''} onChange={set('acceptedBy')} />
          </FormField>
          <FormField label="Notes (optional)">
            <Textarea value={f.notes ?? ''} onChange={set('notes')} rows={2} />
          </FormField>
        </FormModal>
      );
    case 'cancel':
      return (
        <FormModal
          {...common}
          title={`Cancel ${r.number}`}
          submitText="Cancel release"
          onSubmit={async () => {
            await must(
              api().POST('/v1/releases/{id}/cancellation', { params, body: { reason: f.reason?.trim() ?? '' } }),
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
