import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SERVICES } from '../../services/index';
import { problem, problemResponse } from '../../shared/kit/errors';
import { RouteTable } from '../../shared/kit/routing';
import { buildOpenApi } from './openapi';

/**
 * The platform API function: serves the OpenAPI document, and is the `$default` route, which
 * API Gateway sends every request that matches no route. It tells "no such resource" (404)
 * from "resource exists, method does not" (405, with Allow) as problem details.
 */
const routes = new RouteTable(SERVICES.flatMap((s) => s.routes.map((r) => ({ method: r.method, path: r.path }))));
let document: string | undefined;

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  if (event.routeKey === 'GET /v1/openapi.json') {
    document ??= JSON.stringify(buildOpenApi(SERVICES));
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' },
      body: document,
    };
  }
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath.length > 1 ? event.rawPath.replace(/\/+$/, '') : event.rawPath;
  const match = routes.match(method, path);
  if (!match.route && match.allowed.length > 0) {
    return problemResponse(
      problem(405, 'method-not-allowed', `${method} is not allowed on ${path}. Allowed: ${match.allowed.join(', ')}.`, {
        instance: path,
      }),
      { allow: match.allowed.join(', ') },
    );
  }
  return problemResponse(problem(404, 'route-not-found', `There is no resource at ${path}.`, { instance: path }));
};
