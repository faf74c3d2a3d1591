import type { EventData } from '../../../shared/contracts/envelope';
import type { ReleaseDeploymentEnded } from '../../../shared/contracts/releases/v1';
import type { OperationContext } from '../../../shared/kit/context';
import { requireEnv } from '../../../shared/kit/env';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { sendMail } from '../../../shared/kit/mail';
import { table } from '../store';
import { loadRelease } from './record';

const OUTCOME_TEXT = { success: 'succeeded', failure: 'failed', 'rolled-back': 'failed and was rolled back' } as const;

/**
 * Stakeholders are told the outcome of a deployment (FitSM PR13.6): the addresses on the release
 * plan's `notify` list, with the outcome, the reason and a link to the release in the console.
 */
export async function mailOutcome(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const d = event.data as EventData<typeof ReleaseDeploymentEnded>;
  const r = await loadRelease(d.releaseId);
  const to = r.plan.notify;
  if (to.length > 0 && d.outcome) {
    const link = `${requireEnv('CONSOLE_URL')}/releases/${encodeURIComponent(r.releaseId)}`;
    await sendMail({
      to,
      subject: `${r.number} ${r.title}: deployment ${OUTCOME_TEXT[d.outcome]}`,
      text: [
        `The deployment of ${r.number} "${r.title}" ${OUTCOME_TEXT[d.outcome]} at ${d.endedAt}.`,
        d.reason ? `\n${d.reason}` : '',
        d.outcome === 'success'
          ? `\nEarly-life support lasts until ${r.earlyLife?.until ?? 'the end of its period'}.`
          : '',
        '',
        `The release: ${link}`,
      ]
        .filter((l, i, a) => l !== '' || a[i - 1] !== '')
        .join('\n'),
      tags: { release: r.number, kind: 'deployment-outcome' },
    });
  }
  // Sent, then recorded: a crash in between sends the mail again on the retry (at least once).
  await table().recordHandled(ctx);
}
