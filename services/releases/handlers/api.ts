import { type ApiRequest, apiHandler, requireIfMatch } from '../../../shared/kit/http';
import { pageRequest } from '../../../shared/kit/paging';
import type { Release } from '../domain/release';
import { evaluateGate } from '../domain/release';
import { releases } from '../service';
import { confirmBackout, decideWave, startDeployment } from '../use-cases/deployment';
import { handOver } from '../use-cases/early-life';
import { confirmUpload, getMedia, listMedia, requestUpload } from '../use-cases/media';
import { recordPackage } from '../use-cases/packages';
import { loadRelease } from '../use-cases/record';
import {
  acceptRelease,
  cancelRelease,
  createRelease,
  excludeChange,
  includeChange,
  listReleases,
  recordEvidence,
  recordWaiver,
  releaseHistory,
  releaseView,
  updateRelease,
} from '../use-cases/releases';
import { createStrategy, getStrategy, listStrategies, updateStrategy } from '../use-cases/strategies';
import { pipelineImplementations } from './pipeline-routes';

const paging = (req: ApiRequest) => pageRequest(req.query);
const one = async (r: Release, status = 200) => ({ status, body: await releaseView(r), version: r.version });
const wave = (w: string) => (/^\d+$/.test(w) ? Number(w) - 1 : w);

export const handler = apiHandler(releases, 'api', {
  'GET /v1/releases': async (req) => {
    const page = await listReleases({ ...paging(req), ...(req.query.status ? { status: req.query.status } : {}) });
    return { status: 200, body: { ...page, items: await Promise.all(page.items.map(releaseView)) } };
  },
  'POST /v1/releases': async (req) => {
    const r = await createRelease(req.ctx, req.principal, req.body);
    return { ...(await one(r, 201)), headers: { location: `/v1/releases/${r.releaseId}` } };
  },
  'GET /v1/releases/{id}': async (req) => one(await loadRelease(req.params.id!)),
  'PATCH /v1/releases/{id}': async (req) =>
    one(await updateRelease(req.ctx, req.params.id!, requireIfMatch(req), req.body)),
  'GET /v1/releases/{id}/history': async (req) => ({
    status: 200,
    body: await releaseHistory(req.params.id!, paging(req)),
  }),
  'POST /v1/releases/{id}/changes': async (req) =>
    one(await includeChange(req.ctx, req.params.id!, req.ifMatch, req.body.changeId)),
  'DELETE /v1/releases/{id}/changes/{changeId}': async (req) =>
    one(await excludeChange(req.ctx, req.params.id!, req.ifMatch, req.params.changeId!)),
  'POST /v1/releases/{id}/evidence': async (req) =>
    one(await recordEvidence(req.ctx, req.principal, req.params.id!, req.body), 201),
  'POST /v1/releases/{id}/waivers': async (req) =>
    one(await recordWaiver(req.ctx, req.principal, req.params.id!, req.body), 201),
  'GET /v1/releases/{id}/gate': async (req) => ({
    status: 200,
    body: { stage: 'deployment', ...evaluateGate(await loadRelease(req.params.id!)) },
  }),
  'POST /v1/releases/{id}/acceptances': async (req) =>
    one(await acceptRelease(req.ctx, req.principal, req.params.id!, req.body)),
  'PUT /v1/releases/{id}/package': async (req) =>
    one(await recordPackage(req.ctx, req.principal, req.params.id!, requireIfMatch(req), req.body)),
  'GET /v1/media': async (req) => {
    const p = paging(req);
    return { status: 200, body: await listMedia(p.limit, p.cursor) };
  },
  'POST /v1/media': async (req) => {
    const m = await requestUpload(req.ctx, req.principal, req.body);
    return { status: 201, body: m, headers: { location: `/v1/media/${m.mediaId}` } };
  },
  'GET /v1/media/{id}': async (req) => ({ status: 200, body: await getMedia(req.params.id!) }),
  'POST /v1/media/{id}/confirmation': async (req) => ({
    status: 200,
    body: await confirmUpload(req.ctx, req.principal, req.params.id!),
  }),
  'POST /v1/releases/{id}/deployments': async (req) =>
    one(await startDeployment(req.ctx, req.principal, req.params.id!, { kind: 'manual', ref: req.principal.id }), 202),
  'POST /v1/releases/{id}/deployment/waves/{wave}/verification': async (req) =>
    one(
      await decideWave(req.ctx, req.principal, req.params.id!, {
        wave: wave(req.params.wave!),
        result: req.body.result,
        notes: req.body.notes,
        source: 'manual',
      }),
    ),
  'POST /v1/releases/{id}/deployment/back-out': async (req) =>
    one(await confirmBackout(req.ctx, req.principal, req.params.id!, req.body)),
  'POST /v1/releases/{id}/handover': async (req) =>
    one(await handOver(req.ctx, req.principal, req.params.id!, req.body)),
  'POST /v1/releases/{id}/cancellation': async (req) =>
    one(await cancelRelease(req.ctx, req.principal, req.params.id!, req.body.reason)),
  'GET /v1/release-strategies': async (req) => {
    const p = paging(req);
    return { status: 200, body: await listStrategies(p.limit, p.cursor) };
  },
  'POST /v1/release-strategies': async (req) => {
    const s = await createStrategy(req.ctx, req.body);
    return {
      status: 201,
      body: s,
      version: s.version,
      headers: { location: `/v1/release-strategies/${s.strategyId}` },
    };
  },
  'GET /v1/release-strategies/{id}': async (req) => {
    const s = await getStrategy(req.params.id!);
    return { status: 200, body: s, version: s.version };
  },
  'PUT /v1/release-strategies/{id}': async (req) => {
    const s = await updateStrategy(req.ctx, req.params.id!, requireIfMatch(req), req.body);
    return { status: 200, body: s, version: s.version };
  },
  ...pipelineImplementations,
});
