import { AwsError } from '../aws-service';

/**
 * An {@link AwsError} whose JSON body carries members besides the message, the way DynamoDB
 * sends them: `CancellationReasons` on `TransactionCanceledException`, `Item` on
 * `ConditionalCheckFailedException` (ReturnValuesOnConditionCheckFailure). The SDK reads
 * these members by name from the error body, so the endpoint serialises `fields` beside the
 * message (see ../endpoint.ts); when `fields` carries `Message`, that is the message member.
 */
export class AwsErrorWithFields extends AwsError {
  constructor(
    code: string,
    message: string,
    readonly fields: Record<string, unknown>,
    statusCode = 400,
  ) {
    super(code, message, statusCode);
  }
}

/** DynamoDB's message for a write to an item an in-flight transaction holds (exception and cancellation reason). */
export const TRANSACTION_ONGOING = 'Transaction is ongoing for the item';

/** A single-item write (PutItem, UpdateItem, DeleteItem) on an item an in-flight transaction holds. */
export const transactionConflict = () => new AwsError('TransactionConflictException', TRANSACTION_ONGOING);

export const validationError = (message: string) => new AwsError('ValidationException', message);

/** Reads ReturnValuesOnConditionCheckFailure (ALL_OLD | NONE), which dynalite does not know. */
export function wantsOldItemOnConditionFailure(value: unknown, path: string): boolean {
  if (value == null || value === 'NONE') return false;
  if (value === 'ALL_OLD') return true;
  throw validationError(
    `1 validation error detected: Value '${String(value)}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`,
  );
}

/** ConditionalCheckFailedException as AWS sends it, with the item when ALL_OLD was asked for. */
export function conditionalCheckFailed(item: Record<string, unknown> | undefined): AwsError {
  const message = 'The conditional request failed';
  return item
    ? new AwsErrorWithFields('ConditionalCheckFailedException', message, { Item: item })
    : new AwsError('ConditionalCheckFailedException', message);
}
