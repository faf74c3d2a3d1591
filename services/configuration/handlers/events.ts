import { serviceEvents } from '../../../shared/contracts/portfolio/v1';
import { ReleasePackageRecorded } from '../../../shared/contracts/releases/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { BASELINE_REQUESTERS, changeSnapshotEvents } from '../service';
import { captureRequested } from '../use-cases/baselines';
import { applyChangeEvent } from '../use-cases/changes';
import { recordPackage } from '../use-cases/packages';
import { applyServiceEvent } from '../use-cases/services';

// A copy written only while the owner's version is newer: duplicates and older events change nothing.
const copy = { idempotency: 'by-version', handle: applyServiceEvent } as const;
const changeCopy = { idempotency: 'by-version', handle: applyChangeEvent } as const;

/** Consumer of portfolio and change events (the copies of services and changes), baseline requests and release packages. */
export const handler = eventConsumer(
  'configuration',
  [...serviceEvents, ...changeSnapshotEvents, ...BASELINE_REQUESTERS, ReleasePackageRecorded],
  {
    ServiceRegistered: copy,
    ServiceUpdated: copy,
    ServiceRetired: copy,
    ...Object.fromEntries(changeSnapshotEvents.map((e) => [e.detailType, changeCopy])),
    // One baseline per (source, requestId): the request key and the inbox marker go with its header.
    BaselineRequested: { idempotency: 'inbox', handle: captureRequested },
    // One CI per packageId (its external key), each relationship once; the inbox marker goes last.
    ReleasePackageRecorded: { idempotency: 'inbox', handle: recordPackage },
  },
);
