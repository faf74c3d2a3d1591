/**
 * What IAM authorises for each DynamoDB call: the action names and resource ARNs that a
 * policy must allow, so the fidelity proof can compare them with what the CDK stack grants.
 *
 * Sources: the DynamoDB Developer Guide, "Using IAM with DynamoDB transactions", and the
 * Service Authorization Reference for DynamoDB.
 * - TransactWriteItems and TransactGetItems are NOT IAM actions. Each item is authorised as its
 *   underlying operation: Put → dynamodb:PutItem, Update → dynamodb:UpdateItem,
 *   Delete → dynamodb:DeleteItem, ConditionCheck → dynamodb:ConditionCheckItem,
 *   Get → dynamodb:GetItem (with the condition key dynamodb:EnclosingOperation set to the
 *   transaction). So a transaction records one entry per distinct (item action, table).
 * - BatchWriteItem and BatchGetItem ARE IAM actions (dynamodb:BatchWriteItem,
 *   dynamodb:BatchGetItem), checked once per table in the request, not per item.
 * - Query and Scan on an index are authorised on the index ARN `<table ARN>/index/<name>`.
 * - ListTables and DescribeLimits take no resource (`*`).
 */
import { tableArn } from '../names';

export interface Authorisation {
  action: string;
  resource: string;
}

const TRANSACT_WRITE_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

const asRecord = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** A table name, or a table ARN (DynamoDB accepts either in TableName). */
export const resourceOfTable = (nameOrArn: unknown): string =>
  typeof nameOrArn === 'string' && nameOrArn.startsWith('arn:') ? nameOrArn : tableArn(String(nameOrArn));

/** The (action, resource) pairs IAM checks for one call, without duplicates. */
export function authorisationsFor(action: string, input: Record<string, unknown>): Authorisation[] {
  const found = new Map<string, Authorisation>();
  const add = (iamAction: string, resource: string) =>
    found.set(`${iamAction} ${resource}`, { action: iamAction, resource });

  switch (action) {
    case 'TransactWriteItems':
      for (const item of Array.isArray(input.TransactItems) ? input.TransactItems : []) {
        for (const [kind, op] of Object.entries(asRecord(item))) {
          const iamAction = TRANSACT_WRITE_ACTIONS[kind];
          if (iamAction && op) add(iamAction, resourceOfTable(asRecord(op).TableName));
        }
      }
      break;
    case 'TransactGetItems':
      for (const item of Array.isArray(input.TransactItems) ? input.TransactItems : []) {
        const get = asRecord(item).Get;
        if (get) add('dynamodb:GetItem', resourceOfTable(asRecord(get).TableName));
      }
      break;
    case 'BatchWriteItem':
    case 'BatchGetItem':
      for (const table of Object.keys(asRecord(input.RequestItems))) add(`dynamodb:${action}`, resourceOfTable(table));
      break;
    case 'Query':
    case 'Scan': {
      const table = resourceOfTable(input.TableName);
      add(`dynamodb:${action}`, typeof input.IndexName === 'string' ? `${table}/index/${input.IndexName}` : table);
      break;
    }
    case 'TagResource':
    case 'UntagResource':
    case 'ListTagsOfResource':
      add(`dynamodb:${action}`, String(input.ResourceArn));
      break;
    default:
      add(`dynamodb:${action}`, input.TableName === undefined ? '*' : resourceOfTable(input.TableName));
  }
  return [...found.values()];
}
