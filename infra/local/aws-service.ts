/**
 * The contract between the AWS-compatible endpoint (one HTTP server on 127.0.0.1:4566) and
 * each emulated service. The endpoint parses `X-Amz-Target` (`<prefix>.<Action>`), the JSON
 * body and the caller identity, then calls the service's `handle`. A service throws
 * `AwsError` for errors the SDK must see as typed exceptions.
 */
export interface CallContext {
  /** Access key id from the SigV4 Authorization header; the local runtime gives each function its own. */
  caller: string;
}

export interface AwsService {
  /** Target prefix this service answers, e.g. `DynamoDB_20120810`, `AWSEvents`, `AWSStepFunctions`. */
  readonly targetPrefix: string;
  /** Handles one action; returns the JSON response body. */
  handle(action: string, input: Record<string, unknown>, ctx: CallContext): Promise<unknown>;
  /** Stops timers and background work. */
  close?(): Promise<void>;
}

/** An error the AWS SDK v3 deserialises into a typed exception (awsJson 1.0/1.1 `__type`). */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = code;
  }
}

/** One recorded call, for the fidelity proof (action as IAM names it, resource ARN). */
export interface RecordedCall {
  caller: string;
  action: string;
  resource: string;
}

/**
 * A restJson service (operations on paths, e.g. the RDS Data API's `POST /Execute`), which the
 * endpoint picks by the SigV4 credential scope's service name. It answers the JSON body or throws
 * `AwsError`, sent with the error type in `x-amzn-ErrorType`.
 */
export interface RestJsonService {
  /** The SigV4 signing name the SDK puts in the credential scope, e.g. `rds-data`. */
  readonly signingName: string;
  handleRest(method: string, path: string, body: string, ctx: CallContext): Promise<unknown>;
  close?(): Promise<void>;
}
