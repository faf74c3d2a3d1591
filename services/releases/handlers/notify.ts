import { ReleaseDeploymentEnded } from '../../../shared/contracts/releases/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { mailOutcome } from '../use-cases/notify';

/** Tells the release's stakeholders how its deployment ended. */
export const handler = eventConsumer('releases-notify', [ReleaseDeploymentEnded], {
  ReleaseDeploymentEnded: { idempotency: 'inbox', handle: mailOutcome },
});
