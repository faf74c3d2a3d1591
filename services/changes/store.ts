import { requireEnv } from '../../shared/kit/env';
import { type Item, type Key, Store } from '../../shared/kit/store';
import type { Change } from './domain/change';

/**
 * Item layout of the changes table (one table, pk + sk, two GSIs):
 *
 * | item                          | pk                         | sk                    | gsi1pk / gsi1sk                 | gsi2pk / gsi2sk                 |
 * |-------------------------------|----------------------------|-----------------------|---------------------------------|---------------------------------|
 * | change                        | CHG#<id>                   | CHANGE                | CHANGES / <id>                  | STATUS#<status> / <id>          |
 * | change history                | CHG#<id>                   | HIST#<ulid>           |                                 |                                 |
 * | vote (one per person, level)  | CHG#<id>                   | VOTE#<level>#<userId> |                                 |                                 |
 * | ask (an approver's inbox)     | CHG#<id>                   | ASK#<level>#<who>     | INBOX#<userId or ROLE#role> / <openedAt>#<id> |                   |
 * | release window followed       | CHG#<id>                   | RELEASE#<releaseId>   |                                 |                                 |
 * | number -> id                  | NUM#CHG-77                 | NUM                   |                                 |                                 |
 * | RFC request -> id             | REQ#<source>#<requestId>   | REQ                   |                                 |                                 |
 * | policy                        | CONFIG                     | POLICY                |                                 |                                 |
 * | person (who manages whom)     | PERSON#<userId>            | PERSON                | PEOPLE / <userId>               |                                 |
 * | CAB                           | CAB#<id>                   | CAB                   | CABS / <id>                     |                                 |
 * | CAB meeting                   | MEETING#<id>               | MEETING               | MEETINGS / <startsAt>#<id>      |                                 |
 * | standard change template      | TEMPLATE#<id>              | TEMPLATE              | TEMPLATES / <id>                |                                 |
 * | recent implementation on a CI | RECENT#<ciId>              | <endedAt>#<changeId>  |                                 | (TTL: incident link period)     |
 *
 * The schedule, the CI graph copy, blackout and maintenance windows and calendar feeds have their
 * items described in use-cases/schedule.ts and use-cases/graph.ts.
 */
export const keys = {
  change: (id: string): Key => ({ pk: `CHG#${id}`, sk: 'CHANGE' }),
  vote: (id: string, level: number, userId: string): Key => ({ pk: `CHG#${id}`, sk: `VOTE#${level}#${userId}` }),
  ask: (id: string, level: number, who: string): Key => ({ pk: `CHG#${id}`, sk: `ASK#${level}#${who}` }),
  number: (n: string): Key => ({ pk: `NUM#${n}`, sk: 'NUM' }),
  /** The last version of a release whose window the change followed (FitSM PR13.3). */
  releaseFollowed: (id: string, releaseId: string): Key => ({ pk: `CHG#${id}`, sk: `RELEASE#${releaseId}` }),
  request: (source: string, requestId: string): Key => ({ pk: `REQ#${source}#${requestId}`, sk: 'REQ' }),
  policy: (): Key => ({ pk: 'CONFIG', sk: 'POLICY' }),
  person: (userId: string): Key => ({ pk: `PERSON#${userId}`, sk: 'PERSON' }),
  cab: (id: string): Key => ({ pk: `CAB#${id}`, sk: 'CAB' }),
  meeting: (id: string): Key => ({ pk: `MEETING#${id}`, sk: 'MEETING' }),
  template: (id: string): Key => ({ pk: `TEMPLATE#${id}`, sk: 'TEMPLATE' }),
  recent: (ciId: string, endedAt: string, changeId: string): Key => ({
    pk: `RECENT#${ciId}`,
    sk: `${endedAt}#${changeId}`,
  }),
};

/** An approver's inbox partition: a named user, or the holders of a role. */
export const inboxOf = (who: string) => `INBOX#${who}`;
export const roleInbox = (role: string) => `ROLE#${role}`;

const CHANGE_FIELDS = [
  'changeId',
  'number',
  'type',
  'status',
  'title',
  'description',
  'reason',
  'requesterId',
  'implementerId',
  'ciIds',
  'serviceIds',
  'customerIds',
  'plannedStart',
  'plannedEnd',
  'implementationPlan',
  'testPlan',
  'backoutPlan',
  'templateId',
  'origin',
  'assessment',
  'approval',
  'conflicts',
  'implementationStartedAt',
  'implementationEndedAt',
  'outcome',
  'outcomeNotes',
  'reviewReasons',
  'review',
  'incidentIds',
  'closureCode',
  'closureNotes',
  'executionArn',
  'version',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof Change)[];

export function toChange(item: Item): Change {
  const c: Record<string, unknown> = {};
  for (const f of CHANGE_FIELDS) if (item[f] !== undefined) c[f] = item[f];
  c.ciIds ??= [];
  c.serviceIds ??= [];
  c.customerIds ??= [];
  c.reviewReasons ??= [];
  c.incidentIds ??= [];
  c.version = Number(item.version);
  return c as unknown as Change;
}

/** The whole item of a change (replaced as one aggregate, conditional on its version). */
export function changeItem(c: Change): Item {
  const item: Item = { ...keys.change(c.changeId), type: 'change' };
  for (const f of CHANGE_FIELDS) if (c[f] !== undefined) item[f] = c[f];
  item.gsi1pk = 'CHANGES';
  item.gsi1sk = c.changeId;
  item.gsi2pk = `STATUS#${c.status}`;
  item.gsi2sk = c.changeId;
  return item;
}

let store: Store | undefined;
/** The service's table, named by TABLE_NAME. */
export const table = () => {
  store ??= new Store(requireEnv('TABLE_NAME'));
  return store;
};
