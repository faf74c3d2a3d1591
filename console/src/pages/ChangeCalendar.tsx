import Badge from '@cloudscape-design/components/badge';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useSearchParams } from 'react-router-dom';
import { api, must } from '../api/client';
import { type Change, ChangeStatus, type Conflict } from '../components/change-kit';
import { when } from '../components/format';
import { RouterLink } from '../components/links';
import { LoadError } from '../components/page-kit';
import { useLoad } from '../components/use-load';

type View = 'month' | 'week';
type Item = Pick<Change, 'changeId' | 'number' | 'title' | 'status' | 'plannedStart' | 'plannedEnd'> & {
  conflicts?: Conflict[];
};
const DAY = 86_400_000;
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
/** Changes that will not happen are left off the calendar. */
const OFF = new Set(['rejected', 'cancelled']);
/** Conflicts are read for at most this many changes of the period (one request each). */
const MAX_CONFLICT_READS = 60;

const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
/** Monday of the week holding the day (weeks start on Monday, ISO 8601). */
const mondayOf = (d: Date) => {
  const s = startOfDay(d);
  return new Date(s.getFullYear(), s.getMonth(), s.getDate() - ((s.getDay() + 6) % 7));
};
const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
const ymd = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** The days shown: whole weeks covering the month, or the one week. */
function daysOf(view: View, anchor: Date): Date[] {
  const first = view === 'month' ? mondayOf(new Date(anchor.getFullYear(), anchor.getMonth(), 1)) : mondayOf(anchor);
  const last =
    view === 'month'
      ? addDays(mondayOf(new Date(anchor.getFullYear(), anchor.getMonth() + 1, 0)), 6)
      : addDays(first, 6);
  const out: Date[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}

const overlaps = (c: Item, from: number, to: number) =>
  Boolean(c.plannedStart && c.plannedEnd) &&
  Date.parse(c.plannedStart ?? '') < to &&
  Date.parse(c.plannedEnd ?? '') > from;

/**
 * The forward schedule of change as a month or week calendar: each scheduled change on the days
 * of its window, linking to it, conflicts marked; the same changes as a table below (the text
 * alternative), blackout windows on their days. Read from `GET /v1/change-schedule`, and each
 * change's conflicts from `GET /v1/changes/{id}/conflicts`.
 */
export default function ChangeCalendar() {
  const [params, setParams] = useSearchParams();
  const view: View = params.get('view') === 'week' ? 'week' : 'month';
  const asked = params.get('date') ? new Date(`${params.get('date')}T00:00`) : new Date();
  const anchor = Number.isNaN(asked.getTime()) ? new Date() : asked;
  const days = daysOf(view, anchor);
  const from = days[0]?.getTime() ?? 0;
  const to = (days.at(-1)?.getTime() ?? 0) + DAY;
  const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const loaded = useLoad(async () => {
    // The forward schedule for the UTC days the local days shown touch (62 days at most).
    const { data } = await must(
      api().GET('/v1/change-schedule', { params: { query: { from: utcDay(from), to: utcDay(to - 1) } } }),
    );
    const items: Item[] = await Promise.all(
      data.items.slice(0, MAX_CONFLICT_READS).map(async (e) => {
        const c = await api().GET('/v1/changes/{id}/conflicts', { params: { path: { id: e.changeId } } });
        return {
          changeId: e.changeId,
          number: e.number,
          title: e.title,
          status: e.status,
          plannedStart: e.start,
          plannedEnd: e.end,
          conflicts: c.data?.items ?? [],
        };
      }),
    );
    return {
      items: [
        ...items,
        ...data.items.slice(MAX_CONFLICT_READS).map((e): Item => ({ ...e, plannedStart: e.start, plannedEnd: e.end })),
      ],
      blackouts: data.blackouts,
    };
  }, [from, to]);
  const blackouts = loaded.data?.blackouts ?? [];
  const shown = (loaded.data?.items ?? [])
    .filter((c) => !OFF.has(c.status) && overlaps(c, from, to))
    .sort((a, b) => (a.plannedStart ?? '').localeCompare(b.plannedStart ?? ''));
  const move = (step: number) => {
    const base = days[view === 'month' ? 7 : 0] ?? new Date();
    const next = view === 'month' ? new Date(base.getFullYear(), base.getMonth() + step, 1) : addDays(base, 7 * step);
    setParams({ view, date: ymd(next) });
  };
  const title =
    view === 'month'
      ? (days[7] ?? anchor).toLocaleDateString(undefined, { month: 'long', year: 'numeric' })
      : `Week of ${days[0]?.toLocaleDateString()}`;
  const weeks: Date[][] = [];
  for (let i = 0; i < days.length; i += 7) weeks.push(days.slice(i, i + 7));

  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        description="The forward schedule of change by planned window; conflicts and blackout windows are marked"
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <SegmentedControl
              label="View"
              selectedId={view}
              options={[
                { id: 'month', text: 'Month' },
                { id: 'week', text: 'Week' },
              ]}
              onChange={(e) => setParams({ view: e.detail.selectedId, date: ymd(anchor) })}
            />
            <Button onClick={() => move(-1)} ariaLabel={`Previous ${view}`}>
              Previous
            </Button>
            <Button onClick={() => setParams({ view })}>Today</Button>
            <Button onClick={() => move(1)} ariaLabel={`Next ${view}`}>
              Next
            </Button>
          </SpaceBetween>
        }
      >
        Change calendar
      </Header>
      <LoadError error={loaded.error} />
      <Container header={<Header variant="h2">{title}</Header>}>
        <table
          aria-label={`Change calendar, ${title}`}
          style={{ width: '100%', borderCollapse: 'collapse', tableLayout: 'fixed' }}
        >
          <thead>
            <tr>
              {WEEKDAYS.map((d) => (
                <th key={d} scope="col" style={{ textAlign: 'left', padding: 4 }}>
                  <abbr title={d} style={{ textDecoration: 'none' }}>
                    {d.slice(0, 3)}
                  </abbr>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {weeks.map((week) => (
              <tr key={ymd(week[0] ?? new Date())}>
                {week.map((day) => {
                  const start = day.getTime();
                  const here = shown.filter((c) => overlaps(c, start, start + DAY));
                  const frozen = blackouts.filter(
                    (b) => Date.parse(b.start) < start + DAY && Date.parse(b.end) > start,
                  );
                  const other = view === 'month' && day.getMonth() !== (days[7] ?? anchor).getMonth();
                  const today = ymd(day) === ymd(new Date());
                  return (
                    <td
                      key={ymd(day)}
                      style={{
                        verticalAlign: 'top',
                        border: '1px solid #c6c6cd',
                        padding: 4,
                        height: view === 'month' ? 96 : 240,
                        background: other ? '#f4f4f4' : undefined,
                      }}
                    >
                      <div style={{ fontWeight: today ? 700 : 400, color: other ? '#5f6b7a' : undefined }}>
                        <span className="day">{day.getDate()}</span>
                        {today ? ' (today)' : ''}
                      </div>
                      {frozen.map((b) => (
                        <div key={b.windowId}>
                          <Badge color="grey">Blackout: {b.name}</Badge>
                        </div>
                      ))}
                      <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
                        {here.map((c) => {
                          const conflicted = Boolean(c.conflicts?.length);
                          return (
                            <li
                              key={c.changeId}
                              style={{
                                margin: '2px 0',
                                padding: '1px 3px',
                                borderLeft: `4px solid ${conflicted ? '#d91515' : '#0972d3'}`,
                                background: conflicted ? '#fff7f7' : '#f2f8fd',
                                fontSize: 12,
                              }}
                            >
                              <RouterLink href={`/changes/${c.changeId}`} fontSize="body-s">
                                {c.number}
                              </RouterLink>{' '}
                              {c.title}
                              {conflicted ? (
                                <>
                                  {' '}
                                  <Badge color="red">conflict</Badge>
                                </>
                              ) : null}
                            </li>
                          );
                        })}
                      </ul>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </Container>
      <Table<Item>
        header={
          <Header variant="h2" counter={`(${shown.length})`} description="The calendar's changes as a list">
            Changes in this {view}
          </Header>
        }
        ariaLabels={{ tableLabel: `Changes in this ${view}` }}
        items={shown}
        loading={loaded.loading && !loaded.data}
        loadingText="Loading changes"
        wrapLines
        empty={<Box textAlign="center">No change is scheduled in this {view}.</Box>}
        columnDefinitions={[
          {
            id: 'number',
            header: 'Change',
            cell: (c) => <RouterLink href={`/changes/${c.changeId}`}>{c.number}</RouterLink>,
            isRowHeader: true,
          },
          { id: 'title', header: 'Title', cell: (c) => c.title },
          { id: 'start', header: 'Start', cell: (c) => when(c.plannedStart) },
          { id: 'end', header: 'End', cell: (c) => when(c.plannedEnd) },
          { id: 'status', header: 'Status', cell: (c) => <ChangeStatus value={c.status} /> },
          {
            id: 'conflicts',
            header: 'Conflicts',
            cell: (c) =>
              c.conflicts?.length ? c.conflicts.map((x) => x.number ?? x.changeId ?? x.kind).join(', ') : 'none known',
          },
        ]}
      />
    </SpaceBetween>
  );
}
