import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '../domain/csv';
import { decodeKeyset, encodeKeyset } from '../use-cases/keyset';
import { likePrefix } from '../use-cases/pickers';
import { priorityRank, slaOf } from '../use-cases/project';
import { pgTimestamp } from '../use-cases/tickets';

describe('CSV cells', () => {
  it('neutralises formula starts with a leading quote', () => {
    for (const danger of ['=1+1', '+cmd', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
      expect(csvCell(danger).replace(/^"|"$/g, '').startsWith("'")).toBe(true);
    }
    expect(csvCell('plain')).toBe('plain');
  });
  it('quotes commas, quotes and line breaks as RFC 4180 does', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvRow(['=x', ['a', 'b'], undefined, true])).toBe("'=x,a;b,,true\r\n");
  });
});

describe('picker prefixes', () => {
  it('matches %, _ and \\ literally', () => {
    expect(likePrefix('50%_off')).toBe('50\\%\\_off%');
    expect(likePrefix('a\\b')).toBe('a\\\\b%');
    expect(likePrefix('INC-10')).toBe('inc-10%');
  });
});

describe('read-model fields', () => {
  it('ranks priorities by their number, unknown labels last', () => {
    expect(priorityRank('P1')).toBe(1);
    expect(priorityRank('P4')).toBe(4);
    expect(priorityRank('urgent')).toBe(99);
  });
  it('takes the earliest running deadline and any breach', () => {
    const s = slaOf({
      ticketId: 't',
      ticketVersion: 3,
      clocks: [
        { state: 'running', deadline: '2026-12-03T10:00:00Z', warnAt: '2026-12-03T09:00:00Z' },
        { state: 'running', deadline: '2026-12-03T08:00:00Z', warnAt: '2026-12-03T07:30:00Z' },
        { state: 'paused' },
      ],
    });
    expect(s.deadline?.toISOString()).toBe('2026-12-03T08:00:00.000Z');
    expect(s.warnAt?.toISOString()).toBe('2026-12-03T07:30:00.000Z');
    expect(s.breached).toBe(false);
    const met = slaOf({ ticketId: 't', ticketVersion: 4, clocks: [{ state: 'stopped-unmet' }, { state: 'met' }] });
    expect(met.breached).toBe(true);
    expect(met.deadline).toBeNull();
  });
  it("reads PostgreSQL's text timestamps", () => {
    expect(pgTimestamp('2026-12-03 06:00:00.123+00')).toBe('2026-12-03T06:00:00.123+00:00');
    expect(new Date(pgTimestamp('2026-12-03 06:00:00+05:30')).toISOString()).toBe('2026-12-03T00:30:00.000Z');
  });
});

describe('keyset cursors', () => {
  it('round-trips and refuses anything of another shape', () => {
    expect(decodeKeyset(encodeKeyset(['2026-12-03 06:00:00+00', 'T1']), 2)).toEqual(['2026-12-03 06:00:00+00', 'T1']);
    expect(() => decodeKeyset(encodeKeyset(['a']), 2)).toThrow(/cursor/);
    expect(() => decodeKeyset('not-json', 2)).toThrow(/cursor/);
    expect(() => decodeKeyset(Buffer.from(JSON.stringify([1, 2])).toString('base64url'), 2)).toThrow(/cursor/);
  });
});
