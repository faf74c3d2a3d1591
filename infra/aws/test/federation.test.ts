/**
 * Identity providers from the context `itsm:federation`: an OIDC provider (Entra ID) whose client
 * secret stays in Secrets Manager, and a SAML provider (Okta) from its metadata URL, both offered
 * by the console client; and the declarations refused before anything deploys.
 */
import { describe, expect, it } from 'vitest';
import { asRecord } from '../json';
import { createItsmApp } from '../stack';
import { scopeOf, templatesOf } from '../synth';
import { resourcesOf } from './expectations';
import { CONSOLE_FIXTURE } from './fixtures/console';
import { PLATFORM_API_FIXTURE, widgets } from './fixtures/widgets';

const ENTRA = {
  type: 'oidc',
  name: 'Entra',
  issuer: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
  clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  clientSecretName: 'itsm/entra',
  clientSecretField: 'clientSecret',
};
const OKTA = { type: 'saml', name: 'Okta', metadataUrl: 'https://example.okta.com/app/abc123/sso/saml/metadata' };

const build = (federation: unknown) =>
  createItsmApp({
    services: [widgets],
    apiEntry: PLATFORM_API_FIXTURE,
    consoleAssets: CONSOLE_FIXTURE,
    bundle: false,
    validate: false,
    context: { 'itsm:federation': federation },
  });

describe('federation', () => {
  it('adds each declared provider to the pool, maps e-mail and name, and offers it on the console client', () => {
    // Prepare, Act: as `-c itsm:federation='[...]'` gives it, a JSON string.
    const { stack } = build(JSON.stringify([ENTRA, OKTA]));
    const root = scopeOf(templatesOf(stack), 'platform');
    // Assess
    const idps = Object.fromEntries(
      resourcesOf(root, 'AWS::Cognito::UserPoolIdentityProvider').map(([id, r]) => [
        String(r.Properties?.ProviderName),
        { id, p: asRecord(r.Properties) },
      ]),
    );
    expect(Object.keys(idps).sort()).toEqual(['Entra', 'Okta']);
    const entra = idps.Entra!.p;
    expect(entra.ProviderType).toBe('OIDC');
    expect(entra.AttributeMapping).toEqual({ email: 'email', name: 'name' });
    const details = asRecord(entra.ProviderDetails);
    expect(details).toMatchObject({
      client_id: ENTRA.clientId,
      oidc_issuer: ENTRA.issuer,
      authorize_scopes: 'openid email profile',
    });
    // The secret is a dynamic reference CloudFormation resolves at deploy, never its value.
    expect(details.client_secret).toBe('{{resolve:secretsmanager:itsm/entra:SecretString:clientSecret::}}');
    const okta = idps.Okta!.p;
    expect(okta.ProviderType).toBe('SAML');
    expect(asRecord(okta.ProviderDetails).MetadataURL).toBe(OKTA.metadataUrl);
    expect(okta.AttributeMapping).toEqual({
      email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
      name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
    });
    const [consoleId, consoleClient] = resourcesOf(root, 'AWS::Cognito::UserPoolClient').find(
      ([, c]) => c.Properties?.ClientName === 'itsm-console',
    )!;
    expect(consoleClient.Properties?.SupportedIdentityProviders).toEqual(['COGNITO', 'Entra', 'Okta']);
    // The client names the providers, so it is created after them.
    expect(consoleClient.DependsOn).toEqual(expect.arrayContaining([idps.Entra!.id, idps.Okta!.id]));
    expect(consoleId).toBeDefined();
    // The API client (scripts) stays on pool passwords.
    const api = resourcesOf(root, 'AWS::Cognito::UserPoolClient').find(
      ([, c]) => c.Properties?.ClientName === 'itsm-api',
    );
    expect(api?.[1].Properties?.SupportedIdentityProviders).toEqual(['COGNITO']);
  });

  it('adds none without the context', () => {
    const { stack } = build(undefined);
    const root = scopeOf(templatesOf(stack), 'platform');
    expect(resourcesOf(root, 'AWS::Cognito::UserPoolIdentityProvider')).toEqual([]);
  });

  it('refuses declarations Cognito or a secure setup would refuse, before anything deploys', () => {
    expect(() => build([{ ...ENTRA, name: 'Entra_ID' }])).toThrow('no underscore or space');
    expect(() => build([{ ...ENTRA, name: 'Google' }])).toThrow('not a Cognito built-in name');
    expect(() => build([ENTRA, { ...OKTA, name: 'Entra' }])).toThrow('"Entra" is used twice');
    expect(() => build([{ ...ENTRA, issuer: 'http://login.example.org' }])).toThrow('issuer must be an https URL');
    expect(() => build([{ ...ENTRA, clientSecretName: undefined }])).toThrow(
      'clientSecretName must be a non-empty string',
    );
    expect(() => build([{ ...ENTRA, scopes: ['email'] }])).toThrow('scopes must include openid');
    expect(() => build([{ ...OKTA, type: 'ldap' }])).toThrow('type must be "oidc" or "saml"');
    expect(() => build({ Entra: ENTRA })).toThrow('must be a list of identity providers');
  });
});
