/**
 * UpdateTimeToLive / DescribeTimeToLive (dynalite has only a DescribeTimeToLive that always
 * answers DISABLED) and the background sweeper that deletes expired items.
 *
 * Settings live in the same LevelDB as the data, under a prefix dynalite never uses, so they
 * survive a restart in on-disk mode and go with the table on DeleteTable.
 *
 * Expiry follows AWS: the TTL attribute must be a Number holding epoch seconds; an item whose
 * value is in the past is deleted, unless it is more than five years in the past (AWS leaves
 * those alone); values of other types are ignored. AWS deletes within days of expiry; here
 * within one sweep interval.
 */
import { AwsError } from '../aws-service';
import type { DynaliteStore, Item, Output } from './dynalite';
import { validationError } from './errors';

const SETTINGS_PREFIX = 'itsm-ttl~';
const FIVE_YEARS_SECONDS = 5 * 365 * 24 * 60 * 60;

const UPDATE_TYPES = {
  TableName: { type: 'String', required: true, tableName: true, regex: '[a-zA-Z0-9_.-]+' },
  TimeToLiveSpecification: {
    type: 'FieldStruct<TimeToLiveSpecification>',
    notNull: true,
    children: {
      AttributeName: { type: 'String', notNull: true, lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 255 },
      Enabled: { type: 'Boolean', notNull: true },
    },
  },
};

/** Deletes one expired item, if it is still expired once its lock is held. */
export type ExpireItem = (tableName: string, item: Item, attribute: string, nowSeconds: number) => Promise<void>;

export class TimeToLive {
  /** Enabled tables and their TTL attribute. */
  readonly #attributes = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #stopped = false;

  private constructor(
    private readonly dynalite: DynaliteStore,
    private readonly expire: ExpireItem,
  ) {}

  static async load(dynalite: DynaliteStore, expire: ExpireItem): Promise<TimeToLive> {
    const ttl = new TimeToLive(dynalite, expire);
    for await (const [table, attribute] of dynalite.entries(SETTINGS_PREFIX))
      ttl.#attributes.set(table, String(attribute));
    return ttl;
  }

  async describe(input: Record<string, unknown>): Promise<Output> {
    const parsed = this.dynalite.validate('DescribeTimeToLive', input);
    await this.dynalite.run('DescribeTimeToLive', parsed); // ResourceNotFoundException with AWS's message
    const attribute = this.#attributes.get(parsed.TableName as string);
    return {
      TimeToLiveDescription: attribute
        ? { TimeToLiveStatus: 'ENABLED', AttributeName: attribute }
        : { TimeToLiveStatus: 'DISABLED' },
    };
  }

  async update(input: Record<string, unknown>): Promise<Output> {
    const parsed = this.dynalite.validateWith(UPDATE_TYPES, input);
    const table = parsed.TableName as string;
    await this.dynalite.run('DescribeTimeToLive', { TableName: table });
    const { AttributeName, Enabled } = parsed.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean };
    const current = this.#attributes.get(table);
    // AWS's answers to a change that changes nothing, or skips the disable step.
    if (current !== undefined && current !== AttributeName) {
      throw validationError(
        `TimeToLive is active on a different AttributeName: current value of AttributeName is ${current}`,
      );
    }
    if (Enabled && current !== undefined) throw validationError('TimeToLive is already enabled');
    if (!Enabled && current === undefined) throw validationError('TimeToLive is already disabled');

    if (Enabled) {
      await this.dynalite.putEntry(SETTINGS_PREFIX + table, AttributeName);
      this.#attributes.set(table, AttributeName);
    } else {
      await this.forget(table);
    }
    return { TimeToLiveSpecification: { AttributeName, Enabled } };
  }

  /** Drops the setting (TTL disabled, or the table deleted). */
  async forget(table: string): Promise<void> {
    this.#attributes.delete(table);
    await this.dynalite.deleteEntry(SETTINGS_PREFIX + table);
  }

  /** Sweeps every `intervalMs`; a sweep still running when the next is due is not overlapped. */
  start(intervalMs: number): void {
    this.#timer = setInterval(() => void this.sweep(), intervalMs);
    // The sweeper alone must not keep the process alive.
    this.#timer.unref();
  }

  /** Deletes the expired items of every TTL-enabled table; resolves when this sweep is over. */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweepAll().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#sweeping;
  }

  async #sweepAll(): Promise<void> {
    const now = Date.now() / 1000;
    for (const [table, attribute] of this.#attributes) {
      try {
        // Items stream in from LevelDB's iterator and are deleted one by one through the normal,
        // locked write path: requests interleave with the sweep instead of waiting for it.
        for await (const item of this.dynalite.scanItems(table)) {
          if (this.#stopped) return;
          if (isExpired(item[attribute], now)) await this.expire(table, item, attribute, now);
        }
      } catch (err) {
        // The table went away mid-sweep; anything else is a fault worth seeing.
        if (!(err instanceof AwsError && err.code === 'ResourceNotFoundException')) {
          console.error(`DynamoDB TTL sweep of ${table} failed`, err);
        }
      }
    }
  }
}

/** Whether a TTL attribute value is past due at `nowSeconds`, by AWS's rules (see file comment). */
export function isExpired(value: Record<string, unknown> | undefined, nowSeconds: number): boolean {
  if (typeof value?.N !== 'string') return false;
  const expiry = Number(value.N);
  return expiry < nowSeconds && expiry > nowSeconds - FIVE_YEARS_SECONDS;
}
