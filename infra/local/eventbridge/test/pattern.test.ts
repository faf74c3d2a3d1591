import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidEventError, InvalidPatternError, matches, validateEvent } from '../pattern';
import { parseWildcard, wildcardComplexity } from '../wildcard';

/** Minimal valid envelope around the fields under test. */
const envelope = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: '0',
    id: '1',
    'detail-type': 'Test',
    source: 'test',
    account: '123456789012',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    ...fields,
  });

/** Envelope text with a raw `detail` JSON, for cases where number literals matter. */
const withRawDetail = (detailJson: string) => `${envelope().slice(0, -1)},"detail":${detailJson}}`;

const check = (pattern: unknown, event: string) => matches(compilePattern(JSON.stringify(pattern)), event);

const errorOf = (patternJson: string): InvalidPatternError => {
  try {
    compilePattern(patternJson);
  } catch (error) {
    if (error instanceof InvalidPatternError) return error;
    throw error;
  }
  throw new Error(`pattern was accepted: ${patternJson}`);
};

describe('exact values', () => {
  it('matches strings exactly, case included', () => {
    // Prepare
    const pattern = { source: ['itsm.service-desk'] };

    // Act
    const exact = check(pattern, envelope({ source: 'itsm.service-desk' }));
    const otherCase = check(pattern, envelope({ source: 'ITSM.service-desk' }));

    // Assess
    expect(exact).toBe(true);
    expect(otherCase).toBe(false);
  });

  it('compares numbers by value as well as by text (300 = 300.0 = 3.0e2)', () => {
    // Prepare
    const pattern = { detail: { n: [300] } };

    // Act
    const results = ['300', '300.0', '3.0e2', '300.0000001', '301'].map((n) =>
      check(pattern, withRawDetail(`{"n": ${n}}`)),
    );

    // Assess: 300.0000001 has 7 decimals, beyond EventBridge's precision, so it is only compared by text.
    expect(results).toEqual([true, true, true, false, false]);
  });

  it('matches numbers outside the comparable range by their text (account ids)', () => {
    // Prepare
    const pattern = { detail: { account: [123456789012] } };

    // Act
    const same = check(pattern, withRawDetail('{"account": 123456789012}'));
    const sameValueOtherText = check(pattern, withRawDetail('{"account": 1.23456789012e11}'));

    // Assess
    expect(same).toBe(true);
    expect(sameValueOtherText).toBe(false);
  });

  it('keeps types apart: "300" is not 300, "true" is not true, "null" is not null', () => {
    // Act
    const stringVsNumber = check({ detail: { n: [300] } }, envelope({ detail: { n: '300' } }));
    const stringVsBoolean = check({ detail: { b: [true] } }, envelope({ detail: { b: 'true' } }));
    const stringVsNull = check({ detail: { v: [null] } }, envelope({ detail: { v: 'null' } }));

    // Assess
    expect([stringVsNumber, stringVsBoolean, stringVsNull]).toEqual([false, false, false]);
  });

  it('matches booleans and null, and null does not match a missing field', () => {
    // Act
    const falseValue = check({ detail: { ok: [false] } }, envelope({ detail: { ok: false } }));
    const nullValue = check({ detail: { v: [null] } }, envelope({ detail: { v: null } }));
    const missing = check({ detail: { v: [null] } }, envelope({ detail: {} }));
    const emptyString = check({ detail: { v: [''] } }, envelope({ detail: { v: '' } }));

    // Assess
    expect([falseValue, nullValue, missing, emptyString]).toEqual([true, true, false, true]);
  });

  it('matches an event array when any element matches', () => {
    // Prepare
    const pattern = { resources: ['arn:a', 'arn:b'] };

    // Act
    const overlap = check(pattern, envelope({ resources: ['arn:x', 'arn:b'] }));
    const disjoint = check(pattern, envelope({ resources: ['arn:x', 'arn:y'] }));
    const empty = check(pattern, envelope({ resources: [] }));

    // Assess
    expect([overlap, disjoint, empty]).toEqual([true, false, false]);
  });

  it('walks nested objects, and dotted keys are the same path as nesting', () => {
    // Act
    const nested = check({ detail: { state: { status: ['up'] } } }, envelope({ detail: { state: { status: 'up' } } }));
    const dottedEvent = check(
      { detail: { state: { status: ['up'] } } },
      envelope({ detail: { 'state.status': 'up' } }),
    );
    const dottedPattern = check(
      { detail: { 'state.status': ['up'] } },
      envelope({ detail: { state: { status: 'up' } } }),
    );
    const objectIsNotALeaf = check({ detail: { state: ['up'] } }, envelope({ detail: { state: { status: 'up' } } }));

    // Assess
    expect([nested, dottedEvent, dottedPattern, objectIsNotALeaf]).toEqual([true, true, true, false]);
  });

  it('does not combine fields from different elements of one array', () => {
    // Prepare
    const event = envelope({
      detail: {
        tags: [
          { k: 'env', v: 'dev' },
          { k: 'team', v: 'prod' },
        ],
      },
    });

    // Act
    const sameElement = check({ detail: { tags: { k: ['env'], v: ['dev'] } } }, event);
    const acrossElements = check({ detail: { tags: { k: ['env'], v: ['prod'] } } }, event);

    // Assess
    expect(sameElement).toBe(true);
    expect(acrossElements).toBe(false);
  });

  it('lets a later duplicate key replace an earlier one, as AWS does', () => {
    // Prepare: both keys are "location"; only the last applies.
    const pattern = compilePattern(
      '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}',
    );

    // Act
    const result = matches(pattern, envelope({ detail: { location: 'eu-central-1' } }));

    // Assess
    expect(result).toBe(true);
  });
});

describe('prefix and suffix', () => {
  it('matches string prefixes and suffixes, optionally ignoring case', () => {
    // Prepare
    const event = envelope({ detail: { file: 'Report.PNG' } });

    // Act
    const results = [
      check({ detail: { file: [{ prefix: 'Rep' }] } }, event),
      check({ detail: { file: [{ prefix: 'rep' }] } }, event),
      check({ detail: { file: [{ prefix: { 'equals-ignore-case': 'rEp' } }] } }, event),
      check({ detail: { file: [{ suffix: '.PNG' }] } }, event),
      check({ detail: { file: [{ suffix: '.png' }] } }, event),
      check({ detail: { file: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, event),
    ];

    // Assess
    expect(results).toEqual([true, false, true, true, false, true]);
  });

  it('treats an empty prefix as "any string" and never matches numbers', () => {
    // Act
    const anyString = check({ source: [{ prefix: '' }] }, envelope());
    const number = check({ detail: { n: [{ prefix: '1' }] } }, envelope({ detail: { n: 12 } }));

    // Assess
    expect(anyString).toBe(true);
    expect(number).toBe(false);
  });
});

describe('equals-ignore-case', () => {
  it('matches strings regardless of case, nothing else', () => {
    // Act
    const results = [
      check(
        { 'detail-type': [{ 'equals-ignore-case': 'incidentregistered' }] },
        envelope({ 'detail-type': 'IncidentRegistered' }),
      ),
      check(
        { 'detail-type': [{ 'equals-ignore-case': 'incident' }] },
        envelope({ 'detail-type': 'IncidentRegistered' }),
      ),
      check({ detail: { n: [{ 'equals-ignore-case': '1' }] } }, envelope({ detail: { n: 1 } })),
    ];

    // Assess
    expect(results).toEqual([true, false, false]);
  });
});

describe('anything-but', () => {
  it('matches any value except those listed, including null and other types', () => {
    // Prepare
    const pattern = { detail: { state: [{ 'anything-but': ['stopped', 'terminated'] }] } };

    // Act
    const results = ['running', 'stopped', null, 42].map((state) => check(pattern, envelope({ detail: { state } })));
    const missing = check(pattern, envelope({ detail: {} }));

    // Assess
    expect(results).toEqual([true, false, true, true]);
    expect(missing).toBe(false);
  });

  it('compares numbers by value, and a numeric list never excludes strings', () => {
    // Prepare
    const pattern = { detail: { code: [{ 'anything-but': [100, 200] }] } };

    // Act
    const results = ['100.0', '300', '"100"'].map((code) => check(pattern, withRawDetail(`{"code": ${code}}`)));

    // Assess
    expect(results).toEqual([false, true, true]);
  });

  it('supports prefix, suffix, wildcard and equals-ignore-case, single or as lists', () => {
    // Prepare
    const event = (path: unknown) => envelope({ detail: { path } });

    // Act
    const results = [
      check({ detail: { path: [{ 'anything-but': { prefix: '/tmp' } }] } }, event('/tmp/x')),
      check({ detail: { path: [{ 'anything-but': { prefix: ['/tmp', '/var'] } }] } }, event('/home/x')),
      check({ detail: { path: [{ 'anything-but': { suffix: '.log' } }] } }, event('a.log')),
      check({ detail: { path: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, event('/usr/lib/x')),
      check({ detail: { path: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] } }, event('/usr/share/x')),
      check({ detail: { path: [{ 'anything-but': { 'equals-ignore-case': 'ROOT' } }] } }, event('root')),
      check({ detail: { path: [{ 'anything-but': { prefix: '/tmp' } }] } }, event(12)),
    ];

    // Assess
    expect(results).toEqual([false, true, false, false, true, false, true]);
  });
});

describe('numeric', () => {
  it('supports every comparison and closed/open ranges', () => {
    // Prepare
    const at = (op: unknown[], n: number) => check({ detail: { n: [{ numeric: op }] } }, envelope({ detail: { n } }));

    // Act and Assess
    expect([at(['<', 5], 4), at(['<', 5], 5)]).toEqual([true, false]);
    expect([at(['<=', 5], 5), at(['<=', 5], 6)]).toEqual([true, false]);
    expect([at(['>', 5], 6), at(['>', 5], 5)]).toEqual([true, false]);
    expect([at(['>=', 5], 5), at(['>=', 5], 4)]).toEqual([true, false]);
    expect([at(['=', 5], 5), at(['=', 5], 5.000001)]).toEqual([true, false]);
    expect([at(['>', 0, '<=', 5], 5), at(['>', 0, '<=', 5], 0), at(['>=', 0, '<', 5], 0)]).toEqual([true, false, true]);
  });

  it('is exact to six decimals (no floating-point drift)', () => {
    // Act
    const sum = check({ detail: { n: [{ numeric: ['=', 0.3] }] } }, withRawDetail('{"n": 0.300000}'));
    const tooPrecise = check({ detail: { n: [{ numeric: ['>', 0] }] } }, withRawDetail('{"n": 0.30000000000000004}'));

    // Assess: a value with more than six decimals cannot be compared, so it matches no range.
    expect(sum).toBe(true);
    expect(tooPrecise).toBe(false);
  });

  it('only matches JSON numbers', () => {
    // Act
    const text = check({ detail: { n: [{ numeric: ['>', 1] }] } }, envelope({ detail: { n: '300' } }));
    const nullValue = check({ detail: { n: [{ numeric: ['>', 1] }] } }, envelope({ detail: { n: null } }));

    // Assess
    expect([text, nullValue]).toEqual([false, false]);
  });
});

describe('exists', () => {
  it('exists: true needs a leaf value (null counts, objects and empty arrays do not)', () => {
    // Prepare
    const pattern = { detail: { v: [{ exists: true }] } };

    // Act
    const results = ['x', null, { a: 1 }, []].map((v) => check(pattern, envelope({ detail: { v } })));
    const missing = check(pattern, envelope({ detail: {} }));

    // Assess
    expect(results).toEqual([true, true, false, false]);
    expect(missing).toBe(false);
  });

  it('exists: false matches an absent field, or one that only holds an object', () => {
    // Prepare
    const pattern = { detail: { v: [{ exists: false }] } };

    // Act
    const results = [undefined, { a: 1 }, null, 'x'].map((v) =>
      check(pattern, envelope({ detail: v === undefined ? {} : { v } })),
    );

    // Assess
    expect(results).toEqual([true, true, false, false]);
  });

  it('exists: false is judged within the array element the fields before it matched', () => {
    // Prepare
    const event = envelope({ detail: { people: [{ firstName: 'John', ids: [1] }, { firstName: 'Anna' }] } });

    // Act
    const annaHasNoIds = check({ detail: { people: { firstName: ['Anna'], ids: [{ exists: false }] } } }, event);
    const johnHasNoIds = check({ detail: { people: { firstName: ['John'], ids: [{ exists: false }] } } }, event);

    // Assess
    expect(annaHasNoIds).toBe(true);
    expect(johnHasNoIds).toBe(false);
  });

  it('judges exists: false in path order, as event-ruler does', () => {
    // Prepare: "ids" sorts before "name", so absence is judged before an element is chosen.
    const event = envelope({ detail: { people: [{ name: 'John', ids: [1] }, { name: 'Anna' }] } });

    // Act
    const result = check({ detail: { people: { name: ['Anna'], ids: [{ exists: false }] } } }, event);

    // Assess: John's ids count, so the field is not absent (see README, known gaps).
    expect(result).toBe(false);
  });

  it('can be combined with other matchers as alternatives', () => {
    // Prepare
    const pattern = { detail: { s: [{ 'anything-but': ['roses'] }, { exists: false }] } };

    // Act
    const results = [{ s: 'tulips' }, {}, { s: 'roses' }].map((detail) => check(pattern, envelope({ detail })));

    // Assess
    expect(results).toEqual([true, true, false]);
  });
});

describe('cidr and IP addresses', () => {
  it('matches IPv4 and IPv6 addresses inside the block', () => {
    // Act
    const results = [
      check({ detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, envelope({ detail: { ip: '10.0.0.255' } })),
      check({ detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, envelope({ detail: { ip: '10.0.1.0' } })),
      check({ detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, envelope({ detail: { ip: '10.0.0.256' } })),
      check({ detail: { ip: [{ cidr: '2001:db8::/32' }] } }, envelope({ detail: { ip: '2001:0db8:ffff::1' } })),
      check({ detail: { ip: [{ cidr: '2001:db8::/32' }] } }, envelope({ detail: { ip: '10.0.0.1' } })),
      check({ detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, envelope({ detail: { ip: 167772161 } })),
    ];

    // Assess
    expect(results).toEqual([true, false, false, true, false, false]);
  });

  it('starts the block at the written address, as event-ruler does (host bits are not cleared)', () => {
    // Act
    const below = check({ detail: { ip: [{ cidr: '10.0.0.5/24' }] } }, envelope({ detail: { ip: '10.0.0.4' } }));
    const above = check({ detail: { ip: [{ cidr: '10.0.0.5/24' }] } }, envelope({ detail: { ip: '10.0.0.6' } }));

    // Assess
    expect([below, above]).toEqual([false, true]);
  });

  it('compares an exact IP string by address, so spellings of one IPv6 address match', () => {
    // Act
    const result = check({ detail: { ip: ['2001:db8::1'] } }, envelope({ detail: { ip: '2001:0db8:0:0:0:0:0:1' } }));

    // Assess
    expect(result).toBe(true);
  });
});

describe('wildcard', () => {
  it('matches any run of characters for each star; \\* and \\\\ are literal', () => {
    // Prepare
    const at = (wildcard: string, value: string) =>
      check({ detail: { v: [{ wildcard }] } }, envelope({ detail: { v: value } }));

    // Act and Assess
    expect([at('*.png', 'a.png'), at('*.png', 'a.png.bak')]).toEqual([true, false]);
    expect([at('/Users/*/doc.txt', '/Users/a/b/doc.txt'), at('a*b*c', 'abc'), at('a*b*c', 'acb')]).toEqual([
      true,
      true,
      false,
    ]);
    expect([at('a\\*b', 'a*b'), at('a\\*b', 'axb'), at('a\\\\b', 'a\\b')]).toEqual([true, false, true]);
    expect([at('', ''), at('', 'x')]).toEqual([true, false]);
  });

  it('measures complexity as event-ruler does: live prefixes, shared up to the first star', () => {
    // Prepare
    const cx = (...patterns: string[]) => wildcardComplexity(patterns.map(parseWildcard));

    // Act and Assess: AWS rejects the first (11), accepts the others.
    expect(cx('*:*:*:*:*:event-bus/*')).toBe(11);
    expect(cx('/Users/*/dir/dir/dir/dir/dir/doc.txt')).toBe(7);
    expect(cx('*.bif', '*.tiff', '*.tif', '*.svs')).toBe(8);
    expect(cx('*/datasync/*.bif', '*/datasync/*.tiff', '*/datasync/*.tif', '*/datasync/*.svs')).toBe(16);
  });
});

describe('$or', () => {
  it('matches when any alternative matches, at the top level or nested', () => {
    // Prepare
    const top = { $or: [{ source: ['a'] }, { detail: { state: ['up'] } }] };
    const nested = { source: ['s'], detail: { $or: [{ c: [{ numeric: ['>', 5] }] }, { d: ['x'] }] } };

    // Act
    const results = [
      check(top, envelope({ source: 'a', detail: { state: 'down' } })),
      check(top, envelope({ source: 'b', detail: { state: 'up' } })),
      check(top, envelope({ source: 'b', detail: { state: 'down' } })),
      check(nested, envelope({ source: 's', detail: { c: 6 } })),
      check(nested, envelope({ source: 's', detail: { c: 1, d: 'x' } })),
      check(nested, envelope({ source: 't', detail: { c: 6 } })),
    ];

    // Assess
    expect(results).toEqual([true, true, false, true, true, false]);
  });

  it('multiplies out sibling $or groups', () => {
    // Prepare
    const pattern = compilePattern(
      JSON.stringify({ detail: { $or: [{ a: ['1'] }, { b: ['1'] }] }, $or: [{ source: ['x'] }, { source: ['y'] }] }),
    );

    // Act and Assess
    expect(pattern.branches).toHaveLength(4);
    expect(matches(pattern, envelope({ source: 'y', detail: { b: '1' } }))).toBe(true);
    expect(matches(pattern, envelope({ source: 'z', detail: { b: '1' } }))).toBe(false);
  });
});

describe('invalid patterns', () => {
  it.each([
    ['not json', "Unrecognized token 'not'", 'not json'],
    ['array', 'Filter is not an object', '["a"]'],
    ['empty object', 'Empty objects are not allowed', '{}'],
    ['value not in a list', '"source" must be an object or an array', '{"source": "x"}'],
    ['empty list', 'Empty arrays are not allowed', '{"source": []}'],
    ['nested list', 'Match value must be String, number, true, false, or null', '{"source": [["x"]]}'],
    ['operator casing', 'Unrecognized match type PREFIX', '{"source": [{"PREFIX": "x"}]}'],
    [
      'two operators in one object',
      'Only one key allowed in match expression',
      '{"s": [{"prefix": "a", "suffix": "b"}]}',
    ],
    ['prefix not a string', 'prefix match pattern must be a string', '{"s": [{"prefix": ["a"]}]}'],
    ['suffix not a string', 'suffix match pattern must be a string', '{"s": [{"suffix": 1}]}'],
    [
      'equals-ignore-case not a string',
      'equals-ignore-case match pattern must be a string',
      '{"s": [{"equals-ignore-case": ["a"]}]}',
    ],
    ['wildcard not a string', 'wildcard match pattern must be a string', '{"s": [{"wildcard": 1}]}'],
    ['consecutive stars', 'Consecutive wildcard characters at pos 2', '{"s": [{"wildcard": "a**"}]}'],
    ['bad escape', 'Invalid escape character at pos 2', '{"s": [{"wildcard": "a\\\\x"}]}'],
    ['complex wildcard', 'Rule is too complex', '{"s": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}'],
    ['numeric not a list', 'Value of numeric must be an array.', '{"n": [{"numeric": 5}]}'],
    ['numeric bad operator', 'Unrecognized numeric range operator: !', '{"n": [{"numeric": ["!", 5]}]}'],
    ['numeric bad range', 'Bad numeric range operator: >', '{"n": [{"numeric": [">", 0, ">", 5]}]}'],
    ['numeric missing value', 'Value of < must be numeric', '{"n": [{"numeric": ["<"]}]}'],
    ['numeric empty range', 'Bottom must be less than top', '{"n": [{"numeric": [">", 5, "<", 5]}]}'],
    ['numeric out of range', 'Value must be between -5.0E9 and 5.0E9, inclusive', '{"n": [{"numeric": ["<", 6e9]}]}'],
    ['numeric too precise', 'Only values upto 6 decimals are supported', '{"n": [{"numeric": ["=", 1e-7]}]}'],
    [
      'anything-but null',
      'Value of anything-but must be an array or single string/number value.',
      '{"s": [{"anything-but": null}]}',
    ],
    [
      'anything-but boolean in list',
      'Inside anything but list, start|null|boolean is not supported.',
      '{"s": [{"anything-but": [true]}]}',
    ],
    ['anything-but mixed list', 'mixed type is not supported', '{"s": [{"anything-but": ["a", 1]}]}'],
    ['anything-but empty prefix', 'Null prefix/suffix not allowed', '{"s": [{"anything-but": {"prefix": ""}}]}'],
    ['anything-but unknown', 'Unsupported anything-but pattern: foo', '{"s": [{"anything-but": {"foo": "x"}}]}'],
    ['exists not boolean', 'exists match pattern must be either true or false.', '{"s": [{"exists": "true"}]}'],
    ['cidr no slash', "Malformed CIDR, one '/' required", '{"ip": [{"cidr": "10.0.0.0"}]}'],
    ['cidr bad mask', 'Malformed CIDR, mask bits must be an integer', '{"ip": [{"cidr": "10.0.0.0/x"}]}'],
    ['cidr bad address', 'Nonstandard IP address: host', '{"ip": [{"cidr": "host/8"}]}'],
    ['cidr mask too long', 'IPv4 mask bits must be < 32', '{"ip": [{"cidr": "10.0.0.0/32"}]}'],
    ['$or with one branch', 'There must have at least 2 Objects in $or relationship.', '{"$or": [{"a": ["x"]}]}'],
    ['$or not a list', 'It must be an Array followed with $or.', '{"$or": {"a": ["x"]}}'],
    ['operator name inside $or', 'prefix is Ruler reserved fieldName', '{"$or": [{"prefix": ["x"]}, {"b": ["y"]}]}'],
    ['trailing comma', "Unexpected character ('}' (code 125))", '{"a": ["x"],}'],
  ])('rejects %s', (_name, reason, patternJson) => {
    // Act
    const error = errorOf(patternJson);

    // Assess
    expect(error.message.startsWith('Event pattern is not valid. Reason: ')).toBe(true);
    expect(error.reason).toContain(reason);
  });

  it('reports the source position as AWS does', () => {
    // Act
    const error = errorOf('{"time": [{"prefix": 123}]}');

    // Assess
    expect(error.message).toBe(
      'Event pattern is not valid. Reason: prefix match pattern must be a string\n at [Source: (String)"{"time": [{"prefix": 123}]}"; line: 1, column: 25]',
    );
  });
});

describe('validateEvent', () => {
  it('accepts an event with the mandatory envelope fields, whatever their types', () => {
    // Act and Assess
    expect(() => validateEvent(envelope({ 'detail-type': ['a list'] }))).not.toThrow();
  });

  it.each([
    ['text that is not JSON', 'plain string'],
    ['a JSON array', '["plain string"]'],
    ['an object missing mandatory fields', '{"testEvent": "value"}'],
    [
      'an envelope without region',
      JSON.stringify({ id: '1', account: 'a', source: 's', time: 't', 'detail-type': 'd' }),
    ],
  ])('rejects %s', (_name, eventJson) => {
    // Act and Assess
    expect(() => validateEvent(eventJson)).toThrow(InvalidEventError);
    expect(() => validateEvent(eventJson)).toThrow('Parameter Event is not valid.');
  });
});

describe('robustness', () => {
  it('rejects events nested deeper than 1,000 levels instead of overflowing the stack', () => {
    // Prepare
    const deep = `${envelope().slice(0, -1)},"detail":${'['.repeat(5000)}${']'.repeat(5000)}}`;

    // Act and Assess
    expect(() => validateEvent(deep)).toThrow(InvalidEventError);
  });
});
