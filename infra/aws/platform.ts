/**
 * What every service shares: the platform event bus (with an archive), the Cognito user pool
 * whose groups are the FitSM roles, the HTTP API with its JWT authorizer and the platform API
 * function, and the alarm topic with the dead-letter queue alarm every queue gets.
 */
import { fileURLToPath } from 'node:url';
import { ArnFormat, Aws, CfnOutput, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  type HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  type CfnUserPoolClient,
  ClientAttributes,
  FeaturePlan,
  LambdaVersion,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import { CfnArchive, EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_MAIL_FROM, type HttpMethod as RouteMethod } from '../../shared/kit/definition';
import { ALL_ROLES, type GENERIC_ROLES, type Role } from '../../shared/kit/roles';
import { CONSOLE_SCOPES, type ConsoleConfig } from '../api/console-headers';
import { apiCors } from '../api/cors';
import { ConsoleHosting } from './console';
import { addIdentityProviders, type FederationProvider } from './federation';
import { ItsmFunction } from './function';
import { accept } from './nag';
import { type AwsNames, PLATFORM_SERVICE, SERVICE_TAG } from './names';
import { QueryStoreNetwork } from './network';

/** The platform API function: serves GET /v1/openapi.json and answers unknown routes (404/405). */
export const PLATFORM_API_ENTRY = fileURLToPath(new URL('../api/handler.ts', import.meta.url));
export const PLATFORM_API_ROUTE = { method: 'GET', path: '/v1/openapi.json' } as const;
/** The user pool's pre token generation trigger (access tokens carry `custom:customer` and `email`). */
export const PRE_TOKEN_ENTRY = fileURLToPath(new URL('./pre-token/handler.ts', import.meta.url));
/** Lifetimes of the console's tokens: an hour for access and ID tokens (the API's group checks catch up within it), a working day for the refresh token. */
export const CONSOLE_TOKEN_VALIDITY = { accessHours: 1, idHours: 1, refreshHours: 12 } as const;
export const DEFAULT_ARCHIVE_RETENTION_DAYS = 90;

export interface PlatformProps {
  readonly names: AwsNames;
  /** Entry of the platform API function (default `infra/api/handler.ts`). */
  readonly apiEntry?: string;
  /** Days the bus archive keeps events for replay (default 90). */
  readonly archiveRetentionDays?: number;
  /** An address that receives every alarm (subscription must be confirmed from the mail). */
  readonly alarmEmail?: string;
  /** Sender of platform e-mail; an SES-verified address or one at a verified domain (default DEFAULT_MAIL_FROM). */
  readonly mailFrom?: string;
  /** A folder of built console files (default: `console/`, built at synth). */
  readonly consoleAssets?: string;
  /** Identity providers users may sign in with besides their pool password (context `itsm:federation`). */
  readonly federation?: readonly FederationProvider[];
  /** Bundling is off: the templates are read, never deployed (`ConsoleHostingProps.templatesOnly`). */
  readonly templatesOnly?: boolean;
  /** Names of the buckets with `consoleUploads`: the console's content security policy lets it reach them. */
  readonly consoleUploadBuckets?: readonly string[];
}

export class Platform extends Construct {
  readonly names: AwsNames;
  /** The platform bus `itsm`: every service publishes here. */
  readonly bus: EventBus;
  /** The account's default bus, where AWS services put their events. */
  readonly defaultBus: IEventBus;
  readonly userPool: UserPool;
  /** The API's app client (SRP and admin password sign-in, no OAuth): scripts and tests. */
  readonly userPoolClient: UserPoolClient;
  /** The web console's app client: public, authorization code + PKCE through managed login. */
  readonly consoleClient: UserPoolClient;
  readonly userPoolDomain: UserPoolDomain;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`: managed login, token and logout endpoints. */
  readonly managedLoginUrl: string;
  readonly preTokenFunction: ItsmFunction;
  readonly console: ConsoleHosting;
  /** The console's base URL (`https://<distribution>.cloudfront.net`, no trailing slash): CONSOLE_URL, CORS origin. */
  readonly consoleUrl: string;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** JWT authorizer (issuer: the user pool, audience: the app client); every route but the OpenAPI one uses it. */
  readonly authorizer: HttpJwtAuthorizer;
  readonly alarmTopic: Topic;
  /** Sender address of platform e-mail (SES). */
  readonly mailFrom: string;
  readonly apiFunction: ItsmFunction;
  /** The secret whose keys sign list cursors; functions serving list routes may read it. */
  readonly cursorKey: Secret;
  private readonly routeOwners = new Map<string, string>();
  private network?: QueryStoreNetwork;

  constructor(scope: Construct, id: string, props: PlatformProps) {
    super(scope, id);
    const { names } = props;
    this.names = names;
    Tags.of(this).add(SERVICE_TAG, PLATFORM_SERVICE);

    // --- Events ---------------------------------------------------------------------------
    this.bus = new EventBus(this, 'Bus', { eventBusName: names.bus, description: 'ITSM platform events' });
    this.defaultBus = EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    // L1 on purpose: an archive without an event pattern keeps every event on the bus (the L2
    // insists on a pattern). Replaying from it is how a fixed consumer catches up.
    new CfnArchive(this, 'Archive', {
      archiveName: names.archive,
      sourceArn: this.bus.eventBusArn,
      retentionDays: props.archiveRetentionDays ?? DEFAULT_ARCHIVE_RETENTION_DAYS,
      description: `Every event on ${names.bus}, for replay`,
    });

    // --- Alarms ---------------------------------------------------------------------------
    this.alarmTopic = new Topic(this, 'Alarms', { topicName: names.alarmTopic, enforceSSL: true });
    // The topic policy replaces the default one (enforceSSL), so CloudWatch needs its own grant.
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        actions: ['sns:Publish'],
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': Stack.of(this).formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.mailFrom = props.mailFrom ?? DEFAULT_MAIL_FROM;
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(this.mailFrom))
      throw new Error(`mailFrom "${this.mailFrom}" is not an e-mail address`);

    // --- Cursor key (ADR 19) ----------------------------------------------------------------
    // Generated at deploy, never in the template: `{"current": <64 random characters>}`. To
    // rotate, put `{"current": <new>, "previous": <old current>}` (README, Deploying); cursors
    // signed with either key are accepted. Destroyed with the stack: a recreated stack gets a
    // fresh key (old cursors then fail with 400 invalid-cursor, which clients handle anyway),
    // and a retained secret would block the next deployment with its name.
    this.cursorKey = new Secret(this, 'CursorKey', {
      secretName: names.cursorKeySecret,
      description: 'HMAC keys that sign list cursors (current, and previous during a rotation)',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'current',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    accept(this.cursorKey, 'cursorKeyManualRotation');

    // --- Users and roles ------------------------------------------------------------------
    this.userPool = new UserPool(this, 'Users', {
      userPoolName: names.userPool,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      // `custom:customer` scopes a customer user to one organisation's records (ARCHITECTURE 7).
      customAttributes: { customer: new StringAttribute({ mutable: true }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    accept(this.userPool, 'mfaOptional');
    this.userPoolClient = this.userPool.addClient('Client', {
      userPoolClientName: `${names.prefix}-api`,
      generateSecret: false,
      authFlows: { userSrp: true, adminUserPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('customer'),
      // Users must not be able to move themselves into another customer organisation:
      // `custom:customer` is writable by administrators only.
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true }),
    });
    for (const role of ALL_ROLES) {
      this.userPool.addGroup(`Group-${role}`, { groupName: role, description: describeRole(role) });
    }
    // Access tokens carry `custom:customer` and `email` as the local provider's do (V2_0 events
    // customise access tokens; the Plus plan above allows it).
    this.preTokenFunction = new ItsmFunction(this, 'PreTokenFunction', {
      service: PLATFORM_SERVICE,
      fnId: 'pre-token',
      functionName: names.function(PLATFORM_SERVICE, 'pre-token'),
      entry: PRE_TOKEN_ENTRY,
      description: 'Pre token generation: custom:customer and email in access tokens',
      // Cognito waits 5 seconds for a trigger, then fails the sign-in.
      timeoutSeconds: 5,
      environment: { SERVICE_NAME: PLATFORM_SERVICE, POWERTOOLS_SERVICE_NAME: PLATFORM_SERVICE, LOG_LEVEL: 'INFO' },
    });
    this.userPool.addTrigger(
      UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      this.preTokenFunction.function,
      LambdaVersion.V2_0,
    );

    // --- Web console and its sign-in -------------------------------------------------------
    const region = Aws.REGION;
    this.managedLoginUrl = `https://${names.authDomainPrefix(Aws.ACCOUNT_ID)}.auth.${region}.amazoncognito.com`;
    this.userPoolDomain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: names.authDomainPrefix(Aws.ACCOUNT_ID) },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    const uploadOrigins = (props.consoleUploadBuckets ?? []).flatMap((bucket) => [
      `https://${bucket}.s3.${region}.amazonaws.com`,
      // Presigned URLs may name the global endpoint instead (us-east-1, older SDK settings).
      `https://${bucket}.s3.amazonaws.com`,
    ]);
    this.console = new ConsoleHosting(this, 'Console', {
      prefix: names.prefix,
      assets: props.consoleAssets,
      templatesOnly: props.templatesOnly,
      policy: {
        // Any API of this region, not this API's own origin: the API's CORS rule names the
        // distribution, so the distribution's policy cannot name the API (a dependency cycle).
        api: [`https://*.execute-api.${region}.amazonaws.com`],
        // The issuer (discovery, JWKS) and managed login (token, user info, logout).
        auth: [`https://cognito-idp.${region}.amazonaws.com`, this.managedLoginUrl],
        uploads: uploadOrigins,
      },
    });
    this.consoleUrl = this.console.url;
    const federation = props.federation ?? [];
    const identityProviders = addIdentityProviders(this, this.userPool, federation);
    this.consoleClient = this.userPool.addClient('ConsoleClient', {
      userPoolClientName: `${names.prefix}-console`,
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: CONSOLE_SCOPES.map((s) => OAuthScope[s.toUpperCase() as 'OPENID' | 'EMAIL' | 'PROFILE']),
        callbackUrls: [`${this.consoleUrl}/callback`],
        logoutUrls: [`${this.consoleUrl}/`],
      },
      supportedIdentityProviders: [
        UserPoolClientIdentityProvider.COGNITO,
        ...federation.map((p) => UserPoolClientIdentityProvider.custom(p.name)),
      ],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(CONSOLE_TOKEN_VALIDITY.accessHours),
      idTokenValidity: Duration.hours(CONSOLE_TOKEN_VALIDITY.idHours),
      refreshTokenValidity: Duration.hours(CONSOLE_TOKEN_VALIDITY.refreshHours),
      enableTokenRevocation: true,
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('customer'),
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true }),
    });
    // A client may name a provider only once it exists.
    for (const idp of identityProviders) this.consoleClient.node.addDependency(idp);
    // Sign-in happens in managed login only: no password or SRP flow on this client, just refresh.
    (this.consoleClient.node.defaultChild as CfnUserPoolClient).explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];
    // Managed login (version 2) shows a client's pages only once it has a branding style;
    // Cognito's own look, as no design is ours yet.
    new CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.consoleClient.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    // --- HTTP API -------------------------------------------------------------------------
    this.apiFunction = new ItsmFunction(this, 'ApiFunction', {
      service: PLATFORM_SERVICE,
      fnId: 'api',
      functionName: names.function(PLATFORM_SERVICE, 'api'),
      entry: props.apiEntry ?? PLATFORM_API_ENTRY,
      description: 'Platform API: OpenAPI document; problem details for unknown routes and methods',
      environment: { SERVICE_NAME: PLATFORM_SERVICE, POWERTOOLS_SERVICE_NAME: PLATFORM_SERVICE, LOG_LEVEL: 'INFO' },
    });
    this.authorizer = new HttpJwtAuthorizer('Jwt', this.userPool.userPoolProviderUrl, {
      authorizerName: 'cognito',
      // A Cognito access token has no `aud`; API Gateway then checks its `client_id` against this list.
      jwtAudience: [this.userPoolClient.userPoolClientId, this.consoleClient.userPoolClientId],
    });
    const platformIntegration = lambdaIntegration('Platform', this.apiFunction.function);
    this.httpApi = new HttpApi(this, 'Api', {
      apiName: names.api,
      description: 'ITSM platform API',
      createDefaultStage: false,
      defaultAuthorizer: this.authorizer,
      // `$default` catches every request no route matches; the platform function answers 404 or 405.
      defaultIntegration: platformIntegration,
      // API Gateway answers preflights itself (before the authorizer) for the console's origin only.
      corsPreflight: corsPreflight(this.consoleUrl),
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_YEAR });
    this.stage = this.httpApi.addStage('Stage', {
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });
    const openApi = this.addRoute(this, PLATFORM_SERVICE, PLATFORM_API_ROUTE, platformIntegration, { public: true });
    accept(openApi, 'publicOpenApi');

    this.console.deploy(this.consoleConfig(), [this.userPoolDomain]);

    // Stable output keys (no hash suffix) so scripts and the README can query them by name.
    const outputs: Record<string, [string, string]> = {
      ConsoleUrl: [this.consoleUrl, 'The web console'],
      ConsoleClientId: [
        this.consoleClient.userPoolClientId,
        "The console's app client id (OIDC, authorization code + PKCE)",
      ],
      ManagedLoginUrl: [this.managedLoginUrl, 'Cognito managed login (sign-in, token and logout endpoints)'],
      ApiUrl: [this.stage.url, 'Base URL of the HTTP API'],
      UserPoolId: [this.userPool.userPoolId, 'Cognito user pool (users, groups = roles)'],
      UserPoolClientId: [this.userPoolClient.userPoolClientId, 'App client id: the JWT audience'],
      EventBusName: [this.bus.eventBusName, 'Platform event bus'],
      AlarmTopicArn: [this.alarmTopic.topicArn, 'SNS topic every alarm notifies'],
    };
    for (const [key, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, key, { value, description }).overrideLogicalId(key);
    }
  }

  /** What the console reads from `/config.json` (the shape is `ConsoleConfig`). */
  consoleConfig(): ConsoleConfig {
    const clientId = this.consoleClient.userPoolClientId;
    return {
      apiUrl: this.stage.url,
      authority: this.userPool.userPoolProviderUrl,
      clientId,
      redirectUri: `${this.consoleUrl}/callback`,
      postLogoutRedirectUri: `${this.consoleUrl}/`,
      managedLoginUrl: this.managedLoginUrl,
      // Cognito's logout endpoint (its discovery document lists none); `logout_uri` must be a
      // sign-out URL of the client, exactly.
      signOutUrl: `${this.managedLoginUrl}/logout?client_id=${clientId}&logout_uri=${this.consoleUrl}/`,
      scope: CONSOLE_SCOPES.join(' '),
      region: Stack.of(this).region,
    };
  }

  /**
   * The VPC the query store clusters live in, created by the first service that has a database
   * (a deployment without one has no VPC at all). It belongs to the platform (root stack); each
   * cluster in its service's nested stack gets the subnets as parameters.
   */
  queryStoreNetwork(): QueryStoreNetwork {
    this.network ??= new QueryStoreNetwork(this, 'Network');
    return this.network;
  }

  /**
   * Adds `METHOD /path` to the HTTP API, protected by the JWT authorizer unless `public`.
   * Fails early when two services claim the same route.
   */
  addRoute(
    scope: Construct,
    service: string,
    route: { method: RouteMethod; path: string },
    integration: HttpLambdaIntegration,
    options: { public?: boolean } = {},
  ): HttpRoute {
    const key = `${route.method} ${route.path}`;
    const owner = this.routeOwners.get(key);
    if (owner) throw new Error(`route ${key} is declared by both "${owner}" and "${service}"`);
    this.routeOwners.set(key, service);
    return new HttpRoute(scope, `Route${route.method}${route.path}`, {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
      integration,
      authorizer: options.public ? new HttpNoneAuthorizer() : this.authorizer,
    });
  }

  /**
   * A dead-letter queue: SQS-managed encryption, TLS only, 14 days to look at what landed
   * there, and an alarm on its first message.
   */
  deadLetterQueue(scope: Construct, id: string, what: string): Queue {
    const queue = new Queue(scope, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    accept(queue, 'queueIsDlq');
    this.addDlqAlarm(queue, what);
    return queue;
  }

  /** Alarms (to the alarm topic) as soon as any message is visible in `queue`. */
  addDlqAlarm(queue: IQueue, what: string): Alarm {
    const alarm = new Alarm(queue.node.scope ?? queue, `${queue.node.id}Alarm`, {
      alarmDescription: `Dead letters: ${what}. Inspect the messages, fix the cause, then redrive.`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: Stats.MAXIMUM }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    return alarm;
  }
}

/**
 * A Lambda proxy integration (payload format 2.0) that grants API Gateway one invoke
 * permission per function for the whole API, instead of one per route: a service with many
 * routes would otherwise grow its function's resource policy towards the 20 KB limit.
 */
export function lambdaIntegration(id: string, fn: IFunction): HttpLambdaIntegration {
  return new HttpLambdaIntegration(id, fn, {
    payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    scopePermissionToRoute: false,
  });
}

/** The HTTP API's CORS configuration, from the definition both interpreters share (`infra/api/cors.ts`). */
function corsPreflight(consoleOrigin: string) {
  const cors = apiCors(consoleOrigin);
  return {
    allowOrigins: cors.allowOrigins,
    allowMethods: cors.allowMethods.map((m) => CorsHttpMethod[m as keyof typeof CorsHttpMethod]),
    allowHeaders: cors.allowHeaders,
    exposeHeaders: cors.exposeHeaders,
    maxAge: Duration.seconds(cors.maxAgeSeconds),
  };
}

const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    time: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    method: '$context.httpMethod',
    // The route key, not the raw path: a survey link's path is its secret (ADR 12).
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    sub: '$context.authorizer.claims.sub',
  }),
);

const GENERIC_ROLE_TITLES: Record<(typeof GENERIC_ROLES)[number], string> = {
  'sms-owner': 'SMS owner: accountable for the whole service management system (FitSM-3)',
  'sms-manager': 'SMS manager: runs the service management system day to day (FitSM-3)',
  'process-staff': 'Process staff: works cases in any process (FitSM-3)',
  'customer-user': "Customer user: sees only their organisation's records (custom:customer)",
  auditor: 'Auditor: reads everything, changes nothing',
};

function describeRole(role: Role): string {
  if (role in GENERIC_ROLE_TITLES) return GENERIC_ROLE_TITLES[role as keyof typeof GENERIC_ROLE_TITLES];
  const cut = role.lastIndexOf('-');
  return `${role.slice(cut + 1) === 'owner' ? 'Process owner' : 'Process manager'} of ${role.slice(0, cut)} (FitSM-3)`;
}
