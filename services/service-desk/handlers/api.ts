import { type ApiRequest, apiHandler, requireIfMatch } from '../../../shared/kit/http';
import { pageRequest } from '../../../shared/kit/paging';
import { serviceDesk } from '../service';
import type { Ticket } from '../store';
import { completeUpload, downloadLink, listAttachments, requestUpload } from '../use-cases/attachments';
import { listTicketChanges, requestChange } from '../use-cases/changes';
import { addComment, addWork, listComments, listWork } from '../use-cases/comments';
import { manualEscalation } from '../use-cases/escalations';
import { declareMajor, majorReview, majorUpdate } from '../use-cases/major';
import { breachingSoon, customerQueue, groupQueue, myQueue } from '../use-cases/queues';
import { completeTask, decideApproval, getModel, listModels, listTasks, putModel } from '../use-cases/request-models';
import { getGroup, loadSettings, putGroup, putSettings } from '../use-cases/settings';
import {
  cancelTicket,
  closeTicket,
  createIncident,
  createRequest,
  getTicket,
  listChildren,
  reopenTicket,
  resolveTicket,
  ticketHistory,
  updateTicket,
  viewFor,
} from '../use-cases/tickets';

const paging = (req: ApiRequest) => pageRequest(req.query);
const id = (req: ApiRequest) => req.params.id!;
/** A ticket reply: the view the caller may see, with its version as the ETag. */
const ticket = (req: ApiRequest, t: Ticket, status = 200) => ({
  status,
  body: viewFor(req.principal, t),
  version: t.version,
  ...(status === 201 ? { headers: { location: `/v1/tickets/${t.ticketId}` } } : {}),
});

export const handler = apiHandler(serviceDesk, 'api', {
  'POST /v1/incidents': async (req) => ticket(req, await createIncident(req.ctx, req.principal, req.body), 201),
  'POST /v1/requests': async (req) => ticket(req, await createRequest(req.ctx, req.principal, req.body), 201),
  'GET /v1/tickets/{id}': async (req) => ticket(req, await getTicket(req.principal, id(req))),
  'PATCH /v1/tickets/{id}': async (req) =>
    ticket(req, await updateTicket(req.ctx, req.principal, id(req), requireIfMatch(req), req.body)),
  'GET /v1/tickets/{id}/history': async (req) => ({
    status: 200,
    body: await ticketHistory(req.principal, id(req), paging(req)),
  }),
  'GET /v1/tickets/{id}/children': async (req) => ({
    status: 200,
    body: await listChildren(req.principal, id(req), paging(req)),
  }),
  'POST /v1/tickets/{id}/resolve': async (req) =>
    ticket(req, await resolveTicket(req.ctx, req.principal, id(req), req.ifMatch, req.body)),
  'POST /v1/tickets/{id}/close': async (req) =>
    ticket(req, await closeTicket(req.ctx, req.principal, id(req), req.ifMatch, req.body)),
  'POST /v1/tickets/{id}/reopen': async (req) =>
    ticket(req, await reopenTicket(req.ctx, req.principal, id(req), req.ifMatch, req.body)),
  'POST /v1/tickets/{id}/cancel': async (req) =>
    ticket(req, await cancelTicket(req.ctx, req.principal, id(req), req.ifMatch, req.body)),
  'GET /v1/tickets/{id}/comments': async (req) => ({
    status: 200,
    body: await listComments(req.principal, id(req), paging(req)),
  }),
  'POST /v1/tickets/{id}/comments': async (req) => ({
    status: 201,
    body: await addComment(req.ctx, req.principal, id(req), req.body),
  }),
  'POST /v1/tickets/{id}/attachments': async (req) => ({
    status: 201,
    body: await requestUpload(req.ctx, req.principal, id(req), req.body),
  }),
  'POST /v1/tickets/{id}/attachments/{attachmentId}/completion': async (req) => ({
    status: 200,
    body: await completeUpload(req.ctx, req.principal, id(req), req.params.attachmentId!),
  }),
  'GET /v1/tickets/{id}/attachments': async (req) => ({
    status: 200,
    body: await listAttachments(req.principal, id(req), paging(req)),
  }),
  'GET /v1/tickets/{id}/attachments/{attachmentId}/download': async (req) => ({
    status: 200,
    body: await downloadLink(req.principal, id(req), req.params.attachmentId!),
  }),
  'GET /v1/tickets/{id}/work-log': async (req) => ({ status: 200, body: await listWork(id(req), paging(req)) }),
  'POST /v1/tickets/{id}/work-log': async (req) => ({
    status: 201,
    body: await addWork(req.ctx, req.principal, id(req), req.body),
  }),
  'POST /v1/tickets/{id}/change-requests': async (req) => {
    const accepted = await requestChange(req.ctx, req.principal, id(req), req.body);
    // Accepted, not created: the changes service raises the change from the event.
    return { status: 202, body: accepted, headers: { location: `/v1/tickets/${accepted.ticketId}/changes` } };
  },
  'GET /v1/tickets/{id}/changes': async (req) => ({
    status: 200,
    body: await listTicketChanges(id(req), paging(req)),
  }),
  'POST /v1/tickets/{id}/escalations': async (req) =>
    ticket(req, await manualEscalation(req.ctx, req.principal, id(req), req.body), 201),
  'POST /v1/tickets/{id}/major': async (req) =>
    ticket(req, await declareMajor(req.ctx, req.principal, id(req), req.body)),
  'POST /v1/tickets/{id}/major/updates': async (req) => ({
    status: 201,
    body: await majorUpdate(req.ctx, req.principal, id(req), req.body),
  }),
  'POST /v1/tickets/{id}/major/review': async (req) =>
    ticket(req, await majorReview(req.ctx, req.principal, id(req), req.body)),
  'POST /v1/tickets/{id}/approval': async (req) =>
    ticket(req, await decideApproval(req.ctx, req.principal, id(req), req.body)),
  'GET /v1/tickets/{id}/tasks': async (req) => ({ status: 200, body: await listTasks(req.principal, id(req)) }),
  'POST /v1/tickets/{id}/tasks/{taskId}/completion': async (req) => ({
    status: 200,
    body: await completeTask(req.ctx, req.principal, id(req), req.params.taskId!),
  }),
  'GET /v1/queues/mine': async (req) => ({ status: 200, body: await myQueue(req.principal, paging(req)) }),
  'GET /v1/queues/groups/{group}': async (req) => ({
    status: 200,
    body: await groupQueue(req.params.group!, paging(req)),
  }),
  'GET /v1/queues/breaching-soon': async (req) => ({ status: 200, body: await breachingSoon(paging(req)) }),
  'GET /v1/queues/customer': async (req) => {
    const q = req.query;
    return { status: 200, body: await customerQueue(req.principal, q.customerId, paging(req)) };
  },
  'GET /v1/desk-settings': async () => {
    const s = await loadSettings();
    return { status: 200, body: s.settings, version: s.version };
  },
  'PUT /v1/desk-settings': async (req) => {
    const s = await putSettings(req.ctx, requireIfMatch(req), req.body);
    return { status: 200, body: s.settings, version: s.version };
  },
  'GET /v1/groups/{group}': async (req) => {
    const g = await getGroup(req.params.group!);
    return { status: 200, body: g, version: g.version };
  },
  'PUT /v1/groups/{group}': async (req) => {
    const g = await putGroup(req.ctx, req.principal, req.params.group!, req.ifMatch, req.body);
    return { status: g.version === 1 ? 201 : 200, body: g, version: g.version };
  },
  'GET /v1/request-models': async (req) => ({ status: 200, body: await listModels(paging(req)) }),
  'GET /v1/request-models/{id}': async (req) => {
    const m = await getModel(id(req));
    return { status: 200, body: m, version: m.version };
  },
  'PUT /v1/request-models/{id}': async (req) => {
    const m = await putModel(req.ctx, id(req), req.ifMatch, req.body);
    return { status: m.version === 1 ? 201 : 200, body: m, version: m.version };
  },
});
