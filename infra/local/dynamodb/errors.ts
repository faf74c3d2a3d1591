import { AwsError } from '../aws-service';

/**
 * An {@link AwsError} whose JSON body carries members besides the message, the way DynamoDB
 * sends them: `CancellationReasons` on `TransactionCanceledException`, `Item` on
 * `ConditionalCheckFailedException` (ReturnValuesOnConditionCheckFailure). The SDK reads
 * these members by name from the error body, so the endpoint must serialise them: use
 * {@link awsJsonErrorBody}.
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

export const DYNAMODB_ERROR_NAMESPACE = 'com.amazonaws.dynamodb.v20120810';

/**
 * The awsJson1.0 error body for an {@link AwsError}: `__type`, the message and any extra members.
 * DynamoDB spells the message `Message` on some errors (TransactionCanceledException); when the
 * fields carry `Message` no lower-case `message` is added, as on AWS.
 *
 * @example
 * res.writeHead(err.statusCode, { 'content-type': 'application/x-amz-json-1.0' });
 * res.end(JSON.stringify(awsJsonErrorBody(err)));
 */
export function awsJsonErrorBody(err: AwsError, namespace = DYNAMODB_ERROR_NAMESPACE): Record<string, unknown> {
  const fields = err instanceof AwsErrorWithFields ? err.fields : {};
  return { __type: `${namespace}#${err.code}`, ...('Message' in fields ? {} : { message: err.message }), ...fields };
}

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
