/**
 * The run's demo seed in a process of its own (test/support/seeded.ts starts it), so that it goes
 * on whatever happens to the test file that started it (a hook timeout ends that file's worker).
 *
 *   node --import tsx test/support/seed-child.ts <seedRoot>
 */
import { join } from 'node:path';
import { seedAndRecord } from './seed-folder';

const root = process.argv[2];
if (!root) throw new Error('usage: seed-child.ts <seedRoot>');
try {
  await seedAndRecord(root, join(root, 'seed.json'));
  process.exit(0);
} catch (err) {
  console.error(err);
  process.exit(1);
}
