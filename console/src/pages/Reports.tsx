import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useNotify } from '../App';
import { api, must } from '../api/client';
import { when } from '../components/format';
import {
  type Answer,
  actionError,
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

type Report = Answer<'/v1/reports/{id}', 'get'>;
type Run = Answer<'/v1/reports/{id}/runs', 'get'>['items'][number];
type Kpi = Answer<'/v1/kpis/{id}', 'get'>;
type KpiValue = Answer<'/v1/kpis/{id}/values', 'get'>['items'][number];
const AGGREGATES = [
  'ticket-counts',
  'backlog',
  'mean-time-to-resolve',
  'sla-compliance',
  'reopen-rate',
  'first-contact-resolution',
  'satisfaction',
] as const;
type Aggregate = (typeof AGGREGATES)[number];
const CONTENT_TYPES = ['performance', 'significant-events', 'nonconformities', 'other'] as const;
type ContentType = (typeof CONTENT_TYPES)[number];

const frequencyText = (f: Report['frequency']) =>
  f.every === 'daily'
    ? `daily at ${f.at} (${f.timeZone})`
    : f.every === 'weekly'
      ? `${f.weekday}s at ${f.at} (${f.timeZone})`
      : `monthly on day ${f.day} at ${f.at} (${f.timeZone})`;

const measureText = (m: Report['content'] | Kpi['measure']) =>
  m.kind === 'aggregate'
    ? `${m.aggregate}${'dimension' in m && m.dimension ? ` by ${m.dimension}` : ''}${m.customerId ? ` for ${m.customerId}` : ''}`
    : `saved ticket search${m.customerId ? ` for ${m.customerId}` : ''}`;

const valueText = (v: number | null | undefined, unit = '') =>
  v === null || v === undefined ? '—' : `${Math.round(v * 100) / 100}${unit ? ` ${unit}` : ''}`;

/**
 * Reports and KPIs from the reporting service (FitSM PR3, GR6.1): the report register with each
 * report's runs (run one now and see its result and CSV), and the KPI catalogue with each KPI's
 * latest value against its target. The chosen report is in the address (`?report=RPT-1`).
 */
export default function Reports() {
  const [params, setParams] = useSearchParams();
  const chosen = params.get('report') ?? '';
  const canManage = useCan(ROLES.reportingAdmins);
  const [specifying, setSpecifying] = useState(false);
  const reports = usePaged(
    async (cursor) =>
      (await must(api().GET('/v1/reports', { params: { query: { limit: '50', ...(cursor ? { cursor } : {}) } } })))
        .data,
    [],
  );
  const selected = reports.items.find((r) => r.number === chosen);
  return (
    <ContentLayout header={<Header variant="h1">Reports and KPIs</Header>}>
      <SpaceBetween size="l">
        <LoadError error={reports.error} />
        <Table<Report>
          header={
            <Header
              counter={`(${reports.items.length}${reports.hasMore ? '+' : ''})`}
              description="What is reported, to whom, how often and from what."
              actions={
                canManage ? (
                  <Button variant="primary" onClick={() => setSpecifying(true)}>
                    Specify report
                  </Button>
                ) : undefined
              }
            >
              Report register
            </Header>
          }
          ariaLabels={{
            tableLabel: 'Report register',
            selectionGroupLabel: 'Choose a report',
            itemSelectionLabel: (_, r) => `Show ${r.number}`,
          }}
          selectionType="single"
          selectedItems={selected ? [selected] : []}
          onSelectionChange={(e) => {
            const r = e.detail.selectedItems[0];
            if (r) setParams({ report: r.number });
          }}
          loading={reports.loading && reports.items.length === 0}
          loadingText="Loading reports"
          items={reports.items}
          trackBy="reportId"
          wrapLines
          empty="No report specified yet"
          columnDefinitions={[
            { id: 'number', header: 'Number', cell: (r) => r.number, isRowHeader: true },
            { id: 'title', header: 'Title', cell: (r) => r.title },
            { id: 'type', header: 'Content type', cell: (r) => r.contentType },
            { id: 'status', header: 'Status', cell: (r) => <Status value={r.status} /> },
            { id: 'frequency', header: 'Frequency', cell: (r) => frequencyText(r.frequency) },
            { id: 'next', header: 'Next run', cell: (r) => when(r.nextRunAt) },
          ]}
          footer={<LoadMore list={reports} what="reports" />}
        />
        {selected ? <ReportDetail report={selected} /> : null}
        <KpiCatalogue />
      </SpaceBetween>
      {canManage ? (
        <SpecifyReport
          visible={specifying}
          onDismiss={() => setSpecifying(false)}
          onDone={(number) => {
            reports.reload();
            setParams({ report: number });
          }}
        />
      ) : null}
    </ContentLayout>
  );
}

function ReportDetail({ report: r }: { report: Report }) {
  const canManage = useCan(ROLES.reportingAdmins);
  const notify = useNotify();
  const [running, setRunning] = useState(false);
  const [runError, setRunError] = useState<string | undefined>();
  const runs = usePaged(
    async (cursor) =>
      (
        await must(
          api().GET('/v1/reports/{id}/runs', {
            params: { path: { id: r.reportId }, query: { limit: '10', ...(cursor ? { cursor } : {}) } },
          }),
        )
      ).data,
    [r.reportId],
  );
  const runNow = async () => {
    setRunning(true);
    setRunError(undefined);
    try {
      const { data } = await must(api().POST('/v1/reports/{id}/runs', { params: { path: { id: r.reportId } } }));
      notify({
        type: data.status === 'succeeded' ? 'success' : 'error',
        content: `${r.number} for ${data.period.label}: ${data.status}, ${data.rows} rows.`,
      });
      runs.reload();
    } catch (err) {
      setRunError(actionError(err, 'report'));
    } finally {
      setRunning(false);
    }
  };
  const download = async (run: Run) => {
    try {
      const { data } = await must(
        api().GET('/v1/reports/{id}/runs/{runId}/csv', { params: { path: { id: r.reportId, runId: run.runId } } }),
      );
      // A link valid for five minutes, issued after the access check: open it now.
      window.location.assign(data.url);
    } catch (err) {
      setRunError(actionError(err, 'report'));
    }
  };
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={r.purpose}
          actions={
            canManage && r.status !== 'retired' ? (
              <Button onClick={() => void runNow()} loading={running}>
                Run now
              </Button>
            ) : undefined
          }
        >
          {r.number} {r.title}
        </Header>
      }
    >
      <SpaceBetween size="l">
        <LoadError error={runError ?? runs.error} />
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'Audience', value: r.audience },
            { label: 'Content', value: measureText(r.content) },
            { label: 'Formats', value: r.formats.join(', ') },
            { label: 'Owner', value: `${r.owner.id} (${r.owner.email})` },
            { label: 'Recipients', value: r.recipients.join(', ') || 'the owner only' },
            { label: 'Agreed with', value: r.agreedWith ? `${r.agreedWith} on ${r.agreedOn ?? '?'}` : '—' },
          ]}
        />
        <Table<Run>
          variant="embedded"
          header={<Header variant="h3">Runs</Header>}
          ariaLabels={{ tableLabel: `Runs of ${r.number}` }}
          loading={runs.loading && runs.items.length === 0}
          loadingText="Loading runs"
          items={runs.items}
          trackBy="runId"
          wrapLines
          empty="Not produced yet"
          columnDefinitions={[
            { id: 'period', header: 'Period', cell: (x) => x.period.label, isRowHeader: true },
            { id: 'status', header: 'Status', cell: (x) => <Status value={x.status} /> },
            { id: 'trigger', header: 'Trigger', cell: (x) => `${x.trigger}${x.late ? ' (late)' : ''}` },
            { id: 'rows', header: 'Rows', cell: (x) => x.rows },
            { id: 'value', header: 'Value', cell: (x) => valueText(x.value) },
            { id: 'started', header: 'Started', cell: (x) => when(x.startedAt) },
            {
              id: 'deliveries',
              header: 'Delivered to',
              cell: (x) => x.deliveries.map((d) => `${d.recipient} (${d.outcome})`).join(', ') || x.error || '—',
            },
            {
              id: 'csv',
              header: 'CSV',
              cell: (x) =>
                x.csv ? (
                  <Link
                    onFollow={(e) => {
                      e.preventDefault();
                      void download(x);
                    }}
                    href="#"
                  >
                    {`Download CSV (${x.csv.bytes} bytes)`}
                  </Link>
                ) : (
                  '—'
                ),
            },
          ]}
          footer={<LoadMore list={runs} what="runs" />}
        />
      </SpaceBetween>
    </Container>
  );
}

function KpiCatalogue() {
  const canManage = useCan(ROLES.reportingAdmins);
  const notify = useNotify();
  const [computeError, setComputeError] = useState<string | undefined>();
  const kpis = useLoad(async () => {
    const { data } = await must(api().GET('/v1/kpis', { params: { query: { limit: '100' } } }));
    // Each KPI's latest value beside it: one read per KPI (the catalogue is short).
    return Promise.all(
      data.items.map(async (k) => {
        const values = await must(
          api().GET('/v1/kpis/{id}/values', { params: { path: { id: k.kpiId }, query: { limit: '1' } } }),
        );
        return { ...k, latest: values.data.items[0] as KpiValue | undefined };
      }),
    );
  }, []);
  const compute = async (k: Kpi) => {
    setComputeError(undefined);
    try {
      const { data } = await must(api().POST('/v1/kpis/{id}/values', { params: { path: { id: k.kpiId } } }));
      notify({ type: 'success', content: `${k.name} for ${data.period.label}: ${valueText(data.value, data.unit)}.` });
      kpis.reload();
    } catch (err) {
      setComputeError(actionError(err, 'KPI'));
    }
  };
  type Row = Kpi & { latest?: KpiValue };
  return (
    <SpaceBetween size="s">
      <LoadError error={kpis.error ?? computeError} />
      <Table<Row>
        header={
          <Header counter={`(${kpis.data?.length ?? 0})`} description="Each KPI's latest value against its target.">
            KPI catalogue
          </Header>
        }
        ariaLabels={{ tableLabel: 'KPI catalogue' }}
        loading={kpis.loading && !kpis.data}
        loadingText="Loading KPIs"
        items={kpis.data ?? []}
        trackBy="kpiId"
        wrapLines
        empty="No KPIs"
        columnDefinitions={[
          { id: 'name', header: 'KPI', cell: (k) => k.name, isRowHeader: true },
          { id: 'measure', header: 'Measure', cell: (k) => measureText(k.measure) },
          {
            id: 'target',
            header: 'Target',
            cell: (k) => `${k.direction === 'at-least' ? '≥' : '≤'} ${valueText(k.target, k.unit)}`,
          },
          { id: 'frequency', header: 'Frequency', cell: (k) => k.frequency },
          { id: 'period', header: 'Latest period', cell: (k) => k.latest?.period.label ?? 'not computed yet' },
          { id: 'value', header: 'Value', cell: (k) => (k.latest ? valueText(k.latest.value, k.latest.unit) : '—') },
          {
            id: 'met',
            header: 'Target met',
            cell: (k) =>
              !k.latest || k.latest.met === null ? '—' : <Status value={k.latest.met ? 'met' : 'breached'} />,
          },
          { id: 'trend', header: 'Trend', cell: (k) => k.latest?.trend ?? '—' },
          ...(canManage
            ? [
                {
                  id: 'compute',
                  header: 'Actions',
                  cell: (k: Row) =>
                    k.active ? (
                      <Button
                        variant="inline-link"
                        ariaLabel={`Compute now: ${k.name}`}
                        onClick={() => void compute(k)}
                      >
                        Compute now
                      </Button>
                    ) : (
                      'inactive'
                    ),
                },
              ]
            : []),
        ]}
      />
    </SpaceBetween>
  );
}

function SpecifyReport(props: { visible: boolean; onDismiss: () => void; onDone: (number: string) => void }) {
  const notify = useNotify();
  const [title, setTitle] = useState('');
  const [purpose, setPurpose] = useState('');
  const [audience, setAudience] = useState('');
  const [contentType, setContentType] = useState<ContentType>('performance');
  const [aggregate, setAggregate] = useState<Aggregate>('ticket-counts');
  const [ownerId, setOwnerId] = useState('');
  const [ownerEmail, setOwnerEmail] = useState('');
  const [day, setDay] = useState('1');
  return (
    <FormModal
      title="Specify a report"
      visible={props.visible}
      onDismiss={props.onDismiss}
      submitText="Specify"
      size="large"
      onSubmit={async () => {
        const { data } = await must(
          api().POST('/v1/reports', {
            body: {
              title,
              purpose,
              audience,
              contentType,
              frequency: { every: 'monthly', day: Number(day), at: '08:00', timeZone: 'Europe/Berlin' },
              content: { kind: 'aggregate', aggregate },
              formats: ['csv', 'html'],
              recipients: [],
              owner: { id: ownerId, email: ownerEmail },
              status: 'active',
            },
          }),
        );
        notify({ type: 'success', content: `${data.number} ${data.title} specified.` });
        props.onDone(data.number);
      }}
    >
      <FormField label="Title">
        <Input value={title} onChange={(e) => setTitle(e.detail.value)} />
      </FormField>
      <FormField label="Purpose">
        <Textarea value={purpose} onChange={(e) => setPurpose(e.detail.value)} />
      </FormField>
      <FormField label="Audience">
        <Input value={audience} onChange={(e) => setAudience(e.detail.value)} />
      </FormField>
      <FormField label="Content type">
        <Select
          selectedOption={{ value: contentType, label: contentType }}
          options={optionsOf(CONTENT_TYPES)}
          onChange={(e) => setContentType(e.detail.selectedOption.value as ContentType)}
        />
      </FormField>
      <FormField label="Content" description="A built-in aggregate over the tickets of each period.">
        <Select
          selectedOption={{ value: aggregate, label: aggregate }}
          options={optionsOf(AGGREGATES)}
          onChange={(e) => setAggregate(e.detail.selectedOption.value as Aggregate)}
        />
      </FormField>
      <FormField label="Day of the month" description="Produced monthly at 08:00, Europe/Berlin.">
        <Input type="number" value={day} onChange={(e) => setDay(e.detail.value)} />
      </FormField>
      <FormField label="Owner user id">
        <Input value={ownerId} onChange={(e) => setOwnerId(e.detail.value)} />
      </FormField>
      <FormField label="Owner e-mail">
        <Input type="email" value={ownerEmail} onChange={(e) => setOwnerEmail(e.detail.value)} />
      </FormField>
    </FormModal>
  );
}
