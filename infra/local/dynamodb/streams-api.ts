/**
 * The DynamoDB Streams API (awsJson1.0, target prefix `DynamoDBStreams_20120810`) over the local
 * tables' streams (`streams.ts`): ListStreams, DescribeStream, GetShardIterator and GetRecords,
 * with the shapes and errors of the DynamoDB Streams API Reference. Each stream has one shard,
 * open (no `EndingSequenceNumber`). Lambda's local pollers read in-process and do not use it;
 * it is for tools and tests that read a stream as an application would.
 */
import { AwsError, type AwsService, type CallContext, type RecordedCall } from '../aws-service';
import { validationError } from './errors';
import type { StreamInfo, TableStreams } from './streams';

/** A shard iterator expires 15 minutes after it is returned (GetShardIterator). */
const ITERATOR_LIFETIME_MS = 15 * 60 * 1000;
/** GetRecords returns at most 1,000 records (and 1 MB). */
const MAX_RECORDS = 1000;
const MAX_RECORDS_BYTES = 1024 * 1024;
const ITERATOR_TYPES = ['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'];

interface Iterator {
  arn: string;
  /** Read records after this sequence number (from the oldest kept when absent). */
  after?: string;
  expiresAt: number;
}

export class LocalDynamoDBStreams implements AwsService {
  readonly targetPrefix = 'DynamoDBStreams_20120810';

  constructor(
    private readonly streams: TableStreams,
    private readonly record?: (call: RecordedCall) => void,
  ) {}

  async handle(action: string, input: Record<string, unknown>, ctx: CallContext): Promise<unknown> {
    switch (action) {
      case 'ListStreams':
        this.#authorise(ctx, 'ListStreams', '*');
        return this.#listStreams(input);
      case 'DescribeStream':
        return this.#describeStream(this.#stream(input.StreamArn, ctx, 'DescribeStream'), input);
      case 'GetShardIterator':
        return this.#getShardIterator(this.#stream(input.StreamArn, ctx, 'GetShardIterator'), input);
      case 'GetRecords':
        return this.#getRecords(input, ctx);
      default:
        throw new AwsError('UnknownOperationException', `The local DynamoDB Streams does not implement ${action}`);
    }
  }

  #authorise(ctx: CallContext, action: string, resource: string): void {
    this.record?.({ caller: ctx.caller, action: `dynamodb:${action}`, resource });
  }

  #stream(arn: unknown, ctx: CallContext, action: string): StreamInfo {
    if (typeof arn !== 'string' || arn.length < 37) {
      throw validationError(
        `1 validation error detected: Value '${String(arn)}' at 'streamArn' failed to satisfy constraint: Member must have length greater than or equal to 37`,
      );
    }
    this.#authorise(ctx, action, arn);
    const stream = this.streams.byArn(arn);
    if (!stream) throw notFound(arn);
    return stream;
  }

  #listStreams(input: Record<string, unknown>) {
    const limit = boundedLimit(input.Limit, 100);
    let streams = this.streams.list().sort((a, b) => (a.arn < b.arn ? -1 : 1));
    if (typeof input.TableName === 'string') streams = streams.filter((s) => s.tableName === input.TableName);
    if (typeof input.ExclusiveStartStreamArn === 'string') {
      streams = streams.filter((s) => s.arn > (input.ExclusiveStartStreamArn as string));
    }
    const page = streams.slice(0, limit);
    return {
      Streams: page.map((s) => ({ StreamArn: s.arn, TableName: s.tableName, StreamLabel: s.label })),
      ...(streams.length > limit ? { LastEvaluatedStreamArn: page.at(-1)!.arn } : {}),
    };
  }

  async #describeStream(stream: StreamInfo, _input: Record<string, unknown>) {
    const [first] = await this.streams.read(stream.arn, undefined, 1);
    return {
      StreamDescription: {
        StreamArn: stream.arn,
        StreamLabel: stream.label,
        StreamStatus: 'ENABLED',
        StreamViewType: stream.viewType,
        CreationRequestDateTime: stream.createdAt / 1000,
        TableName: stream.tableName,
        KeySchema: stream.keySchema,
        Shards: [
          {
            ShardId: this.streams.shardId(stream.arn),
            // An open shard has no ending number; an empty one starts at its first possible number.
            SequenceNumberRange: { StartingSequenceNumber: first?.dynamodb.SequenceNumber ?? '100000000000000000000' },
          },
        ],
      },
    };
  }

  async #getShardIterator(stream: StreamInfo, input: Record<string, unknown>) {
    const type = input.ShardIteratorType;
    if (typeof type !== 'string' || !ITERATOR_TYPES.includes(type)) {
      throw validationError(
        `1 validation error detected: Value '${String(type)}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [${ITERATOR_TYPES.join(', ')}]`,
      );
    }
    if (input.ShardId !== this.streams.shardId(stream.arn)) {
      throw new AwsError('ResourceNotFoundException', `Requested resource not found: Shard does not exist`);
    }
    let after: string | undefined;
    if (type === 'LATEST') after = await this.streams.latest(stream.arn);
    else if (type !== 'TRIM_HORIZON') {
      const seq = input.SequenceNumber;
      if (typeof seq !== 'string' || !/^\d{21,40}$/.test(seq)) {
        throw validationError(`Invalid SequenceNumber for ShardIteratorType ${type}: ${String(seq)}`);
      }
      after = type === 'AFTER_SEQUENCE_NUMBER' ? seq : (BigInt(seq) - 1n).toString();
    }
    return {
      ShardIterator: encodeIterator({
        arn: stream.arn,
        ...(after ? { after } : {}),
        expiresAt: Date.now() + ITERATOR_LIFETIME_MS,
      }),
    };
  }

  async #getRecords(input: Record<string, unknown>, ctx: CallContext) {
    const iterator = decodeIterator(input.ShardIterator);
    this.#authorise(ctx, 'GetRecords', iterator.arn);
    if (iterator.expiresAt < Date.now()) throw new AwsError('ExpiredIteratorException', 'Iterator expired');
    if (!this.streams.byArn(iterator.arn)) throw notFound(iterator.arn);
    const records = await this.streams.read(iterator.arn, iterator.after, boundedLimit(input.Limit, MAX_RECORDS));
    const out = [];
    let bytes = 0;
    for (const { eventSourceARN: _, ...record } of records) {
      bytes += Buffer.byteLength(JSON.stringify(record));
      if (bytes > MAX_RECORDS_BYTES && out.length > 0) break;
      out.push(record);
    }
    const after = out.at(-1)?.dynamodb.SequenceNumber ?? iterator.after;
    return {
      Records: out,
      NextShardIterator: encodeIterator({
        arn: iterator.arn,
        ...(after ? { after } : {}),
        expiresAt: Date.now() + ITERATOR_LIFETIME_MS,
      }),
    };
  }
}

const notFound = (arn: string) =>
  new AwsError('ResourceNotFoundException', `Requested resource not found: Stream: ${arn} not found`);

function boundedLimit(value: unknown, max: number): number {
  if (value == null) return max;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw validationError(
      `1 validation error detected: Value '${String(value)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return value;
}

const encodeIterator = (it: Iterator) => Buffer.from(JSON.stringify(it)).toString('base64url');

function decodeIterator(value: unknown): Iterator {
  try {
    const it = JSON.parse(Buffer.from(String(value), 'base64url').toString()) as Iterator;
    if (typeof it.arn === 'string' && typeof it.expiresAt === 'number') return it;
  } catch {
    // fall through
  }
  throw validationError('Invalid ShardIterator');
}
