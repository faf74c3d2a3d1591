// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${fnId}` is an ASL definition-substitution placeholder, not a template.
/**
 * What the AWS interpreter refuses at synth, with a message that names the problem, rather
 * than leaving it to a failed deployment or a function that cannot do its job.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceDefinition } from '../../../shared/kit/definition';
import { createItsmApp } from '../stack';
import { CONSOLE_FIXTURE } from './fixtures/console';
import { ledger } from './fixtures/ledger';
import { approvalFlow, PLATFORM_API_FIXTURE, widgets } from './fixtures/widgets';

const build =
  (...services: ServiceDefinition[]) =>
  () =>
    createItsmApp({
      services,
      apiEntry: PLATFORM_API_FIXTURE,
      consoleAssets: CONSOLE_FIXTURE,
      bundle: false,
      validate: false,
    });
const variant = (name: string, change: Partial<ServiceDefinition>): ServiceDefinition => ({
  ...widgets,
  name,
  ...change,
});

describe('definitions the AWS interpreter refuses', () => {
  it('the same route in two services', () => {
    const twin = variant('gadgets', { routes: widgets.routes.slice(0, 1) });
    expect(build(widgets, twin)).toThrow('route GET /v1/widgets is declared by both "widgets" and "gadgets"');
  });

  it('a schedule rate EventBridge does not accept', () => {
    const bad = variant('w2', { routes: [], schedules: [{ ...widgets.schedules[0]!, rate: 'rate(1 minutes)' }] });
    expect(build(bad)).toThrow('schedule expire: "rate(1 minutes)" is not a rate EventBridge accepts');
  });

  it('a subscription and a schedule with the same id (they share rule names)', () => {
    const bad = variant('w3', { routes: [], schedules: [{ ...widgets.schedules[0]!, id: 'ci-retired' }] });
    expect(build(bad)).toThrow('rule id "ci-retired" is used twice');
  });

  it('a retry policy outside what EventBridge takes', () => {
    const bad = variant('w4', { routes: [], subscriptions: [{ ...widgets.subscriptions[0]!, retryAttempts: 200 }] });
    expect(build(bad)).toThrow('retryAttempts must be an integer from 0 to 185');
  });

  it('a flow task that is not a Lambda invoke, or names a function outside taskFunctions', () => {
    const states = approvalFlow.States;
    const other = {
      ...approvalFlow,
      States: { ...states, Apply: { ...states.Apply, Resource: 'arn:aws:states:::sqs:sendMessage' } },
    };
    const bad = variant('w5', { routes: [], flows: [{ ...widgets.flows[0]!, definition: other }] });
    expect(build(bad)).toThrow('task Apply uses arn:aws:states:::sqs:sendMessage; only lambda:invoke is granted');
    const unnamed = {
      ...approvalFlow,
      States: { ...states, Apply: { ...states.Apply, Parameters: { FunctionName: '${api}', 'Payload.$': '$' } } },
    };
    const bad2 = variant('w6', { routes: [], flows: [{ ...widgets.flows[0]!, definition: unnamed }] });
    expect(build(bad2)).toThrow('task Apply must name a function of taskFunctions');
  });

  it('an API function whose timeout exceeds what API Gateway waits', () => {
    const slow = { ...widgets.functions, api: { ...widgets.functions.api, timeoutSeconds: 60 } };
    expect(build(variant('w7', { functions: slow }))).toThrow('exceeds the 29 s API Gateway waits');
  });

  it('a query store whose cluster identifier RDS refuses (letters, digits and single hyphens only)', () => {
    // Its bucket without consoleUploads: that bucket's fixed name would be refused first (next test).
    const underscored: ServiceDefinition = { ...ledger, name: 'ledger_v2', routes: [], bucket: { expireAfterDays: 3 } };
    expect(build(underscored)).toThrow('DB cluster name "itsm-ledger_v2" has characters AWS does not allow');
    // The same service without a database deploys: only the cluster's name is the problem.
    const { database: _, ...rest } = underscored;
    const functions = Object.fromEntries(
      Object.entries(ledger.functions).map(([id, f]) => [id, { ...f, access: { ...f.access, database: undefined } }]),
    );
    expect(build({ ...rest, functions, onDeploy: [] })).not.toThrow();
  });

  it('a bucket the console reaches (a fixed name) whose name S3 refuses', () => {
    const { database: _, ...rest } = ledger;
    const functions = Object.fromEntries(
      Object.entries(ledger.functions).map(([id, f]) => [id, { ...f, access: { ...f.access, database: undefined } }]),
    );
    const underscored: ServiceDefinition = { ...rest, name: 'ledger_v2', routes: [], functions, onDeploy: [] };
    expect(build(underscored)).toThrow(
      'S3 bucket name "itsm-ledger_v2-000000000000" has characters AWS does not allow',
    );
    // Without consoleUploads CloudFormation names the bucket, and the same service deploys.
    expect(build({ ...underscored, bucket: { expireAfterDays: 3 } })).not.toThrow();
  });

  it('a name longer than AWS allows', () => {
    const long = variant('w8', {
      routes: [],
      flows: [
        {
          ...widgets.flows[0]!,
          id: 'a-flow-id-that-is-much-too-long-for-a-state-machine-name-to-hold-even-with-a-short-service-name',
        },
      ],
    });
    expect(build(long)).toThrow(/state machine name ".*" is \d+ characters; AWS allows 80/);
  });
});
