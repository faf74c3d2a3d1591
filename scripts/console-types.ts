import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { buildOpenApi } from '../infra/api/openapi';
import { SERVICES } from '../services';

/**
 * The console's typed client comes from the OpenAPI document the API serves (`/v1/openapi.json`),
 * built here from the same service definitions, so the console's types cannot drift from the API:
 * `console/src/api/schema.d.ts` is generated (not committed) before every type check and build.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'console', 'src', 'api', 'schema.d.ts');
const document = buildOpenApi(SERVICES);
const ast = await openapiTS(document as unknown as Parameters<typeof openapiTS>[0], { alphabetize: true });
const text = `// Generated from the OpenAPI document by scripts/console-types.ts; do not edit.\n${astToString(ast)}`;
mkdirSync(dirname(out), { recursive: true });
let previous = '';
try {
  previous = readFileSync(out, 'utf8');
} catch {}
if (previous !== text) writeFileSync(out, text);
