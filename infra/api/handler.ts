import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SERVICES } from '../../services/index';
import { newId } from '../../shared/kit/context';
import { problem, problemResponse } from '../../shared/kit/errors';
import { RouteTable } from '../../shared/kit/routing';
import { buildOpenApi } from './openapi';

/**
 * The platform API function: serves the OpenAPI document, and is the `$default` route, which
 * API Gateway sends every request that matches no route. It tells "no such resource" (404)
 * from "resource exists, method does not" (405, with Allow) as problem details, and answers 400
 * `invalid-path` for a path whose parameter is not valid percent-encoding (the local gateway sends
 * such a path here too, so both agree). Every response carries `x-correlation-id`, as the API kit's do.
 */
const routes = new RouteTable(SERVICES.flatMap((s) => s.routes.map((r) => ({ method: r.method, path: r.path }))));
let document: string | undefined;

/** The same rule as the API kit's: the caller's plain-token id, else API Gateway's request id. */
function correlationIdOf(event: APIGatewayProxyEventV2): string {
  const sent = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'x-correlation-id')?.[1];
  return sent && /^[A-Za-z0-9._:-]{1,128}$/.test(sent) ? sent : (event.requestContext?.requestId ?? newId());
}

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const correlationId = correlationIdOf(event);
  if (event.routeKey === 'GET /v1/openapi.json') {
    document ??= JSON.stringify(buildOpenApi(SERVICES));
    return {
      statusCode: 200,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'max-age=300',
        'x-correlation-id': correlationId,
      },
      body: document,
    };
  }
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath.length > 1 ? event.rawPath.replace(/\/+$/, '') : event.rawPath;
  const match = routes.match(method, path);
  const extra = { instance: path, correlationId };
  const headers = { 'x-correlation-id': correlationId };
  if (!match.route && match.invalidPath) {
    return problemResponse(
      problem(400, 'invalid-path', 'A path parameter is not valid percent-encoded UTF-8.', {
        ...extra,
        errors: [{ field: 'path', message: 'must be valid percent-encoded UTF-8' }],
      }),
      headers,
    );
  }
  if (!match.route && match.allowed.length > 0) {
    return problemResponse(
      problem(
        405,
        'method-not-allowed',
        `${method} is not allowed on ${path}. Allowed: ${match.allowed.join(', ')}.`,
        extra,
      ),
      { ...headers, allow: match.allowed.join(', ') },
    );
  }
  return problemResponse(problem(404, 'route-not-found', `There is no resource at ${path}.`, extra), headers);
};
