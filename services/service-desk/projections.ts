/**
 * What each GSI of the service-desk table copies besides its keys (see the index table in
 * `store.ts`). Every ticket change bumps `version`, so it rewrites each index entry the ticket
 * has whatever is projected: a small projection makes those entries ~1 WCU instead of the whole
 * item's size. SLA clock copies (`slaClocks`, `slaTicketVersion`, `slaAgreementId`) and the other
 * unversioned attributes are projected nowhere, so storing new clocks writes no index entry
 * unless the deadline moves. Attribute names are the stored ones (`ticketType`, `slaDeadline`).
 *
 * DynamoDB allows at most 100 projected non-key attributes over all indexes of a table.
 * The readers (`summaryOf`, `customerSummaryOf`, `toComment`, `toAttachment`) read only these attributes.
 */

/** A queue line: what `summaryOf` returns (agent, group, deadline and staff customer queues). */
export const TICKET_SUMMARY_ATTRS = [
  'ticketId',
  'number',
  'ticketType',
  'title',
  'status',
  'pendingReason',
  'priority',
  'assignmentGroup',
  'assigneeId',
  'customerId',
  'major',
  'slaDeadline',
  'createdAt',
  'version',
] as const;

/**
 * What a customer user sees in their organisation's queue (`customerSummaryOf`): the portal view
 * without the unbounded free text (description, form, resolution summary), which the ticket
 * itself (`GET /v1/tickets/{id}`) still returns.
 */
export const CUSTOMER_SUMMARY_ATTRS = [
  'channel',
  'caller',
  'serviceId',
  'category',
  'impact',
  'urgency',
  'resolutionCode',
  'resolvedAt',
  'closedAt',
  'firstRespondedAt',
  'modelId',
  'reopenCount',
  'updatedAt',
] as const;

/** A public comment as the customer comment list returns it (`toComment`); written once. */
export const COMMENT_ATTRS = ['commentId', 'visibility', 'kind', 'text', 'author', 'byCaller', 'createdAt'] as const;

/** An attachment as the customer attachment list returns it (`toAttachment`); written once. */
export const ATTACHMENT_ATTRS = [
  'attachmentId',
  'ticketId',
  'commentId',
  'fileName',
  'contentType',
  'size',
  'visibility',
  'status',
  'uploadedBy',
  'createdAt',
] as const;

const union = (...lists: ReadonlyArray<readonly string[]>) => [...new Set(lists.flat())];

export const PROJECTIONS = {
  /** Agent queue + public comments + public attachments. */
  gsi1: union(TICKET_SUMMARY_ATTRS, COMMENT_ATTRS, ATTACHMENT_ATTRS),
  /** Group queue. */
  gsi2: union(TICKET_SUMMARY_ATTRS),
  /** Breaching-soon queue. */
  gsi3: union(TICKET_SUMMARY_ATTRS),
  /** Customer queue: staff see the summary, customer users the customer summary. */
  gsi4: union(TICKET_SUMMARY_ATTRS, CUSTOMER_SUMMARY_ATTRS),
  /** Auto-close reads each due ticket itself (hourly, strongly consistent), so keys suffice. */
  gsi5: 'keys-only',
} as const;
