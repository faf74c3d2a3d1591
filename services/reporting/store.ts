import { requireEnv } from '../../shared/kit/env';
import { type Key, Store } from '../../shared/kit/store';

/**
 * Item layout of the reporting table (pk + sk, gsi1, gsi2, TTL on `expiresAt`). The read model
 * itself is in PostgreSQL (ADR 25); this table holds the jobs and registers around it.
 *
 * | item          | pk                 | sk      | gsi1pk / gsi1sk                       |
 * |---------------|--------------------|---------|---------------------------------------|
 * | export job    | EXPORT#<ulid>      | EXPORT  | EXPORTS#<requesterId> / <createdAt>   |
 * | rebuild       | REBUILD#<ulid>     | REBUILD | REBUILDS / <createdAt>                |
 * | history (any) | <record pk>        | HIST#<ulid> |                                   |
 */
export const keys = {
  export: (id: string): Key => ({ pk: `EXPORT#${id}`, sk: 'EXPORT' }),
  rebuild: (id: string): Key => ({ pk: `REBUILD#${id}`, sk: 'REBUILD' }),
};

export const idx = {
  exportsOf: (requesterId: string) => `EXPORTS#${requesterId}`,
  rebuilds: 'REBUILDS',
};

let store: Store | undefined;
export const table = () => {
  store ??= new Store(requireEnv('TABLE_NAME'));
  return store;
};
