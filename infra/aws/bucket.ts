/**
 * A service's object bucket (exports, reports): private, S3-managed encryption, TLS only, no
 * versioning, objects deleted after the definition's days, and server access logs (who read
 * which object, presigned downloads included) in a log bucket of its own. A `versioned` bucket
 * (the releases' definitive media library) keeps every version instead, with S3 Object Lock's
 * default retention when the definition asks for it. S3 bucket names are
 * global, so CloudFormation names both; functions get the name from BUCKET_NAME.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  HttpMethods,
  type LifecycleRule,
  ObjectLockRetention,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { BucketSpec } from '../../shared/kit/definition';
import { consoleUploadsCors } from '../api/cors';
import { OBJECTS_BUCKET_LOGICAL_ID } from './nag';

/** Multipart uploads an export abandoned (a failed job) stop billing after a day. */
export const ABORT_INCOMPLETE_UPLOADS_DAYS = 1;
/** Access logs are kept a year, like the API's access logs. */
export const ACCESS_LOG_DAYS = 365;

/** What `bucket: 'read'` allows, on the bucket's objects (`<bucket ARN>/*`) only. */
export const BUCKET_READ_ACTIONS = ['s3:GetObject'] as const;
/** What `bucket: 'write'` adds. */
export const BUCKET_WRITE_ACTIONS = ['s3:PutObject', 's3:DeleteObject'] as const;
/**
 * What `bucket: 'read'` adds on a versioned bucket: reading a version by its id needs
 * s3:GetObjectVersion, not s3:GetObject (S3 API Reference, *GetObject*, "versionId").
 */
export const BUCKET_READ_VERSION_ACTIONS = ['s3:GetObjectVersion'] as const;

/** The read actions of `bucket: 'read'` on a bucket of this spec. */
export const bucketReadActions = (spec: BucketSpec): readonly string[] =>
  spec.versioned ? [...BUCKET_READ_ACTIONS, ...BUCKET_READ_VERSION_ACTIONS] : BUCKET_READ_ACTIONS;

/** Every bucket of the deployment: private, SSE-S3, TLS only, ACLs disabled, no versioning. */
export const PRIVATE_BUCKET = {
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  encryption: BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  versioned: false,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
} as const;

export interface ServiceBucketProps {
  readonly spec: BucketSpec;
  /** The console's origin (`https://<distribution>`), for the CORS rule of a `consoleUploads` bucket. */
  readonly consoleOrigin?: string;
  /** The bucket's fixed name, for a `consoleUploads` bucket (`AwsNames.objectsBucket`). */
  readonly bucketName?: string;
}

export class ServiceBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: ServiceBucketProps) {
    super(scope, id);
    const common = {
      ...PRIVATE_BUCKET,
      // Like the tables: deleting the stack keeps what is stored; the generated names do not
      // stand in the way of the next deployment.
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;
    let cors: ReturnType<typeof consoleUploadsCors> | undefined;
    if (props.spec.consoleUploads) {
      if (!props.consoleOrigin || !props.bucketName)
        throw new Error('a bucket with consoleUploads needs the console origin and its fixed name');
      cors = consoleUploadsCors(props.consoleOrigin);
    }
    // Server access logs must go to an SSE-S3 bucket (SSE-KMS is not supported as a log target).
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...common,
      lifecycleRules: [{ expiration: Duration.days(ACCESS_LOG_DAYS) }],
    });
    const { expireAfterDays, versioned, objectLock } = props.spec;
    const lifecycle: LifecycleRule = {
      ...(expireAfterDays !== undefined ? { expiration: Duration.days(expireAfterDays) } : {}),
      abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOADS_DAYS),
    };
    this.bucket = new Bucket(this, 'Bucket', {
      ...common,
      lifecycleRules: [lifecycle],
      // The library keeps every version; Object Lock applies its default retention to each new one.
      ...(versioned ? { versioned: true } : {}),
      ...(objectLock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention:
              objectLock.mode === 'COMPLIANCE'
                ? ObjectLockRetention.compliance(Duration.days(objectLock.days))
                : ObjectLockRetention.governance(Duration.days(objectLock.days)),
          }
        : {}),
      serverAccessLogsBucket: this.accessLogs,
      ...(props.spec.consoleUploads ? { bucketName: props.bucketName } : {}),
      // The browser PUTs and GETs presigned URLs from the console's origin, and from no other.
      ...(cors
        ? {
            cors: [
              {
                allowedOrigins: cors.allowedOrigins,
                allowedMethods: cors.allowedMethods.map((m) => HttpMethods[m]),
                allowedHeaders: cors.allowedHeaders,
                exposedHeaders: cors.exposeHeaders,
                maxAge: cors.maxAgeSeconds,
              },
            ],
          }
        : {}),
    });
    // One per nested stack; a fixed logical id gives the accepted IAM5 finding on `<bucket>/*` a fixed id.
    (this.bucket.node.defaultChild as CfnBucket).overrideLogicalId(OBJECTS_BUCKET_LOGICAL_ID);
  }
}
