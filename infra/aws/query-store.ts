/**
 * A service's query store (ADR 25): an Aurora PostgreSQL Serverless v2 cluster that pauses when
 * idle (0 ACU), reached only through the RDS Data API, with its two users' credentials in
 * Secrets Manager. The owner is the cluster's master user (migrations and writes); the
 * read-only user's secret is generated here and its role is created by the service's own
 * migrations (its `onDeploy` hook), which set the role's password from that secret.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IVpc, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2';
import {
  AuroraPostgresEngineVersion,
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
  DatabaseSecret,
} from 'aws-cdk-lib/aws-rds';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { DatabaseSpec } from '../../shared/kit/definition';
import { accept } from './nag';
import type { AwsNames } from './names';

/**
 * Pinned on purpose, to the major version the local runtime runs: PGlite 0.5 is PostgreSQL 18,
 * so SQL that works locally works here. The Data API on Aurora PostgreSQL 18 needs 18.3+ (Aurora
 * User Guide, "Supported Regions and Aurora DB engines for RDS Data API"); every version that
 * late scales to 0 ACU (auto-pause came with 16.3, 15.7, 14.12 and 13.15; Aurora User Guide,
 * "Scaling to Zero ACUs with automatic pause and resume"). Minor upgrades are applied in the
 * maintenance window (autoMinorVersionUpgrade).
 */
export const QUERY_STORE_ENGINE_VERSION = AuroraPostgresEngineVersion.VER_18_3;
/** The cluster's master user: owns the schema, runs migrations and writes. */
export const DATABASE_OWNER_USER = 'itsm_owner';
/** Daily automated backups kept a week (backup storage up to the cluster's size is free for the retention period). */
export const BACKUP_RETENTION_DAYS = 7;
/**
 * Characters left out of generated passwords: those RDS refuses in a master password (`/ @ "`
 * and space) and those that would need escaping in a SQL string literal (`' \`), so migrations
 * can put the reader's password in `ALTER ROLE ... PASSWORD '...'` as it is.
 */
export const PASSWORD_EXCLUDED = ` "'@/\\`;

/** What a function with `access.database` may call, on its service's cluster only. */
export const DATA_API_ACTIONS = [
  'rds-data:ExecuteStatement',
  'rds-data:BatchExecuteStatement',
  'rds-data:BeginTransaction',
  'rds-data:CommitTransaction',
  'rds-data:RollbackTransaction',
] as const;
/** The Data API reads the caller's database credentials with the caller's own permissions. */
export const READ_DATABASE_SECRET_ACTIONS = ['secretsmanager:GetSecretValue'] as const;

export interface QueryStoreProps {
  readonly service: string;
  readonly spec: DatabaseSpec;
  readonly names: AwsNames;
  readonly vpc: IVpc;
}

export class QueryStore extends Construct {
  readonly cluster: DatabaseCluster;
  /** The master user's secret `<prefix>-<service>-db-owner` (username, password; host etc. once attached). */
  readonly ownerSecret: DatabaseSecret;
  /** The read-only user's secret `<prefix>-<service>-db-reader`: `{"username", "password"}`. */
  readonly readerSecret: Secret;

  constructor(scope: Construct, id: string, props: QueryStoreProps) {
    super(scope, id);
    const { service, spec, names } = props;

    // Secrets are deleted with the stack like the cursor key (retained, their fixed names would
    // block the next deployment). A final snapshot keeps the data; after restoring one, reset
    // the master password (README, Deploy).
    this.ownerSecret = new DatabaseSecret(this, 'OwnerSecret', {
      secretName: names.databaseSecret(service, 'owner'),
      username: DATABASE_OWNER_USER,
      excludeCharacters: PASSWORD_EXCLUDED,
    });
    this.readerSecret = new Secret(this, 'ReaderSecret', {
      secretName: names.databaseSecret(service, 'reader'),
      description: `${service} query store: the read-only user ${spec.readerUser} (its role is created by the migrations)`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: spec.readerUser }),
        generateStringKey: 'password',
        passwordLength: 32,
        excludeCharacters: PASSWORD_EXCLUDED,
      },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.ownerSecret.applyRemovalPolicy(RemovalPolicy.DESTROY);
    accept(this.ownerSecret, 'databaseSecretManualRotation');
    accept(this.readerSecret, 'databaseSecretManualRotation');

    // No ingress at all, and no egress: the Data API reaches the cluster from inside AWS.
    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${names.cluster(service)}: no ingress (reached through the RDS Data API only)`,
      allowAllOutbound: false,
    });

    this.cluster = new DatabaseCluster(this, 'Cluster', {
      engine: DatabaseClusterEngine.auroraPostgres({ version: QUERY_STORE_ENGINE_VERSION }),
      clusterIdentifier: names.cluster(service),
      credentials: Credentials.fromSecret(this.ownerSecret),
      defaultDatabaseName: spec.name,
      writer: ClusterInstance.serverlessV2('Writer', { publiclyAccessible: false, autoMinorVersionUpgrade: true }),
      // 0 ACU: the writer pauses after this long without connections and bills storage only;
      // the next Data API call resumes it (DatabaseResumingException until it is up).
      serverlessV2MinCapacity: 0,
      serverlessV2MaxCapacity: spec.maxCapacity,
      serverlessV2AutoPauseDuration: Duration.seconds(spec.secondsUntilAutoPause),
      enableDataApi: true,
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      storageEncrypted: true,
      deletionProtection: true,
      backup: { retention: Duration.days(BACKUP_RETENTION_DAYS) },
      copyTagsToSnapshot: true,
      // Deleting the stack (after turning deletion protection off) leaves a final snapshot.
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    accept(this.cluster, 'dataApiOnly');
  }

  get clusterArn(): string {
    return this.cluster.clusterArn;
  }
}
