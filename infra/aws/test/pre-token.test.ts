/**
 * The pre token generation trigger, called as Cognito calls it: with the V2_0 event of the
 * Cognito Developer Guide ("Pre token generation Lambda trigger", request and response
 * parameters), here for a sign-in through managed login (`TokenGeneration_HostedAuth`).
 */
import type { Context, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { principalFromClaims } from '../../../shared/kit/auth';
import { ACCESS_TOKEN_CLAIMS, handler } from '../pre-token/handler';

const CONTEXT = {
  functionName: 'itsm-platform-pre-token',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:itsm-platform-pre-token',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  logGroupName: '/aws/lambda/itsm-platform-pre-token',
  logStreamName: '2026/12/03/[$LATEST]abcdef',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 5000,
} as unknown as Context;

/** A V2_0 event as Cognito sends it; `response.claimsAndScopeOverrideDetails` arrives null. */
function v2Event(userAttributes: Record<string, string>, groups: string[]): PreTokenGenerationV2TriggerEvent {
  return JSON.parse(
    JSON.stringify({
      version: '2',
      triggerSource: 'TokenGeneration_HostedAuth',
      region: 'us-east-1',
      userPoolId: 'us-east-1_EXAMPLE',
      userName: 'bob',
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'consoleclientid0000000000' },
      request: {
        userAttributes: {
          sub: '9a5e1f3c-0000-4000-8000-000000000001',
          'cognito:user_status': 'CONFIRMED',
          email_verified: 'true',
          ...userAttributes,
        },
        groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [], preferredRole: null },
        scopes: ['openid', 'email', 'profile'],
      },
      response: { claimsAndScopeOverrideDetails: null },
    }),
  );
}

/** What Cognito puts in an access token by itself (no custom attributes, no email), plus what the trigger adds. */
function accessToken(event: PreTokenGenerationV2TriggerEvent, added: Record<string, string>) {
  return {
    sub: event.request.userAttributes.sub,
    'cognito:groups': event.request.groupConfiguration.groupsToOverride,
    iss: `https://cognito-idp.us-east-1.amazonaws.com/${event.userPoolId}`,
    client_id: event.callerContext.clientId,
    token_use: 'access',
    scope: 'openid email profile',
    username: event.userName,
    ...added,
  };
}

describe('pre token generation trigger (V2_0)', () => {
  it('adds custom:customer and email to the access token of a customer user, and nothing else', async () => {
    // Prepare
    const event = v2Event({ email: 'bob@customer.example', 'custom:customer': 'CUS-0001' }, ['customer-user']);
    // Act
    const result = await handler(event, CONTEXT);
    // Assess: only the access token changes; groups are left as Cognito puts them.
    const details = result.response.claimsAndScopeOverrideDetails;
    expect(details).toEqual({
      accessTokenGeneration: {
        claimsToAddOrOverride: { 'custom:customer': 'CUS-0001', email: 'bob@customer.example' },
      },
    });
    expect(details.groupOverrideDetails).toBeUndefined();
    expect(details.idTokenGeneration).toBeUndefined();
    // The API reads the token as the local provider's: a customer-bound principal of CUS-0001.
    const principal = principalFromClaims(
      accessToken(event, details.accessTokenGeneration?.claimsToAddOrOverride ?? {}),
    );
    expect(principal).toMatchObject({
      name: 'bob',
      roles: ['customer-user'],
      customerId: 'CUS-0001',
      email: 'bob@customer.example',
    });
  });

  it('gives staff no customer claim at all, so their groups count', async () => {
    // Prepare: any customer claim, even empty, would make the caller customer-bound (ADR 15).
    const event = v2Event({ email: 'alice@example.org', 'custom:customer': '' }, [
      'service-desk-manager',
      'process-staff',
    ]);
    // Act
    const result = await handler(event, CONTEXT);
    // Assess
    const added = result.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride ?? {};
    expect(added).toEqual({ email: 'alice@example.org' });
    expect(principalFromClaims(accessToken(event, added))).toMatchObject({
      roles: ['service-desk-manager', 'process-staff'],
      email: 'alice@example.org',
    });
    expect(principalFromClaims(accessToken(event, added)).customerId).toBeUndefined();
  });

  it('adds only claim names Cognito lets a trigger add to an access token', () => {
    // Cognito refuses to add or override these in an access token (Developer Guide, "Excluded claims").
    const reserved = [
      'acr',
      'amr',
      'aud',
      'auth_time',
      'azp',
      'exp',
      'iat',
      'identities',
      'iss',
      'jti',
      'nbf',
      'nonce',
    ];
    for (const claim of ACCESS_TOKEN_CLAIMS) {
      expect(reserved).not.toContain(claim);
      expect(claim.startsWith('cognito:')).toBe(false);
    }
  });
});
