import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import DatePicker from '@cloudscape-design/components/date-picker';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Textarea from '@cloudscape-design/components/textarea';
import TimeInput from '@cloudscape-design/components/time-input';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { useNotify } from '../App';
import { ApiError, api, describeError, must } from '../api/client';
import { type Change, type Impact, ImpactPairs } from '../components/change-kit';
import { type Answer, actionError } from '../components/page-kit';
import { MultiPicker, type Picked } from '../components/picker';
import { useLoad } from '../components/use-load';

type Kind = 'normal' | 'major' | 'emergency';
const pad = (n: number) => String(n).padStart(2, '0');
/** An instant as the browser's local date and time (the pickers' values). */
const localParts = (iso?: string) => {
  if (!iso) return { date: '', time: '' };
  const d = new Date(iso);
  return {
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}`,
  };
};
const toIso = (date: string, time: string) => (date ? new Date(`${date}T${time || '00:00'}`).toISOString() : undefined);

/**
 * Raise a change (or edit one still new or assessed): what, why, the CIs and services it touches,
 * its window and plans, with the impact the CI graph gives shown live as CIs and services are
 * picked (`POST /v1/change-impact`, which writes nothing). A standard change is made from its
 * template instead, with the template's own fields.
 */
export default function ChangeForm() {
  const { id } = useParams();
  const navigate = useNavigate();
  const notify = useNotify();
  const loaded = useLoad(async () => {
    const [templates, change] = await Promise.all([
      api().GET('/v1/change-templates', { params: { query: { limit: '100' } } }),
      id ? must(api().GET('/v1/changes/{id}', { params: { path: { id } } })).then((r) => r.data) : undefined,
    ]);
    return { templates: templates.data?.items ?? [], change };
  }, [id]);
  if (loaded.error)
    return (
      <Alert type="error" header="Cannot open the form">
        {loaded.error}
      </Alert>
    );
  if (!loaded.data) return <Spinner size="large" />;
  return (
    <FormBody
      change={loaded.data.change}
      templates={loaded.data.templates}
      onDone={(c, verb) => {
        notify({ type: 'success', content: `${c.number} ${verb}.` });
        navigate(`/changes/${c.changeId}`);
      }}
    />
  );
}

type Template = Answer<'/v1/change-templates', 'get'>['items'][number];

function FormBody(props: { change?: Change; templates: Template[]; onDone: (c: Change, verb: string) => void }) {
  const editing = props.change;
  const [mode, setMode] = useState<'rfc' | 'template'>('rfc');
  const [templateId, setTemplateId] = useState<string | undefined>();
  const [f, setF] = useState<Record<string, string>>({
    title: editing?.title ?? '',
    description: editing?.description ?? '',
    reason: editing?.reason ?? '',
    type: editing && editing.type !== 'standard' ? editing.type : 'normal',
    implementationPlan: editing?.implementationPlan ?? '',
    testPlan: editing?.testPlan ?? '',
    backoutPlan: editing?.backoutPlan ?? '',
    startDate: localParts(editing?.plannedStart).date,
    startTime: localParts(editing?.plannedStart).time,
    endDate: localParts(editing?.plannedEnd).date,
    endTime: localParts(editing?.plannedEnd).time,
  });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [cis, setCis] = useState<Picked[]>((editing?.ciIds ?? []).map((c) => ({ id: c, label: c })));
  const [services, setServices] = useState<Picked[]>((editing?.serviceIds ?? []).map((s) => ({ id: s, label: s })));
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const set = (k: string) => (e: { detail: { value: string } }) => setF((x) => ({ ...x, [k]: e.detail.value }));
  const template = props.templates.find((t) => t.templateId === templateId);

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    const plannedStart = toIso(f.startDate ?? '', f.startTime ?? '');
    const plannedEnd = toIso(f.endDate ?? '', f.endTime ?? '');
    const text = (k: string) => (f[k]?.trim() ? { [k]: f[k]?.trim() } : {});
    const common = {
      title: f.title?.trim() ?? '',
      description: f.description?.trim() ?? '',
      ...(plannedStart ? { plannedStart } : {}),
      ...(plannedEnd ? { plannedEnd } : {}),
    };
    try {
      if (editing) {
        const { data } = await must(
          api().PATCH('/v1/changes/{id}', {
            params: { path: { id: editing.changeId }, header: { 'If-Match': `"${editing.version}"` } },
            body: {
              ...common,
              ...text('reason'),
              ...text('implementationPlan'),
              ...text('testPlan'),
              ...text('backoutPlan'),
              type: f.type as Kind,
              ciIds: cis.map((c) => c.id),
              serviceIds: services.map((s) => s.id),
            },
          }),
        );
        props.onDone(data, 'saved');
      } else if (mode === 'template') {
        if (!template) throw new Error('Choose a template.');
        const { data } = await must(
          api().POST('/v1/changes', {
            body: { ...common, ...text('reason'), templateId: template.templateId, fields },
          }),
        );
        props.onDone(data, 'raised from its template (pre-approved)');
      } else {
        const { data } = await must(
          api().POST('/v1/changes', {
            body: {
              ...common,
              ...text('reason'),
              ...text('implementationPlan'),
              ...text('testPlan'),
              ...text('backoutPlan'),
              type: f.type as Kind,
              ciIds: cis.map((c) => c.id),
              serviceIds: services.map((s) => s.id),
            },
          }),
        );
        props.onDone(data, 'raised');
      }
    } catch (err) {
      setError(actionError(err, 'change'));
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
          <Header variant="h1" description="A request for change: what, why, where, when and how">
            {editing ? `Edit ${editing.number}` : 'Raise a change'}
          </Header>
        }
        errorText={error}
        errorIconAriaLabel="Error"
        actions={
          <Button variant="primary" loading={busy}>
            {editing ? 'Save' : 'Raise change'}
          </Button>
        }
      >
        <SpaceBetween size="l">
          <Container header={<Header variant="h2">Change</Header>}>
            <SpaceBetween size="m">
              {editing ? null : (
                <FormField label="Kind of change">
                  <RadioGroup
                    value={mode}
                    onChange={(e) => setMode(e.detail.value as 'rfc' | 'template')}
                    items={[
                      { value: 'rfc', label: 'Request for change (assessed and approved)' },
                      {
                        value: 'template',
                        label: 'From a standard template (pre-approved)',
                        disabled: props.templates.length === 0,
                        description: props.templates.length ? undefined : 'No template is defined yet',
                      },
                    ]}
                  />
                </FormField>
              )}
              {mode === 'template' ? (
                <FormField label="Template">
                  <Select
                    ariaLabel="Template"
                    selectedOption={template ? { value: template.templateId, label: template.name } : null}
                    placeholder="Choose a standard change"
                    options={props.templates.map((t) => ({
                      value: t.templateId,
                      label: t.name,
                      description: t.description,
                    }))}
                    onChange={(e) => setTemplateId(e.detail.selectedOption.value)}
                  />
                </FormField>
              ) : null}
              <FormField label="Title">
                <Input value={f.title ?? ''} onChange={set('title')} />
              </FormField>
              <FormField label="Description">
                <Textarea value={f.description ?? ''} onChange={set('description')} />
              </FormField>
              <FormField label="Reason (optional)">
                <Textarea value={f.reason ?? ''} onChange={set('reason')} rows={2} />
              </FormField>
              {mode === 'rfc' ? (
                <FormField label="Type">
                  <RadioGroup
                    value={f.type ?? 'normal'}
                    onChange={set('type')}
                    items={[
                      { value: 'normal', label: 'Normal' },
                      { value: 'major', label: 'Major' },
                      { value: 'emergency', label: 'Emergency (emergency CAB, retrospective review)' },
                    ]}
                  />
                </FormField>
              ) : null}
              {template?.fields.map((field) => (
                <FormField key={field.name} label={field.required ? field.label : `${field.label} (optional)`}>
                  <Input
                    value={fields[field.name] ?? ''}
                    onChange={(e) => setFields((x) => ({ ...x, [field.name]: e.detail.value }))}
                  />
                </FormField>
              ))}
            </SpaceBetween>
          </Container>
          {mode === 'rfc' ? (
            <Container header={<Header variant="h2">What it touches</Header>}>
              <SpaceBetween size="m">
                <FormField label="Configuration items" description="Type a CI number or name">
                  <MultiPicker kind="cis" value={cis} onChange={setCis} ariaLabel="Configuration items" />
                </FormField>
                <FormField label="Services">
                  <MultiPicker kind="services" value={services} onChange={setServices} ariaLabel="Services" />
                </FormField>
                <LiveImpact ciIds={cis.map((c) => c.id)} serviceIds={services.map((s) => s.id)} />
              </SpaceBetween>
            </Container>
          ) : null}
          <Container header={<Header variant="h2">Planned window</Header>}>
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
          </Container>
          {mode === 'rfc' ? (
            <Container header={<Header variant="h2">Plans</Header>}>
              <SpaceBetween size="m">
                <FormField
                  label="Implementation plan"
                  description="Required before approval, like the test and back-out plans"
                >
                  <Textarea value={f.implementationPlan ?? ''} onChange={set('implementationPlan')} rows={3} />
                </FormField>
                <FormField label="Test plan">
                  <Textarea value={f.testPlan ?? ''} onChange={set('testPlan')} rows={2} />
                </FormField>
                <FormField label="Back-out plan" description="Without one the risk is very high">
                  <Textarea value={f.backoutPlan ?? ''} onChange={set('backoutPlan')} rows={2} />
                </FormField>
              </SpaceBetween>
            </Container>
          ) : null}
        </SpaceBetween>
      </Form>
    </form>
  );
}

/**
 * The impact of the picked CIs and services, asked again 400 ms after the last pick (a burst of
 * picks is one request); an answer to an older pick is dropped.
 */
function LiveImpact({ ciIds, serviceIds }: { ciIds: string[]; serviceIds: string[] }) {
  const [state, setState] = useState<{ impact?: Impact; error?: string; loading: boolean }>({ loading: false });
  const key = `${ciIds.join(',')}|${serviceIds.join(',')}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for both lists.
  useEffect(() => {
    if (!ciIds.length && !serviceIds.length) {
      setState({ loading: false });
      return;
    }
    let active = true;
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      must(api().POST('/v1/change-impact', { body: { ciIds, serviceIds } })).then(
        ({ data }) => active && setState({ impact: data, loading: false }),
        (err: unknown) =>
          active && setState({ loading: false, error: err instanceof ApiError ? describeError(err) : String(err) }),
      );
    }, 400);
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [key]);
  const i = state.impact;
  return (
    <section aria-label="Impact assessment" aria-live="polite" aria-busy={state.loading}>
      <Box variant="h3">Impact assessment</Box>
      {state.error ? (
        <StatusIndicator type="error">{state.error}</StatusIndicator>
      ) : !ciIds.length && !serviceIds.length ? (
        <Box color="text-status-inactive">Pick CIs or services to see the impact.</Box>
      ) : i ? (
        <SpaceBetween size="xs">
          {state.loading ? <StatusIndicator type="loading">Updating</StatusIndicator> : null}
          <ImpactPairs
            cis={i.ciCount}
            services={i.services.length}
            customers={i.customerIds.length}
            agreements={i.agreements.length}
            impact={i.impact}
            basis={i.impactBasis}
            truncated={i.truncated}
          />
          {i.services.length ? (
            <Box variant="small">Services: {i.services.map((s) => s.name ?? s.serviceId).join(', ')}</Box>
          ) : null}
        </SpaceBetween>
      ) : (
        <StatusIndicator type="loading">Assessing</StatusIndicator>
      )}
    </section>
  );
}
