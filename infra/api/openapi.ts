import * as z from 'zod/mini';
import type { RouteSpec, ServiceDefinition } from '../../shared/kit/definition';
import { MAX_PATH_PARAMETER_BYTES } from '../../shared/kit/routing';

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

/** API Gateway's own answer when it refuses a request itself (authorizer 401, throttling 429). */
const GATEWAY_MESSAGE: Json = {
  type: 'object',
  description: "API Gateway's own answer (not made by our functions).",
  required: ['message'],
  properties: { message: { type: 'string' } },
};

/** What every list route answers when its definition names no schema: a page of items and the next cursor. */
const PAGE: Json = {
  type: 'object',
  required: ['items'],
  properties: {
    items: { type: 'array', items: { type: 'object' } },
    nextCursor: { type: 'string', description: 'Pass as `cursor` for the next page; absent on the last page.' },
  },
};

/**
 * A route schema as JSON Schema. zod puts the definitions of a recursive schema (the desk's
 * category tree) in a local `$defs` with `#/$defs/...` references, which inside an OpenAPI document
 * point at the document root, where nothing is: so each definition moves to `components/schemas`
 * under a name made from where it is used, and its references follow it.
 */
function schemaIn(components: Record<string, Json>, context: string) {
  return (s: unknown): Json => {
    const {
      $schema: _s,
      $defs,
      ...rest
    } = z.toJSONSchema(s as z.core.$ZodType, {
      io: 'input',
      unrepresentable: 'any',
    }) as Json;
    const defs = ($defs ?? {}) as Record<string, Json>;
    // A schema registered with an id (`.register(z.globalRegistry, { id: 'Ticket' })`) keeps it as
    // its name, so a generated client has `components['schemas']['Ticket']`; zod's own names
    // (`__schema0`, recursion) are per operation.
    const names = new Map(
      Object.keys(defs).map((d) => [
        d,
        /^__schema\d+$/.test(d) ? `${context}.${d.replace(/[^A-Za-z0-9._-]/g, '')}` : d,
      ]),
    );
    const relink = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(relink);
      if (!node || typeof node !== 'object') return node;
      const out: Json = {};
      for (const [k, v] of Object.entries(node)) {
        const local = k === '$ref' && typeof v === 'string' ? /^#\/\$defs\/(.+)$/.exec(v)?.[1] : undefined;
        out[k] = local !== undefined && names.has(local) ? `#/components/schemas/${names.get(local)}` : relink(v);
      }
      return out;
    };
    for (const [d, def] of Object.entries(defs)) {
      const name = names.get(d)!;
      const schema = relink(def) as Json;
      if (components[name] && JSON.stringify(components[name]) !== JSON.stringify(schema)) {
        throw new Error(`Two different schemas are named ${name} in the OpenAPI document: give one another id.`);
      }
      components[name] = schema;
    }
    return relink(rest) as Json;
  };
}

const problemRef = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

function operation(def: ServiceDefinition, r: RouteSpec, components: Record<string, Json>): Json {
  const operationId = `${def.name}.${r.method.toLowerCase()}${r.path
    .replace(/\/v1/, '')
    .replace(/[{}]/g, '')
    .replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase())}`;
  const schemaOf = schemaIn(components, operationId);
  const params: Json[] = [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    description: `At most ${MAX_PATH_PARAMETER_BYTES} bytes of UTF-8 (400 \`invalid-path\` otherwise).`,
    schema: { type: 'string', minLength: 1, maxLength: MAX_PATH_PARAMETER_BYTES },
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
  const isList = r.method === 'GET' && params.some((p) => p.in === 'query' && p.name === 'limit');
  const success = r.response?.schema
    ? schemaOf(r.response.schema)
    : isList
      ? { $ref: '#/components/schemas/Page' }
      : { type: 'object' };
  const op: Json = {
    operationId,
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
              content: r.response?.contentType
                ? { [r.response.contentType]: { schema: { type: 'string' } } }
                : { 'application/json': { schema: success } },
            }),
      },
      '400': problemRef(
        'The request is not valid: malformed JSON, failing fields listed in `errors`, an unknown query parameter, or a path parameter that is not valid percent-encoding or too long (`invalid-path`).',
      ),
      ...(r.public
        ? {}
        : {
            '401': {
              description: 'Missing or invalid bearer token (answered by the gateway).',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/GatewayMessage' } } },
            },
          }),
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
      '500': problemRef('Something went wrong on our side; quote the correlation id.'),
    },
  };
  if (r.body) {
    // A route whose body schema is optional (closing a ticket with no comment) takes no body.
    const required = !z.safeParse(r.body as z.core.$ZodType, undefined).success;
    op.requestBody = { required, content: { 'application/json': { schema: schemaOf(r.body) } } };
  }
  return op;
}

export function buildOpenApi(services: readonly ServiceDefinition[], version = '0.1.0'): Json {
  const paths: Record<string, Json> = {};
  // The shared answers first, so a registered schema cannot take one of their names unnoticed.
  const schemas: Record<string, Json> = { Problem: PROBLEM, GatewayMessage: GATEWAY_MESSAGE, Page: PAGE };
  for (const def of services) {
    for (const r of def.routes) {
      paths[r.path] ??= {};
      paths[r.path]![r.method.toLowerCase()] = operation(def, r, schemas);
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
          responses: {
            '200': {
              description: 'OpenAPI 3.1 document',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
      ...paths,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas,
    },
  };
}
