/**
 * The platform and the fixture service (every definition feature), from one synthesized app.
 * Bundling and template validation are off here (the templates do not depend on them);
 * `nag.test.ts` synthesizes with both on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_ROLES } from '../../../shared/kit/roles';
import * as local from '../../local/names';
import { DEFAULT_ARCHIVE_RETENTION_DAYS } from '../platform';
import { createItsmApp } from '../stack';
import { deployedFunctions, resolve, type SynthesizedItsm, scopeOf, templatesOf } from '../synth';
import { ALARM_TOPIC_ARN, BUS_ARN, describeServiceDeployment, resourcesOf } from './expectations';
import { CONSOLE_FIXTURE } from './fixtures/console';
import { PLATFORM_API_FIXTURE, widgets } from './fixtures/widgets';

let synth: SynthesizedItsm;
beforeAll(() => {
  const { stack } = createItsmApp({
    services: [widgets],
    apiEntry: PLATFORM_API_FIXTURE,
    consoleAssets: CONSOLE_FIXTURE,
    bundle: false,
    validate: false,
  });
  synth = templatesOf(stack);
});

describeServiceDeployment(widgets, () => synth);

describe('platform', () => {
  const root = () => scopeOf(synth, 'platform');
  const only = (type: string) => {
    const found = resourcesOf(root(), type);
    expect(found, type).toHaveLength(1);
    return found[0] as [string, { Properties?: Record<string, unknown>; [k: string]: unknown }];
  };
  const props = (type: string) => only(type)[1].Properties ?? {};
  const rq = (v: unknown) => resolve(v, root());

  it('has the platform bus "itsm" and archives every event on it for 90 days', () => {
    const [busId, bus] = only('AWS::Events::EventBus');
    expect(bus.Properties?.Name).toBe(local.PLATFORM_BUS);
    const archive = props('AWS::Events::Archive');
    expect(rq(archive.SourceArn)).toBe(rq({ 'Fn::GetAtt': [busId, 'Arn'] }));
    expect(rq(archive.SourceArn)).toBe(BUS_ARN);
    expect(archive.RetentionDays).toBe(DEFAULT_ARCHIVE_RETENTION_DAYS);
    expect(archive.EventPattern).toBeUndefined();
  });

  it('has a retained user pool: no self sign-up, strong passwords, optional TOTP MFA, Plus threat protection', () => {
    const [, pool] = only('AWS::Cognito::UserPool');
    const p = pool.Properties ?? {};
    expect(pool.DeletionPolicy).toBe('Retain');
    expect(p.DeletionProtection).toBe('ACTIVE');
    expect(p.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: true });
    expect(p.Policies).toMatchObject({
      PasswordPolicy: {
        MinimumLength: 12,
        RequireLowercase: true,
        RequireUppercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
      },
    });
    expect(p.MfaConfiguration).toBe('OPTIONAL');
    expect(p.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(p.UserPoolTier).toBe('PLUS');
    expect(p.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
    expect(p.Schema).toContainEqual(
      expect.objectContaining({ Name: 'customer', AttributeDataType: 'String', Mutable: true }),
    );
  });

  it('has one group per role', () => {
    const groups = resourcesOf(root(), 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties?.GroupName);
    expect(groups.sort()).toEqual([...ALL_ROLES].sort());
  });

  const clients = () =>
    Object.fromEntries(
      resourcesOf(root(), 'AWS::Cognito::UserPoolClient').map(([id, c]) => [
        String(c.Properties?.ClientName),
        { id, p: c.Properties ?? {} },
      ]),
    );

  it('has an API app client without secret that reads custom:customer but cannot write it', () => {
    const client = clients()['itsm-api']!.p;
    expect(client.GenerateSecret).toBe(false);
    expect(client.ReadAttributes).toContain('custom:customer');
    expect(client.WriteAttributes).not.toContain('custom:customer');
    expect(client.ExplicitAuthFlows).toEqual(
      expect.arrayContaining(['ALLOW_USER_SRP_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
    );
  });

  it('has a console app client: public, authorization code only, openid/email/profile, its callback and sign-out URLs', () => {
    const client = clients()['itsm-console']!.p;
    const [distributionId] = only('AWS::CloudFront::Distribution');
    const origin = `https://<${distributionId}.DomainName>`;
    expect(client.GenerateSecret).toBe(false);
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    expect([...(client.AllowedOAuthScopes as string[])].sort()).toEqual(['email', 'openid', 'profile']);
    expect(rq(client.CallbackURLs)).toEqual([`${origin}/callback`]);
    expect(rq(client.LogoutURLs)).toEqual([`${origin}/`]);
    expect(client.SupportedIdentityProviders).toEqual(['COGNITO']);
    expect(client.PreventUserExistenceErrors).toBe('ENABLED');
    // Sign-in only through managed login; the browser keeps the session with the refresh token.
    expect(client.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    expect(client).toMatchObject({
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 720,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      EnableTokenRevocation: true,
    });
    expect(client.ReadAttributes).toContain('custom:customer');
    expect(client.WriteAttributes).not.toContain('custom:customer');
  });

  it('authorizes the HTTP API with the user pool as JWT issuer and both app clients (API and console) as audience', () => {
    const [poolId] = only('AWS::Cognito::UserPool');
    const { 'itsm-api': api, 'itsm-console': console } = clients();
    const authorizer = props('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.AuthorizerType).toBe('JWT');
    expect(authorizer.IdentitySource).toEqual(['$request.header.Authorization']);
    // A Cognito access token has no aud: API Gateway matches its client_id against the audience.
    expect(authorizer.JwtConfiguration).toEqual({
      Audience: [{ Ref: api!.id }, { Ref: console!.id }],
      Issuer: { 'Fn::GetAtt': [poolId, 'ProviderURL'] },
    });
  });

  it('serves GET /v1/openapi.json without auth and everything else ($default) with the JWT authorizer', () => {
    const [authorizerId] = only('AWS::ApiGatewayV2::Authorizer');
    const routes: Record<string, Record<string, unknown>> = Object.fromEntries(
      resourcesOf(root(), 'AWS::ApiGatewayV2::Route').map(([, r]) => [
        String(r.Properties?.RouteKey),
        r.Properties ?? {},
      ]),
    );
    expect(Object.keys(routes).sort()).toEqual(['$default', 'GET /v1/openapi.json']);
    expect(routes['GET /v1/openapi.json']?.AuthorizationType).toBe('NONE');
    expect(routes.$default?.AuthorizationType).toBe('JWT');
    expect(routes.$default?.AuthorizerId).toEqual({ Ref: authorizerId });
    const integration = props('AWS::ApiGatewayV2::Integration');
    expect(rq(integration.IntegrationUri)).toBe(local.functionArn('itsm-platform-api'));
    expect(integration.PayloadFormatVersion).toBe('2.0');
    for (const route of Object.values(routes)) expect(rq(route.Target)).toMatch(/^integrations\/</);
  });

  it('logs API access as JSON to a log group from the auto-deployed $default stage', () => {
    const stage = props('AWS::ApiGatewayV2::Stage');
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    const settings = stage.AccessLogSettings as Record<string, unknown>;
    expect(String(rq(settings.DestinationArn))).toMatch(/^arn:aws:logs:.*:log-group:/);
    expect(JSON.parse(String(settings.Format))).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
    });
  });

  it('runs the platform API function like every other function, with SERVICE_NAME=platform', () => {
    const platformFn = deployedFunctions(synth).find((f) => f.service === 'platform' && f.fnId === 'api');
    expect(platformFn?.functionName).toBe('itsm-platform-api');
    expect(platformFn?.properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    expect(platformFn?.environment).toEqual({
      SERVICE_NAME: 'platform',
      POWERTOOLS_SERVICE_NAME: 'platform',
      LOG_LEVEL: 'INFO',
    });
    // It reads no table and publishes nothing: only its logs and X-Ray.
    const actions = platformFn?.statements.flatMap((s) => s.actions).sort();
    expect(actions).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('has an alarm topic that refuses non-TLS publishers and lets CloudWatch publish', () => {
    const [topicId, topic] = only('AWS::SNS::Topic');
    expect(topic.Properties?.TopicName).toBe('itsm-alarms');
    expect(rq({ Ref: topicId })).toBe(ALARM_TOPIC_ARN);
    const statements = (props('AWS::SNS::TopicPolicy').PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
      }),
    );
  });

  it('outputs what operators need under stable keys', () => {
    expect(Object.keys(synth.platform.Outputs ?? {}).sort()).toEqual(
      [
        'AlarmTopicArn',
        'ApiUrl',
        'ConsoleClientId',
        'ConsoleUrl',
        'EventBusName',
        'ManagedLoginUrl',
        'UserPoolClientId',
        'UserPoolId',
      ].sort(),
    );
  });

  it('puts each service in its own nested stack, tagged with the service', () => {
    const stacks = resourcesOf(root(), 'AWS::CloudFormation::Stack');
    expect(stacks.map(([id]) => id)).toEqual([synth.serviceStackIds.widgets]);
    expect(stacks[0]?.[1].Properties?.Tags).toContainEqual({ Key: 'itsm:service', Value: 'widgets' });
  });
});

describe('stack name', () => {
  it('is Itsm by default and can be overridden by context, which renames every physical name', () => {
    const { stack } = createItsmApp({
      services: [widgets],
      apiEntry: PLATFORM_API_FIXTURE,
      consoleAssets: CONSOLE_FIXTURE,
      bundle: false,
      validate: false,
      context: { stackName: 'ItsmTest' },
    });
    expect(stack.stackName).toBe('ItsmTest');
    const other = templatesOf(stack);
    const names = deployedFunctions(other).map((f) => f.functionName);
    expect(names).toContain('itsmtest-widgets-api');
    expect(names.every((n) => n.startsWith('itsmtest-'))).toBe(true);
    const [, table] =
      Object.entries(other.services.widgets?.Resources ?? {}).find(([, r]) => r.Type === 'AWS::DynamoDB::Table') ?? [];
    expect(table?.Properties?.TableName).toBe('itsmtest-widgets');
    expect(synth.stackName).toBe('Itsm');
  });
});
