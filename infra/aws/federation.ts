/**
 * Sign-in through an organisation's identity provider (Entra ID, Okta, Google Workspace, …):
 * Cognito user pool identity providers, OIDC or SAML, offered on the console's managed login page.
 * Declared in the CDK context `itsm:federation` (cdk.json or `-c itsm:federation='[...]'`), a list of:
 *
 * - `{ "type": "oidc", "name": "Entra", "issuer": "https://login.microsoftonline.com/<tenant>/v2.0",
 *      "clientId": "<app id>", "clientSecretName": "itsm/entra" , "clientSecretField"?: "clientSecret",
 *      "scopes"?: ["openid", "email", "profile"], "emailClaim"?: "email" }`
 *   The client secret stays in Secrets Manager: the template holds a dynamic reference that
 *   CloudFormation resolves at deploy, never the secret.
 * - `{ "type": "saml", "name": "Okta", "metadataUrl": "https://<org>.okta.com/app/<id>/sso/saml/metadata",
 *      "emailAttribute"?: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" }`
 *
 * Each provider maps the e-mail (required by the pool) and the name. Roles stay Cognito groups:
 * a federated user appears in the pool as `<name>_<subject>` at first sign-in and is put in
 * groups like any user (infra/aws/README.md, Federation).
 */
import { SecretValue } from 'aws-cdk-lib';
import {
  ProviderAttribute,
  type UserPool,
  UserPoolIdentityProviderOidc,
  UserPoolIdentityProviderSaml,
  UserPoolIdentityProviderSamlMetadata,
} from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';

export const FEDERATION_CONTEXT = 'itsm:federation';

export interface OidcProvider {
  type: 'oidc';
  name: string;
  issuer: string;
  clientId: string;
  /** Name or ARN of the Secrets Manager secret holding the client secret. */
  clientSecretName: string;
  /** The JSON key of the secret holding it (default: the whole secret string). */
  clientSecretField?: string;
  scopes?: string[];
  /** The claim with the user's e-mail (default `email`). */
  emailClaim?: string;
}

export interface SamlProvider {
  type: 'saml';
  name: string;
  metadataUrl: string;
  /** The SAML attribute with the user's e-mail. */
  emailAttribute?: string;
}

export type FederationProvider = OidcProvider | SamlProvider;

const SAML_EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const SAML_NAME = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';
/** Cognito: provider names are 1-32 characters, no underscore or space (they prefix federated usernames with `_`). */
const PROVIDER_NAME = /^[^_\s]{1,32}$/;
const RESERVED_NAMES = new Set(['COGNITO', 'Google', 'Facebook', 'LoginWithAmazon', 'SignInWithApple']);

/** Reads and checks the context value (a JSON string from `-c`, or a list from cdk.json); fails early and clearly. */
export function parseFederation(raw: unknown): FederationProvider[] {
  if (raw === undefined || raw === null || raw === '') return [];
  const value: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
  if (!Array.isArray(value)) throw new Error(`${FEDERATION_CONTEXT} must be a list of identity providers`);
  const seen = new Set<string>();
  return value.map((p: Record<string, unknown>, i) => {
    const where = `${FEDERATION_CONTEXT}[${i}]`;
    const text = (key: string, optional = false): string | undefined => {
      const v = p[key];
      if (v === undefined && optional) return undefined;
      if (typeof v !== 'string' || v === '') throw new Error(`${where}.${key} must be a non-empty string`);
      return v;
    };
    const name = text('name') as string;
    if (!PROVIDER_NAME.test(name) || RESERVED_NAMES.has(name))
      throw new Error(`${where}.name "${name}": 1-32 characters, no underscore or space, not a Cognito built-in name`);
    if (seen.has(name)) throw new Error(`${where}.name "${name}" is used twice`);
    seen.add(name);
    if (p.type === 'oidc') {
      const issuer = text('issuer') as string;
      if (!issuer.startsWith('https://')) throw new Error(`${where}.issuer must be an https URL`);
      const scopes = p.scopes === undefined ? undefined : (p.scopes as unknown[]).map(String);
      if (scopes && !scopes.includes('openid')) throw new Error(`${where}.scopes must include openid`);
      return {
        type: 'oidc',
        name,
        issuer,
        clientId: text('clientId') as string,
        clientSecretName: text('clientSecretName') as string,
        ...(text('clientSecretField', true) ? { clientSecretField: text('clientSecretField') } : {}),
        ...(scopes ? { scopes } : {}),
        ...(text('emailClaim', true) ? { emailClaim: text('emailClaim') } : {}),
      };
    }
    if (p.type === 'saml') {
      const metadataUrl = text('metadataUrl') as string;
      if (!metadataUrl.startsWith('https://')) throw new Error(`${where}.metadataUrl must be an https URL`);
      return {
        type: 'saml',
        name,
        metadataUrl,
        ...(text('emailAttribute', true) ? { emailAttribute: text('emailAttribute') } : {}),
      };
    }
    throw new Error(`${where}.type must be "oidc" or "saml"`);
  });
}

/** Adds each provider to the pool; returns the constructs (the console client depends on them). */
export function addIdentityProviders(
  scope: Construct,
  userPool: UserPool,
  providers: readonly FederationProvider[],
): Construct[] {
  return providers.map((p) => {
    if (p.type === 'oidc') {
      // A `{{resolve:secretsmanager:…}}` dynamic reference: CloudFormation reads the secret at
      // deploy; neither the template nor the synth output holds it.
      const secret = SecretValue.secretsManager(p.clientSecretName, {
        ...(p.clientSecretField ? { jsonField: p.clientSecretField } : {}),
      }).unsafeUnwrap();
      return new UserPoolIdentityProviderOidc(scope, `Idp-${p.name}`, {
        userPool,
        name: p.name,
        issuerUrl: p.issuer,
        clientId: p.clientId,
        clientSecret: secret,
        scopes: p.scopes ?? ['openid', 'email', 'profile'],
        attributeMapping: {
          email: ProviderAttribute.other(p.emailClaim ?? 'email'),
          fullname: ProviderAttribute.other('name'),
        },
      });
    }
    return new UserPoolIdentityProviderSaml(scope, `Idp-${p.name}`, {
      userPool,
      name: p.name,
      metadata: UserPoolIdentityProviderSamlMetadata.url(p.metadataUrl),
      attributeMapping: {
        email: ProviderAttribute.other(p.emailAttribute ?? SAML_EMAIL),
        fullname: ProviderAttribute.other(SAML_NAME),
      },
    });
  });
}
