import { serviceEvents } from '../../../shared/contracts/portfolio/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { BASELINE_REQUESTERS, changeSnapshotEvents } from '../service';
import { captureRequested } from '../use-cases/baselines';
import { applyChangeEvent } from '../use-cases/changes';
import { applyServiceEvent } from '../use-cases/services';

// A copy written only while the owner's version is newer: duplicates and older events change nothing.
const copy = { idempotency: 'by-version', handle: applyServiceEvent } as const;
const changeCopy = { idempotency: 'by-version', handle: applyChangeEvent } as const;

/** Consumer of portfolio and change events (the copies of services and changes) and of baseline requests. */
export const handler = eventConsumer(
  'configuration',
  [...serviceEvents, ...changeSnapshotEvents, ...BASELINE_REQUESTERS],
  {
    ServiceRegistered: copy,
    ServiceUpdated: copy,
    ServiceRetired: copy,
    ...Object.fromEntries(changeSnapshotEvents.map((e) => [e.detailType, changeCopy])),
    // One baseline per (source, requestId): the request key and the inbox marker go with its header.
    BaselineRequested: { idempotency: 'inbox', handle: captureRequested },
  },
);
