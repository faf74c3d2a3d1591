import { type ApiRequest, apiHandler, requireIfMatch } from '../../../shared/kit/http';
import { pageRequest } from '../../../shared/kit/paging';
import type { Change } from '../domain/change';
import { changes } from '../service';
import {
  createCab,
  createMeeting,
  getCab,
  getMeeting,
  getPerson,
  listCabs,
  listMeetings,
  putPerson,
  recordMeetingDecision,
  updateCab,
} from '../use-cases/admin';
import { decide, inbox, submitChange, withRationales } from '../use-cases/approvals';
import {
  assessChange,
  cancelChange,
  changeHistory,
  getChange,
  listChanges,
  previewImpact,
  raiseChange,
  updateChange,
} from '../use-cases/changes';
import { closeChange, recordImplementation, recordReview } from '../use-cases/implementation';
import { policyView, savePolicy } from '../use-cases/policy';
import { createTemplate, getTemplate, listTemplates } from '../use-cases/templates';
import { scheduleImplementations } from './schedule-routes';

const paging = (req: ApiRequest) => pageRequest(req.query);
const one = async (c: Change, status = 200) => ({ status, body: await withRationales(c), version: c.version });
const approvals = async (c: Change) => {
  const full = await withRationales(c);
  return { number: full.number, status: full.status, levels: full.approval?.levels ?? [] };
};

export const handler = apiHandler(changes, 'api', {
  'GET /v1/changes': async (req) => ({
    status: 200,
    body: await listChanges({ ...paging(req), ...(req.query.status ? { status: req.query.status } : {}) }),
  }),
  'POST /v1/changes': async (req) => {
    const c = await raiseChange(req.ctx, req.principal, req.body);
    return { ...(await one(c, 201)), headers: { location: `/v1/changes/${c.changeId}` } };
  },
  'GET /v1/changes/{id}': async (req) => one(await getChange(req.params.id!)),
  'PATCH /v1/changes/{id}': async (req) =>
    one(await updateChange(req.ctx, req.principal, req.params.id!, requireIfMatch(req), req.body)),
  'GET /v1/changes/{id}/history': async (req) => ({
    status: 200,
    body: await changeHistory(req.params.id!, paging(req)),
  }),
  'POST /v1/changes/{id}/assessment': async (req) =>
    one(await assessChange(req.ctx, req.principal, req.params.id!, requireIfMatch(req), req.body)),
  'POST /v1/change-impact': async (req) => ({
    status: 200,
    body: await previewImpact(req.body.ciIds, req.body.serviceIds),
  }),
  'POST /v1/changes/{id}/submission': async (req) =>
    one(await submitChange(req.ctx, req.principal, req.params.id!, requireIfMatch(req)), 202),
  'GET /v1/changes/{id}/approvals': async (req) => ({
    status: 200,
    body: await approvals(await getChange(req.params.id!)),
  }),
  'POST /v1/changes/{id}/approvals': async (req) => ({
    status: 201,
    body: await approvals(await decide(req.ctx, req.principal, req.params.id!, req.body)),
  }),
  'GET /v1/approval-inbox': async (req) => ({ status: 200, body: await inbox(req.principal) }),
  'POST /v1/changes/{id}/implementation': async (req) =>
    one(await recordImplementation(req.ctx, req.principal, req.params.id!, req.body)),
  'POST /v1/changes/{id}/review': async (req) =>
    one(await recordReview(req.ctx, req.principal, req.params.id!, req.body)),
  'POST /v1/changes/{id}/closure': async (req) =>
    one(await closeChange(req.ctx, req.principal, req.params.id!, req.body?.notes)),
  'POST /v1/changes/{id}/cancellation': async (req) =>
    one(await cancelChange(req.ctx, req.principal, req.params.id!, req.body.reason)),
  'GET /v1/change-policy': async () => {
    const p = await policyView();
    return { status: 200, body: p, version: p.version };
  },
  'PUT /v1/change-policy': async (req) => {
    const p = await savePolicy(req.ctx, requireIfMatch(req), req.body);
    return { status: 200, body: p, version: p.version };
  },
  'GET /v1/people/{userId}': async (req) => {
    const p = await getPerson(req.params.userId!);
    return { status: 200, body: p, version: p.version };
  },
  'PUT /v1/people/{userId}': async (req) => {
    const p = await putPerson(req.ctx, req.params.userId!, req.ifMatch, req.body);
    return { status: 200, body: p, version: p.version };
  },
  'GET /v1/cabs': async (req) => {
    const p = paging(req);
    return { status: 200, body: await listCabs(p.limit, p.cursor) };
  },
  'POST /v1/cabs': async (req) => {
    const c = await createCab(req.ctx, req.body);
    return { status: 201, body: c, version: c.version, headers: { location: `/v1/cabs/${c.cabId}` } };
  },
  'GET /v1/cabs/{id}': async (req) => {
    const c = await getCab(req.params.id!);
    return { status: 200, body: c, version: c.version };
  },
  'PUT /v1/cabs/{id}': async (req) => {
    const c = await updateCab(req.ctx, req.params.id!, requireIfMatch(req), req.body);
    return { status: 200, body: c, version: c.version };
  },
  'GET /v1/cab-meetings': async (req) => {
    const p = paging(req);
    return { status: 200, body: await listMeetings(p.limit, p.cursor) };
  },
  'POST /v1/cab-meetings': async (req) => {
    const m = await createMeeting(req.ctx, req.body);
    return { status: 201, body: m, version: m.version, headers: { location: `/v1/cab-meetings/${m.meetingId}` } };
  },
  'GET /v1/cab-meetings/{id}': async (req) => {
    const m = await getMeeting(req.params.id!);
    return { status: 200, body: m, version: m.version };
  },
  'POST /v1/cab-meetings/{id}/decisions': async (req) => ({
    status: 201,
    body: await recordMeetingDecision(req.ctx, req.principal, req.params.id!, req.body),
  }),
  'GET /v1/change-templates': async (req) => {
    const p = paging(req);
    return { status: 200, body: await listTemplates(p.limit, p.cursor) };
  },
  'POST /v1/change-templates': async (req) => {
    const t = await createTemplate(req.ctx, req.body);
    return { status: 201, body: t, version: t.version, headers: { location: `/v1/change-templates/${t.templateId}` } };
  },
  'GET /v1/change-templates/{id}': async (req) => {
    const t = await getTemplate(req.params.id!);
    return { status: 200, body: t, version: t.version };
  },
  ...scheduleImplementations,
});
