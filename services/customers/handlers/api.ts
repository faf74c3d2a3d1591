import { type ApiRequest, apiHandler, requireIfMatch } from '../../../shared/kit/http';
import { pageRequest } from '../../../shared/kit/paging';
import { customers } from '../service';
import { listCommunications, recordCommunication } from '../use-cases/communications';
import {
  closeComplaint,
  complaintHistory,
  getComplaint,
  listComplaints,
  registerComplaint,
  respondToComplaint,
  updateComplaint,
} from '../use-cases/complaints';
import { addContact, getContact, listContacts, removeContact, updateContact } from '../use-cases/contacts';
import {
  customerHistory,
  getCustomer,
  listCustomers,
  registerCustomer,
  updateCustomer,
  viewFor,
} from '../use-cases/customers';
import { closeFollowUp, listFollowUps, loadFollowUp } from '../use-cases/follow-ups';
import { getReview, listReviews, planReview, recordOutcome, upcomingReviews } from '../use-cases/reviews';
import { changeSettings, loadSettings } from '../use-cases/settings';
import { answerSurvey, getSurvey, surveyResults } from '../use-cases/surveys';

const paging = (req: ApiRequest) => pageRequest(req.query);
const cid = (req: ApiRequest) => req.params.customerId!;

export const handler = apiHandler(customers, 'api', {
  'GET /v1/customers': async (req) => {
    const q = req.query;
    return {
      status: 200,
      body: await listCustomers(req.principal, {
        ...paging(req),
        ...(q.status ? { status: q.status } : {}),
        ...(q.accountManager ? { accountManager: q.accountManager } : {}),
      }),
    };
  },
  'POST /v1/customers': async (req) => {
    const c = await registerCustomer(req.ctx, req.body);
    return { status: 201, body: c, version: c.version, headers: { location: `/v1/customers/${c.customerId}` } };
  },
  'GET /v1/customers/{customerId}': async (req) => {
    const c = await getCustomer(req.principal, cid(req));
    return { status: 200, body: c, version: c.version };
  },
  'PATCH /v1/customers/{customerId}': async (req) => {
    const c = await updateCustomer(req.ctx, req.principal, cid(req), requireIfMatch(req), req.body);
    return { status: 200, body: viewFor(req.principal, c), version: c.version };
  },
  'GET /v1/customers/{customerId}/history': async (req) => ({
    status: 200,
    body: await customerHistory(cid(req), paging(req)),
  }),
  'GET /v1/customers/{customerId}/contacts': async (req) => ({
    status: 200,
    body: await listContacts(req.principal, cid(req), paging(req)),
  }),
  'POST /v1/customers/{customerId}/contacts': async (req) => {
    const c = await addContact(req.ctx, req.principal, cid(req), req.body);
    return {
      status: 201,
      body: c,
      version: c.version,
      headers: { location: `/v1/customers/${c.customerId}/contacts/${c.contactId}` },
    };
  },
  'GET /v1/customers/{customerId}/contacts/{contactId}': async (req) => {
    const c = await getContact(req.principal, cid(req), req.params.contactId!);
    return { status: 200, body: c, version: c.version };
  },
  'PATCH /v1/customers/{customerId}/contacts/{contactId}': async (req) => {
    const c = await updateContact(
      req.ctx,
      req.principal,
      cid(req),
      req.params.contactId!,
      requireIfMatch(req),
      req.body,
    );
    return { status: 200, body: c, version: c.version };
  },
  'DELETE /v1/customers/{customerId}/contacts/{contactId}': async (req) => {
    await removeContact(req.ctx, req.principal, cid(req), req.params.contactId!, requireIfMatch(req));
    return { status: 204 };
  },
  'GET /v1/customers/{customerId}/communications': async (req) => ({
    status: 200,
    body: await listCommunications(req.principal, cid(req), paging(req)),
  }),
  'POST /v1/customers/{customerId}/communications': async (req) => ({
    status: 201,
    body: await recordCommunication(req.ctx, cid(req), req.body),
  }),
  'GET /v1/customers/{customerId}/reviews': async (req) => ({
    status: 200,
    body: await listReviews(req.principal, cid(req), paging(req)),
  }),
  'POST /v1/customers/{customerId}/reviews': async (req) => {
    const r = await planReview(req.ctx, req.principal, cid(req), req.body);
    return {
      status: 201,
      body: r,
      version: r.version,
      headers: { location: `/v1/customers/${r.customerId}/reviews/${r.reviewId}` },
    };
  },
  'GET /v1/customers/{customerId}/reviews/{reviewId}': async (req) => {
    const r = await getReview(req.principal, cid(req), req.params.reviewId!);
    return { status: 200, body: r, version: r.version };
  },
  'POST /v1/customers/{customerId}/reviews/{reviewId}/outcome': async (req) => {
    const r = await recordOutcome(req.ctx, req.principal, cid(req), req.params.reviewId!, req.body, req.ifMatch);
    return { status: 200, body: r, version: r.version };
  },
  'GET /v1/upcoming-reviews': async (req) => {
    const q = req.query;
    return {
      status: 200,
      body: await upcomingReviews({
        ...paging(req),
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
      }),
    };
  },
  'GET /v1/complaints': async (req) => {
    const q = req.query;
    return {
      status: 200,
      body: await listComplaints(req.principal, {
        ...paging(req),
        ...(q.status ? { status: q.status } : {}),
        ...(q.customerId ? { customerId: q.customerId } : {}),
      }),
    };
  },
  'POST /v1/complaints': async (req) => {
    const c = await registerComplaint(req.ctx, req.principal, req.body);
    return { status: 201, body: c, version: c.version, headers: { location: `/v1/complaints/${c.complaintId}` } };
  },
  'GET /v1/complaints/{id}': async (req) => {
    const c = await getComplaint(req.principal, req.params.id!);
    return { status: 200, body: c, version: c.version };
  },
  'PATCH /v1/complaints/{id}': async (req) => {
    const c = await updateComplaint(req.ctx, req.params.id!, requireIfMatch(req), req.body);
    return { status: 200, body: c, version: c.version };
  },
  'POST /v1/complaints/{id}/response': async (req) => {
    const c = await respondToComplaint(req.ctx, req.params.id!, req.body, req.ifMatch);
    return { status: 200, body: c, version: c.version };
  },
  'POST /v1/complaints/{id}/closure': async (req) => {
    const c = await closeComplaint(req.ctx, req.params.id!, req.body, req.ifMatch);
    return { status: 200, body: c, version: c.version };
  },
  'GET /v1/complaints/{id}/history': async (req) => ({
    status: 200,
    body: await complaintHistory(req.params.id!, paging(req)),
  }),
  'GET /v1/surveys/{token}': async (req) => ({ status: 200, body: await getSurvey(req.params.token!) }),
  'POST /v1/surveys/{token}/answers': async (req) => ({
    status: 201,
    body: await answerSurvey(req.ctx, req.params.token!, req.body),
  }),
  'GET /v1/survey-results': async (req) => ({ status: 200, body: await surveyResults(req.query) }),
  'GET /v1/survey-settings': async () => {
    const s = await loadSettings();
    return { status: 200, body: s, version: s.version };
  },
  'PUT /v1/survey-settings': async (req) => {
    const s = await changeSettings(req.ctx, req.body, req.ifMatch);
    return { status: 200, body: s, version: s.version };
  },
  'GET /v1/follow-ups': async (req) => {
    const q = req.query;
    return {
      status: 200,
      body: await listFollowUps({
        ...paging(req),
        ...(q.status ? { status: q.status } : {}),
        ...(q.assignee ? { assignee: q.assignee } : {}),
      }),
    };
  },
  'GET /v1/follow-ups/{id}': async (req) => {
    const f = await loadFollowUp(req.params.id!);
    return { status: 200, body: f, version: f.version };
  },
  'POST /v1/follow-ups/{id}/closure': async (req) => {
    const f = await closeFollowUp(req.ctx, req.principal, req.params.id!, req.body, req.ifMatch);
    return { status: 200, body: f, version: f.version };
  },
});
