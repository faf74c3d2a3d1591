/**
 * The one synthesis with everything on, as `npx cdk synth` does it: esbuild bundling, CDK's
 * built-in template validation (it catches circular dependencies, such as a function that
 * starts a flow whose tasks invoke that same function) and cdk-nag AwsSolutions, whose
 * findings, errors and warnings alike, fail the synthesis unless accepted with a reason.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type App, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPTED_FINDINGS } from '../nag';
import { createItsmApp, type ItsmStack } from '../stack';
import { CONSOLE_FIXTURE } from './fixtures/console';
import { ledger } from './fixtures/ledger';
import { library } from './fixtures/library';
import { PLATFORM_API_FIXTURE, widgets } from './fixtures/widgets';

const outdir = mkdtempSync(join(tmpdir(), 'itsm-cdk-'));
let app: App;
let stack: ItsmStack;
let assembly: CloudAssembly;

beforeAll(() => {
  ({ app, stack } = createItsmApp({
    services: [widgets, ledger, library],
    apiEntry: PLATFORM_API_FIXTURE,
    consoleAssets: CONSOLE_FIXTURE,
    outdir,
  }));
  // Throws on any unaccepted cdk-nag finding or template validation error.
  assembly = app.synth();
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('synthesis with bundling, template validation and cdk-nag', () => {
  it('reports no unaccepted cdk-nag finding, error or warning', () => {
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('leaves no error or warning annotation (nested stacks report theirs through the root stack)', () => {
    const annotations = Annotations.fromStack(stack);
    annotations.hasNoError('*', Match.anyValue());
    annotations.hasNoWarning('*', Match.anyValue());
  });

  it('bundles every function as one ESM file that loads with only the runtime AWS SDK beside it', () => {
    const bundles = readdirSync(assembly.directory)
      .filter((d) => d.startsWith('asset.') && statSync(join(assembly.directory, d)).isDirectory())
      // Not ours: CDK's own custom resource provider (the deploy hook's Trigger) ships prebuilt
      // CommonJS, its bucket deployment is Python; the console's files and config.json are no function.
      .filter((d) => {
        const files = readdirSync(join(assembly.directory, d));
        return !['__entrypoint__.js', 'index.py', 'index.html', 'config.json'].some((f) => files.includes(f));
      })
      .flatMap((d) => readdirSync(join(assembly.directory, d)).map((f) => join(assembly.directory, d, f)));
    expect(bundles.length).toBeGreaterThan(0);
    const isolated = mkdtempSync(join(tmpdir(), 'itsm-bundle-'));
    // Lambda's nodejs22.x runtime provides the AWS SDK v3 and nothing else (ADR 6): offer exactly that.
    mkdirSync(join(isolated, 'node_modules'));
    symlinkSync(join(process.cwd(), 'node_modules', '@aws-sdk'), join(isolated, 'node_modules', '@aws-sdk'));
    try {
      for (const [i, bundle] of bundles.entries()) {
        expect(bundle).toMatch(/index\.mjs$/);
        // Outside the repository only the runtime's SDK can be found: any other external import fails.
        const copy = join(isolated, `${i}.mjs`);
        copyFileSync(bundle, copy);
        const probe = `const m = await import(${JSON.stringify(pathToFileURL(copy).href)}); if (typeof m.handler !== 'function') process.exit(3);`;
        execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: isolated, stdio: 'pipe' });
      }
    } finally {
      rmSync(isolated, { recursive: true, force: true });
    }
    // The consumer fixture imports the EventBridge client: it stays an import of the runtime's SDK.
    expect(bundles.some((b) => /from\s*"@aws-sdk\/client-eventbridge"/.test(readFileSync(b, 'utf8')))).toBe(true);
  });
});

describe('accepted cdk-nag findings', () => {
  it('are all still needed: without them, exactly these findings come back', () => {
    const acknowledge = Validations.prototype.acknowledge;
    Validations.prototype.acknowledge = () => {};
    try {
      const { app: bare } = createItsmApp({
        services: [widgets, ledger],
        apiEntry: PLATFORM_API_FIXTURE,
        consoleAssets: CONSOLE_FIXTURE,
        bundle: false,
        validate: false,
      });
      const found = new AwsSolutionsChecks().validateScope(bare).violations.map((v) => v.ruleName);
      expect(new Set(found)).toEqual(new Set(Object.values(ACCEPTED_FINDINGS).map((f) => f.id)));
    } finally {
      Validations.prototype.acknowledge = acknowledge;
    }
  });
});
