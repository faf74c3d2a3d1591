import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import DatePicker from '@cloudscape-design/components/date-picker';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import Toggle from '@cloudscape-design/components/toggle';
import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, api, describeError, must } from '../api/client';
import { label } from '../api/desk';
import type { RequestModel } from '../api/queues';
import { isCustomer, useSession } from '../auth';
import { MultiPicker, type Picked, Picker } from '../components/picker';
import { useLoad } from '../components/use-load';

/**
 * Report an incident or request a service: the priority from the desk's matrix shown live as impact
 * and urgency change, and a request model's own form. Field errors from the API appear on their fields.
 */
export default function NewTicket() {
  const session = useSession();
  const customer = isCustomer(session);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const loaded = useLoad(async () => {
    // Desk settings (priority matrix, categories) are staff reading; customers get the defaults.
    const [settings, models] = await Promise.all([
      customer ? Promise.resolve(undefined) : api().GET('/v1/desk-settings', {}),
      api().GET('/v1/request-models', {}),
    ]);
    return {
      settings: settings?.response.ok ? settings.data : undefined,
      models: (models.data?.items ?? []).filter((m) => m.active),
    };
  }, []);
  const [type, setType] = useState<'incident' | 'request'>(params.get('model') ? 'request' : 'incident');
  const [modelId, setModelId] = useState<string | undefined>(params.get('model') ?? undefined);
  const [f, setF] = useState<Record<string, string>>({});
  const [form, setForm] = useState<Record<string, string | number | boolean | null>>({});
  const [service, setService] = useState<Picked | undefined>();
  const [cis, setCis] = useState<Picked[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const set = (k: string) => (e: { detail: { value: string } }) => setF((x) => ({ ...x, [k]: e.detail.value }));

  const settings = loaded.data?.settings;
  const models = loaded.data?.models ?? [];
  const model = models.find((m) => m.modelId === modelId);
  const impact = f.impact ?? settings?.priority.defaultImpact ?? 'medium';
  const urgency = f.urgency ?? settings?.priority.defaultUrgency ?? 'medium';
  const priority = settings?.priority.matrix[impact]?.[urgency];

  const submit = async () => {
    setBusy(true);
    setErrors({});
    setError(undefined);
    const body: Record<string, unknown> = {
      ...(f.title ? { title: f.title } : {}),
      ...(f.description ? { description: f.description } : {}),
      channel: customer ? 'portal' : (f.channel ?? 'phone'),
      impact,
      urgency,
      ...(service ? { serviceId: service.id } : {}),
      ...(cis.length ? { ciIds: cis.map((c) => c.id) } : {}),
      ...(f.category ? { category: f.category.split('/') } : {}),
      ...(!customer && f.callerId
        ? {
            caller: {
              id: f.callerId,
              name: f.callerName || f.callerId,
              ...(f.callerEmail ? { email: f.callerEmail } : {}),
            },
          }
        : {}),
      ...(!customer && f.customerId ? { customerId: f.customerId } : {}),
      ...(!customer && f.group ? { assignmentGroup: f.group } : {}),
      ...(type === 'request' && model ? { modelId: model.modelId, form } : {}),
    };
    try {
      const { data } =
        type === 'incident'
          ? await must(api().POST('/v1/incidents', { body: body as never }))
          : await must(api().POST('/v1/requests', { body: body as never }));
      const created: { ticketId: string } = data;
      navigate(`/tickets/${created.ticketId}`);
    } catch (err) {
      if (err instanceof ApiError && err.problem.errors?.length) {
        setErrors(Object.fromEntries(err.problem.errors.map((e) => [e.field.replace(/^body\./, ''), e.message])));
      }
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const categoryOptions = (settings?.categories ?? []).flatMap((c) => [
    { value: c.id, label: c.name },
    ...(c.children ?? []).map((k) => ({ value: `${c.id}/${k.id}`, label: `${c.name} › ${k.name}` })),
  ]);

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Form
        header={<Header variant="h1">{customer ? 'Report an incident or request a service' : 'New ticket'}</Header>}
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button formAction="none" variant="link" onClick={() => navigate(-1)}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy}>
              {type === 'incident' ? 'Report incident' : 'Submit request'}
            </Button>
          </SpaceBetween>
        }
        errorText={error}
      >
        <SpaceBetween size="l">
          <Container header={<Header variant="h2">What is it?</Header>}>
            <SpaceBetween size="m">
              <FormField label="Type">
                <RadioGroup
                  value={type}
                  onChange={(e) => setType(e.detail.value as 'incident' | 'request')}
                  items={[
                    { value: 'incident', label: 'Something is broken (incident)' },
                    { value: 'request', label: 'I need something (service request)' },
                  ]}
                />
              </FormField>
              {type === 'request' ? (
                <FormField
                  label="Request"
                  description="A standard request from the catalogue, or none for a free-form request"
                  errorText={errors.modelId}
                >
                  <Select
                    selectedOption={
                      model ? { value: model.modelId, label: model.name } : { value: '', label: 'Free-form request' }
                    }
                    options={[
                      { value: '', label: 'Free-form request' },
                      ...models.map((m) => ({ value: m.modelId, label: m.name, description: m.description })),
                    ]}
                    onChange={(e) => {
                      setModelId(e.detail.selectedOption.value || undefined);
                      setForm({});
                    }}
                  />
                </FormField>
              ) : null}
              <FormField
                label="Title"
                errorText={errors.title}
                constraintText={model ? 'Optional for a standard request' : undefined}
              >
                <Input value={f.title ?? ''} onChange={set('title')} />
              </FormField>
              <FormField label="Description" errorText={errors.description}>
                <Textarea value={f.description ?? ''} onChange={set('description')} rows={5} />
              </FormField>
              <FormField label="Service" errorText={errors.serviceId}>
                <Picker kind="services" value={service} onChange={setService} ariaLabel="Service" />
              </FormField>
              {customer ? null : (
                <FormField label="Configuration items" errorText={errors.ciIds}>
                  <MultiPicker kind="cis" value={cis} onChange={setCis} ariaLabel="Configuration items" />
                </FormField>
              )}
              <FormField label="Category" errorText={errors.category}>
                <Select
                  selectedOption={categoryOptions.find((o) => o.value === f.category) ?? { value: '', label: 'None' }}
                  options={[{ value: '', label: 'None' }, ...categoryOptions]}
                  onChange={(e) => setF((x) => ({ ...x, category: e.detail.selectedOption.value ?? '' }))}
                />
              </FormField>
            </SpaceBetween>
          </Container>
          {model ? (
            <Container header={<Header variant="h2">{model.name}</Header>}>
              <SpaceBetween size="m">
                {model.fields.map((field) => (
                  <FormField
                    key={field.name}
                    label={`${field.label}${field.required ? '' : ' (optional)'}`}
                    errorText={errors[`form.${field.name}`]}
                  >
                    <ModelField
                      field={field}
                      value={form[field.name]}
                      onChange={(v) => setForm((x) => ({ ...x, [field.name]: v }))}
                    />
                  </FormField>
                ))}
              </SpaceBetween>
            </Container>
          ) : null}
          <Container header={<Header variant="h2">How bad is it?</Header>}>
            <SpaceBetween size="m">
              <FormField label="Impact" description="How many people or how much business is affected">
                <Select
                  selectedOption={{ value: impact, label: label(impact) }}
                  options={(settings?.priority.impacts ?? ['high', 'medium', 'low']).map((v) => ({
                    value: v,
                    label: label(v),
                  }))}
                  onChange={(e) => setF((x) => ({ ...x, impact: e.detail.selectedOption.value ?? impact }))}
                />
              </FormField>
              <FormField label="Urgency" description="How soon it must be fixed">
                <Select
                  selectedOption={{ value: urgency, label: label(urgency) }}
                  options={(settings?.priority.urgencies ?? ['high', 'medium', 'low']).map((v) => ({
                    value: v,
                    label: label(v),
                  }))}
                  onChange={(e) => setF((x) => ({ ...x, urgency: e.detail.selectedOption.value ?? urgency }))}
                />
              </FormField>
              {priority ? (
                <Box>
                  <span aria-live="polite">
                    Priority from the matrix: <strong>{priority}</strong>
                  </span>
                </Box>
              ) : null}
            </SpaceBetween>
          </Container>
          {customer ? null : (
            <Container header={<Header variant="h2">Caller and routing</Header>}>
              <SpaceBetween size="m">
                <FormField
                  label="Caller id"
                  errorText={errors['caller.id'] ?? errors.caller}
                  description="Required when you record a ticket for someone"
                >
                  <Input value={f.callerId ?? ''} onChange={set('callerId')} />
                </FormField>
                <FormField label="Caller name" errorText={errors['caller.name']}>
                  <Input value={f.callerName ?? ''} onChange={set('callerName')} />
                </FormField>
                <FormField label="Caller e-mail" errorText={errors['caller.email']}>
                  <Input type="email" value={f.callerEmail ?? ''} onChange={set('callerEmail')} />
                </FormField>
                <FormField label="Customer id" errorText={errors.customerId}>
                  <Input value={f.customerId ?? ''} onChange={set('customerId')} />
                </FormField>
                <FormField label="Channel">
                  <Select
                    selectedOption={{ value: f.channel ?? 'phone', label: label(f.channel ?? 'phone') }}
                    options={['phone', 'email', 'portal', 'chat', 'walk-in', 'monitoring'].map((v) => ({
                      value: v,
                      label: label(v),
                    }))}
                    onChange={(e) => setF((x) => ({ ...x, channel: e.detail.selectedOption.value ?? 'phone' }))}
                  />
                </FormField>
                <FormField
                  label="Assignment group"
                  errorText={errors.assignmentGroup}
                  description={`Empty: ${settings?.defaultGroup ?? 'the default group'}`}
                >
                  <Input value={f.group ?? ''} onChange={set('group')} />
                </FormField>
              </SpaceBetween>
            </Container>
          )}
          {loaded.error ? <Alert type="error">{loaded.error}</Alert> : null}
        </SpaceBetween>
      </Form>
    </form>
  );
}

function ModelField(props: {
  field: RequestModel['fields'][number];
  value: string | number | boolean | null | undefined;
  onChange: (v: string | number | boolean | null) => void;
}) {
  const { field, value } = props;
  switch (field.type) {
    case 'choice':
      return (
        <Select
          selectedOption={value ? { value: String(value), label: String(value) } : null}
          placeholder="Choose"
          options={(field.allowedValues ?? []).map((v) => ({ value: v, label: v }))}
          onChange={(e) => props.onChange(e.detail.selectedOption.value ?? null)}
        />
      );
    case 'boolean':
      return (
        <Toggle checked={value === true} onChange={(e) => props.onChange(e.detail.checked)}>
          {field.label}
        </Toggle>
      );
    case 'date':
      return (
        <DatePicker
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => props.onChange(e.detail.value || null)}
          placeholder="YYYY/MM/DD"
          openCalendarAriaLabel={(d) => `Choose ${field.label}${d ? `, selected ${d}` : ''}`}
        />
      );
    case 'number':
      return (
        <Input
          type="number"
          value={value === undefined || value === null ? '' : String(value)}
          onChange={(e) => props.onChange(e.detail.value === '' ? null : Number(e.detail.value))}
        />
      );
    default:
      return <Input value={typeof value === 'string' ? value : ''} onChange={(e) => props.onChange(e.detail.value)} />;
  }
}
