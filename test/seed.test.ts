import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../infra/local/runtime';
import { DEMO_USERS, seedDemo } from '../infra/local/seed';
import { as, client, eventually, testRuntime } from './support/runtime';

/** `npm start` seeds a demo organisation on first start; it must work as users will see it. */
let rt: Runtime;
beforeAll(async () => {
  rt = await testRuntime();
});
afterAll(async () => rt?.close());

describe('the demo organisation', () => {
  it('is seeded through the API, and every demo user sees what their roles allow', async () => {
    const admin = DEMO_USERS[0]!;
    const seeded = await seedDemo(rt.apiUrl, await rt.token({ user: admin.user, roles: admin.roles }));
    expect(seeded).toEqual({ services: 3, cis: 28, relationships: 33 });

    const staff = await as(rt, 'alice', ['process-staff']);
    expect((await staff.get<{ items: unknown[] }>('/v1/cis?limit=100')).body.items).toHaveLength(28);
    const live = await staff.get<{ items: Array<{ name: string }> }>('/v1/catalogue');
    expect(live.body.items.map((s) => s.name).sort()).toEqual(['ACME web shop', 'Email and calendar']);
    // The CMDB's copy of the portfolio arrives through the bus: impact names live services.
    const shop = await eventually(
      async () => {
        const cis = await staff.get<{ items: Array<{ ciId: string; name: string }> }>(
          '/v1/cis?typeId=application&limit=100',
        );
        const front = cis.body.items.find((c) => c.name === 'Web shop front end');
        if (!front) return undefined;
        const impact = await staff.get<{ services: Array<{ name: string | null; status: string }> }>(
          `/v1/cis/${front.ciId}/impact`,
        );
        return impact.body.services[0]?.status === 'live' ? impact.body.services : undefined;
      },
      10_000,
      'service copy',
    );
    expect(shop).toEqual([expect.objectContaining({ name: 'ACME web shop', status: 'live' })]);

    const carol = DEMO_USERS.find((u) => u.user === 'carol')!;
    const customer = client(
      rt,
      await rt.token({ user: carol.user, roles: carol.roles, ...(carol.customer ? { customer: carol.customer } : {}) }),
    );
    const theirs = await customer.get<{ items: Array<{ customerIds: string[] }> }>('/v1/cis?limit=100');
    expect(theirs.body.items.length).toBeGreaterThan(0);
    expect(theirs.body.items.every((c) => c.customerIds.includes('acme'))).toBe(true);
  });
});
