import { changeRequestedBy } from '../../../shared/contracts/changes/v1';
import {
  CiRegistered,
  CiRetired,
  CiUpdated,
  RelationshipAdded,
  RelationshipRemoved,
} from '../../../shared/contracts/configuration/v1';
import { ServiceRegistered, ServiceRetired, ServiceUpdated } from '../../../shared/contracts/portfolio/v1';
import {
  ChangeRequested as ReleaseChangeRequested,
  ReleaseDeploymentEnded,
  ReleaseDeploymentStarted,
  ReleaseScheduled,
} from '../../../shared/contracts/releases/v1';
import { TicketCreated } from '../../../shared/contracts/service-desk/v1';
import { AgreementChanged, AgreementCreated } from '../../../shared/contracts/service-level/v1';
import { eventConsumer } from '../../../shared/kit/handlers';
import { raiseFromRequest } from '../use-cases/changes';
import { applyAgreement, applyCi, applyRelationship, applyService } from '../use-cases/graph';
import { linkIncident } from '../use-cases/implementation';
import { endWithRelease, followReleaseSchedule, startWithRelease } from '../use-cases/releases';

/** Who may raise an RFC by event today; each new publisher adds its own `ChangeRequested` here. */
export const CHANGE_REQUESTERS = [changeRequestedBy('itsm.service-desk'), ReleaseChangeRequested];

/**
 * The changes service's consumer: its copy of the CI graph, services and agreements (impact and
 * conflicts, ADR 31); RFCs raised by other services; desk incidents on recently changed CIs; the
 * releases that bundle changes (their window, their deployment's start and outcome).
 */
export const handler = eventConsumer(
  'changes',
  [
    CiRegistered,
    CiUpdated,
    CiRetired,
    RelationshipAdded,
    RelationshipRemoved,
    ServiceRegistered,
    ServiceUpdated,
    ServiceRetired,
    AgreementCreated,
    AgreementChanged,
    TicketCreated,
    ...CHANGE_REQUESTERS,
    ReleaseScheduled,
    ReleaseDeploymentStarted,
    ReleaseDeploymentEnded,
  ],
  {
    CiRegistered: { idempotency: 'by-version', handle: applyCi },
    CiUpdated: { idempotency: 'by-version', handle: applyCi },
    CiRetired: { idempotency: 'by-version', handle: applyCi },
    // Each edge moves only forward on its event's instant; adjacency is derived again from the edges.
    RelationshipAdded: { idempotency: 'by-version', handle: applyRelationship },
    RelationshipRemoved: { idempotency: 'by-version', handle: applyRelationship },
    ServiceRegistered: { idempotency: 'by-version', handle: applyService },
    ServiceUpdated: { idempotency: 'by-version', handle: applyService },
    ServiceRetired: { idempotency: 'by-version', handle: applyService },
    AgreementCreated: { idempotency: 'by-version', handle: applyAgreement },
    AgreementChanged: { idempotency: 'by-version', handle: applyAgreement },
    // Links written to changes: the inbox marker goes with the last write.
    TicketCreated: { idempotency: 'inbox', handle: linkIncident },
    // A change raised once per (source, requestId): the request key and the inbox marker go with it.
    ChangeRequested: { idempotency: 'inbox', handle: raiseFromRequest },
    // Changes follow their release (FitSM PR13.3, PR13.6): each change written on its own; the
    // release version followed goes with a move, starts and ends go by status; the marker goes last.
    ReleaseScheduled: { idempotency: 'inbox', handle: followReleaseSchedule },
    ReleaseDeploymentStarted: { idempotency: 'inbox', handle: startWithRelease },
    ReleaseDeploymentEnded: { idempotency: 'inbox', handle: endWithRelease },
  },
);
