/**
 * The web console on AWS and its sign-in: the pre token generation trigger (V2_0), the console's
 * app client in the JWT authorizer's audience, managed login, the CloudFront distribution with
 * origin access control, security headers and content security policy, `/config.json`, CORS on
 * the HTTP API for the console's origin only, and its outputs. Templates only (no bundling).
 */
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_SCOPES, CYTOSCAPE_STYLE, CYTOSCAPE_STYLE_HASH } from '../../api/console-headers';
import { apiCors } from '../../api/cors';
import * as local from '../../local/names';
import { SPA_ROUTES_FUNCTION } from '../console';
import { asRecord } from '../json';
import { createItsmApp, type ItsmStack } from '../stack';
import { type CfnResourceJson, resolve, type SynthesizedItsm, scopeOf, templatesOf } from '../synth';
import { consoleUrlOf, resourcesOf } from './expectations';
import { CONSOLE_FIXTURE } from './fixtures/console';
import { ledger } from './fixtures/ledger';
import { PLATFORM_API_FIXTURE, widgets } from './fixtures/widgets';

let stack: ItsmStack;
let synth: SynthesizedItsm;
beforeAll(() => {
  ({ stack } = createItsmApp({
    services: [widgets, ledger],
    apiEntry: PLATFORM_API_FIXTURE,
    consoleAssets: CONSOLE_FIXTURE,
    bundle: false,
    validate: false,
  }));
  synth = templatesOf(stack);
});

const root = () => scopeOf(synth, 'platform');
const rq = (v: unknown) => resolve(v, root());
const only = (type: string): [string, CfnResourceJson] => {
  const found = resourcesOf(root(), type);
  expect(found, type).toHaveLength(1);
  return found[0] as [string, CfnResourceJson];
};
const props = (type: string) => asRecord(only(type)[1].Properties);
const clientId = (name: string) =>
  resourcesOf(root(), 'AWS::Cognito::UserPoolClient').find(([, c]) => c.Properties?.ClientName === name)?.[0];
const REGION = local.LOCAL_REGION;
const LOGIN = `https://itsm-${local.LOCAL_ACCOUNT}.auth.${REGION}.amazoncognito.com`;

describe('sign-in', () => {
  it('runs the pre token generation trigger with V2_0 events, so access tokens can be customised', () => {
    const [fnId] = resourcesOf(root(), 'AWS::Lambda::Function').find(
      ([, f]) => f.Properties?.FunctionName === 'itsm-platform-pre-token',
    ) ?? [''];
    const config = asRecord(asRecord(props('AWS::Cognito::UserPool').LambdaConfig).PreTokenGenerationConfig);
    expect(config).toEqual({ LambdaArn: { 'Fn::GetAtt': [fnId, 'Arn'] }, LambdaVersion: 'V2_0' });
    // The V1 setting would send V1_0 events, which cannot change access tokens.
    expect(asRecord(props('AWS::Cognito::UserPool').LambdaConfig).PreTokenGeneration).toBeUndefined();
    const [poolId] = only('AWS::Cognito::UserPool');
    const invoke = resourcesOf(root(), 'AWS::Lambda::Permission')
      .map(([, p]) => asRecord(p.Properties))
      .filter((p) => p.Principal === 'cognito-idp.amazonaws.com');
    expect(invoke).toEqual([
      expect.objectContaining({
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
        SourceArn: { 'Fn::GetAtt': [poolId, 'Arn'] },
      }),
    ]);
  });

  it('puts the console client in the JWT authorizer audience beside the API client', () => {
    const audience = asRecord(props('AWS::ApiGatewayV2::Authorizer').JwtConfiguration).Audience;
    expect(audience).toEqual([{ Ref: clientId('itsm-api') }, { Ref: clientId('itsm-console') }]);
  });

  it('has a managed login domain (version 2) and Cognito-provided branding for the console client', () => {
    const domain = props('AWS::Cognito::UserPoolDomain');
    expect(rq(domain.Domain)).toBe(`itsm-${local.LOCAL_ACCOUNT}`);
    expect(domain.ManagedLoginVersion).toBe(2);
    expect(props('AWS::Cognito::ManagedLoginBranding')).toMatchObject({
      ClientId: { Ref: clientId('itsm-console') },
      UseCognitoProvidedValues: true,
    });
  });
});

describe('console hosting', () => {
  it('serves a private bucket through CloudFront with origin access control, over HTTPS, index.html at the root, logged', () => {
    const dist = asRecord(props('AWS::CloudFront::Distribution').DistributionConfig);
    const origin = asRecord((dist.Origins as unknown[])[0]);
    const originBucket = asRecord(origin.DomainName)['Fn::GetAtt'] as string[];
    expect(origin.OriginAccessControlId).toBeDefined();
    expect(asRecord(origin.S3OriginConfig).OriginAccessIdentity).toBe('');
    const oac = asRecord(props('AWS::CloudFront::OriginAccessControl').OriginAccessControlConfig);
    expect(oac).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const behavior = asRecord(dist.DefaultCacheBehavior);
    expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(dist.DefaultRootObject).toBe('index.html');
    // No error page turns a missing file into index.html: the function answers routes instead.
    expect(dist.CustomErrorResponses).toBeUndefined();
    expect(behavior.FunctionAssociations).toEqual([
      {
        EventType: 'viewer-request',
        FunctionARN: { 'Fn::GetAtt': [only('AWS::CloudFront::Function')[0], 'FunctionARN'] },
      },
    ]);
    expect(asRecord(dist.Logging).Bucket).toBeDefined();
    // The bucket: nothing public, and only this distribution may read it.
    const site = root().template.Resources[originBucket[0]!];
    expect(asRecord(site?.Properties).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(asRecord(asRecord(site?.Properties).LoggingConfiguration).DestinationBucketName).toBeDefined();
    const policy = resourcesOf(root(), 'AWS::S3::BucketPolicy')
      .map(([, p]) => asRecord(p.Properties))
      .find((p) => asRecord(p.Bucket).Ref === originBucket[0]);
    const reads = (asRecord(policy?.PolicyDocument).Statement as Record<string, unknown>[]).filter(
      (s) => s.Effect === 'Allow',
    );
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' } });
    expect(rq(asRecord(asRecord(reads[0]?.Condition).StringEquals)['AWS:SourceArn'])).toBe(
      `arn:aws:cloudfront::${local.LOCAL_ACCOUNT}:distribution/<${only('AWS::CloudFront::Distribution')[0]}>`,
    );
  });

  it('answers console routes with index.html and leaves files alone (the deployed CloudFront Function)', () => {
    // Prepare: the function's code as deployed, run as CloudFront runs it (a handler of the event).
    const code = asRecord(props('AWS::CloudFront::Function')).FunctionCode;
    expect(code).toBe(SPA_ROUTES_FUNCTION);
    expect(asRecord(props('AWS::CloudFront::Function').FunctionConfig).Runtime).toBe('cloudfront-js-2.0');
    const route = (uri: string) =>
      (runInNewContext(`${String(code)}; handler({ request: { uri: ${JSON.stringify(uri)} } })`) as { uri: string })
        .uri;
    // Act, Assess
    expect(route('/')).toBe('/index.html');
    expect(route('/callback')).toBe('/index.html');
    expect(route('/tickets/INC-0042')).toBe('/index.html');
    expect(route('/tickets/')).toBe('/index.html');
    // Only the last segment counts: a dot earlier in the path is no file extension.
    expect(route('/reports/2026.q4/runs')).toBe('/index.html');
    expect(route('/assets/index-3f2a1c.js')).toBe('/assets/index-3f2a1c.js');
    expect(route('/config.json')).toBe('/config.json');
    expect(route('/favicon.ico')).toBe('/favicon.ico');
  });

  it('sends HSTS, nosniff, DENY framing, a referrer policy and the content security policy', () => {
    const config = asRecord(props('AWS::CloudFront::ResponseHeadersPolicy').ResponseHeadersPolicyConfig);
    const security = asRecord(config.SecurityHeadersConfig);
    expect(security.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: 63_072_000,
      IncludeSubdomains: true,
      Override: true,
    });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(security.ReferrerPolicy).toEqual({ ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true });
    const csp = String(rq(asRecord(security.ContentSecurityPolicy).ContentSecurityPolicy));
    const directives = Object.fromEntries(
      csp.split('; ').map((d) => {
        const [name, ...sources] = d.split(' ');
        return [name, sources];
      }),
    );
    const uploads = local.bucketName('ledger');
    expect(directives).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'", CYTOSCAPE_STYLE_HASH],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'", 'data:'],
      'connect-src': [
        "'self'",
        `https://*.execute-api.${REGION}.amazonaws.com`,
        `https://cognito-idp.${REGION}.amazonaws.com`,
        LOGIN,
        // ledger has consoleUploads; widgets has no bucket.
        `https://${uploads}.s3.${REGION}.amazonaws.com`,
        `https://${uploads}.s3.amazonaws.com`,
      ],
      'form-action': ["'self'", `https://cognito-idp.${REGION}.amazonaws.com`, LOGIN],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
    // Named per region: response headers policy names are unique in the account.
    expect(rq(config.Name)).toBe(`itsm-console-${REGION}`);
  });

  it("allows cytoscape's one inline style element by its hash, not 'unsafe-inline'", async () => {
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(CYTOSCAPE_STYLE).digest('base64');
    expect(CYTOSCAPE_STYLE_HASH).toBe(`'sha256-${hash}'`);
  });

  it('writes config.json at deploy with the API, the issuer, the console client and sign-out, after the files', () => {
    // Prepare: what the deployment's config.json holds, with the deploy-time values resolved.
    const config = rq(stack.resolve(stack.platform.consoleConfig())) as Record<string, string>;
    const consoleUrl = consoleUrlOf(synth);
    const [apiId] = only('AWS::ApiGatewayV2::Api');
    const [poolId] = only('AWS::Cognito::UserPool');
    // Assess
    expect(config).toEqual({
      apiUrl: `https://<${apiId}>.execute-api.${REGION}.amazonaws.com/`,
      authority: `<${poolId}.ProviderURL>`,
      clientId: `<${clientId('itsm-console')}>`,
      redirectUri: `${consoleUrl}/callback`,
      postLogoutRedirectUri: `${consoleUrl}/`,
      managedLoginUrl: LOGIN,
      signOutUrl: `${LOGIN}/logout?client_id=<${clientId('itsm-console')}>&logout_uri=${consoleUrl}/`,
      scope: CONSOLE_SCOPES.join(' '),
      region: REGION,
    });
    const deployments = resourcesOf(root(), 'Custom::CDKBucketDeployment');
    expect(deployments).toHaveLength(2);
    const [entryId, entry] = deployments.find(([, d]) => asRecord(d.Properties).DistributionId !== undefined) ?? [];
    const [filesId] = deployments.find(([id]) => id !== entryId) ?? [];
    const p = asRecord(entry?.Properties);
    expect(p).toMatchObject({
      Include: ['index.html', 'config.json'],
      Exclude: ['*'],
      Prune: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
      DistributionPaths: ['/*'],
    });
    // The JSON source carries the deploy-time values as markers: the console client and the issuer.
    const markers = JSON.stringify(p.SourceMarkers);
    expect(markers).toContain(JSON.stringify({ Ref: clientId('itsm-console') }));
    expect(markers).toContain(JSON.stringify({ 'Fn::GetAtt': [poolId, 'ProviderURL'] }));
    // index.html (which names the new chunks) only after the chunks, and once sign-in exists.
    expect(entry?.DependsOn).toEqual(expect.arrayContaining([filesId, only('AWS::Cognito::UserPoolDomain')[0]]));
  });

  it("lets the HTTP API answer CORS for the console's origin only, as the local gateway does", () => {
    const cors = apiCors(consoleUrlOf(synth));
    expect(rq(props('AWS::ApiGatewayV2::Api').CorsConfiguration)).toEqual({
      AllowOrigins: cors.allowOrigins,
      AllowMethods: cors.allowMethods,
      AllowHeaders: cors.allowHeaders,
      ExposeHeaders: cors.exposeHeaders,
      MaxAge: cors.maxAgeSeconds,
    });
  });

  it('outputs the console URL, its client id and the managed login URL', () => {
    const outputs = asRecord(synth.platform.Outputs);
    expect(rq(asRecord(outputs.ConsoleUrl).Value)).toBe(consoleUrlOf(synth));
    expect(asRecord(outputs.ConsoleClientId).Value).toEqual({ Ref: clientId('itsm-console') });
    expect(rq(asRecord(outputs.ManagedLoginUrl).Value)).toBe(LOGIN);
  });
});
