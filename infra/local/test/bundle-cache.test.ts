import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleCounts, bundleFunction } from '../functions';

/**
 * Function bundles are kept across runtimes (every test file starts one) and reused only while
 * every file esbuild read for them is unchanged.
 */
const dir = mkdtempSync(join(tmpdir(), 'itsm-bundle-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('function bundles', () => {
  it('are built once, reused while their files are unchanged, and built again when a file they import changes', async () => {
    // Prepare: an entry importing a second file.
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, "import { value } from './value';\nexport const handler = async () => value;\n");
    writeFileSync(join(dir, 'value.ts'), "export const value = 'first';\n");
    const bundled = (name: string) => readFileSync(join(dir, name), 'utf8');

    // Act: the first bundle, a second with nothing changed, a third after the imported file changed.
    const before = { ...bundleCounts };
    await bundleFunction(entry, join(dir, 'one.mjs'));
    await bundleFunction(entry, join(dir, 'two.mjs'));
    const afterTwo = { ...bundleCounts };
    writeFileSync(join(dir, 'value.ts'), "export const value = 'second';\n");
    await bundleFunction(entry, join(dir, 'three.mjs'));

    // Assess: built, reused (the same bytes), built again with the new contents.
    expect(afterTwo).toEqual({ built: before.built + 1, reused: before.reused + 1 });
    expect(bundled('one.mjs')).toContain('"first"');
    expect(bundled('two.mjs')).toBe(bundled('one.mjs'));
    expect(bundleCounts).toEqual({ built: before.built + 2, reused: before.reused + 1 });
    expect(bundled('three.mjs')).toContain('"second"');
    expect(bundled('three.mjs')).not.toContain('"first"');
  });
});
