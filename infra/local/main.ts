import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Cli, integerFlag, parseCli } from './cli-args';
import { ensureConsoleBuilt } from './console-build';
import { startRuntime } from './runtime';
import { DEMO_USERS, seedDemo } from './seed';

/**
 * `npm start`: the whole platform on this machine. Data lives in `.itsm/` (or ITSM_HOME) and
 * survives restarts; `npm start -- --memory` runs throwaway.
 */
const START: Cli = {
  command: 'npm start',
  help: 'npm start -- --help',
  usage: `usage: npm start -- [--memory] [--port N] [--aws-port N] [--console-port N] [--no-seed] [--db-pause N]

Runs the whole platform on this machine: the HTTP API, the AWS-compatible endpoint (DynamoDB,
EventBridge, Step Functions, SES, the RDS Data API, S3), every function, and the demo
organisation on first start.

Options:
  --memory         keep nothing: data in memory only, seeded on every start
  --port N         the HTTP API's port (default PORT, else 3000)
  --aws-port N     the AWS-compatible endpoint's port (default the port of ITSM_AWS_ENDPOINT,
                   else 4566)
  --console-port N the web console's port (default 8080)
  --no-seed        do not seed the demo organisation
  --db-pause N     seconds without a statement before a query store pauses and gives its
                   memory back (default 60; Aurora's shortest, as deployed, is 300)
  -h, --help       this text

Environment:
  ITSM_HOME          folder for data, the signing key and demo users (default .itsm)
  PORT               the HTTP API's port, when --port is not given
  ITSM_AWS_ENDPOINT  the AWS endpoint's URL, whose port is used when --aws-port is not given
  ITSM_LOG_LEVEL     the functions' log level (DEBUG, INFO, WARN, ERROR)`,
};
const values = parseCli(START, {
  memory: { type: 'boolean', default: false },
  port: { type: 'string' },
  'aws-port': { type: 'string' },
  'console-port': { type: 'string' },
  'no-seed': { type: 'boolean', default: false },
  'db-pause': { type: 'string' },
});
// A laptop wants PGlite's memory back sooner than Aurora's shortest pause (300 s); a pause and
// the resume after it behave as deployed either way (DatabaseResumingException, then the store).
const databasePauseSeconds = integerFlag(START, 'db-pause', values['db-pause'], 10, 86_400) ?? 60;
const awsEndpointPort = process.env.ITSM_AWS_ENDPOINT ? new URL(process.env.ITSM_AWS_ENDPOINT).port : undefined;
const apiPort = integerFlag(START, 'port', values.port ?? process.env.PORT, 0, 65_535) ?? 3000;
const awsPort = integerFlag(START, 'aws-port', values['aws-port'] ?? awsEndpointPort, 0, 65_535) ?? 4566;
const consolePort = integerFlag(START, 'console-port', values['console-port'], 0, 65_535) ?? 8080;

// The console of this checkout, built when its sources changed (a few seconds).
const build = ensureConsoleBuilt((line) => console.log(line));
if (build.built) console.log(`Built the console in ${build.ms} ms.`);

const home = resolve(process.env.ITSM_HOME ?? '.itsm');
mkdirSync(home, { recursive: true });
const dataDir = values.memory ? undefined : join(home, 'data');
const seededMarker = join(home, 'seeded');
const runtime = await startRuntime({
  ...(dataDir ? { dataDir } : {}),
  identityFile: join(home, 'dev-signing-key.json'),
  apiPort,
  awsPort,
  consolePort,
  databasePauseSeconds,
});

const admin = DEMO_USERS[0]!;
const adminToken = await runtime.token({ user: admin.user, roles: admin.roles });
writeFileSync(join(home, 'users.json'), JSON.stringify(DEMO_USERS, null, 2));

if (!values['no-seed'] && (values.memory || !existsSync(seededMarker))) {
  const started = Date.now();
  const seeded = await seedDemo(runtime.apiUrl, adminToken);
  if (!values.memory) writeFileSync(seededMarker, new Date().toISOString());
  console.log(
    `Seeded the demo organisation: ${seeded.services} services, ${seeded.cis} CIs, ${seeded.relationships} relationships, ${seeded.customers} customers, ${seeded.agreements} agreements, ${seeded.tickets} tickets, ${seeded.changes} changes, ${seeded.releases} release${seeded.releases === 1 ? '' : 's'}, ${DEMO_USERS.length} users (${Date.now() - started} ms).`,
  );
}

console.log(`
ITSM platform running locally${values.memory ? ' (in memory: nothing is kept)' : ` (data in ${dataDir})`}

  Console          ${runtime.consoleUrl}   (sign in as any demo user: agents alice, bob; manager dana; customer carol; admin)
  API              ${runtime.apiUrl}/v1          (OpenAPI: ${runtime.apiUrl}/v1/openapi.json)
  AWS endpoint     ${runtime.awsUrl}   (DynamoDB, EventBridge, Step Functions, SES, RDS Data API, S3 for the AWS SDK)
  Mail sent        ${runtime.awsUrl}/_local/mail   (what SES would have delivered)
  Meter            ${runtime.awsUrl}/_local/metrics   (invocations, capacity units, events, transitions)
  Events           ${runtime.awsUrl}/_local/events   (every accepted event, its rules and deliveries; open in a browser)
  Sign-in (OIDC)   ${runtime.oidc.issuer}   (issuer: discovery, authorize page with the demo users, tokens)

  Admin token (${admin.roles.join(', ')}):
${adminToken}

  Try:   curl -H "Authorization: Bearer <token>" ${runtime.apiUrl}/v1/cis
  Other demo users: ${DEMO_USERS.slice(1)
    .map((u) => u.user)
    .join(', ')}  ->  npx itsm token --user alice
  Stop with Ctrl+C.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await runtime.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
