import type * as z from 'zod/mini';
import { TicketChanged, TicketEscalated } from '../../../shared/contracts/service-desk/v1';
import type { SlaBreached, SlaClocksChanged } from '../../../shared/contracts/service-level/v1';
import type { Principal } from '../../../shared/kit/auth';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent, type ReceivedEvent } from '../../../shared/kit/events';
import { handled } from '../../../shared/kit/store';
import { assertCanSee } from '../access';
import type { DeskSettings, EscalationRule } from '../domain/settings';
import { isOpenWork } from '../domain/ticket';
import type { EscalationBody } from '../schemas';
import { type Escalation, indexKeys, keys, snapshot, type Ticket, type TicketState, table, toTicket } from '../store';
import { findGroup, loadSettings } from './settings';
import { commitChange, loadTicket, stateOf, withTicket } from './ticket-work';

/**
 * Escalation (FitSM PR9.3): functional (to another group) and hierarchical (to management),
 * by hand or by rule when an SLA clock reaches its warning share or its target. Every escalation
 * is kept on the record and announced with TicketEscalated.
 */
type Planned = Omit<Escalation, 'at' | 'by'>;

/** Apply escalations to a ticket in one change: the functional one moves the ticket to the new group. */
async function escalate(
  ctx: OperationContext,
  before: Ticket,
  planned: Planned[],
  by: string,
  handles?: string,
): Promise<Ticket> {
  const now = new Date().toISOString();
  const after: TicketState = { ...stateOf(before), changedAt: now };
  const entries: Escalation[] = planned.map((e) => ({ ...e, at: now, by }));
  for (const e of entries) {
    if (e.kind === 'functional') {
      after.assignmentGroup = e.to;
      delete after.assigneeId;
      if (after.status === 'new' || after.status === 'in-progress') after.status = 'assigned';
    }
  }
  // History on the record; the newest 100 are kept on the ticket, the audit trail keeps them all.
  after.escalations = [...before.escalations, ...entries].slice(-100);
  return commitChange(ctx, before, after, {
    ...(handles !== undefined ? { handles } : {}),
    event: TicketChanged,
    action: `escalated (${entries.map((e) => `${e.kind} to ${e.to}`).join('; ')})`,
    reason: entries.map((e) => e.reason).join('; '),
    events: (t, changes) =>
      entries.map((e) =>
        buildEvent(
          TicketEscalated,
          {
            ticket: snapshot(t, t.version),
            changes,
            escalation: {
              kind: e.kind,
              trigger: e.trigger,
              reason: e.reason,
              ...(e.from ? { from: e.from } : {}),
              to: e.to,
            },
          },
          ctx,
        ),
      ),
  });
}

export async function manualEscalation(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof EscalationBody>,
) {
  return withTicket(idOrNumber, undefined, async (before) => {
    assertCanSee(p, before, idOrNumber);
    if (!isOpenWork(before.status))
      throw new ConflictError(
        `Ticket ${before.number} is ${before.status}; only open tickets escalate.`,
        'ticket-not-open',
      );
    let planned: Planned;
    if (input.kind === 'functional') {
      if (!input.toGroup)
        throw new ValidationError('Name the group the ticket moves to.', [
          { field: 'body.toGroup', message: 'is required for a functional escalation' },
        ]);
      if (input.toGroup === before.assignmentGroup)
        throw new ValidationError('The ticket is already with that group.', [
          { field: 'body.toGroup', message: 'must differ from the current group' },
        ]);
      planned = {
        kind: 'functional',
        trigger: 'manual',
        reason: input.reason,
        from: before.assignmentGroup,
        to: input.toGroup,
      };
    } else {
      const group = await findGroup(before.assignmentGroup);
      if (!group?.managerId)
        throw new DomainError(
          'no-manager-configured',
          422,
          `Group ${before.assignmentGroup} has no manager; set one with PUT /v1/groups/${before.assignmentGroup}.`,
        );
      planned = {
        kind: 'hierarchical',
        trigger: 'manual',
        reason: input.reason,
        from: before.assignmentGroup,
        to: group.managerId,
      };
    }
    return escalate(ctx, before, [planned], p.id);
  });
}

/** Whom a rule escalates to: the group's manager and/or the duty manager, and a new group. */
export async function planByRule(
  rule: EscalationRule,
  settings: DeskSettings,
  t: Ticket,
  trigger: 'sla-warning' | 'sla-breach',
  reason: string,
): Promise<Planned[]> {
  const out: Planned[] = [];
  if (rule.reassignToGroup && rule.reassignToGroup !== t.assignmentGroup)
    out.push({ kind: 'functional', trigger, reason, from: t.assignmentGroup, to: rule.reassignToGroup });
  const targets = new Set<string>();
  if (rule.notify === 'group-manager' || rule.notify === 'both') {
    const manager = (await findGroup(t.assignmentGroup))?.managerId;
    if (manager) targets.add(manager);
  }
  if (
    rule.notify === 'duty-manager' ||
    rule.notify === 'both' ||
    (rule.notify === 'group-manager' && targets.size === 0)
  ) {
    // No group manager to tell: the duty manager hears of it instead, rather than nobody.
    const duty = settings.escalation.dutyManager?.id;
    if (duty) targets.add(duty);
  }
  for (const to of targets) out.push({ kind: 'hierarchical', trigger, reason, from: t.assignmentGroup, to });
  return out;
}

type Moment = z.infer<typeof SlaBreached.data> & { share?: number };

/** SlaWarningReached and SlaBreached: escalate by the configured rules (PR9.3, e.g. "SLA at 75%"). */
export async function onSlaMoment(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const m = event.data as Moment;
  const warning = event.detailType === 'SlaWarningReached';
  const t = await loadTicket(m.ticketId, true).catch((err) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  const { settings } = await loadSettings();
  if (!t || !isOpenWork(t.status)) {
    await table().recordHandled(ctx);
    return;
  }
  const reason = warning
    ? `${m.clock} clock at ${Math.round((m.share ?? 0) * 100)}% of ${m.targetMinutes} min (${m.agreementId}); deadline ${m.deadline}`
    : `${m.clock} target of ${m.targetMinutes} min breached (${m.agreementId}) at ${m.at}`;
  const rule = warning ? settings.escalation.onWarning : settings.escalation.onBreach;
  const planned = await planByRule(rule, settings, t, warning ? 'sla-warning' : 'sla-breach', reason);
  if (planned.length === 0) {
    await table().commit(ctx, {
      writes: [],
      handles: handled(ctx),
      history: [
        {
          pk: keys.ticket(t.ticketId).pk,
          entityType: 'ticket',
          entityId: t.ticketId,
          action: warning ? 'SLA warning (no escalation rule applies)' : 'SLA breach (no escalation rule applies)',
          reason,
        },
      ],
    });
    return;
  }
  // A race with a person's change fails the version check: the event is retried on the new version.
  await escalate(ctx, t, planned, ctx.actor.id, handled(ctx));
}

type Clocks = z.infer<typeof SlaClocksChanged.data>;

/** Keep the newest clocks of a ticket, and its place in the breaching-soon queue. */
export async function applySlaClocks(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const c = event.data as Clocks;
  const item = await table().get(keys.ticket(c.ticketId), true);
  // Older or the same clocks: already applied (or overtaken), nothing to do.
  if (!item || Number(item.slaTicketVersion ?? 0) >= c.ticketVersion) return;
  const running = c.clocks.filter((k) => k.state === 'running' && k.deadline).map((k) => k.deadline!);
  const deadline = running.sort()[0];
  const t = toTicket(item);
  const idx = indexKeys(stateOf(t), deadline);
  try {
    await table().commit(ctx, {
      writes: [
        {
          kind: 'update',
          key: keys.ticket(c.ticketId),
          set: {
            slaTicketVersion: c.ticketVersion,
            slaClocks: c.clocks,
            ...(c.agreementId ? { slaAgreementId: c.agreementId } : {}),
            ...(deadline ? { slaDeadline: deadline } : {}),
            ...(idx.gsi3pk ? { gsi3pk: idx.gsi3pk, gsi3sk: idx.gsi3sk } : {}),
          },
          remove: [
            ...(c.agreementId ? [] : ['slaAgreementId']),
            ...(deadline ? [] : ['slaDeadline']),
            ...(idx.gsi3pk ? [] : ['gsi3pk', 'gsi3sk']),
          ],
          // Only newer clocks win, whatever order the events arrive in.
          ifBelow: { attribute: 'slaTicketVersion', value: c.ticketVersion },
        },
      ],
    });
  } catch (err) {
    // Newer clocks were stored meanwhile (or the ticket went): this event is overtaken.
    if (!(err instanceof ConflictError)) throw err;
  }
}
