import { describe, expect, it } from 'vitest';
import { dependencyPairs, type GraphNode, walkImpact } from '../../../shared/kit/graph';
import { assessChange, type ChangeCopy } from '../domain/authorisation';
import { diffBaseline } from '../domain/baseline';
import { canTransition, diffCi, sameValue } from '../domain/ci';
import { type CiType, validateAttributes, validateTypeChange } from '../domain/ci-types';
import { campaignFigures, counterDelta } from '../domain/verification';

const type: CiType = {
  typeId: 'server',
  name: 'Server',
  version: 1,
  attributes: [
    { name: 'cpu', type: 'number', required: true },
    { name: 'os', type: 'enum', required: true, allowedValues: ['linux'] },
    { name: 'since', type: 'date', required: false },
    { name: 'tier', type: 'string', required: false, allowedValues: ['gold', 'silver'] },
  ],
};

describe('attribute validation', () => {
  it('accepts a CI that fits its type', () => {
    expect(validateAttributes(type, { cpu: 2, os: 'linux', since: '2024-02-29', tier: 'gold' })).toEqual([]);
  });
  it('names every failing attribute', () => {
    expect(
      validateAttributes(type, { cpu: Number.NaN, os: 'bsd', since: '2024-02-30x', tier: 'bronze', extra: 1 }),
    ).toEqual([
      { field: 'attributes.cpu', message: 'must be a number' },
      { field: 'attributes.os', message: 'must be one of linux' },
      { field: 'attributes.since', message: 'must be an ISO 8601 date' },
      { field: 'attributes.tier', message: 'must be one of gold, silver' },
      { field: 'attributes.extra', message: 'is not an attribute of CI type server' },
    ]);
    expect(validateAttributes(type, {})).toHaveLength(2);
  });
  it('refuses type changes that would invalidate existing CIs', () => {
    expect(
      validateTypeChange(type, [...type.attributes, { name: 'rack', type: 'string', required: true }]),
    ).toHaveLength(1);
    expect(validateTypeChange(type, [{ name: 'cpu', type: 'string', required: true }])).toHaveLength(1);
    expect(validateTypeChange(type, [...type.attributes, { name: 'rack', type: 'string', required: false }])).toEqual(
      [],
    );
  });
});

describe('lifecycle and change tracking', () => {
  it('allows only the defined transitions', () => {
    expect(canTransition('planned', 'active')).toBe(true);
    expect(canTransition('active', 'maintenance')).toBe(true);
    expect(canTransition('maintenance', 'active')).toBe(true);
    expect(canTransition('retired', 'active')).toBe(false);
    expect(canTransition('planned', 'maintenance')).toBe(false);
  });
  it('diffs field by field, ignoring key order', () => {
    expect(sameValue({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    const base = {
      typeId: 't',
      name: 'n',
      attributes: { a: 1 },
      status: 'active' as const,
      serviceIds: [],
      customerIds: [],
    };
    expect(diffCi(base, { ...base, name: 'm', owner: 'u' })).toEqual({
      name: { from: 'n', to: 'm' },
      owner: { from: undefined, to: 'u' },
    });
  });
});

describe('impact walk', () => {
  const graph = new Map<string, GraphNode>([
    ['a', { ciId: 'a', dependsOn: [], dependents: ['b', 'c'] }],
    ['b', { ciId: 'b', dependsOn: ['a'], dependents: ['d'] }],
    ['c', { ciId: 'c', dependsOn: ['a'], dependents: ['d'] }],
    ['d', { ciId: 'd', dependsOn: ['b', 'c', 'e'], dependents: ['e'] }],
    ['e', { ciId: 'e', dependsOn: ['d'], dependents: ['d', 'a'] }],
  ]);
  let reads = 0;
  const load = async (ids: string[]) => {
    reads++;
    return new Map(ids.map((id) => [id, graph.get(id)!]));
  };
  it('walks level by level, once per node, through cycles', async () => {
    reads = 0;
    const r = await walkImpact('a', 'downstream', 10, load);
    expect(r.hits.map((h) => [h.ciId, h.depth])).toEqual([
      ['b', 1],
      ['c', 1],
      ['d', 2],
      ['e', 3],
    ]);
    expect(reads).toBe(4);
  });
  it('stops at the depth limit and the node limit', async () => {
    expect((await walkImpact('a', 'downstream', 1, load)).hits).toHaveLength(2);
    const capped = await walkImpact('a', 'downstream', 10, load, 2);
    expect(capped.truncated).toBe(true);
  });
  it('maps relationship semantics to dependencies', () => {
    expect(dependencyPairs('app', 'srv', 'source-depends-on-target')).toEqual([
      { dependent: 'app', dependency: 'srv' },
    ]);
    expect(dependencyPairs('srv', 'vm', 'target-depends-on-source')).toEqual([{ dependent: 'vm', dependency: 'srv' }]);
    expect(dependencyPairs('x', 'y', 'mutual')).toHaveLength(2);
    expect(dependencyPairs('x', 'y', 'none')).toEqual([]);
  });
});

describe('baselines and verification figures', () => {
  const m = (ciId: string, name: string) => ({
    ciId,
    number: ciId,
    typeId: 't',
    name,
    attributes: {},
    status: 'active' as const,
    serviceIds: [],
    customerIds: [],
  });
  it('diffs a baseline against now', () => {
    const d = diffBaseline(
      [m('1', 'a'), m('2', 'b'), m('3', 'c')],
      new Map([
        ['1', m('1', 'a')],
        ['2', m('2', 'B')],
      ]),
      [m('1', 'a'), m('2', 'B'), m('4', 'd')],
    );
    expect(d.unchanged).toBe(1);
    expect(d.changed.map((c) => c.ciId)).toEqual(['2']);
    expect(d.removed.map((c) => c.ciId)).toEqual(['3']);
    expect(d.added.map((c) => c.ciId)).toEqual(['4']);
  });
  it('computes accuracy over verified CIs and reports the unverified apart', () => {
    expect(campaignFigures({ scopeSize: 10, confirmed: 6, discrepancies: 2 })).toMatchObject({
      accuracy: 0.75,
      unverified: 2,
      coverage: 0.8,
    });
    expect(campaignFigures({ scopeSize: 3, confirmed: 0, discrepancies: 0 }).accuracy).toBeNull();
    expect(counterDelta(undefined, 'confirmed')).toEqual({ confirmed: 1, discrepancies: 0 });
    expect(counterDelta('confirmed', 'discrepancy')).toEqual({ confirmed: -1, discrepancies: 1 });
    expect(counterDelta('confirmed', 'confirmed')).toEqual({ confirmed: 0, discrepancies: 0 });
  });
});

describe('authorised CI changes (FitSM PR11.4)', () => {
  const change: ChangeCopy = {
    changeId: 'c1',
    number: 'CHG-1',
    status: 'approved',
    ciIds: ['ci-1'],
    plannedStart: '2026-05-01T10:00:00Z',
    plannedEnd: '2026-05-01T12:00:00Z',
  };
  const at = (iso: string, c: ChangeCopy = change) =>
    assessChange({ ciId: 'ci-1', controlled: true, named: true, change: c, at: new Date(iso) });

  it('authorises inside the planned window, bounds included, and not outside it', () => {
    expect(at('2026-05-01T10:00:00Z')).toEqual({ authorised: true });
    expect(at('2026-05-01T12:00:00Z')).toEqual({ authorised: true });
    expect(at('2026-05-01T12:00:01Z')).toEqual({ authorised: false, reason: 'outside-window' });
    expect(at('2026-05-01T09:59:59Z')).toEqual({ authorised: false, reason: 'outside-window' });
  });

  it('extends the window over an implementation that overruns, until it ends', () => {
    const overrun = { ...change, status: 'implementing', implementationStartedAt: '2026-05-01T11:00:00Z' };
    expect(at('2026-05-01T15:00:00Z', overrun)).toEqual({ authorised: true });
    const ended = { ...overrun, implementationEndedAt: '2026-05-01T14:00:00Z' };
    expect(at('2026-05-01T15:00:00Z', ended)).toEqual({ authorised: false, reason: 'outside-window' });
    // An approved change's implementation that never started opens no window of its own.
    expect(at('2026-05-01T15:00:00Z', { ...change, implementationStartedAt: '2026-05-01T11:00:00Z' })).toEqual({
      authorised: false,
      reason: 'outside-window',
    });
  });

  it('names the first reason that fails', () => {
    const base = { ciId: 'ci-1', at: new Date('2026-05-01T11:00:00Z') };
    expect(assessChange({ ...base, controlled: false, named: false, change: undefined })).toEqual({
      authorised: 'not-controlled',
    });
    expect(assessChange({ ...base, controlled: true, named: false, change: undefined })).toMatchObject({
      reason: 'no-change-named',
    });
    expect(assessChange({ ...base, controlled: false, named: true, change: undefined })).toMatchObject({
      reason: 'unknown-change',
    });
    expect(at('2026-05-01T11:00:00Z', { ...change, status: 'implemented' })).toMatchObject({
      reason: 'change-not-authorised',
    });
    expect(at('2026-05-01T11:00:00Z', { ...change, ciIds: ['ci-2'] })).toMatchObject({ reason: 'ci-not-in-change' });
  });
});
