/**
 * The real services (SERVICES), checked with the same intent as the fixture, plus cdk-nag.
 * Bundling and CDK's template validation are off for speed; `nag.test.ts` runs them.
 */
import type { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../../../services/index';
import { createItsmApp } from '../stack';
import { type SynthesizedItsm, templatesOf } from '../synth';
import { describeServiceDeployment } from './expectations';

let app: App;
let synth: SynthesizedItsm;
beforeAll(() => {
  const created = createItsmApp({ services: SERVICES, bundle: false, validate: false });
  app = created.app;
  synth = templatesOf(created.stack);
});

for (const definition of SERVICES) describeServiceDeployment(definition, () => synth);

describe('all services', () => {
  it('get one nested stack each', () => {
    expect(Object.keys(synth.services).sort()).toEqual(SERVICES.map((s) => s.name).sort());
  });

  it('pass cdk-nag AwsSolutions with no unaccepted finding', () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });
});
