import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePattern, matches } from '../infra/local/eventbridge/pattern';
import { SERVICES } from '../services/index';
import { AWS_EVENT_CONTRACTS } from '../shared/contracts/aws/index';
import type { EventContract } from '../shared/contracts/envelope';
import { ALL_CONTRACTS } from '../shared/contracts/index';

/** Contracts and definitions agree: what is published has a contract, what is consumed exists. */
const CONTRACTS = ALL_CONTRACTS;

const sampleEvent = (c: Pick<EventContract, 'source' | 'detailType'>) =>
  JSON.stringify({
    version: '0',
    id: '1',
    'detail-type': c.detailType,
    source: c.source,
    account: '000000000000',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {},
  });

describe('event contracts', () => {
  it('every published event has a contract of the same version from the publishing service', () => {
    for (const s of SERVICES) {
      for (const p of s.publishes) {
        const c = CONTRACTS.find((x) => x.source === `itsm.${s.name}` && x.detailType === p.detailType);
        expect(c, `${s.name} ${p.detailType}`).toBeDefined();
        expect(c!.version).toBe(p.version);
      }
    }
  });

  it('every subscription pattern is valid for EventBridge and matches at least one contract', () => {
    for (const s of SERVICES) {
      for (const sub of s.subscriptions) {
        const compiled = compilePattern(JSON.stringify(sub.pattern));
        // Rules on the default bus consume AWS service events, whose contracts are shared/contracts/aws.
        const hits = [...CONTRACTS, ...AWS_EVENT_CONTRACTS].filter((c) => matches(compiled, sampleEvent(c)));
        expect(hits.length, `${s.name}/${sub.id}`).toBeGreaterThan(0);
      }
    }
  });

  it('names events <Aggregate><PastTenseVerb> with source itsm.<service>', () => {
    for (const c of CONTRACTS) {
      expect(c.detailType).toMatch(/^[A-Z][A-Za-z]+(ed|Captured|Completed)$/);
      expect(c.source).toMatch(/^itsm\.[a-z-]+$/);
    }
  });

  it('the event catalogue in docs/ is current', () => {
    const before = readFileSync('docs/events.md', 'utf8');
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/event-catalogue.ts'], { stdio: 'ignore' });
    expect(readFileSync('docs/events.md', 'utf8')).toBe(before);
  });
});
