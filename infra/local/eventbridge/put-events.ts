/**
 * PutEvents request checks and event building, as AWS does them: request-level problems fail
 * the whole call (`ValidationException`); entry-level problems fail only that entry, reported
 * in its place in the result with `ErrorCode`/`ErrorMessage`.
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../aws-service';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../names';
import { JsonParseError, parseJsonTree } from './json-reader';

/** An event as EventBridge delivers it to a target. */
export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** ISO 8601 to the second, e.g. `2026-11-21T10:00:00Z`. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export type EntryOutcome =
  | {
      readonly ok: true;
      readonly bus: string;
      readonly event: EventBridgeEvent;
      /** The event as JSON with `detail` exactly as sent, so number literals keep their text. */
      readonly eventJson: string;
    }
  | { readonly ok: false; readonly errorCode: string; readonly errorMessage: string };

export const MAX_ENTRIES = 10;
/** The source prefix reserved for AWS services' own events. */
export const AWS_SOURCE_PREFIX = 'aws.';
/** 256 KB, counted as AWS documents it (see `entrySize`). */
export const MAX_REQUEST_BYTES = 262_144;

const BUS_ARN = /^arn:aws:events:([^:]*):([^:]*):event-bus\/(.+)$/;

/** The `Entries` list, or throws what AWS throws for a missing, empty or too long list. */
export function readEntries(input: Record<string, unknown>): Record<string, unknown>[] {
  const entries = input.Entries;
  if (!Array.isArray(entries)) {
    throw validation("Value null at 'entries' failed to satisfy constraint: Member must not be null");
  }
  if (entries.length < 1) {
    throw validation(
      "Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (entries.length > MAX_ENTRIES) {
    throw validation(
      `Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
    );
  }
  // A member constraint fails the whole request, as AWS's validation does.
  entries.forEach((entry, i) => {
    const header = asRecord(entry).TraceHeader;
    if (header !== undefined && (typeof header !== 'string' || header.length < 1 || header.length > 500)) {
      throw validation(
        `Value at 'entries.${i + 1}.member.traceHeader' failed to satisfy constraint: Member must have length between 1 and 500`,
      );
    }
  });
  const size = entries.reduce<number>((sum, entry) => sum + entrySize(asRecord(entry)), 0);
  if (size > MAX_REQUEST_BYTES) {
    throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.');
  }
  return entries.map(asRecord);
}

/** AWS's entry size: 14 bytes for a Time, plus the UTF-8 bytes of Source, DetailType, Detail, Resources. */
export function entrySize(entry: Record<string, unknown>): number {
  const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
  let size = entry.Time !== undefined && entry.Time !== null ? 14 : 0;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += bytes(r);
  return size;
}

/** The bus name an `EventBusName` (name or ARN) designates; no name means `default`. */
export function busNameOf(value: unknown): string {
  if (typeof value !== 'string' || value === '') return 'default';
  const arn = BUS_ARN.exec(value);
  if (!arn) return value;
  // An ARN of another account or region names a bus this runtime does not have.
  return arn[1] === LOCAL_REGION && arn[2] === LOCAL_ACCOUNT ? (arn[3] ?? value) : value;
}

/** Checks one entry and builds the event it stands for. */
export function buildEvent(entry: Record<string, unknown>, busExists: (name: string) => boolean): EntryOutcome {
  if (!isText(entry.Source)) return invalid('Parameter Source is not valid. Reason: Source is a required argument.');
  if (!isText(entry.DetailType)) {
    return invalid('Parameter DetailType is not valid. Reason: DetailType is a required argument.');
  }
  if (!isText(entry.Detail)) return invalid('Parameter Detail is not valid. Reason: Detail is a required argument.');
  // Sources starting `aws.` belong to AWS services: EventBridge refuses them from any caller,
  // whatever its IAM permissions (the entry fails, the others go on). AWS services put their
  // events on the default bus themselves (`LocalEventBridge.emitServiceEvent` plays that here).
  if (entry.Source.startsWith(AWS_SOURCE_PREFIX)) {
    return { ok: false, errorCode: 'NotAuthorizedForSourceException', errorMessage: 'Not authorized for the source.' };
  }
  if (!isJsonObject(entry.Detail))
    return { ok: false, errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  const resources = entry.Resources ?? [];
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
    return invalid('Parameter Resources is not valid. Reason: Resources must be a list of strings.');
  }
  const time = eventTime(entry.Time);
  if (time === undefined) return invalid('Parameter Time is not valid. Reason: Time must be a timestamp.');
  const bus = busNameOf(entry.EventBusName);
  if (!busExists(bus)) {
    return { ok: false, errorCode: 'ResourceNotFoundException', errorMessage: `Event bus ${bus} does not exist.` };
  }
  const envelope = {
    version: '0' as const,
    id: randomUUID(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: LOCAL_ACCOUNT,
    time,
    region: LOCAL_REGION,
    resources: resources as string[],
  };
  const head = JSON.stringify(envelope);
  return {
    ok: true,
    bus,
    event: { ...envelope, detail: JSON.parse(entry.Detail) as Record<string, unknown> },
    eventJson: `${head.slice(0, -1)},"detail":${entry.Detail}}`,
  };
}

/** An event an AWS service emits (see `serviceEvent`). */
export interface ServiceEventInput {
  /** `aws.<service>`, e.g. `aws.codepipeline`. */
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources?: string[];
  /** When the change happened; default now. */
  time?: Date | string;
  /** The event id; default a new UUID, as AWS gives each event. A service that emits a change twice may repeat it. */
  id?: string;
}

/**
 * The event an AWS service puts on the account's default bus: the same envelope EventBridge
 * builds for PutEvents, in this runtime's account and region. Throws for a source that is not an
 * AWS service's (those go through PutEvents like any other caller's).
 */
export function serviceEvent(input: ServiceEventInput): Extract<EntryOutcome, { ok: true }> {
  if (!input.source.startsWith(AWS_SOURCE_PREFIX) || input.source.length <= AWS_SOURCE_PREFIX.length) {
    throw new Error(`${JSON.stringify(input.source)} is not an AWS service's source (aws.<service>)`);
  }
  if (!input.detailType) throw new Error('an AWS service event needs a detail-type');
  if (input.detail === null || typeof input.detail !== 'object' || Array.isArray(input.detail)) {
    throw new Error('an AWS service event needs a detail object');
  }
  const time = eventTime(input.time instanceof Date ? input.time.toISOString() : input.time);
  if (time === undefined) throw new Error(`${JSON.stringify(input.time)} is not a time`);
  const envelope = {
    version: '0' as const,
    id: input.id ?? randomUUID(),
    'detail-type': input.detailType,
    source: input.source,
    account: LOCAL_ACCOUNT,
    time,
    region: LOCAL_REGION,
    resources: [...(input.resources ?? [])],
  };
  const detail = JSON.stringify(input.detail);
  return {
    ok: true,
    bus: 'default',
    event: { ...envelope, detail: JSON.parse(detail) as Record<string, unknown> },
    eventJson: `${JSON.stringify(envelope).slice(0, -1)},"detail":${detail}}`,
  };
}

/** `2026-11-21T10:00:00Z`: EventBridge event times have no fraction of a second. */
export const formatEventTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The SDK sends `Time` as epoch seconds; an ISO string is accepted too. Absent means now. */
function eventTime(value: unknown): string | undefined {
  if (value === undefined || value === null) return formatEventTime(new Date());
  const date =
    typeof value === 'number'
      ? new Date(value * 1000)
      : typeof value === 'string'
        ? new Date(/^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : value)
        : undefined;
  return date && !Number.isNaN(date.getTime()) ? formatEventTime(date) : undefined;
}

function isJsonObject(text: string): boolean {
  try {
    return parseJsonTree(text).kind === 'object';
  } catch (error) {
    if (error instanceof JsonParseError) return false;
    throw error;
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

const invalid = (errorMessage: string): EntryOutcome => ({ ok: false, errorCode: 'InvalidArgument', errorMessage });

const validation = (detail: string) => new AwsError('ValidationException', `1 validation error detected: ${detail}`);

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
