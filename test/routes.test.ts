import { describe, expect, it } from 'vitest';
import { SERVICES } from '../services/index';

/**
 * The HTTP API is one route table shared by every service: routes must not collide, and a path
 * position holds one parameter name whoever declares it (`/v1/tickets/{id}/...` everywhere), as
 * API Gateway and OpenAPI both require of sibling variable segments.
 */
const routes = SERVICES.flatMap((s) => s.routes.map((r) => ({ service: s.name, ...r })));

describe('the shared route table', () => {
  it('has no route declared twice, within or across services', () => {
    const seen = new Map<string, string>();
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      expect(seen.get(key), `${key} (${r.service})`).toBeUndefined();
      seen.set(key, r.service);
    }
  });

  it('names each variable path segment the same way at the same place', () => {
    const params = new Map<string, { name: string; by: string }>();
    for (const r of routes) {
      const segments = r.path.split('/');
      segments.forEach((seg, i) => {
        if (!seg.startsWith('{')) return;
        const prefix = segments.slice(0, i).join('/');
        const known = params.get(prefix);
        if (known) expect(seg, `${r.path} (${r.service}) vs ${known.by}`).toBe(known.name);
        else params.set(prefix, { name: seg, by: `${r.path} (${r.service})` });
      });
    }
  });

  it('declares roles on every route but the few public ones, which carry their own secret', () => {
    for (const r of routes) {
      if (r.public) expect(r.path, `${r.service} ${r.path}`).toMatch(/\{token\}/);
      else expect(r.roles.length, `${r.service} ${r.path}`).toBeGreaterThan(0);
    }
  });
});
