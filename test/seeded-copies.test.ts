import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../infra/local/runtime';
import type { Seeded } from '../infra/local/seed';
import { as } from './support/runtime';
import { seededRuntime } from './support/seeded';

/**
 * The seeded runtimes test files start (test/support/seeded.ts): each on its own copy of the run's
 * seeded data folder, holding what the seed wrote, and none sees another's writes.
 */
let one: Runtime;
let other: Runtime;
let seeded: Seeded;

beforeAll(async () => {
  const first = await seededRuntime();
  one = first.rt;
  seeded = first.seeded;
  other = (await seededRuntime()).rt;
}, 300_000);
afterAll(async () => {
  await one?.close();
  await other?.close();
});

describe('seeded runtimes', () => {
  it('each holds the demo organisation the seed reported', async () => {
    // Act
    const lists = await Promise.all(
      [one, other].map(async (rt) => {
        const conrad = await as(rt, 'conrad', ['configuration-manager']);
        return (await conrad.get<{ items: unknown[] }>('/v1/cis?limit=100')).body.items.length;
      }),
    );
    // Assess
    expect(seeded.cis).toBeGreaterThan(0);
    expect(lists).toEqual([seeded.cis, seeded.cis]);
  });

  it("sees none of another's writes", async () => {
    // Prepare
    const inOne = await as(one, 'conrad', ['configuration-manager']);
    const inOther = await as(other, 'conrad', ['configuration-manager']);
    // Act
    const created = await inOne.post<{ typeId: string }>('/v1/ci-types', {
      typeId: 'only-in-one',
      name: 'Only in one',
      attributes: [],
    });
    // Assess
    expect(created.status).toBe(201);
    expect((await inOne.get('/v1/ci-types/only-in-one')).status).toBe(200);
    expect((await inOther.get('/v1/ci-types/only-in-one')).status).toBe(404);
  });
});
