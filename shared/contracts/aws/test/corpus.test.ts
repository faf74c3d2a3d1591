import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AwsEventContractError, receiveAwsEvent } from '../../../kit/aws-events';
import { ActionExecutionStateChange, PipelineExecutionStateChange } from '../codepipeline';
import { AWS_EVENT_CONTRACTS } from '../index';

/**
 * The AWS event contracts against the real samples in the team corpus (../shared/corpus/events,
 * read at run time, never copied here): every sample of a (source, detail-type) we consume must
 * parse. CI has ../shared beside the repository; without it the corpus part is skipped, saying so.
 */
const CORPUS = resolve(process.cwd(), '../shared/corpus/events');
const available = existsSync(CORPUS);
if (!available)
  console.warn(`[aws event contracts] corpus SKIPPED: not found at ${CORPUS} (expected ../shared/corpus/events)`);

const samples = available
  ? readdirSync(CORPUS)
      .filter((f) => f.endsWith('.json'))
      .map((file) => ({ file, event: JSON.parse(readFileSync(join(CORPUS, file), 'utf8')) as Record<string, unknown> }))
  : [];
const consumed = samples.filter(({ event }) =>
  AWS_EVENT_CONTRACTS.some((c) => c.source === event.source && c.detailType === event['detail-type']),
);

describe.skipIf(!available)('AWS event contracts against the corpus samples', () => {
  it('has a sample for every contract', () => {
    // Assess
    for (const c of AWS_EVENT_CONTRACTS) {
      expect(
        consumed.some(({ event }) => event['detail-type'] === c.detailType),
        `${c.detailType} has a sample`,
      ).toBe(true);
    }
  });

  it.each(consumed.map((s) => [s.file, s.event] as const))('parses %s', (_file, event) => {
    // Act
    const { contract, event: parsed } = receiveAwsEvent(event, AWS_EVENT_CONTRACTS);

    // Assess: the detail as sent, unknown fields kept (lenient where AWS is).
    expect(contract.detailType).toBe(event['detail-type']);
    expect(parsed.detail).toEqual(event.detail);
    expect(parsed.id).toBe(event.id);
  });
});

describe('AWS event contracts', () => {
  const pipelineEvent = (detail: Record<string, unknown>) => ({
    version: '0',
    id: 'a7c0f1a4-0000-4000-8000-000000000001',
    'detail-type': PipelineExecutionStateChange.detailType,
    source: 'aws.codepipeline',
    account: '123456789012',
    time: '2026-12-03T15:00:00Z',
    region: 'eu-west-1',
    resources: ['arn:aws:codepipeline:eu-west-1:123456789012:shop-web'],
    detail,
  });

  it('accepts fields AWS may add and states it may add', () => {
    // Act
    const { event } = receiveAwsEvent(
      pipelineEvent({
        pipeline: 'shop-web',
        'execution-id': 'e1',
        state: 'SOME_FUTURE_STATE',
        version: 2,
        'pipeline-execution-attempt': 1,
      }),
      AWS_EVENT_CONTRACTS,
    );

    // Assess
    expect(event.detail).toMatchObject({ state: 'SOME_FUTURE_STATE', 'pipeline-execution-attempt': 1 });
  });

  it('refuses a detail without a field the consumer uses, naming it', () => {
    // Act + Assess
    expect(() =>
      receiveAwsEvent(pipelineEvent({ pipeline: 'shop-web', state: 'STARTED' }), AWS_EVENT_CONTRACTS),
    ).toThrow(/detail\.execution-id/);
    expect(() =>
      receiveAwsEvent(
        {
          ...pipelineEvent({ pipeline: 'p', 'execution-id': 'e', stage: 'Test', action: 'unit', state: 'FAILED' }),
          'detail-type': ActionExecutionStateChange.detailType,
        },
        AWS_EVENT_CONTRACTS,
      ),
    ).toThrow(/detail\.type/);
  });

  it('refuses an event no contract describes', () => {
    // Act + Assess
    expect(() => receiveAwsEvent({ ...pipelineEvent({}), source: 'aws.codebuild' }, AWS_EVENT_CONTRACTS)).toThrow(
      AwsEventContractError,
    );
  });
});
