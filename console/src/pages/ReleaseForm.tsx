import Alert from '@cloudscape-design/components/alert';
import AttributeEditor from '@cloudscape-design/components/attribute-editor';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import DatePicker from '@cloudscape-design/components/date-picker';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Multiselect from '@cloudscape-design/components/multiselect';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Textarea from '@cloudscape-design/components/textarea';
import TimeInput from '@cloudscape-design/components/time-input';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useNotify } from '../App';
import { ApiError, api, must } from '../api/client';
import type { Change } from '../components/change-kit';
import { actionError, optionsOf } from '../components/page-kit';
import { CRITERION_STAGES, RELEASE_TYPES, type Strategy } from '../components/release-kit';
import { useLoad } from '../components/use-load';

type ReleaseType = (typeof RELEASE_TYPES)[number];
type Stage = (typeof CRITERION_STAGES)[number];
interface WaveRow {
  name: string;
  environment: string;
  verification: 'manual' | 'automatic';
  pipelineStage: string;
}
interface CriterionRow {
  name: string;
  stage: Stage;
  required: boolean;
}

/** A local date and time (the pickers' values) as an instant. */
const toIso = (date: string, time: string) => (date ? new Date(`${date}T${time || '00:00'}`).toISOString() : undefined);
const VERIFICATIONS = [
  { value: 'manual', label: 'manual (a person decides)' },
  { value: 'automatic', label: 'automatic (from the pipeline)' },
];

/**
 * Plan a release: what it is, the approved changes it bundles (picked from the changes service's
 * approved ones; a change the releases service refuses shows its reason next to it), the plan with
 * its window, waves, back-out plan and communication, and the acceptance criteria of its gate.
 */
export default function ReleaseForm() {
  const navigate = useNavigate();
  const notify = useNotify();
  const loaded = useLoad(async () => {
    const [strategies, changes] = await Promise.all([
      must(api().GET('/v1/release-strategies', { params: { query: { limit: '100' } } })),
      must(api().GET('/v1/changes', { params: { query: { status: 'approved', limit: '100' } } })),
    ]);
    return { strategies: strategies.data.items, changes: changes.data.items };
  }, []);
  if (loaded.error)
    return (
      <Alert type="error" header="Cannot open the form">
        {loaded.error}
      </Alert>
    );
  if (!loaded.data) return <Spinner size="large" />;
  return (
    <FormBody
      strategies={loaded.data.strategies}
      changes={loaded.data.changes}
      onDone={(r) => {
        notify({ type: 'success', content: `${r.number} recorded.` });
        navigate(`/releases/${r.releaseId}`);
      }}
    />
  );
}

function FormBody(props: {
  strategies: Strategy[];
  changes: Change[];
  onDone: (r: { releaseId: string; number: string }) => void;
}) {
  const [f, setF] = useState<Record<string, string>>({ type: 'minor' });
  const [strategyId, setStrategyId] = useState<string | undefined>();
  const [changeIds, setChangeIds] = useState<string[]>([]);
  const [waves, setWaves] = useState<WaveRow[]>([
    { name: '', environment: '', verification: 'manual', pipelineStage: '' },
  ]);
  const [criteria, setCriteria] = useState<CriterionRow[]>([]);
  const [refused, setRefused] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const set = (k: string) => (e: { detail: { value: string } }) => setF((x) => ({ ...x, [k]: e.detail.value }));
  const text = (k: string) => (f[k]?.trim() ? { [k]: f[k].trim() } : {});
  const changeLabel = (id: string) => {
    const c = props.changes.find((x) => x.changeId === id);
    return c ? `${c.number}: ${c.title}` : id;
  };
  const strategy = props.strategies.find((s) => s.strategyId === strategyId);

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    setRefused({});
    const plannedStart = toIso(f.startDate ?? '', f.startTime ?? '');
    const plannedEnd = toIso(f.endDate ?? '', f.endTime ?? '');
    const notify = (f.notify ?? '')
      .split(/[\s,;]+/)
      .map((a) => a.trim())
      .filter(Boolean);
    try {
      const { data } = await must(
        api().POST('/v1/releases', {
          body: {
            title: f.title?.trim() ?? '',
            type: (f.type ?? 'minor') as ReleaseType,
            ...text('description'),
            ...(strategyId ? { strategyId } : {}),
            changeIds,
            plan: {
              ...(plannedStart ? { plannedStart } : {}),
              ...(plannedEnd ? { plannedEnd } : {}),
              waves: waves
                .filter((w) => w.name.trim())
                .map((w) => ({
                  name: w.name.trim(),
                  ...(w.environment.trim() ? { environment: w.environment.trim() } : {}),
                  verification: w.verification,
                  ...(w.verification === 'automatic' && w.pipelineStage.trim()
                    ? { pipelineStage: w.pipelineStage.trim() }
                    : {}),
                })),
              ...(f.backoutPlan?.trim() ? { backoutPlan: f.backoutPlan.trim() } : {}),
              ...(f.communication?.trim() ? { communication: f.communication.trim() } : {}),
              notify,
            },
            criteria: criteria
              .filter((c) => c.name.trim())
              .map((c) => ({ name: c.name.trim(), stage: c.stage, required: c.required })),
          },
        }),
      );
      props.onDone(data);
    } catch (err) {
      // A change refused (not approved, unknown yet, in another release): its reason next to it.
      const byChange: Record<string, string> = {};
      if (err instanceof ApiError)
        for (const e of err.problem.errors ?? []) {
          const m = /^changeIds\.(\d+)$/.exec(e.field);
          const id = m ? changeIds[Number(m[1])] : undefined;
          if (id) byChange[id] = e.message;
        }
      setRefused(byChange);
      setError(actionError(err, 'release'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Form
        header={
          <Header variant="h1" description="A release bundles approved changes and deploys them wave by wave">
            New release
          </Header>
        }
        errorText={error}
        errorIconAriaLabel="Error"
        actions={
          <Button variant="primary" loading={busy}>
            Record release
          </Button>
        }
      >
        <SpaceBetween size="l">
          <Container header={<Header variant="h2">Release</Header>}>
            <SpaceBetween size="m">
              <FormField label="Title">
                <Input value={f.title ?? ''} onChange={set('title')} />
              </FormField>
              <FormField label="Description (optional)">
                <Textarea value={f.description ?? ''} onChange={set('description')} rows={2} />
              </FormField>
              <FormField label="Type">
                <RadioGroup
                  value={f.type ?? 'minor'}
                  onChange={set('type')}
                  items={RELEASE_TYPES.map((t) => ({ value: t, label: t }))}
                />
              </FormField>
              <FormField
                label="Strategy (optional)"
                description={
                  strategy
                    ? `${strategy.approach}${strategy.frequency ? `, ${strategy.frequency}` : ''}: its testing rules add criteria`
                    : props.strategies.length
                      ? undefined
                      : 'No strategy is defined yet'
                }
              >
                <Select
                  ariaLabel="Strategy"
                  selectedOption={strategy ? { value: strategy.strategyId, label: strategy.name } : null}
                  placeholder="No strategy"
                  disabled={!props.strategies.length}
                  options={[
                    { value: '', label: 'No strategy' },
                    ...props.strategies.map((s) => ({
                      value: s.strategyId,
                      label: s.name,
                      description: s.description,
                    })),
                  ]}
                  onChange={(e) => setStrategyId(e.detail.selectedOption.value || undefined)}
                />
              </FormField>
            </SpaceBetween>
          </Container>
          <Container header={<Header variant="h2">Changes</Header>}>
            <SpaceBetween size="s">
              <FormField
                label="Approved changes"
                description="Only approved changes go into a release"
                errorText={Object.keys(refused).length ? 'A change was refused: see the reason next to it.' : undefined}
              >
                <Multiselect
                  ariaLabel="Approved changes"
                  selectedOptions={changeIds.map((id) => ({ value: id, label: changeLabel(id) }))}
                  options={props.changes.map((c) => ({
                    value: c.changeId,
                    label: `${c.number}: ${c.title}`,
                    description: c.type,
                  }))}
                  placeholder={props.changes.length ? 'Choose changes' : 'No approved change'}
                  filteringType="auto"
                  filteringAriaLabel="Filter changes"
                  hideTokens
                  onChange={(e) => {
                    setChangeIds(e.detail.selectedOptions.map((o) => o.value ?? '').filter(Boolean));
                    setRefused({});
                  }}
                />
              </FormField>
              {changeIds.length ? (
                <ul aria-label="Changes in the release">
                  {changeIds.map((id) => (
                    <li key={id}>
                      {changeLabel(id)}{' '}
                      {refused[id] ? <StatusIndicator type="error">Refused: {refused[id]}</StatusIndicator> : null}{' '}
                      <Button
                        formAction="none"
                        variant="inline-link"
                        ariaLabel={`Take out ${changeLabel(id)}`}
                        onClick={() => setChangeIds((x) => x.filter((y) => y !== id))}
                      >
                        Take out
                      </Button>
                    </li>
                  ))}
                </ul>
              ) : (
                <Box color="text-status-inactive">No change chosen.</Box>
              )}
            </SpaceBetween>
          </Container>
          <Container header={<Header variant="h2">Plan</Header>}>
            <SpaceBetween size="m">
              <ColumnLayout columns={2}>
                <FormField label="Start" description="Date and time (your time zone)">
                  <SpaceBetween direction="horizontal" size="xs">
                    <DatePicker
                      value={f.startDate ?? ''}
                      onChange={set('startDate')}
                      placeholder="YYYY/MM/DD"
                      ariaLabel="Start date"
                      openCalendarAriaLabel={(d) => `Choose start date${d ? `, selected ${d}` : ''}`}
                    />
                    <TimeInput
                      value={f.startTime ?? ''}
                      onChange={set('startTime')}
                      format="hh:mm"
                      placeholder="hh:mm"
                      ariaLabel="Start time"
                    />
                  </SpaceBetween>
                </FormField>
                <FormField label="End">
                  <SpaceBetween direction="horizontal" size="xs">
                    <DatePicker
                      value={f.endDate ?? ''}
                      onChange={set('endDate')}
                      placeholder="YYYY/MM/DD"
                      ariaLabel="End date"
                      openCalendarAriaLabel={(d) => `Choose end date${d ? `, selected ${d}` : ''}`}
                    />
                    <TimeInput
                      value={f.endTime ?? ''}
                      onChange={set('endTime')}
                      format="hh:mm"
                      placeholder="hh:mm"
                      ariaLabel="End time"
                    />
                  </SpaceBetween>
                </FormField>
              </ColumnLayout>
              <FormField label="Waves" description="Deployed in this order, each verified before the next">
                <AttributeEditor<WaveRow>
                  items={waves}
                  addButtonText="Add wave"
                  removeButtonText="Remove"
                  removeButtonAriaLabel={(w) => `Remove wave ${w.name || 'without a name'}`}
                  onAddButtonClick={() =>
                    setWaves((x) => [...x, { name: '', environment: '', verification: 'manual', pipelineStage: '' }])
                  }
                  onRemoveButtonClick={(e) => setWaves((x) => x.filter((_, i) => i !== e.detail.itemIndex))}
                  empty="No wave."
                  definition={[
                    {
                      label: 'Wave name',
                      control: (w, i) => (
                        <Input
                          value={w.name}
                          ariaLabel={`Wave ${i + 1} name`}
                          onChange={(e) =>
                            setWaves((x) => x.map((y, j) => (j === i ? { ...y, name: e.detail.value } : y)))
                          }
                        />
                      ),
                    },
                    {
                      label: 'Environment',
                      control: (w, i) => (
                        <Input
                          value={w.environment}
                          ariaLabel={`Wave ${i + 1} environment`}
                          onChange={(e) =>
                            setWaves((x) => x.map((y, j) => (j === i ? { ...y, environment: e.detail.value } : y)))
                          }
                        />
                      ),
                    },
                    {
                      label: 'Verification',
                      control: (w, i) => (
                        <Select
                          ariaLabel={`Wave ${i + 1} verification`}
                          selectedOption={VERIFICATIONS.find((v) => v.value === w.verification) ?? null}
                          options={VERIFICATIONS}
                          onChange={(e) =>
                            setWaves((x) =>
                              x.map((y, j) =>
                                j === i
                                  ? { ...y, verification: e.detail.selectedOption.value as WaveRow['verification'] }
                                  : y,
                              ),
                            )
                          }
                        />
                      ),
                    },
                    {
                      label: 'Pipeline stage (automatic)',
                      control: (w, i) => (
                        <Input
                          value={w.pipelineStage}
                          disabled={w.verification !== 'automatic'}
                          ariaLabel={`Wave ${i + 1} pipeline stage`}
                          onChange={(e) =>
                            setWaves((x) => x.map((y, j) => (j === i ? { ...y, pipelineStage: e.detail.value } : y)))
                          }
                        />
                      ),
                    },
                  ]}
                />
              </FormField>
              <FormField label="Back-out plan" description="Required before the release is accepted for deployment">
                <Textarea value={f.backoutPlan ?? ''} onChange={set('backoutPlan')} rows={2} />
              </FormField>
              <FormField label="Communication (optional)">
                <Textarea value={f.communication ?? ''} onChange={set('communication')} rows={2} />
              </FormField>
              <FormField
                label="Notify (optional)"
                description="Mail addresses told the outcome, besides the owner and the changes' requesters"
              >
                <Input value={f.notify ?? ''} onChange={set('notify')} placeholder="ops@example.org, …" />
              </FormField>
            </SpaceBetween>
          </Container>
          <Container header={<Header variant="h2">Acceptance criteria</Header>}>
            <AttributeEditor<CriterionRow>
              items={criteria}
              addButtonText="Add criterion"
              removeButtonText="Remove"
              removeButtonAriaLabel={(c) => `Remove criterion ${c.name || 'without a name'}`}
              onAddButtonClick={() => setCriteria((x) => [...x, { name: '', stage: 'build', required: true }])}
              onRemoveButtonClick={(e) => setCriteria((x) => x.filter((_, i) => i !== e.detail.itemIndex))}
              empty="No criterion: the strategy's testing rules may add some."
              definition={[
                {
                  label: 'Criterion',
                  control: (c, i) => (
                    <Input
                      value={c.name}
                      ariaLabel={`Criterion ${i + 1} name`}
                      onChange={(e) =>
                        setCriteria((x) => x.map((y, j) => (j === i ? { ...y, name: e.detail.value } : y)))
                      }
                    />
                  ),
                },
                {
                  label: 'Stage',
                  control: (c, i) => (
                    <Select
                      ariaLabel={`Criterion ${i + 1} stage`}
                      selectedOption={{ value: c.stage, label: c.stage }}
                      options={optionsOf(CRITERION_STAGES)}
                      onChange={(e) =>
                        setCriteria((x) =>
                          x.map((y, j) => (j === i ? { ...y, stage: e.detail.selectedOption.value as Stage } : y)),
                        )
                      }
                    />
                  ),
                },
                {
                  label: 'Required',
                  control: (c, i) => (
                    <Checkbox
                      checked={c.required}
                      ariaLabel={`Criterion ${i + 1} required`}
                      onChange={(e) =>
                        setCriteria((x) => x.map((y, j) => (j === i ? { ...y, required: e.detail.checked } : y)))
                      }
                    >
                      required
                    </Checkbox>
                  ),
                },
              ]}
            />
          </Container>
        </SpaceBetween>
      </Form>
    </form>
  );
}
