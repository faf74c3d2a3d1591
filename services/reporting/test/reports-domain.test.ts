import { describe, expect, it } from 'vitest';
import { toCsv, toHtml } from '../domain/render';
import { type Frequency, instantOf, nextRun, periodBefore, periodsBefore } from '../domain/schedule';

const at = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

describe('CSV neutralisation', () => {
  it('prefixes cells a spreadsheet would run as formulas, and quotes separators', () => {
    // Prepare
    const table = {
      columns: ['title', 'n'],
      rows: [
        ['=HYPERLINK("http://x","y")', 1],
        ['+1 555', -3],
        ['-minus', 0],
        ['@SUM(A1)', 2],
        ['\tTab', 3],
        ['\rCR', 4],
        ['plain, with comma', 5],
        ['say "hi"\nthere', null],
      ],
    };
    // Act
    const lines = toCsv(table).split('\r\n');
    // Assess
    expect(lines[0]).toBe('title,n');
    expect(lines[1]).toBe(`"'=HYPERLINK(""http://x"",""y"")",1`);
    expect(lines[2]).toBe("'+1 555,-3");
    expect(lines[3]).toBe("'-minus,0");
    expect(lines[4]).toBe("'@SUM(A1),2");
    expect(lines[5]).toBe("'\tTab,3");
    expect(lines[6]).toBe(`"'\rCR",4`);
    expect(lines[7]).toBe('"plain, with comma",5');
    expect(lines[8]).toBe('"say ""hi""\nthere",');
  });

  it('escapes HTML in the summary and shows only the first rows', () => {
    // Prepare
    const summary = {
      title: 'Open <P1>',
      facts: [{ label: 'Period', value: '2026-12' }],
      table: { columns: ['title'], rows: [['<script>x</script>'], ['second'], ['third']] },
      firstRows: 2,
    };
    // Act
    const html = toHtml(summary);
    // Assess
    expect(html).toContain('Open &lt;P1&gt;');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('second');
    expect(html).not.toContain('third');
    expect(html).toContain('2 of 3 rows shown');
  });
});

describe('next run', () => {
  it('runs daily at the wall time in the zone, today if still ahead, else tomorrow', () => {
    const f: Frequency = { every: 'daily', at: '08:00', timeZone: 'Europe/Berlin' };
    expect(iso(nextRun(f, at('2026-12-03T06:00:00Z')))).toBe('2026-12-03T07:00:00.000Z');
    expect(iso(nextRun(f, at('2026-12-03T07:00:00Z')))).toBe('2026-12-04T07:00:00.000Z');
    // Summer time: 08:00 CEST is 06:00 UTC.
    expect(iso(nextRun(f, at('2026-07-01T00:00:00Z')))).toBe('2026-07-01T06:00:00.000Z');
  });

  it('keeps the wall time across daylight-saving changes, moving skipped times past the gap', () => {
    // Europe/Berlin springs forward on 2026-03-29 at 02:00 (to 03:00) and falls back on 2026-10-25 at 03:00.
    const daily = (atTime: string): Frequency => ({ every: 'daily', at: atTime, timeZone: 'Europe/Berlin' });
    expect(iso(nextRun(daily('08:00'), at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T06:00:00.000Z');
    // 02:30 does not exist that night: it runs at 03:30 CEST (01:30 UTC).
    expect(iso(nextRun(daily('02:30'), at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 2026-10-25: the first one (CEST, 00:30 UTC).
    expect(iso(nextRun(daily('02:30'), at('2026-10-24T12:00:00Z')))).toBe('2026-10-25T00:30:00.000Z');
    // New York: 2026-03-08 02:00 -> 03:00.
    const ny: Frequency = { every: 'daily', at: '02:15', timeZone: 'America/New_York' };
    expect(iso(nextRun(ny, at('2026-03-07T12:00:00Z')))).toBe('2026-03-08T07:15:00.000Z');
  });

  it('runs weekly on the weekday, and monthly on the day or the month’s last day', () => {
    const weekly: Frequency = { every: 'weekly', weekday: 'monday', at: '09:30', timeZone: 'UTC' };
    // 2026-12-03 is a Thursday.
    expect(iso(nextRun(weekly, at('2026-12-03T10:00:00Z')))).toBe('2026-12-07T09:30:00.000Z');
    expect(iso(nextRun(weekly, at('2026-12-07T09:29:00Z')))).toBe('2026-12-07T09:30:00.000Z');
    expect(iso(nextRun(weekly, at('2026-12-07T09:30:00Z')))).toBe('2026-12-14T09:30:00.000Z');
    const monthly: Frequency = { every: 'monthly', day: 31, at: '06:00', timeZone: 'UTC' };
    expect(iso(nextRun(monthly, at('2027-01-31T07:00:00Z')))).toBe('2027-02-28T06:00:00.000Z');
    expect(iso(nextRun(monthly, at('2028-02-01T00:00:00Z')))).toBe('2028-02-29T06:00:00.000Z');
    expect(iso(nextRun(monthly, at('2026-12-03T00:00:00Z')))).toBe('2026-12-31T06:00:00.000Z');
    const first: Frequency = { every: 'monthly', day: 1, at: '00:00', timeZone: 'Asia/Tokyo' };
    expect(iso(nextRun(first, at('2026-12-03T00:00:00Z')))).toBe('2026-12-31T15:00:00.000Z');
  });
});

describe('report periods', () => {
  it('covers the last complete local day, ISO week or month, 23 or 25 hours long across DST', () => {
    const tz = 'Europe/Berlin';
    const day = periodBefore('daily', at('2026-03-30T06:00:00Z'), tz);
    expect(day.label).toBe('2026-03-29');
    expect(iso(day.from)).toBe('2026-03-28T23:00:00.000Z');
    expect(iso(day.to)).toBe('2026-03-29T22:00:00.000Z');
    expect((day.to - day.from) / 3_600_000).toBe(23);
    const autumn = periodBefore('daily', at('2026-10-26T06:00:00Z'), tz);
    expect((autumn.to - autumn.from) / 3_600_000).toBe(25);

    const week = periodBefore('weekly', at('2026-12-03T10:00:00Z'), 'UTC');
    expect(week.label).toBe('2026-W48');
    expect(iso(week.from)).toBe('2026-11-23T00:00:00.000Z');
    expect(iso(week.to)).toBe('2026-11-30T00:00:00.000Z');

    const month = periodBefore('monthly', at('2026-03-01T10:00:00Z'), tz);
    expect(month.label).toBe('2026-02');
    expect(iso(month.from)).toBe('2026-01-31T23:00:00.000Z');
    expect(iso(month.to)).toBe('2026-02-28T23:00:00.000Z');
  });

  it('lists consecutive periods for trends, oldest first, each ending where the next starts', () => {
    const ps = periodsBefore('monthly', at('2027-01-15T00:00:00Z'), 'UTC', 3);
    expect(ps.map((p) => p.label)).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(ps[0]!.to).toBe(ps[1]!.from);
    expect(ps[1]!.to).toBe(ps[2]!.from);
  });

  it('turns wall times into instants in both directions of an offset', () => {
    expect(iso(instantOf({ year: 2026, month: 12, day: 3, hour: 9, minute: 0 }, 'Asia/Kolkata'))).toBe(
      '2026-12-03T03:30:00.000Z',
    );
    expect(iso(instantOf({ year: 2026, month: 12, day: 3, hour: 9, minute: 0 }, 'America/Los_Angeles'))).toBe(
      '2026-12-03T17:00:00.000Z',
    );
  });
});
