/**
 * The user pool's pre token generation trigger (event version V2_0, Plus feature plan): puts
 * `custom:customer` and `email` into the ACCESS token, which Cognito leaves out of it (custom
 * attributes and profile claims go to the ID token only). The console and API clients send the
 * access token, as the local OIDC provider's tokens are used (`client_id`, `token_use: access`,
 * `username`, `cognito:groups`, `custom:customer`, `email`, no `aud`), so both places carry the
 * same claims and `principalFromClaims` reads them the same way. Groups stay as Cognito puts them.
 *
 * Cognito Developer Guide, "Pre token generation Lambda trigger": a V2_0 event carries the user's
 * attributes in `request.userAttributes`; the response's
 * `claimsAndScopeOverrideDetails.accessTokenGeneration.claimsToAddOrOverride` adds claims to the
 * access token; a claim not named there is left as Cognito generates it.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { logger } from '../../../shared/kit/logger';

/** The claims this trigger may add to access tokens (the local OIDC provider issues the same). */
export const ACCESS_TOKEN_CLAIMS = ['custom:customer', 'email'] as const;

/**
 * The claims to add to the access token, from the user's attributes. A user without a customer
 * attribute gets no `custom:customer` claim at all: any such claim, even empty, makes the caller
 * customer-bound (ADR 15), so staff must never receive one.
 */
export function accessTokenClaims(
  userAttributes: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const name of ACCESS_TOKEN_CLAIMS) {
    const value = userAttributes[name];
    if (typeof value === 'string' && value !== '') claims[name] = value;
  }
  return claims;
}

const addClaims = async (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> => {
  const claims = accessTokenClaims(event.request.userAttributes ?? {});
  // Which claims were added, never their values (personal data).
  logger.info('access token claims added', {
    triggerSource: event.triggerSource,
    clientId: event.callerContext.clientId,
    claims: Object.keys(claims),
  });
  event.response = {
    claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: claims } },
  };
  return event;
};

export const handler = middy<PreTokenGenerationV2TriggerEvent, PreTokenGenerationV2TriggerEvent, Error, Context>()
  .use(injectLambdaContext(logger))
  .handler(addClaims);
