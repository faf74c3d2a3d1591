import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';

/** An item as the document client reads and writes it. Base key is `pk` + `sk`; GSIs are `<name>pk` + `<name>sk`. */
export type Item = Record<string, NativeAttributeValue>;
export interface Key {
  pk: string;
  sk: string;
}

let sharedClient: DynamoDBDocumentClient | undefined;
/** One document client per instance: created on first use, reused by every call after. */
export function client(): DynamoDBDocumentClient {
  sharedClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return sharedClient;
}

export const nowIso = () => new Date().toISOString();
