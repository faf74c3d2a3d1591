import { serviceEvents } from '../../../shared/contracts/portfolio/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { changeSnapshotEvents } from '../service';
import { applyChangeEvent } from '../use-cases/changes';
import { applyServiceEvent } from '../use-cases/services';

// A copy written only while the owner's version is newer: duplicates and older events change nothing.
const copy = { idempotency: 'by-version', handle: applyServiceEvent } as const;
const changeCopy = { idempotency: 'by-version', handle: applyChangeEvent } as const;

/** Consumer of portfolio and change events: keeps the copies of services and changes. */
export const handler = eventConsumer('configuration', [...serviceEvents, ...changeSnapshotEvents], {
  ServiceRegistered: copy,
  ServiceUpdated: copy,
  ServiceRetired: copy,
  ...Object.fromEntries(changeSnapshotEvents.map((e) => [e.detailType, changeCopy])),
});
