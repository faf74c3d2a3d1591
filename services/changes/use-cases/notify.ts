import type { ChangeApprovalRequested } from '../../../shared/contracts/changes/v1';
import type { EventData } from '../../../shared/contracts/envelope';
import type { OperationContext } from '../../../shared/kit/context';
import { requireEnv } from '../../../shared/kit/env';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { logger } from '../../../shared/kit/logger';
import { sendMail } from '../../../shared/kit/mail';
import { keys, table } from '../store';

/**
 * Mail the approvers a level asks by name (FitSM PR12.4). The mail links to the console's
 * decision page, where the approver signs in and decides with a rationale: the link itself decides
 * nothing, because mail scanners follow links (a GET never changes a change). Approvers asked
 * through a role find the change in their inbox in the console.
 */
export async function mailApprovers(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const r = event.data as EventData<typeof ChangeApprovalRequested>;
  const people = await table().batchGet(r.approverIds.map(keys.person));
  const to = [...new Set(people.flatMap((p) => (p.email ? [String(p.email)] : [])))];
  const missing = r.approverIds.filter((u) => !people.some((p) => p.userId === u && p.email));
  if (missing.length) logger.warn('approvers without a recorded e-mail address', { number: r.number, missing });
  if (to.length > 0) {
    const link = `${requireEnv('CONSOLE_URL')}/changes/${encodeURIComponent(r.changeId)}/decision`;
    await sendMail({
      to,
      subject: `${r.escalated ? 'Escalated: ' : ''}Approval needed: ${r.number} ${r.title} (level ${r.level}, ${r.levelName})`,
      text: [
        `${r.number} "${r.title}" waits for your decision at approval level ${r.level} (${r.levelName}).`,
        r.dueAt ? `Please decide by ${r.dueAt}.` : '',
        '',
        `Review the change and approve or reject it, with your rationale, here:`,
        link,
        '',
        'Opening the link decides nothing; you decide on the page after signing in.',
      ]
        .filter((l, i, a) => l !== '' || a[i - 1] !== '')
        .join('\n'),
      tags: { change: r.number, kind: 'approval-request' },
    });
  }
  // Sent, then recorded: a crash in between sends the mail again on the retry (at least once).
  await table().recordHandled(ctx);
}
