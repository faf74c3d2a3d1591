import { createItsmApp } from './stack';
import { PLATFORM_API_FIXTURE, widgets } from './test/fixtures/widgets';

const { app } = createItsmApp({
  services: [widgets],
  apiEntry: PLATFORM_API_FIXTURE,
  outdir: '/tmp/smoke-out3',
  validate: false,
});
app.synth();
