import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files first, so that the two workers end together rather than one running a long
 * file alone at the end. With durations from an earlier run (vitest's cache) vitest orders them
 * so already; a clean clone (CI) has none and vitest would order by file size, so these files,
 * measured as the longest (README, "Test suite time"), go first there, in this order.
 */
const LONGEST = [
  'console/test/journeys.test.ts',
  'test/fidelity.test.ts',
  'console/test/pages.test.ts',
  'test/fuzz.test.ts',
  'console/test/changes.test.ts',
  'infra/local/test/rds-data.test.ts',
  'test/crash.test.ts',
  'test/openapi-responses.test.ts',
  'services/reporting/test/rebuild.test.ts',
  'test/conformance.test.ts',
  'test/cli.test.ts',
  'test/persistence.test.ts',
  'test/tenant-isolation.test.ts',
  'test/seed.test.ts',
];

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const name = (f: TestSpecification) => relative(root, f.moduleId).split('\\').join('/');
    const known = sorted.every((f) => this.ctx.cache.getTestSpecificationResult(f));
    const ordered = known
      ? sorted
      : [
          ...LONGEST.flatMap((n) => sorted.filter((f) => name(f) === n)),
          ...sorted.filter((f) => !LONGEST.includes(name(f))),
        ];
    // The first file that needs the seeded demo seeds it (test/support/seeded.ts) and any other
    // waits for it: the second worker starts on a file that does not need it.
    const seeds = (f: TestSpecification) => readFileSync(f.moduleId, 'utf8').includes('seededRuntime(');
    if (ordered.length > 2 && seeds(ordered[0]!) && seeds(ordered[1]!)) {
      const other = ordered.findIndex((f) => !seeds(f));
      if (other > 1) ordered.splice(1, 0, ...ordered.splice(other, 1));
    }
    return ordered;
  }
}
