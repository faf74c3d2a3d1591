import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { api, describeError, must } from '../api/client';
import { label, PENDING_REASONS, RESOLUTION_CODES } from '../api/desk';
import type { Ticket } from '../api/ticket';
import { isCustomer, type Session } from '../auth';

/** The actions a ticket's status allows, for this user; each becomes one API call with If-Match. */
export type ActionId =
  | 'assign-me'
  | 'assign'
  | 'start'
  | 'pending'
  | 'resolve'
  | 'close'
  | 'confirm'
  | 'reopen'
  | 'cancel'
  | 'escalate'
  | 'major'
  | 'major-update'
  | 'major-review';

export interface Pending {
  id: ActionId;
  body: Record<string, unknown>;
  /** Past tense, for the message ("resolved"). */
  done: string;
}

const OPEN = ['new', 'assigned', 'in-progress', 'pending'];

export function actionsFor(t: Ticket, s: Session): { id: ActionId; text: string; primary?: boolean }[] {
  const me = `user-${s.name}`;
  if (isCustomer(s)) {
    const out: { id: ActionId; text: string; primary?: boolean }[] = [];
    if (t.status === 'resolved') out.push({ id: 'confirm', text: 'Confirm resolution', primary: true });
    if (t.status === 'resolved' || t.status === 'closed') out.push({ id: 'reopen', text: 'Reopen' });
    if (OPEN.includes(t.status)) out.push({ id: 'cancel', text: 'Withdraw' });
    return out;
  }
  if (s.roles.includes('auditor') && s.roles.length === 1) return [];
  const out: { id: ActionId; text: string; primary?: boolean }[] = [];
  if (OPEN.includes(t.status)) {
    if (t.assigneeId !== me) out.push({ id: 'assign-me', text: 'Assign to me' });
    out.push({ id: 'resolve', text: 'Resolve', primary: true });
    out.push({ id: 'assign', text: 'Assign…' });
    if (t.status !== 'in-progress') out.push({ id: 'start', text: 'Start work' });
    if (t.status !== 'pending') out.push({ id: 'pending', text: 'Set pending…' });
    out.push({ id: 'escalate', text: 'Escalate…' });
    if (t.type === 'incident' && !t.major) out.push({ id: 'major', text: 'Declare major incident…' });
    if (t.major) out.push({ id: 'major-update', text: 'Major incident update…' });
    out.push({ id: 'cancel', text: 'Cancel…' });
  }
  if (t.status === 'resolved') out.push({ id: 'close', text: 'Close', primary: true });
  if (t.status === 'resolved' || t.status === 'closed') out.push({ id: 'reopen', text: 'Reopen…' });
  if (t.major && (t.status === 'resolved' || t.status === 'closed'))
    out.push({ id: 'major-review', text: 'Major incident review…' });
  return out;
}

/** Apply an action to the ticket as read at `against.version` (409 when someone changed it since). */
export async function runAction(p: Pending, against: Ticket): Promise<void> {
  const c = api();
  const id = against.ticketId;
  const v = `"${against.version}"`;
  const headers = { 'if-match': v };
  const body = p.body as never;
  switch (p.id) {
    case 'assign-me':
    case 'assign':
    case 'start':
    case 'pending':
      await must(c.PATCH('/v1/tickets/{id}', { params: { path: { id }, header: { 'If-Match': v } }, body }));
      return;
    case 'resolve':
      await must(c.POST('/v1/tickets/{id}/resolve', { params: { path: { id } }, headers, body }));
      return;
    case 'close':
    case 'confirm':
      await must(c.POST('/v1/tickets/{id}/close', { params: { path: { id } }, headers, body }));
      return;
    case 'reopen':
      await must(c.POST('/v1/tickets/{id}/reopen', { params: { path: { id } }, headers, body }));
      return;
    case 'cancel':
      await must(c.POST('/v1/tickets/{id}/cancel', { params: { path: { id } }, headers, body }));
      return;
    case 'escalate':
      await must(c.POST('/v1/tickets/{id}/escalations', { params: { path: { id } }, body }));
      return;
    case 'major':
      await must(c.POST('/v1/tickets/{id}/major', { params: { path: { id } }, body }));
      return;
    case 'major-update':
      await must(c.POST('/v1/tickets/{id}/major/updates', { params: { path: { id } }, body }));
      return;
    case 'major-review':
      await must(c.POST('/v1/tickets/{id}/major/review', { params: { path: { id } }, body }));
      return;
  }
}

export const assignToMe = (me: string, t: Ticket): Pending => ({
  id: 'assign-me',
  body: { assigneeId: me, ...(t.status === 'new' ? { status: 'assigned' } : {}) },
  done: 'assigned to you',
});

const TITLES: Record<ActionId, string> = {
  'assign-me': 'Assign to me',
  assign: 'Assign',
  start: 'Start work',
  pending: 'Set pending',
  resolve: 'Resolve',
  close: 'Close',
  confirm: 'Confirm resolution',
  reopen: 'Reopen',
  cancel: 'Cancel the ticket',
  escalate: 'Escalate',
  major: 'Declare a major incident',
  'major-update': 'Major incident update',
  'major-review': 'Major incident review',
};

/** The form of an action (what it needs), then its call; errors stay in the form with the fields. */
export function ActionModal(props: {
  action: ActionId;
  ticket: Ticket;
  /** The signed-in user's id. */
  me: string;
  onDismiss: () => void;
  onSubmit: (p: Pending) => Promise<void>;
}) {
  const { action, ticket } = props;
  const [f, setF] = useState<Record<string, string>>({
    code: ticket.type === 'request' ? 'fulfilled' : 'fixed',
    pendingReason: 'awaiting-caller',
    kind: 'functional',
    group: ticket.assignmentGroup ?? '',
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const set = (k: string) => (e: { detail: { value: string } }) => setF((x) => ({ ...x, [k]: e.detail.value }));
  const reason = f.reason?.trim() ? { reason: f.reason.trim() } : {};

  const pending = (): Pending => {
    switch (action) {
      case 'assign-me':
        return assignToMe(props.me, ticket);
      case 'assign':
        return {
          id: action,
          body: {
            ...(f.group ? { assignmentGroup: f.group } : {}),
            ...(f.assignee ? { assigneeId: f.assignee } : {}),
            ...(ticket.status === 'new' ? { status: 'assigned' } : {}),
            ...reason,
          },
          done: 'assigned',
        };
      case 'start':
        return { id: action, body: { status: 'in-progress' }, done: 'work started' };
      case 'pending':
        return {
          id: action,
          body: { status: 'pending', pendingReason: f.pendingReason, ...reason },
          done: 'set pending',
        };
      case 'resolve':
        return { id: action, body: { resolutionCode: f.code, resolutionSummary: f.summary ?? '' }, done: 'resolved' };
      case 'close':
        return { id: action, body: f.comment ? { comment: f.comment } : {}, done: 'closed' };
      case 'confirm':
        return { id: action, body: f.comment ? { comment: f.comment } : {}, done: 'resolution confirmed, closed' };
      case 'reopen':
        return { id: action, body: { reason: f.reason ?? '' }, done: 'reopened' };
      case 'cancel':
        return { id: action, body: { reason: f.reason ?? '' }, done: 'cancelled' };
      case 'escalate':
        return {
          id: action,
          body: {
            kind: f.kind,
            reason: f.reason ?? '',
            ...(f.kind === 'functional' && f.group ? { toGroup: f.group } : {}),
          },
          done: 'escalated',
        };
      case 'major':
        return { id: action, body: f.reason ? { reason: f.reason } : {}, done: 'declared a major incident' };
      case 'major-update':
        return { id: action, body: { summary: f.summary ?? '' }, done: 'update sent' };
      case 'major-review':
        return {
          id: action,
          body: {
            findings: f.findings ?? '',
            ...(f.rootCause ? { rootCause: f.rootCause } : {}),
            actions: (f.actions ?? '')
              .split('\n')
              .map((l) => l.trim())
              .filter(Boolean)
              .map((title) => ({ title })),
          },
          done: 'review recorded',
        };
    }
  };

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit(pending());
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const fields = (() => {
    switch (action) {
      case 'assign':
        return (
          <>
            <FormField label="Assignment group">
              <Input value={f.group ?? ''} onChange={set('group')} autoFocus />
            </FormField>
            <FormField label="Assignee (user id)" description="For example user-bob; empty keeps the assignee">
              <Input value={f.assignee ?? ''} onChange={set('assignee')} />
            </FormField>
            <FormField label="Reason (kept in the history)">
              <Input value={f.reason ?? ''} onChange={set('reason')} />
            </FormField>
          </>
        );
      case 'pending':
        return (
          <>
            <FormField label="Waiting for">
              <Select
                selectedOption={{ value: f.pendingReason, label: label(f.pendingReason ?? '') }}
                options={PENDING_REASONS.map((r) => ({ value: r, label: label(r) }))}
                onChange={(e) =>
                  setF((x) => ({ ...x, pendingReason: e.detail.selectedOption.value ?? 'awaiting-caller' }))
                }
              />
            </FormField>
            <FormField label="Reason (kept in the history)">
              <Input value={f.reason ?? ''} onChange={set('reason')} />
            </FormField>
          </>
        );
      case 'resolve':
        return (
          <>
            <FormField label="Resolution code">
              <Select
                selectedOption={{ value: f.code, label: label(f.code ?? '') }}
                options={RESOLUTION_CODES.map((r) => ({ value: r, label: label(r) }))}
                onChange={(e) => setF((x) => ({ ...x, code: e.detail.selectedOption.value ?? 'fixed' }))}
              />
            </FormField>
            <FormField label="Resolution summary" description="The caller reads this">
              <Textarea value={f.summary ?? ''} onChange={set('summary')} />
            </FormField>
          </>
        );
      case 'close':
      case 'confirm':
        return (
          <FormField label="Comment (optional)">
            <Textarea value={f.comment ?? ''} onChange={set('comment')} />
          </FormField>
        );
      case 'reopen':
      case 'cancel':
        return (
          <FormField label="Reason">
            <Textarea value={f.reason ?? ''} onChange={set('reason')} />
          </FormField>
        );
      case 'escalate':
        return (
          <>
            <FormField label="Kind">
              <RadioGroup
                value={f.kind ?? 'functional'}
                onChange={set('kind')}
                items={[
                  { value: 'functional', label: 'Functional: to another group' },
                  { value: 'hierarchical', label: 'Hierarchical: to management' },
                ]}
              />
            </FormField>
            {f.kind === 'functional' ? (
              <FormField label="To group">
                <Input value={f.group ?? ''} onChange={set('group')} />
              </FormField>
            ) : null}
            <FormField label="Reason">
              <Textarea value={f.reason ?? ''} onChange={set('reason')} />
            </FormField>
          </>
        );
      case 'major':
        return (
          <FormField label="Reason" description="Needed when the ticket meets no major-incident criterion">
            <Textarea value={f.reason ?? ''} onChange={set('reason')} />
          </FormField>
        );
      case 'major-update':
        return (
          <FormField label="Update for stakeholders">
            <Textarea value={f.summary ?? ''} onChange={set('summary')} />
          </FormField>
        );
      case 'major-review':
        return (
          <>
            <FormField label="Findings">
              <Textarea value={f.findings ?? ''} onChange={set('findings')} />
            </FormField>
            <FormField label="Root cause (optional)">
              <Input value={f.rootCause ?? ''} onChange={set('rootCause')} />
            </FormField>
            <FormField label="Actions, one per line">
              <Textarea value={f.actions ?? ''} onChange={set('actions')} />
            </FormField>
          </>
        );
      default:
        return (
          <Box>
            Apply “{TITLES[action]}” to {ticket.number}?
          </Box>
        );
    }
  })();

  return (
    <Modal
      visible
      header={`${TITLES[action]}: ${ticket.number}`}
      onDismiss={props.onDismiss}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={props.onDismiss}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} onClick={() => void submit()}>
              {TITLES[action]}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        {fields}
        {error ? (
          <div role="alert">
            <Box color="text-status-error">{error}</Box>
          </div>
        ) : null}
      </SpaceBetween>
    </Modal>
  );
}
