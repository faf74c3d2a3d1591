import * as z from 'zod/mini';
import type { RouteSpec, ServiceDefinition } from '../../shared/kit/definition';

/**
 * The OpenAPI 3.1 document, generated from the service definitions and their zod schemas, so
 * the document, the validation and the role checks cannot drift apart.
 */
type Json = Record<string, unknown>;

const PROBLEM: Json = {
  type: 'object',
  description: 'RFC 9457 problem details, with a stable `code` and the failing fields for validation errors.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
    correlationId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const schemaOf = (s: unknown): Json => {
  const { $schema: _s, ...rest } = z.toJSONSchema(s as z.core.$ZodType, {
    io: 'input',
    unrepresentable: 'any',
  }) as Json;
  return rest;
};

const problemRef = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

function operation(def: ServiceDefinition, r: RouteSpec): Json {
  const params: Json[] = [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (r.query) {
    const q = schemaOf(r.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      params.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema });
    }
  }
  if (r.method === 'PATCH' || r.method === 'PUT') {
    params.push({
      name: 'If-Match',
      in: 'header',
      required: true,
      description: 'The version (ETag) you read.',
      schema: { type: 'string' },
    });
  }
  const status = String(r.response?.status ?? (r.method === 'DELETE' ? 204 : 200));
  const op: Json = {
    operationId: `${def.name}.${r.method.toLowerCase()}${r.path
      .replace(/\/v1/, '')
      .replace(/[{}]/g, '')
      .replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
    summary: r.summary,
    tags: [def.name],
    description: r.public
      ? `No login: the path carries its own secret. FitSM ${def.fitsm}.`
      : `Roles: ${r.roles.join(', ')}. FitSM ${def.fitsm}.`,
    'x-roles': r.roles,
    ...(r.customerScope ? { 'x-customer-scope': r.customerScope } : {}),
    security: r.public ? [] : [{ bearer: [] }],
    parameters: params,
    responses: {
      [status]: {
        description: 'Success',
        ...(status === '204'
          ? {}
          : {
              content: {
                'application/json': { schema: r.response?.schema ? schemaOf(r.response.schema) : { type: 'object' } },
              },
            }),
      },
      '400': problemRef('The request is not valid (malformed JSON, failing fields listed in `errors`).'),
      '401': { description: 'Missing or invalid bearer token (answered by the gateway).' },
      '403': problemRef('Your roles do not allow this operation.'),
      '404': problemRef('Not found.'),
      ...(r.method !== 'GET'
        ? {
            '409': problemRef('Version conflict or duplicate.'),
            '413': problemRef(
              'Body larger than 1 MB (body-too-large), or a change larger than DynamoDB or EventBridge can hold (too-large).',
            ),
          }
        : {}),
      ...(r.method === 'PATCH' ? { '428': problemRef('If-Match is required.') } : {}),
    },
  };
  if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(r.body) } } };
  return op;
}

export function buildOpenApi(services: readonly ServiceDefinition[], version = '0.1.0'): Json {
  const paths: Record<string, Json> = {};
  for (const def of services) {
    for (const r of def.routes) {
      paths[r.path] ??= {};
      paths[r.path]![r.method.toLowerCase()] = operation(def, r);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'FitSM ITSM platform API',
      version,
      description:
        'IT service management following FitSM. Lists return `{ items, nextCursor }`; pass `cursor` to page. Updates need `If-Match`.',
    },
    servers: [{ url: '/' }],
    tags: services.map((s) => ({ name: s.name, description: `${s.title} (FitSM ${s.fitsm})` })),
    paths: {
      '/v1/openapi.json': {
        get: {
          operationId: 'platform.openapi',
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1 document' } },
        },
      },
      ...paths,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: PROBLEM },
    },
  };
}
