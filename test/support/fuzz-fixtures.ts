import type { Runtime } from '../../infra/local/runtime';
import { DEMO_USERS, seedDemo } from '../../infra/local/seed';
import type { Operation, PrincipalName } from './fuzz-cases';
import { client, eventually } from './runtime';

/**
 * The records the fuzz test aims at: the demo seed (two customer organisations, ACME and Globex,
 * with services, CIs, agreements, contacts and tickets, all through the API), plus a baseline, a
 * verification campaign, a review, complaints of both organisations and a follow-up, so every
 * path id of the document has an existing value. Ids are read back through the API.
 */
export interface Fixtures {
  tokens: Record<PrincipalName, string>;
  /** Existing path parameter assignments for a route, the customer's own organisation first. */
  existing: (op: Operation, principal: PrincipalName) => Array<Record<string, string>>;
}

type Item = Record<string, unknown>;

export async function seedFixtures(rt: Runtime): Promise<Fixtures> {
  const adminUser = DEMO_USERS.find((u) => u.user === 'admin')!;
  const carol = DEMO_USERS.find((u) => u.user === 'carol')!;
  const adminToken = await rt.token({ user: adminUser.user, roles: adminUser.roles });
  const customerToken = await rt.token({ user: carol.user, roles: carol.roles, customer: carol.customer! });
  await seedDemo(rt.apiUrl, adminToken);
  const admin = client(rt, adminToken);
  const must = async (r: Promise<{ status: number; body: Item }>, what: string) => {
    const reply = await r;
    if (reply.status >= 300)
      throw new Error(`fuzz fixtures: ${what} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  const items = async (path: string) => ((await must(admin.get(path), path)).items as Item[]) ?? [];

  const services = await items('/v1/services?limit=100');
  const cis = await items('/v1/cis?limit=100');
  const acmeCi = cis.find((c) => (c.customerIds as string[]).includes('acme'))!;
  const otherCi = cis.find((c) => !(c.customerIds as string[]).includes('acme'))!;
  const relationships = (await must(admin.get(`/v1/cis/${acmeCi.ciId}/relationships`), 'relationships'))
    .items as Item[];
  const agreements = await items('/v1/agreements?limit=100');
  const acmeTickets = await items('/v1/queues/customer?customerId=acme');
  const globexTickets = await items('/v1/queues/customer?customerId=globex');
  const request = acmeTickets.find((t) => t.type === 'request');
  const acmeContacts = await items('/v1/customers/acme/contacts');
  const globexContacts = await items('/v1/customers/globex/contacts');

  const [baseline, campaign, review, acmeComplaint, globexComplaint] = await Promise.all([
    must(admin.post('/v1/baselines', { name: 'Fuzz baseline', ciIds: [String(acmeCi.ciId)] }), 'baseline'),
    must(
      admin.post('/v1/verification-campaigns', {
        name: 'Fuzz campaign',
        ciIds: [String(acmeCi.ciId)],
        dueAt: '2030-01-01T00:00:00Z',
      }),
      'campaign',
    ),
    must(
      admin.post('/v1/customers/acme/reviews', {
        scheduledFor: '2030-01-01T10:00:00Z',
        participants: [{ name: 'Carol' }],
      }),
      'review',
    ),
    must(
      admin.post('/v1/complaints', { customerId: 'acme', subject: 'Slow', description: 'The shop is slow' }),
      'complaint',
    ),
    must(
      admin.post('/v1/complaints', { customerId: 'globex', subject: 'Mail', description: 'Mail is late' }),
      'complaint',
    ),
  ]);

  // The closed ACME ticket's survey link; a low score opens a follow-up for the account manager.
  const mail = await eventually(
    () => rt.mailbox.messages('carol@acme.example').find((m) => m.subject.startsWith('How did we do?')),
    15_000,
    'survey mail',
  );
  const token = /\/survey\/([^\s/]+)/.exec(mail.text)?.[1] ?? 'no-token';
  await must(client(rt, undefined).post(`/v1/surveys/${token}/answers`, { score: 1 }), 'survey answer');
  const followUps = await eventually(
    async () => {
      const list = await items('/v1/follow-ups');
      return list.length ? list : undefined;
    },
    15_000,
    'follow-up',
  );
  const tasks = request ? await items(`/v1/tickets/${request.ticketId}/tasks`).catch(() => []) : [];
  // A report specification and one run of it (reporting, FitSM PR3).
  const report = await must(
    admin.post('/v1/reports', {
      title: 'Fuzz report',
      purpose: 'Fuzz',
      audience: 'Fuzz',
      contentType: 'performance',
      frequency: { every: 'daily', at: '07:00', timeZone: 'UTC' },
      content: { kind: 'aggregate', aggregate: 'backlog' },
      formats: ['csv', 'html'],
      recipients: [],
      owner: { id: 'admin', email: 'admin@itsm.example' },
    }),
    'report',
  );
  const reportRun = await must(admin.post(`/v1/reports/${report.reportId}/runs`), 'report run');

  const ids = {
    service: services.map((s) => String(s.serviceId)),
    ci: [String(acmeCi.ciId), String(otherCi.ciId), String(acmeCi.number)],
    ticket: [...acmeTickets.slice(0, 2), ...globexTickets.slice(0, 1)].map((t) => String(t.number)),
    agreement: agreements.map((a) => String(a.agreementId)),
    customer: ['acme', 'globex'],
    contact: [acmeContacts[0], globexContacts[0]].filter(Boolean).map((c) => String(c!.contactId)),
    complaint: [
      String(acmeComplaint.complaintId ?? acmeComplaint.number),
      String(globexComplaint.complaintId ?? globexComplaint.number),
    ],
  };
  // The reporting service's jobs: an export of the admin's and a read-model rebuild.
  const exportJob = await must(admin.post('/v1/exports', { search: 'tickets', format: 'json' }), 'export');
  const rebuild = await must(admin.post('/v1/read-model/rebuilds', { services: ['portfolio'] }), 'rebuild');
  // An attachment on an open ACME ticket: asked for, PUT to its presigned URL, completed.
  const openTicket = acmeTickets.find((t) => t.status !== 'closed' && t.status !== 'cancelled')!;
  const asked = await must(
    admin.post(`/v1/tickets/${openTicket.number}/attachments`, {
      fileName: 'f.txt',
      contentType: 'text/plain',
      size: 1,
    }),
    'attachment',
  );
  const upload = asked.upload as { url: string; headers: Record<string, string> };
  await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: 'f' });
  const attachment = await must(
    admin.post(`/v1/tickets/${openTicket.number}/attachments/${(asked.attachment as Item).attachmentId}/completion`),
    'attachment completion',
  );
  // Change management (seeded): a change waiting for approval, a CAB, its meeting, a template.
  const changes = await items('/v1/changes?limit=10');
  const cab = (await items('/v1/cabs'))[0]!;
  const meeting = (await items('/v1/cab-meetings'))[0]!;
  const template = (await items('/v1/change-templates'))[0]!;
  // The forward schedule's windows and a calendar feed (its secret path answered once).
  const blackout = await must(
    admin.post('/v1/blackout-windows', {
      name: 'Fuzz freeze',
      start: '2099-12-20T00:00:00Z',
      end: '2100-01-03T00:00:00Z',
    }),
    'blackout',
  );
  const maintenance = await must(
    admin.post('/v1/maintenance-windows', {
      name: 'Fuzz window',
      ciId: String(acmeCi.ciId),
      days: ['sat'],
      start: '23:00',
      durationMinutes: 60,
      timeZone: 'Europe/Berlin',
    }),
    'maintenance window',
  );
  const feed = await must(admin.post('/v1/calendar-feeds', { name: 'Fuzz feed' }), 'calendar feed');
  // Release management (seeded): a release in planning bundling a change, and its strategy.
  const releases = await items('/v1/releases?limit=10');
  const strategy = (await items('/v1/release-strategies'))[0]!;
  const release = releases[0]!;
  // The definitive media library (seeded): a confirmed build.
  const media = (await items('/v1/media'))[0]!;
  const rel = relationships.find((r) => r.direction === 'outgoing');
  const one = (params: Record<string, string>) => [params];
  const byTemplate: Array<[RegExp, (p: PrincipalName) => Array<Record<string, string>>]> = [
    [/^\/v1\/services\/\{id\}\/acceptance-criteria/, () => one({ id: ids.service[0]!, criterionId: 'runbook' })],
    [/^\/v1\/services\/\{id\}/, () => ids.service.map((id) => ({ id }))],
    [/^\/v1\/ci-types\/\{typeId\}/, () => ['server', 'application'].map((typeId) => ({ typeId }))],
    [
      /^\/v1\/cis\/\{id\}\/relationships\/\{type\}/,
      () =>
        one({
          id: String(acmeCi.ciId),
          type: String(rel?.type ?? 'runs-on'),
          targetId: String(rel?.ciId ?? otherCi.ciId),
        }),
    ],
    [/^\/v1\/cis\/\{id\}/, () => ids.ci.map((id) => ({ id }))],
    [/^\/v1\/baselines\/\{id\}/, () => one({ id: String(baseline.baselineId) })],
    [/^\/v1\/verification-campaigns\/\{id\}/, () => one({ id: String(campaign.campaignId) })],
    [/^\/v1\/calendars\/\{calendarId\}/, () => ['office-berlin', 'always'].map((calendarId) => ({ calendarId }))],
    [/^\/v1\/agreements\/\{id\}/, () => ids.agreement.map((id) => ({ id }))],
    [
      /^\/v1\/tickets\/\{id\}\/tasks\/\{taskId\}/,
      () => one({ id: String(request?.number ?? 'REQ-1001'), taskId: String(tasks[0]?.taskId ?? '1') }),
    ],
    [
      /^\/v1\/tickets\/\{id\}\/attachments\/\{attachmentId\}/,
      () => one({ id: String(openTicket.number), attachmentId: String(attachment.attachmentId) }),
    ],
    [/^\/v1\/tickets\/\{id\}/, () => ids.ticket.map((id) => ({ id }))],
    [/^\/v1\/(queues\/)?groups\/\{group\}/, () => one({ group: 'web-team' })],
    [/^\/v1\/request-models\/\{id\}/, () => one({ id: 'new-laptop' })],
    [
      /^\/v1\/customers\/\{customerId\}\/contacts\/\{contactId\}/,
      () => [
        { customerId: 'acme', contactId: ids.contact[0]! },
        { customerId: 'globex', contactId: ids.contact[1]! },
      ],
    ],
    [
      /^\/v1\/customers\/\{customerId\}\/reviews\/\{reviewId\}/,
      () => one({ customerId: 'acme', reviewId: String(review.reviewId) }),
    ],
    [/^\/v1\/customers\/\{customerId\}/, () => ids.customer.map((customerId) => ({ customerId }))],
    [/^\/v1\/complaints\/\{id\}/, () => ids.complaint.map((id) => ({ id }))],
    [/^\/v1\/surveys\/\{token\}/, () => one({ token })],
    [
      /^\/v1\/search\/\{kind\}/,
      () => ['cis', 'services', 'agreements', 'customers', 'complaints'].map((kind) => ({ kind })),
    ],
    [/^\/v1\/pickers\/\{kind\}/, () => ['tickets', 'cis', 'users', 'groups'].map((kind) => ({ kind }))],
    [/^\/v1\/exports\/\{id\}/, () => one({ id: String(exportJob.exportId) })],
    [/^\/v1\/read-model\/rebuilds\/\{id\}/, () => one({ id: String(rebuild.rebuildId) })],
    [
      /^\/v1\/reports\/\{id\}\/runs\/\{runId\}/,
      () => one({ id: String(report.number), runId: String(reportRun.runId) }),
    ],
    [/^\/v1\/reports\/\{id\}/, () => [{ id: String(report.reportId) }, { id: String(report.number) }]],
    [/^\/v1\/kpis\/\{id\}/, () => one({ id: 'backlog' })],
    [/^\/v1\/changes\/\{id\}/, () => changes.flatMap((c) => [{ id: String(c.changeId) }, { id: String(c.number) }])],
    [/^\/v1\/people\/\{userId\}/, () => one({ userId: 'user-alice' })],
    [/^\/v1\/cabs\/\{id\}/, () => one({ id: String(cab.cabId) })],
    [/^\/v1\/cab-meetings\/\{id\}/, () => one({ id: String(meeting.meetingId) })],
    [/^\/v1\/change-templates\/\{id\}/, () => one({ id: String(template.templateId) })],
    [/^\/v1\/blackout-windows\/\{id\}/, () => one({ id: String(blackout.windowId) })],
    [/^\/v1\/maintenance-windows\/\{id\}/, () => one({ id: String(maintenance.windowId) })],
    [/^\/v1\/calendar-feeds\/\{feedId\}/, () => one({ feedId: String(feed.feedId) })],
    [/^\/v1\/change-calendars\/\{token\}/, () => one({ token: String(feed.path).split('/').pop()! })],
    [
      /^\/v1\/releases\/\{id\}\/changes\/\{changeId\}/,
      () => one({ id: String(release.releaseId), changeId: String((release.changeIds as string[])[0]) }),
    ],
    [/^\/v1\/releases\/\{id\}\/deployment\/waves\/\{wave\}/, () => one({ id: String(release.number), wave: '1' })],
    [/^\/v1\/releases\/\{id\}/, () => releases.flatMap((r) => [{ id: String(r.releaseId) }, { id: String(r.number) }])],
    [/^\/v1\/release-strategies\/\{id\}/, () => one({ id: String(strategy.strategyId) })],
    [/^\/v1\/media\/\{id\}/, () => one({ id: String(media.mediaId) })],
    // A pipeline name as CodePipeline allows it (registered or not: PUT registers it with If-Match "0").
    [/^\/v1\/pipelines\/\{name\}/, () => one({ name: 'fuzz-pipeline' })],
    [/^\/v1\/follow-ups\/\{id\}/, () => one({ id: String(followUps[0]!.followUpId ?? followUps[0]!.id) })],
  ];
  return {
    tokens: { admin: adminToken, customer: customerToken },
    existing: (op, principal) => {
      if (!op.params.length) return [{}];
      const found = byTemplate.find(([re]) => re.test(op.template));
      if (!found) throw new Error(`fuzz fixtures: no existing ids for ${op.template}`);
      return found[1](principal);
    },
  };
}
