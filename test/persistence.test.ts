import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startRuntime } from '../infra/local/runtime';
import { client } from './support/runtime';

/** `npm start` keeps its data in a folder: a restart finds everything where it was. */
const dir = mkdtempSync(join(tmpdir(), 'itsm-persist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const boot = () => startRuntime({ dataDir: dir, awsPort: 0, apiPort: 0, waitScale: 0, schedules: false });

describe('a kept data folder', () => {
  it('survives a restart: records, numbers, tokens and the flows are all still there', async () => {
    const first = await boot();
    const token = await first.token({ user: 'conrad', roles: ['configuration-manager'] });
    let api = client(first, token);
    await api.post('/v1/ci-types', { typeId: 'app', name: 'App', attributes: [] });
    const ci = (await api.post<{ ciId: string; number: string }>('/v1/cis', { typeId: 'app', name: 'kept' })).body;
    await first.close();

    const second = await boot();
    try {
      // The signing key is kept too, so the old token is still good.
      api = client(second, token);
      const again = await api.get<{ name: string }>(`/v1/cis/${ci.number}`);
      expect(again.status).toBe(200);
      expect(again.body.name).toBe('kept');
      const next = await api.post<{ number: string }>('/v1/cis', { typeId: 'app', name: 'after restart' });
      expect(Number(next.body.number.slice(3))).toBe(Number(ci.number.slice(3)) + 1);
    } finally {
      await second.close();
    }
  });
});
