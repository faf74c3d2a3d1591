import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { publishEvents } from '../../../test/support/events';
import { as, type Client, eventually, testRuntime } from '../../../test/support/runtime';
import { configuration } from '../service';

/**
 * What the CMDB does for release management (FitSM PR13): the baselines the releases service asks
 * for by event before and after a deployment (PR13.5), answered with `BaselineCaptured`; and the
 * release packages it records, each a CI related to the CIs it deploys.
 */
let rt: Runtime;
let admin: Client;
let staff: Client;

type Ci = { ciId: string; number: string; version: number; name: string; typeId: string; status: string };
type Captured = {
  baselineId: string;
  name: string;
  ciCount: number;
  request?: { source: string; requestId: string };
  members?: { ciId: string; number: string; status: string; version?: string }[];
  missingCiIds?: string[];
};

let web: Ci;
let db: Ci;
let lb: Ci;

async function makeCi(typeId: string, name: string, attributes: Record<string, unknown> = {}): Promise<Ci> {
  const res = await admin.post<Ci>('/v1/cis', { typeId, name, attributes, status: 'active' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Publish as the releases service does, and wait until the CMDB's consumer and relay are done. */
async function fromReleases(detailType: string, data: unknown, eventId?: string) {
  await publishEvents(rt, [{ source: 'itsm.releases', detailType, data, ...(eventId ? { eventId } : {}) }], 'releases');
  await rt.bus.drain();
  await rt.drainStreams();
  await rt.bus.drain();
}

/** The `BaselineCaptured` answers published for one request id. */
const answers = (requestId: string) =>
  rt.bus
    .published()
    .filter((e) => e.source === 'itsm.configuration' && e['detail-type'] === 'BaselineCaptured')
    .map((e) => (e.detail as { data: Captured }).data)
    .filter((d) => d.request?.requestId === requestId);

beforeAll(async () => {
  rt = await testRuntime({ services: [configuration] });
  admin = await as(rt, 'conrad', ['configuration-manager']);
  staff = await as(rt, 'alice', ['process-staff']);
  const app = {
    typeId: 'application',
    name: 'Application',
    attributes: [{ name: 'version', type: 'string' }],
  };
  expect((await admin.post('/v1/ci-types', app)).status).toBe(201);
  expect((await admin.post('/v1/ci-types', { typeId: 'database', name: 'Database', attributes: [] })).status).toBe(201);
  web = await makeCi('application', 'web shop', { version: '1.4.2' });
  lb = await makeCi('application', 'load balancer');
  db = await makeCi('database', 'orders');
});

afterAll(async () => {
  await rt?.close();
});

describe('a baseline requested by event (FitSM PR13.5)', () => {
  it('is captured once and answered with the request id and each CI with its version', async () => {
    // Prepare
    const requestId = `dep-${ulid()}`;
    const request = { requestId, name: 'REL-1 before deployment', ciIds: [web.ciId, db.ciId, lb.ciId] };
    const eventId = ulid();

    // Act: delivered twice with the same event id, then asked again under a new event id.
    await fromReleases('BaselineRequested', request, eventId);
    await fromReleases('BaselineRequested', request, eventId);
    await fromReleases('BaselineRequested', request);

    // Assess
    const answered = await eventually(() => (answers(requestId).length ? answers(requestId) : undefined));
    expect(answered).toHaveLength(1);
    const answer = answered[0]!;
    expect(answer).toMatchObject({
      name: 'REL-1 before deployment',
      ciCount: 3,
      request: { source: 'itsm.releases', requestId },
    });
    expect(answer.members).toEqual([
      { ciId: web.ciId, number: web.number, status: 'active', version: '1.4.2' },
      { ciId: db.ciId, number: db.number, status: 'active' },
      { ciId: lb.ciId, number: lb.number, status: 'active' },
    ]);
    expect(answer.missingCiIds).toBeUndefined();
    type View = Omit<Captured, 'members'> & { members: { ciId: string; attributes: Record<string, unknown> }[] };
    const got = await staff.get<View>(`/v1/baselines/${answer.baselineId}`);
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    expect(got.body.request).toEqual({ source: 'itsm.releases', requestId });
    expect(got.body.members.map((m) => m.ciId).sort()).toEqual([web.ciId, db.ciId, lb.ciId].sort());
    expect(got.body.members.find((m) => m.ciId === web.ciId)?.attributes).toEqual({ version: '1.4.2' });
    const all = await staff.get<{ items: Captured[] }>('/v1/baselines?limit=100');
    expect(all.body.items.filter((b) => b.request?.requestId === requestId)).toHaveLength(1);
    expect(rt.bus.deadLetters()).toEqual([]);
  });

  it('captures the CIs it knows and lists the others, rather than refusing', async () => {
    // Prepare
    const requestId = `dep-${ulid()}`;
    const unknown = `ci-${ulid()}`;

    // Act
    await fromReleases('BaselineRequested', { requestId, name: 'REL-2 after', ciIds: [unknown, web.ciId] });

    // Assess
    const answer = await eventually(() => answers(requestId)[0]);
    expect(answer.ciCount).toBe(1);
    expect(answer.members?.map((m) => m.ciId)).toEqual([web.ciId]);
    expect(answer.missingCiIds).toEqual([unknown]);
    const got = await staff.get<Captured>(`/v1/baselines/${answer.baselineId}`);
    expect(got.body).toMatchObject({ ciCount: 1, missingCiIds: [unknown] });
    // The API keeps refusing unknown CIs: only a request is lenient.
    const api = await admin.post('/v1/baselines', { name: 'by hand', ciIds: [unknown] });
    expect(api.status).toBe(400);
  });

  it('makes one baseline when two deliveries of one request race', async () => {
    // Prepare
    const requestId = `dep-${ulid()}`;
    const request = { requestId, name: 'REL-3 before', ciIds: [web.ciId, db.ciId] };

    // Act: two events (different ids) for one request, in one PutEvents: delivered concurrently.
    await publishEvents(
      rt,
      [
        { source: 'itsm.releases', detailType: 'BaselineRequested', data: request },
        { source: 'itsm.releases', detailType: 'BaselineRequested', data: request },
      ],
      'releases',
    );
    await rt.bus.drain();
    await rt.drainStreams();
    await rt.bus.drain();

    // Assess
    expect(answers(requestId)).toHaveLength(1);
    const all = await staff.get<{ items: Captured[] }>('/v1/baselines?limit=100');
    expect(all.body.items.filter((b) => b.request?.requestId === requestId)).toHaveLength(1);
    expect(rt.bus.deadLetters()).toEqual([]);
  });
});

describe('a release package (FitSM PR13: recorded in the CMDB)', () => {
  type Relationship = { direction: string; type: string; ciId: string };
  const pkg = (packageId: string, items: { ciId: string; version: string }[]) => ({
    packageId,
    releaseId: 'rel-7',
    number: 'REL-7',
    name: 'web shop 1.5',
    items: items.map((i) => ({
      ...i,
      artifact: `s3://dml/web-shop/${i.version}.zip?versionId=v-${i.version}`,
      checksum: `sha256:${i.version.replaceAll('.', '')}abc`,
    })),
  });
  const packages = async () =>
    (
      await staff.get<{ items: (Ci & { attributes: Record<string, unknown> })[] }>(
        '/v1/cis?typeId=release-package&limit=100',
      )
    ).body.items;

  it('becomes one CI of the built-in type, its items an attribute, related to each CI it deploys', async () => {
    // Prepare
    const packageId = `pkg-${ulid()}`;
    const unknown = `ci-${ulid()}`;
    const event = pkg(packageId, [
      { ciId: web.ciId, version: '1.5.0' },
      { ciId: db.ciId, version: '12.4' },
      { ciId: unknown, version: '0.1' },
    ]);
    const eventId = ulid();

    // Act: delivered twice, then published again under a new event id.
    await fromReleases('ReleasePackageRecorded', event, eventId);
    await fromReleases('ReleasePackageRecorded', event, eventId);
    await fromReleases('ReleasePackageRecorded', event);

    // Assess
    const type = await staff.get<{ typeId: string; attributes: { name: string }[] }>('/v1/ci-types/release-package');
    expect(type.status).toBe(200);
    expect(type.body.attributes.map((a) => a.name)).toEqual([
      'packageId',
      'releaseId',
      'release',
      'itemCount',
      'items',
    ]);
    const mine = (await packages()).filter((c) => c.attributes.packageId === packageId);
    expect(mine).toHaveLength(1);
    const ci = mine[0]!;
    expect(ci).toMatchObject({
      name: 'REL-7 package web shop 1.5',
      status: 'active',
      attributes: { releaseId: 'rel-7', release: 'REL-7', itemCount: 3 },
    });
    expect(String(ci.attributes.items).split('\n')).toEqual([
      `${web.number} ${web.ciId} version 1.5.0 artifact s3://dml/web-shop/1.5.0.zip?versionId=v-1.5.0 checksum sha256:150abc`,
      `${db.number} ${db.ciId} version 12.4 artifact s3://dml/web-shop/12.4.zip?versionId=v-12.4 checksum sha256:124abc`,
      `${unknown} ${unknown} version 0.1 artifact s3://dml/web-shop/0.1.zip?versionId=v-0.1 checksum sha256:01abc`,
    ]);
    const rels = await staff.get<{ items: Relationship[] }>(`/v1/cis/${ci.ciId}/relationships`);
    expect(rels.status).toBe(200);
    expect(rels.body.items.map((r) => `${r.direction} ${r.type} ${r.ciId}`).sort()).toEqual(
      [`outgoing deploys ${web.ciId}`, `outgoing deploys ${db.ciId}`].sort(),
    );
    const inbound = await staff.get<{ items: Relationship[] }>(`/v1/cis/${web.ciId}/relationships`);
    expect(inbound.body.items.filter((r) => r.ciId === ci.ciId)).toEqual([
      expect.objectContaining({ direction: 'incoming', type: 'deploys' }),
    ]);
    const history = await staff.get<{ items: { action: string; reason?: string }[] }>(`/v1/cis/${ci.ciId}/history`);
    expect(history.body.items.find((h) => h.action === 'registered from release REL-7')?.reason).toContain(unknown);
    // A package is a record of content, not a dependency: it changes no CI's impact.
    const impact = await staff.get<{ count: number }>(`/v1/cis/${web.ciId}/impact?direction=downstream`);
    expect(impact.body.count).toBe(0);
    expect(rt.bus.deadLetters()).toEqual([]);
  });
});
