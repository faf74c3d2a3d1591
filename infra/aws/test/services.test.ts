/**
 * The real services (SERVICES), checked with the same intent as the fixture, plus cdk-nag.
 * Bundling and CDK's template validation are off for speed; `nag.test.ts` runs them.
 */
import type { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../../../services/index';
import { CURSOR_SECRET_ENV, functionPages, type ServiceDefinition } from '../../../shared/kit/definition';
import * as local from '../../local/names';
import { createItsmApp } from '../stack';
import { allows, deployedFunctions, type SynthesizedItsm, templatesOf } from '../synth';
import { describeServiceDeployment } from './expectations';
import { CONSOLE_FIXTURE } from './fixtures/console';

let app: App;
let synth: SynthesizedItsm;
beforeAll(() => {
  const created = createItsmApp({ services: SERVICES, bundle: false, validate: false, consoleAssets: CONSOLE_FIXTURE });
  app = created.app;
  synth = templatesOf(created.stack);
});

const definitionOf = (name: string): ServiceDefinition => SERVICES.find((s) => s.name === name)!;

for (const definition of SERVICES) describeServiceDeployment(definition, () => synth);

describe('all services', () => {
  it('get one nested stack each', () => {
    expect(Object.keys(synth.services).sort()).toEqual(SERVICES.map((s) => s.name).sort());
  });

  it('keep the cursor key in one generated secret that only functions serving list routes may read', () => {
    // Prepare
    const secrets = Object.values(synth.platform.Resources).filter((r) => r.Type === 'AWS::SecretsManager::Secret');
    const arn = local.secretArn(local.CURSOR_KEY_SECRET);
    const fns = deployedFunctions(synth);
    // Act
    const readers = fns.filter((f) => allows(f, 'secretsmanager:GetSecretValue', arn)).map((f) => f.functionName);
    const paging = fns.filter((f) => f.service !== 'platform' && functionPages(definitionOf(f.service), f.fnId));
    // Assess: generated at deploy (never in the template), readable exactly by the paging functions.
    expect(secrets).toHaveLength(1);
    expect(secrets[0]!.Properties).toMatchObject({
      Name: local.CURSOR_KEY_SECRET,
      GenerateSecretString: { GenerateStringKey: 'current', PasswordLength: 64 },
    });
    expect(secrets[0]!.Properties?.SecretString).toBeUndefined();
    expect(paging.length).toBeGreaterThan(3);
    expect(readers.sort()).toEqual(paging.map((f) => f.functionName).sort());
    for (const f of fns) {
      expect(f.environment[CURSOR_SECRET_ENV], f.functionName).toBe(readers.includes(f.functionName) ? arn : undefined);
      for (const action of ['secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'kms:Decrypt']) {
        expect(allows(f, action, arn), `${f.functionName} ${action}`).toBe(false);
      }
    }
  });

  it('pass cdk-nag AwsSolutions with no unaccepted finding', () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });
});
