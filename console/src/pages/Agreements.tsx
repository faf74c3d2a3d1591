import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
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
import { minutesText } from '../components/format';
import { actionError, FormModal, LoadError, LoadMore, ROLES, Status, useCan, usePaged } from '../components/page-kit';
import { useLoad } from '../components/use-load';

type Agreement = Schemas['Agreement'];
type StoredCalendar = Schemas['Calendar'];
type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
interface Window {
  start: string;
  end: string;
}
const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const partyOf = (a: Agreement) =>
  a.kind === 'sla'
    ? a.default
      ? 'every customer (default SLA)'
      : `customer ${a.customerId ?? '?'}`
    : a.kind === 'ola'
      ? `group ${a.supportingGroup ?? '?'}`
      : `supplier ${a.supplierId ?? '?'}`;

/**
 * Agreements and calendars (FitSM PR2): SLAs, OLAs and UAs with their targets, the compliance
 * figures per month, their lifecycle; the business calendars (service hours and holidays) the
 * clocks run on. The chosen agreement is in the address (`?agreement=SLA-2`).
 */
export default function Agreements() {
  const [params, setParams] = useSearchParams();
  const chosen = params.get('agreement') ?? '';
  const [kind, setKind] = useState('all');
  const [defining, setDefining] = useState(false);
  const canManage = useCan(ROLES.slmAdmins);
  const list = usePaged(
    async (cursor) => {
      const { data } = await must(
        api().GET('/v1/agreements', {
          params: {
            query: {
              limit: '50',
              ...(kind !== 'all' ? { kind: kind as Agreement['kind'] } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      );
      return data;
    },
    [kind],
  );
  const calendars = usePaged(async (cursor) => {
    const { data } = await must(
      api().GET('/v1/calendars', { params: { query: { limit: '50', ...(cursor ? { cursor } : {}) } } }),
    );
    return data;
  }, []);
  const selected = list.items.find((a) => a.agreementId === chosen);
  return (
    <ContentLayout header={<Header variant="h1">Agreements and calendars</Header>}>
      <SpaceBetween size="l">
        <LoadError error={list.error} />
        <Table<Agreement>
          header={<Header counter={`(${list.items.length}${list.hasMore ? '+' : ''})`}>Agreements</Header>}
          filter={
            <SegmentedControl
              selectedId={kind}
              onChange={(e) => setKind(e.detail.selectedId)}
              label="Agreement kind"
              options={[
                { id: 'all', text: 'All' },
                { id: 'sla', text: 'SLAs' },
                { id: 'ola', text: 'OLAs' },
                { id: 'ua', text: 'UAs' },
              ]}
            />
          }
          ariaLabels={{
            tableLabel: 'Agreements',
            selectionGroupLabel: 'Choose an agreement',
            itemSelectionLabel: (_, a) => `Show ${a.agreementId}`,
          }}
          selectionType="single"
          selectedItems={selected ? [selected] : []}
          onSelectionChange={(e) => {
            const a = e.detail.selectedItems[0];
            if (a) setParams({ agreement: a.agreementId });
          }}
          loading={list.loading && list.items.length === 0}
          loadingText="Loading agreements"
          items={list.items}
          trackBy="agreementId"
          empty="No agreements"
          columnDefinitions={[
            { id: 'number', header: 'Number', cell: (a) => a.agreementId, isRowHeader: true },
            { id: 'name', header: 'Name', cell: (a) => a.name },
            { id: 'status', header: 'Status', cell: (a) => <Status value={a.status} /> },
            { id: 'party', header: 'With', cell: partyOf },
            { id: 'calendar', header: 'Calendar', cell: (a) => a.calendarId },
            { id: 'review', header: 'Review', cell: (a) => a.reviewDate },
          ]}
          footer={<LoadMore list={list} what="agreements" />}
        />
        {selected ? <AgreementDetail agreement={selected} onChanged={list.reload} /> : null}
        <LoadError error={calendars.error} />
        <Table<StoredCalendar>
          header={
            <Header
              counter={`(${calendars.items.length})`}
              description="Service hours the SLA clocks count, in the calendar's time zone; holidays are closed all day."
              actions={canManage ? <Button onClick={() => setDefining(true)}>Define calendar</Button> : undefined}
            >
              Business calendars
            </Header>
          }
          ariaLabels={{ tableLabel: 'Business calendars' }}
          loading={calendars.loading && calendars.items.length === 0}
          loadingText="Loading calendars"
          items={calendars.items}
          trackBy="calendarId"
          wrapLines
          empty="No calendars"
          columnDefinitions={[
            { id: 'name', header: 'Name', cell: (c) => c.name, isRowHeader: true },
            { id: 'id', header: 'Id', cell: (c) => c.calendarId },
            { id: 'zone', header: 'Time zone', cell: (c) => c.calendar.timeZone },
            { id: 'hours', header: 'Service hours', cell: (c) => hoursText(c) },
            {
              id: 'holidays',
              header: 'Holidays',
              cell: (c) =>
                (c.calendar.holidays ?? []).map((h) => `${h.date}${h.name ? ` ${h.name}` : ''}`).join('; ') || '—',
            },
          ]}
          footer={<LoadMore list={calendars} what="calendars" />}
        />
      </SpaceBetween>
      {canManage ? (
        <DefineCalendar visible={defining} onDismiss={() => setDefining(false)} onDone={calendars.reload} />
      ) : null}
    </ContentLayout>
  );
}

function hoursText(c: StoredCalendar): string {
  if ('twentyFourSeven' in c.calendar) return 'Around the clock (24x7)';
  const hours = c.calendar.hours;
  return WEEKDAYS.map((d) => `${d} ${hours[d].map((w) => `${w.start}-${w.end}`).join(', ') || 'closed'}`).join('; ');
}

const thisMonth = () => new Date().toISOString().slice(0, 7);

function AgreementDetail({ agreement: a, onChanged }: { agreement: Agreement; onChanged: () => void }) {
  const canManage = useCan(ROLES.slmAdmins);
  const notify = useNotify();
  const [month, setMonth] = useState(thisMonth());
  const [moveError, setMoveError] = useState<string | undefined>();
  const valid = /^\d{4}-(0[1-9]|1[0-2])$/.test(month);
  const compliance = useLoad(async () => {
    if (!valid) return undefined;
    const { data } = await must(
      api().GET('/v1/agreements/{id}/compliance', {
        params: { path: { id: a.agreementId }, query: { period: month } },
      }),
    );
    return data;
  }, [a.agreementId, month, valid]);
  const move = async (status: 'active' | 'expired') => {
    setMoveError(undefined);
    try {
      await must(
        api().PATCH('/v1/agreements/{id}', {
          params: { path: { id: a.agreementId }, header: { 'If-Match': `"${a.version}"` } },
          body: { status },
        }),
      );
      notify({ type: 'success', content: `${a.agreementId} is ${status} now.` });
      onChanged();
    } catch (err) {
      setMoveError(actionError(err, 'agreement'));
    }
  };
  const targets = Object.entries(a.targets).map(([priority, t]) => ({ priority, ...t }));
  const clocks = Object.entries(compliance.data?.clocks ?? {}).map(([clock, c]) => ({ clock, ...c }));
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={a.description}
          actions={
            canManage ? (
              <SpaceBetween direction="horizontal" size="xs">
                {a.status === 'draft' ? <Button onClick={() => void move('active')}>Activate</Button> : null}
                {a.status !== 'expired' ? <Button onClick={() => void move('expired')}>Expire</Button> : null}
              </SpaceBetween>
            ) : undefined
          }
        >
          {a.agreementId} {a.name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        <LoadError error={moveError} />
        <KeyValuePairs
          columns={4}
          items={[
            { label: 'Kind', value: a.kind.toUpperCase() },
            { label: 'Status', value: <Status value={a.status} /> },
            { label: 'With', value: partyOf(a) },
            { label: 'Owner', value: a.owner ?? '—' },
            { label: 'Services', value: a.serviceIds.join(', ') || (a.default ? 'every live service' : '—') },
            { label: 'Supports', value: a.supports.join(', ') || '—' },
            { label: 'Calendar', value: a.calendarId },
            { label: 'Warning at', value: `${Math.round(a.warningShare * 100)} % of a target` },
            { label: 'Valid', value: `${a.validFrom ?? '…'} to ${a.validTo ?? '…'}` },
            { label: 'Review date', value: a.reviewDate },
            {
              label: 'Availability target',
              value: a.availabilityTargetPercent ? `${a.availabilityTargetPercent} %` : '—',
            },
            { label: 'Version', value: String(a.version) },
          ]}
        />
        <ColumnLayout columns={2}>
          <Table
            variant="embedded"
            header={<Box variant="h3">Targets</Box>}
            ariaLabels={{ tableLabel: `Targets of ${a.agreementId}` }}
            items={targets}
            trackBy="priority"
            empty="No targets"
            columnDefinitions={[
              { id: 'priority', header: 'Priority', cell: (t) => t.priority, isRowHeader: true },
              {
                id: 'first',
                header: 'First response',
                cell: (t) => (t.firstResponseMinutes ? minutesText(t.firstResponseMinutes) : '—'),
              },
              {
                id: 'resolution',
                header: 'Resolution',
                cell: (t) => (t.resolutionMinutes ? minutesText(t.resolutionMinutes) : '—'),
              },
            ]}
          />
          <SpaceBetween size="s">
            <FormField label="Compliance for month" constraintText="YYYY-MM">
              <Input value={month} onChange={(e) => setMonth(e.detail.value)} invalid={!valid} />
            </FormField>
            <LoadError error={compliance.error} />
            <Table
              variant="embedded"
              header={<Box variant="h3">Compliance</Box>}
              ariaLabels={{ tableLabel: `Compliance of ${a.agreementId}` }}
              loading={compliance.loading}
              loadingText="Loading compliance"
              items={clocks}
              trackBy="clock"
              empty="Nothing measured"
              columnDefinitions={[
                { id: 'clock', header: 'Clock', cell: (c) => c.clock, isRowHeader: true },
                { id: 'counted', header: 'Tickets', cell: (c) => c.counted },
                { id: 'met', header: 'Met', cell: (c) => c.met },
                { id: 'breached', header: 'Breached', cell: (c) => c.breached },
                {
                  id: 'percentage',
                  header: 'Compliance',
                  cell: (c) => (c.percentage === undefined ? 'nothing measured' : `${c.percentage} %`),
                },
              ]}
            />
          </SpaceBetween>
        </ColumnLayout>
      </SpaceBetween>
    </Container>
  );
}

/** Holidays typed one a line: `2026-12-24 Christmas Eve`. */
function parseHolidays(text: string): { date: string; name?: string }[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [date = '', ...rest] = l.split(/\s+/);
      const name = rest.join(' ');
      return name ? { date, name } : { date };
    });
}

function DefineCalendar(props: { visible: boolean; onDismiss: () => void; onDone: () => void }) {
  const notify = useNotify();
  const [calendarId, setCalendarId] = useState('');
  const [name, setName] = useState('');
  const [timeZone, setTimeZone] = useState('Europe/Berlin');
  const [always, setAlways] = useState(false);
  const [start, setStart] = useState('08:00');
  const [end, setEnd] = useState('18:00');
  const [weekend, setWeekend] = useState(false);
  const [holidays, setHolidays] = useState('');
  return (
    <FormModal
      title="Define a business calendar"
      visible={props.visible}
      onDismiss={props.onDismiss}
      submitText="Define"
      onSubmit={async () => {
        const day = [{ start, end }];
        const hours = Object.fromEntries(
          WEEKDAYS.map((d) => [d, d === 'sat' || d === 'sun' ? (weekend ? day : []) : day]),
        ) as Record<Weekday, Window[]>;
        const list = parseHolidays(holidays);
        await must(
          api().POST('/v1/calendars', {
            body: {
              calendarId,
              name,
              calendar: always
                ? { timeZone, twentyFourSeven: true, holidays: list }
                : { timeZone, hours, holidays: list },
            },
          }),
        );
        notify({ type: 'success', content: `Calendar ${name} defined.` });
        props.onDone();
      }}
    >
      <FormField label="Calendar id" constraintText="Lower-case letters, digits and dashes, e.g. office-dublin.">
        <Input value={calendarId} onChange={(e) => setCalendarId(e.detail.value)} />
      </FormField>
      <FormField label="Calendar name">
        <Input value={name} onChange={(e) => setName(e.detail.value)} />
      </FormField>
      <FormField label="Time zone" description="An IANA time zone, e.g. Europe/Dublin or UTC.">
        <Input value={timeZone} onChange={(e) => setTimeZone(e.detail.value)} />
      </FormField>
      <Checkbox checked={always} onChange={(e) => setAlways(e.detail.checked)}>
        Around the clock (24x7)
      </Checkbox>
      {always ? null : (
        <ColumnLayout columns={3}>
          <FormField label="Opens at" constraintText="HH:MM">
            <Input value={start} onChange={(e) => setStart(e.detail.value)} />
          </FormField>
          <FormField label="Closes at" constraintText="HH:MM (24:00 ends the day)">
            <Input value={end} onChange={(e) => setEnd(e.detail.value)} />
          </FormField>
          <FormField label="Weekend">
            <Checkbox checked={weekend} onChange={(e) => setWeekend(e.detail.checked)}>
              Open Saturday and Sunday too
            </Checkbox>
          </FormField>
        </ColumnLayout>
      )}
      <FormField
        label="Holidays (optional)"
        description="One a line: a date and a name, e.g. 2026-12-24 Christmas Eve."
      >
        <Textarea value={holidays} onChange={(e) => setHolidays(e.detail.value)} />
      </FormField>
    </FormModal>
  );
}
