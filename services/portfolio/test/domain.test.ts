import { describe, expect, it } from 'vitest';
import {
  type AcceptanceCriterion,
  allowedTransitions,
  canTransition,
  diffService,
  duplicateIds,
  fulfil,
  goLiveProblems,
  mergeCriteria,
  SERVICE_STATUSES,
  type ServiceState,
  serviceNumber,
} from '../domain/service';

describe('lifecycle transitions', () => {
  it('allows exactly proposed→planned|retired, planned→live|retired, live→retired', () => {
    const allowed = SERVICE_STATUSES.flatMap((from) =>
      SERVICE_STATUSES.filter((to) => to !== from && canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed).toEqual([
      'proposed→planned',
      'proposed→retired',
      'planned→live',
      'planned→retired',
      'live→retired',
    ]);
  });
  it('treats staying put as no transition, and retired as final', () => {
    for (const s of SERVICE_STATUSES) expect(canTransition(s, s)).toBe(true);
    expect(allowedTransitions('retired')).toEqual([]);
    expect(canTransition('live', 'planned')).toBe(false);
    expect(canTransition('proposed', 'live')).toBe(false);
  });
});

const criterion = (id: string, met: boolean): AcceptanceCriterion => ({ id, text: `${id} text`, met });

describe('go-live rule', () => {
  it('needs a checklist', () => {
    expect(goLiveProblems([])).toEqual([
      { field: 'acceptanceCriteria', message: 'a service needs acceptance criteria before it goes live' },
    ]);
  });
  it('names every unmet criterion', () => {
    expect(goLiveProblems([criterion('a', true), criterion('b', false), criterion('c', false)])).toEqual([
      { field: 'acceptanceCriteria.1', message: 'criterion b is not met' },
      { field: 'acceptanceCriteria.2', message: 'criterion c is not met' },
    ]);
  });
  it('passes when all are met', () => {
    expect(goLiveProblems([criterion('a', true), criterion('b', true)])).toEqual([]);
  });
});

describe('acceptance criteria', () => {
  it('fulfils one criterion with who, when and a note', () => {
    const out = fulfil(
      'planned',
      [criterion('a', false), criterion('b', false)],
      'a',
      'u1',
      '2026-01-01T00:00:00Z',
      'ok',
    );
    expect(out).toEqual({
      ok: true,
      criteria: [
        { id: 'a', text: 'a text', met: true, metBy: 'u1', metAt: '2026-01-01T00:00:00Z', note: 'ok' },
        criterion('b', false),
      ],
    });
  });
  it('refuses unknown, already met, and retired', () => {
    expect(fulfil('planned', [criterion('a', true)], 'x', 'u', 't', 'n')).toEqual({
      ok: false,
      reason: 'unknown-criterion',
    });
    expect(fulfil('planned', [criterion('a', true)], 'a', 'u', 't', 'n')).toEqual({ ok: false, reason: 'already-met' });
    expect(fulfil('retired', [criterion('a', false)], 'a', 'u', 't', 'n')).toEqual({ ok: false, reason: 'retired' });
  });
  it('keeps fulfilment only while id and text are unchanged', () => {
    const before = [{ ...criterion('a', true), note: 'n' }, criterion('b', true)];
    expect(
      mergeCriteria(before, [
        { id: 'a', text: 'a text' },
        { id: 'b', text: 'changed' },
        { id: 'c', text: 'new' },
      ]),
    ).toEqual([
      { ...criterion('a', true), note: 'n' },
      { id: 'b', text: 'changed', met: false },
      { id: 'c', text: 'new', met: false },
    ]);
  });
  it('reports duplicate ids', () => {
    expect(duplicateIds([{ id: 'a' }, { id: 'b' }, { id: 'a' }], 'x')).toEqual([
      { field: 'x.2.id', message: 'duplicates criterion a' },
    ]);
  });
});

describe('history diff and numbers', () => {
  const base: ServiceState = {
    name: 'HPC',
    description: 'd',
    owner: 'o',
    status: 'proposed',
    customerIds: ['a'],
    supportingCiIds: [],
    suppliers: [],
    federationMembers: [],
    acceptanceCriteria: [],
  };
  it('lists changed fields only', () => {
    expect(diffService(base, { ...base, status: 'planned', customerIds: ['a'], category: 'X' })).toEqual({
      status: { from: 'proposed', to: 'planned' },
      category: { from: undefined, to: 'X' },
    });
  });
  it('formats readable numbers', () => {
    expect(serviceNumber(12)).toBe('SVC-12');
  });
});
