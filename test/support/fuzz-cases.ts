import fc from 'fast-check';
import {
  fieldPaths,
  HOSTILE_BODIES,
  HUGE_STRING_BYTES,
  hostileValues,
  type JsonSchema,
  REMOVE,
  toJson,
  validValue,
  withField,
} from './fuzz-values';

/**
 * The requests of the OpenAPI fuzz test, generated from the served document: for each route and
 * principal, the explicit finding classes of issue 7 (replayed on every route they apply to) and
 * fast-check samples (fixed seed) of schema-valid requests with one part made hostile.
 */
export interface Operation {
  method: string;
  /** The path template as the document has it, `/v1/tickets/{id}`. */
  template: string;
  params: string[];
  query: Array<{ name: string; schema: JsonSchema; required: boolean }>;
  body?: JsonSchema;
  roles: string[];
  /** Takes If-Match (PATCH and PUT). */
  ifMatch: boolean;
}

export type PrincipalName = 'admin' | 'customer';

export interface FuzzCase {
  op: Operation;
  principal: PrincipalName;
  /** The input class the failure listing groups by (`path: %ZZ`, `body.title: string of 450 KB`). */
  input: string;
  /** Path and query string, already encoded (some on purpose badly). */
  url: string;
  body?: string;
  contentType?: string;
  /** `CURRENT_VERSION` is replaced by the record's version when the request is sent. */
  ifMatch?: string;
}

export const CURRENT_VERSION = '<current>';

type DocOperation = {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema: JsonSchema }>;
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
  'x-roles'?: string[];
};

/** The routes of the served OpenAPI document (all but the document itself). */
export function operations(doc: { paths: Record<string, Record<string, DocOperation>> }): Operation[] {
  const out: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    if (template === '/v1/openapi.json') continue;
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      out.push({
        method: method.toUpperCase(),
        template,
        params: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema, required: p.required ?? false })),
        ...(op.requestBody ? { body: op.requestBody.content['application/json'].schema } : {}),
        roles: op['x-roles'] ?? [],
        ifMatch: params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'if-match'),
      });
    }
  }
  return out;
}

export const routeKey = (op: Operation) => `${op.method} ${op.template}`;

/** Path segment values: `raw` is sent as is (badly encoded on purpose), `value` percent-encoded. */
const PATH_CLASSES: Array<{ name: string; raw?: string; value?: string }> = [
  { name: 'missing id', value: 'FUZZ-0000000000' },
  { name: 'badly encoded %ZZ', raw: '%ZZ' },
  { name: 'badly encoded %ED%A0%80 (lone surrogate)', raw: '%ED%A0%80' },
  { name: 'id of 1,025 bytes (over the sort key limit)', value: 'a'.repeat(1025) },
  { name: 'id of 2,049 bytes (over the partition key limit)', value: 'b'.repeat(2049) },
  { name: 'id of 3,000 bytes, multibyte', value: 'é'.repeat(1500) },
  { name: 'unicode id', value: '🚀Ünï\u202ecødé' },
  { name: 'NUL in id', raw: 'a%00b' },
  { name: 'encoded slash in id', raw: 'a%2Fb' },
  { name: 'id with spaces and quotes', value: ` "x' OR 1=1` },
];

const QUERY_CLASSES: Array<{ name: string; query: string }> = [
  ...['0', '1', '100', '101', '1000', '-1', 'abc', '1.5', '', '1e2'].map((v) => ({
    name: `limit=${v}`,
    query: `limit=${encodeURIComponent(v)}`,
  })),
  { name: 'duplicated limit', query: 'limit=1&limit=2' },
  { name: 'cursor garbage', query: 'cursor=garbage' },
  { name: 'cursor forged key', query: `cursor=${b64('{"pk":"CUSTOMER#globex","sk":"A"}')}` },
  { name: 'cursor of wrong types', query: `cursor=${b64('{"pk":{"S":1},"sk":[1,2],"x":null}')}` },
  { name: 'cursor JSON array', query: `cursor=${b64('[1,2]')}` },
  { name: 'cursor of 6,000 characters', query: `cursor=${b64('x'.repeat(4500))}` },
  { name: 'cursor badly encoded', query: 'cursor=%ZZ' },
  { name: 'unknown query parameter', query: 'q=x&status=' },
  { name: 'unknown query parameter, long value', query: `zz=${'z'.repeat(5000)}` },
];

const IF_MATCH_CLASSES: Array<{ name: string; value: string }> = [
  { name: 'If-Match garbage', value: 'garbage' },
  { name: 'If-Match "99999999999999999999999"', value: '"99999999999999999999999"' },
  { name: 'If-Match *', value: '*' },
  { name: 'If-Match "-1"', value: '"-1"' },
  { name: 'If-Match "1.5"', value: '"1.5"' },
  { name: 'If-Match ""', value: '""' },
  { name: 'If-Match "0"', value: '"0"' },
  { name: 'If-Match of 4,000 characters', value: `"${'9'.repeat(4000)}"` },
];

const ONE_MINUTE_A_WEEK = {
  timeZone: 'UTC',
  hours: { mon: [{ start: '08:00', end: '08:01' }], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
};
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/**
 * Issue 7's findings that need a request valid in every other respect (a generated body rarely
 * names an existing CI type or calendar): replayed as found, on the route they were found on.
 */
const FINDINGS: Record<string, Array<{ input: string; body: unknown; current?: true }>> = {
  'POST /v1/cis': [
    {
      input: 'finding: CI attribute of 450 KB (DynamoDB item limit 400 KB)',
      body: {
        typeId: 'application',
        name: 'fuzz-huge',
        attributes: { version: '1', url: 'x'.repeat(HUGE_STRING_BYTES) },
      },
    },
    {
      input: 'finding: CI with 97 customerIds (100-item transaction)',
      body: { typeId: 'application', name: 'fuzz-97', attributes: { version: '1' }, customerIds: ids('c', 97) },
    },
    {
      input: 'finding: CI with 100 serviceIds and 100 customerIds',
      body: {
        typeId: 'application',
        name: 'fuzz-200',
        attributes: { version: '1' },
        serviceIds: ids('s', 100),
        customerIds: ids('c', 100),
      },
    },
  ],
  'PATCH /v1/cis/{id}': [
    ...['y', 'z'].map((c) => ({
      input: 'finding: CI attribute of 300 KB changed again (history holds old and new)',
      body: { attributes: { version: '1.0.0', url: c.repeat(300 * 1024) } },
      current: true as const,
    })),
    {
      input: 'finding: CI with 97 customerIds (100-item transaction)',
      body: { customerIds: ids('c', 97) },
      current: true,
    },
  ],
  'POST /v1/calendars': [
    {
      input: 'finding: calendar open one minute a week',
      body: { calendarId: 'fuzz-one-minute', name: 'One minute a week', calendar: ONE_MINUTE_A_WEEK },
    },
  ],
  'POST /v1/agreements': [
    {
      input: 'finding: target of 525,600 minutes on a calendar open one minute a week',
      body: {
        kind: 'ola',
        name: 'Fuzz OLA',
        supportingGroup: 'infra-team',
        calendarId: 'fuzz-one-minute',
        targets: { P1: { resolutionMinutes: 525_600 } },
        reviewDate: '2030-01-01',
      },
    },
  ],
  'POST /v1/sla-evaluations': [
    {
      input: 'finding: target of 525,600 minutes on a calendar open one minute a week',
      body: {
        timeline: [
          { at: '2026-01-05T08:00:00Z', kind: 'created', status: 'new', priority: 'P1' },
          { at: '2026-01-05T08:00:00Z', kind: 'sla', slaId: 'one-minute' },
        ],
        slas: [{ slaId: 'one-minute', calendar: ONE_MINUTE_A_WEEK, targets: { P1: { resolutionMinutes: 525_600 } } }],
      },
    },
    {
      input: 'finding: target of 525,600 minutes on the stored calendar open one minute a week',
      body: {
        timeline: [
          { at: '2026-01-05T08:00:00Z', kind: 'created', status: 'new', priority: 'P1' },
          { at: '2026-01-05T08:00:00Z', kind: 'sla', slaId: 'one-minute' },
        ],
        slas: [{ slaId: 'one-minute', calendarId: 'fuzz-one-minute', targets: { P1: { resolutionMinutes: 525_600 } } }],
      },
    },
    {
      input: 'finding: timeline from 1970 to 9999',
      body: {
        timeline: [
          { at: '1970-01-01T00:00:00Z', kind: 'created', status: 'new', priority: 'P1' },
          { at: '1970-01-01T00:00:00Z', kind: 'sla', slaId: 'long' },
          { at: '9999-12-31T23:59:59Z', kind: 'status', status: 'resolved' },
        ],
        slas: [{ slaId: 'long', calendarId: 'office-berlin', targets: { P1: { resolutionMinutes: 525_600 } } }],
      },
    },
  ],
};

function b64(s: string): string {
  return Buffer.from(s).toString('base64url');
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

export interface CaseOptions {
  /** fast-check seed: the same seed gives the same requests. */
  seed: number;
  /** fast-check samples per route and principal allowed on it. */
  samples: number;
  /** Existing parameter assignments per route template (first is the principal's own where that matters). */
  existing: (op: Operation, principal: PrincipalName) => Array<Record<string, string>>;
  /** Routes a customer user may call (the rest get a few requests only: they answer 403). */
  customerRoutes: boolean;
}

function urlOf(op: Operation, segments: Record<string, string>, query?: string): string {
  const path = op.template.replace(/\{([^}]+)\}/g, (_m, name: string) => segments[name] ?? 'FUZZ-0000000000');
  return query ? `${path}?${query}` : path;
}

const encoded = (assignment: Record<string, string>) =>
  Object.fromEntries(Object.entries(assignment).map(([k, v]) => [k, encodeURIComponent(v)]));

/** Every request for one route and principal. */
export function casesFor(op: Operation, principal: PrincipalName, options: CaseOptions): FuzzCase[] {
  const seed = options.seed ^ hash(`${routeKey(op)} ${principal}`);
  const existing = options.existing(op, principal);
  const home = encoded(existing[0] ?? {});
  const defs = op.body?.$defs ?? {};
  const bodyArb = op.body ? validValue(op.body, defs) : undefined;
  const base = bodyArb ? fc.sample(bodyArb, { seed, numRuns: 1 })[0] : undefined;
  const baseJson = base === undefined ? undefined : toJson(base);
  const ifMatch = op.ifMatch ? CURRENT_VERSION : undefined;
  const out: FuzzCase[] = [];
  const add = (input: string, c: Partial<FuzzCase>) =>
    out.push({
      op,
      principal,
      input,
      url: urlOf(op, home),
      ...(baseJson !== undefined ? { body: baseJson } : {}),
      ...(ifMatch ? { ifMatch } : {}),
      ...c,
    });

  // A customer user on a staff route: its 403 must hold whatever the input.
  if (principal === 'customer' && !options.customerRoutes) {
    add('existing ids, valid body', {});
    add('path: badly encoded %ZZ', op.params.length ? { url: urlOf(op, { ...home, [op.params[0]!]: '%ZZ' }) } : {});
    if (op.method !== 'GET' && op.method !== 'DELETE') add('body [1,2]', { body: '[1,2]' });
    else add('query: limit=0', { url: urlOf(op, home, 'limit=0') });
    return out;
  }

  // Path ids: existing ones (own and another organisation's), missing, badly encoded, too long.
  for (const assignment of existing.slice(0, 3)) {
    add(op.params.length ? 'path: existing id' : 'generated request', { url: urlOf(op, encoded(assignment)) });
  }
  for (const name of op.params) {
    for (const cls of PATH_CLASSES) {
      const segment = cls.raw ?? encodeURIComponent(cls.value!);
      add(`path {${name}}: ${cls.name}`, { url: urlOf(op, { ...home, [name]: segment }) });
    }
  }

  // Query: the limit rule, cursors the API never issued, unknown parameters, long values.
  const lists = op.query.some((q) => q.name === 'limit');
  for (const cls of lists ? QUERY_CLASSES : QUERY_CLASSES.filter((c) => /unknown|limit=0|garbage/.test(c.name))) {
    add(`query: ${cls.name}`, { url: urlOf(op, home, cls.query) });
  }
  for (const q of op.query.filter((q) => q.name !== 'limit' && q.name !== 'cursor')) {
    add(`query ${q.name}: value of 5,000 characters`, { url: urlOf(op, home, `${q.name}=${'v'.repeat(5000)}`) });
    add(`query ${q.name}: badly encoded`, { url: urlOf(op, home, `${q.name}=%ZZ`) });
  }

  // Issue 7's findings that need an otherwise valid request.
  if (principal === 'admin') {
    for (const f of FINDINGS[routeKey(op)] ?? []) {
      add(f.input, { body: toJson(f.body), ...(f.current ? { ifMatch: CURRENT_VERSION } : {}) });
    }
  }

  // Headers.
  if (op.ifMatch) for (const cls of IF_MATCH_CLASSES) add(cls.name, { ifMatch: cls.value });
  else if (op.method !== 'GET') add(IF_MATCH_CLASSES[1]!.name, { ifMatch: IF_MATCH_CLASSES[1]!.value });

  // Bodies: not an object, wrong content type, missing fields, unknown fields, hostile fields.
  if (op.method !== 'GET' && op.method !== 'DELETE') {
    for (const b of HOSTILE_BODIES)
      add(b.name, { body: b.raw, ...(b.contentType ? { contentType: b.contentType } : {}) });
  }
  if (op.body && base !== undefined) {
    add('body: unknown field', { body: toJson({ ...(base as object), fuzzUnknownField: 1 }) });
    const fields = fieldPaths(op.body);
    for (const f of fields.filter((f) => f.required && f.path.length === 1).slice(0, 4)) {
      add(`body.${f.path.join('.')}: missing (required)`, { body: toJson(withField(base, f.path, REMOVE)) });
    }
    // Each field gets two of its hostile classes in turn; the 450 KB string (DynamoDB's 400 KB
    // item limit) goes to the first string field, the 97-item array (its 100-item transaction
    // limit) to every array field.
    let huge = false;
    fields.slice(0, 16).forEach((f, i) => {
      const values = hostileValues(f.schema).filter((v) => !/450 KB|100 KB/.test(v.name));
      const picks = new Set([values[i % values.length]!]);
      // The customer user's requests mostly prove scoping, which the body does not change: fewer.
      if (principal === 'admin') picks.add(values[(i * 7 + 3) % values.length]!);
      for (const v of hostileValues(f.schema)) {
        if (v.name === 'array of 97 items') picks.add(v);
        if (/450 KB|100 KB/.test(v.name) && !huge) {
          picks.add(v);
          huge = v.name === 'string of 450 KB' || huge;
        }
      }
      for (const v of picks)
        add(`body.${f.path.join('.')}: ${v.name}`, { body: toJson(withField(base, f.path, v.value)) });
    });
  }

  // A route with little to vary (no ids, query or body) still gets every query class.
  if (out.length < 24) {
    for (const cls of QUERY_CLASSES.filter((c) => !/unknown|limit=0|garbage/.test(c.name))) {
      add(`query: ${cls.name}`, { url: urlOf(op, home, cls.query) });
    }
  }

  // fast-check samples: a schema-valid request with one field, query parameter or header hostile.
  const fields = op.body ? fieldPaths(op.body) : [];
  const sampleArb = fc.record({
    body: bodyArb ?? fc.constant(undefined),
    field: fc.nat(),
    hostile: fc.nat(),
    query: fc.record(
      Object.fromEntries(op.query.map((q) => [q.name, validValue(q.schema)])) as Record<string, fc.Arbitrary<unknown>>,
      { requiredKeys: [] },
    ),
    spoil: fc.constantFrom('body', 'query', 'none'),
  });
  const samples = principal === 'admin' ? options.samples : Math.ceil(options.samples / 2);
  for (const s of fc.sample(sampleArb, { seed: seed + 1, numRuns: samples })) {
    let body = s.body;
    let input = 'fast-check: schema-valid request';
    const query = Object.entries(s.query)
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
      .join('&');
    let q = query;
    if (s.spoil === 'body' && fields.length) {
      const f = fields[s.field % fields.length]!;
      const values = hostileValues(f.schema).filter((v) => !/450 KB|100 KB/.test(v.name));
      const v = values[s.hostile % values.length]!;
      body = withField(body, f.path, v.value);
      input = `fast-check: body.${f.path.join('.')}: ${v.name}`;
    } else if (s.spoil === 'query' && op.query.length) {
      const p = op.query[s.field % op.query.length]!;
      const bad = ['-1', 'abc', '', 'x'.repeat(300), '%ZZ', '1e400'][s.hostile % 6]!;
      q = `${query ? `${query}&` : ''}${p.name}=${bad === '%ZZ' ? bad : encodeURIComponent(bad)}`;
      input = `fast-check: query ${p.name}=${bad.slice(0, 12)}`;
    }
    add(input, { url: urlOf(op, home, q), ...(body !== undefined ? { body: toJson(body) } : {}) });
  }
  return out;
}

/** For the summary: how big a body is, so a 450 KB request is visible in the listing. */
export const describeBody = (body: string | undefined) =>
  body === undefined ? '' : body.length > HUGE_STRING_BYTES / 2 ? `${Math.round(body.length / 1024)} KB` : '';
