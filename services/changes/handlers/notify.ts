import { ChangeApprovalRequested } from '../../../shared/contracts/changes/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { mailApprovers } from '../use-cases/notify';

/** Mails approvers when a level opens or escalates. */
export const handler = eventConsumer('changes-notify', [ChangeApprovalRequested], {
  ChangeApprovalRequested: { idempotency: 'inbox', handle: mailApprovers },
});
