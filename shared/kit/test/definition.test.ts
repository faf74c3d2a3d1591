import { describe, expect, it } from 'vitest';
import { defineService, type ServiceDefinition } from '../definition';

/** The definition refuses, at import time, what a deployment would refuse later. */
const base = (): ServiceDefinition => ({
  name: 'demo',
  title: 'Demo',
  fitsm: 'PR0',
  table: { indexes: [] },
  functions: {
    api: { entry: '/x.ts', description: 'api', access: { table: 'read' } },
    tasks: { entry: '/t.ts', description: 't', access: {} },
  },
  routes: [{ method: 'GET', path: '/v1/x', function: 'api', roles: ['auditor'], summary: 'x' }],
  subscriptions: [],
  flows: [],
  schedules: [],
  publishes: [],
});

describe('defineService', () => {
  it('accepts a consistent definition', () => {
    expect(defineService(base()).name).toBe('demo');
  });
  it('accepts a bucket that never expires, versioned and locked', () => {
    const d = { ...base(), bucket: { versioned: true, objectLock: { mode: 'GOVERNANCE', days: 365 } } } as const;
    expect(defineService(d).bucket.objectLock.days).toBe(365);
  });
  it.each([
    [
      'an unknown route function',
      (d: ServiceDefinition) =>
        d.routes.push({ method: 'GET', path: '/v1/y', function: 'nope', roles: ['auditor'], summary: 'y' }),
      'unknown function',
    ],
    ['a duplicate route', (d: ServiceDefinition) => d.routes.push({ ...d.routes[0]! }), 'declared twice'],
    [
      'a route without roles',
      (d: ServiceDefinition) =>
        d.routes.push({ method: 'POST', path: '/v1/x', function: 'api', roles: [], summary: 'p' }),
      'declares no roles',
    ],
    [
      'a plural rate of one',
      (d: ServiceDefinition) =>
        d.schedules.push({ id: 's', description: 's', rate: 'rate(1 minutes)', function: 'api' }),
      'not a valid rate',
    ],
    [
      'a singular rate of five',
      (d: ServiceDefinition) =>
        d.schedules.push({ id: 's', description: 's', rate: 'rate(5 minute)', function: 'api' }),
      'not a valid rate',
    ],
    ['an API timeout over 29 s', (d: ServiceDefinition) => (d.functions.api!.timeoutSeconds = 60), 'at most 29'],
    [
      'a flow whose placeholders differ from taskFunctions',
      (d: ServiceDefinition) =>
        d.flows.push({
          id: 'f',
          description: 'f',
          definition: { StartAt: 'A', States: { A: { Type: 'Task', Parameters: { FunctionName: '${api}' } } } },
          taskFunctions: ['tasks'],
        }),
      'differ from',
    ],
    [
      'a rule id used twice',
      (d: ServiceDefinition) => {
        d.subscriptions.push({ id: 'r', description: 'r', pattern: { source: ['x'] }, function: 'api' });
        d.schedules.push({ id: 'r', description: 'r', rate: 'rate(5 minutes)', function: 'api' });
      },
      'used twice',
    ],
    [
      'retry attempts out of range',
      (d: ServiceDefinition) =>
        d.subscriptions.push({
          id: 'q',
          description: 'q',
          pattern: { source: ['x'] },
          function: 'api',
          retryAttempts: 200,
        }),
      '0-185',
    ],
    [
      "Lambda's asynchronous retries out of range",
      (d: ServiceDefinition) => {
        d.functions.api!.asyncRetryAttempts = 3;
      },
      'asyncRetryAttempts must be an integer from 0 to 2',
    ],
    [
      'an asynchronous event age Lambda does not take',
      (d: ServiceDefinition) => {
        d.functions.api!.asyncMaximumEventAgeSeconds = 30;
      },
      'asyncMaximumEventAgeSeconds must be an integer from 60 to 21600',
    ],
    [
      'object lock on a bucket without versioning (S3 locks versions)',
      (d: ServiceDefinition) => {
        d.bucket = { objectLock: { mode: 'GOVERNANCE', days: 30 } };
      },
      'bucket objectLock needs versioned: true',
    ],
    [
      'a retention of no days',
      (d: ServiceDefinition) => {
        d.bucket = { versioned: true, objectLock: { mode: 'COMPLIANCE', days: 0 } };
      },
      'bucket objectLock days must be an integer from 1 to 36500',
    ],
    [
      'expiry on a versioned bucket',
      (d: ServiceDefinition) => {
        d.bucket = { versioned: true, expireAfterDays: 30 };
      },
      'a versioned bucket keeps its versions',
    ],
  ])('refuses %s', (_what, mutate, message) => {
    const d = base();
    mutate(d);
    expect(() => defineService(d)).toThrow(message);
  });
});
