import { requireEnv } from '../../shared/kit/env';
import { type Key, Store } from '../../shared/kit/store';

/**
 * Item layout of the service-level table (pk + sk; indexes gsi1, gsi2 and the sparse, keys-only `due`).
 *
 * | item                 | pk                          | sk            | gsi1pk / gsi1sk                          | gsi2pk / gsi2sk                    | duepk / duesk                     |
 * |----------------------|-----------------------------|---------------|------------------------------------------|------------------------------------|-----------------------------------|
 * | calendar             | CAL#<calendarId>            | CAL           | CALENDARS / <calendarId>                 |                                    |                                   |
 * | agreement            | AGR#<SLA-3>                 | AGR           | AGREEMENTS / <kind>#<000003>             | CUSTAGR#<customerId> / <SLA-3>     | REVIEW / <reviewDate>#<SLA-3> (not expired) |
 * | agreement history    | AGR#<SLA-3>                 | HIST#<ulid>   |                                          |                                    |                                   |
 * | agreement terms      | AGR#<SLA-3>                 | TERMS#<n>     |                                          |                                    |                                   |
 * | coverage (active SLA)| COVER#<customerId>#<svcId>  | COVER         |                                          |                                    |                                   |
 * | default coverage     | COVER#DEFAULT               | COVER         |                                          |                                    |                                   |
 * | service copy         | SVC#<serviceId>             | COPY          |                                          |                                    |                                   |
 * | ticket clocks        | TKT#<ticketId>              | CLOCKS        |                                          |                                    | DUE#<shard> / <iso>#<ticketId> (while something is due) |
 * |                      |                             |               | all: CLOCKS#<shard> / <ticketId> (keys only: every ticket's clocks, for a resync) |      |                                   |
 * | ticket number alias  | TKTNUM#<INC-1001>           | ALIAS         |                                          |                                    |                                   |
 * | ticket history       | TKT#<ticketId>              | HIST#<ulid>   |                                          |                                    |                                   |
 * | clock outcome        | TKT#<ticketId>              | OUT#<clock>   | COMPLIANCE#<SLA-3>#<YYYY-MM> / <clock>#<ticketId> |                           |                                   |
 * | notification marker  | TKT#<ticketId>              | NOTE#<clock>#<warning/breach> |                          |                                    |                                   |
 * | violation notice     | NOTICE#<noticeId>           | NOTICE        | NOTICES / <breachedAt>#<noticeId>        | CUSTNOTICES#<customerId> / <breachedAt>#<noticeId> |                   |
 *
 * Every read on a request path or schedule is a GetItem or a key-condition Query; nothing scans.
 * Coverage items make "which SLA covers (customer, service)" one GetItem, and their
 * create-if-absent condition enforces one active SLA per pair and one active default SLA.
 * Terms (targets, calendar, warning share) are immutable snapshots: a ticket's timeline names
 * `SLA-3@2`, so editing an agreement never re-measures time already spent under the old terms.
 */
export const keys = {
  agreement: (id: string): Key => ({ pk: `AGR#${id}`, sk: 'AGR' }),
  terms: (id: string, n: number): Key => ({ pk: `AGR#${id}`, sk: `TERMS#${n}` }),
  coverage: (customerId: string, serviceId: string): Key => ({ pk: `COVER#${customerId}#${serviceId}`, sk: 'COVER' }),
  defaultCoverage: (): Key => ({ pk: 'COVER#DEFAULT', sk: 'COVER' }),
  serviceCopy: (serviceId: string): Key => ({ pk: `SVC#${serviceId}`, sk: 'COPY' }),
  ticket: (ticketId: string): Key => ({ pk: `TKT#${ticketId}`, sk: 'CLOCKS' }),
  /** A ticket's readable number (INC-1001) pointing at its id. */
  ticketNumber: (number: string): Key => ({ pk: `TKTNUM#${number}`, sk: 'ALIAS' }),
  outcome: (ticketId: string, clock: string): Key => ({ pk: `TKT#${ticketId}`, sk: `OUT#${clock}` }),
  marker: (ticketId: string, clock: string, kind: string): Key => ({
    pk: `TKT#${ticketId}`,
    sk: `NOTE#${clock}#${kind}`,
  }),
  notice: (noticeId: string): Key => ({ pk: `NOTICE#${noticeId}`, sk: 'NOTICE' }),
};

/** Shards of the due index: spread so an alarm storm of due tickets does not make one hot key. */
export const DUE_SHARDS = 8;
export const dueShard = (ticketId: string) => {
  let h = 0;
  for (let i = 0; i < ticketId.length; i++) h = (h * 31 + ticketId.charCodeAt(i)) >>> 0;
  return h % DUE_SHARDS;
};
export const DUE_PK = (shard: number) => `DUE#${shard}`;
/** Every ticket's clocks record, sharded as the due index is (index `all`, keys only; read by a resync). */
export const ALL_CLOCKS_PK = (shard: number) => `CLOCKS#${shard}`;
export const REVIEW_PK = 'REVIEW';
export const compliancePk = (agreementId: string, month: string) => `COMPLIANCE#${agreementId}#${month}`;

let store: Store | undefined;
/** The service's table, named by TABLE_NAME. */
export const table = () => {
  store ??= new Store(requireEnv('TABLE_NAME'));
  return store;
};
