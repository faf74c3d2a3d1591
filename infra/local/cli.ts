import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GENERIC_ROLES, isRole, PROCESSES } from '../../shared/kit/roles';
import { type Cli, fail, integerFlag, parseCli } from './cli-args';
import { LocalIdentity } from './identity';
import { functionName, LOCAL_REGION } from './names';
import type { DemoUser } from './seed';

/**
 * `npx itsm <command>`: command-line helpers for the local platform: `token` prints a bearer token
 * for the local API signed with the local identity's key, for its issuer (ADR 21, ADR 29); `events redrive` has a
 * service's event relay publish a time range of its event items again (ADR 23).
 */
/** Lines of at most 96 characters, each starting with `indent`. */
function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(' ')) {
    if (line.length + word.length > 96 && line.trim()) {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${word} `;
  }
  return [...lines, line.trimEnd()].join('\n');
}

const ITSM: Cli = {
  command: 'npx itsm',
  usage: `usage: npx itsm <command> [options]

Commands:
  token            print a bearer token for the local API (npx itsm token --help)
  events redrive   publish a time range of a service's events again (npx itsm events redrive --help)
  read-model rebuild
                   rebuild the reporting read model from the owners (npx itsm read-model rebuild --help)
  aws-event FILE   put an AWS service's event on the default bus, as AWS would (npx itsm aws-event --help)

Environment:
  ITSM_HOME   the local platform's folder (default .itsm): signing key, demo users, data`,
};

const TOKEN: Cli = {
  command: 'npx itsm token',
  usage: `usage: npx itsm token --user NAME [--roles r1,r2] [--customer ORG] [--ttl SECONDS]

Prints a bearer token for the local API, shaped like a Cognito ID token and signed (RS256)
with the key in ITSM_HOME/dev-signing-key.json, which \`npm start\` uses too. Its issuer is the
local sign-in provider's URL, which \`npm start\` keeps in ITSM_HOME/idp.json (without it,
http://127.0.0.1:4566/_local/idp). People sign in to the console through that provider instead.

Options:
  --user NAME        the user (sub user-NAME); a demo user of ITSM_HOME/users.json brings
                     its roles and customer
  --roles r1,r2      roles (Cognito groups), replacing the demo user's
  --customer ORG     the customer organisation (custom:customer), for customer users
  --ttl SECONDS      lifetime, 1 to 86400 (default 43200, 12 hours)
  -h, --help         this text

Roles: ${GENERIC_ROLES.join(', ')},
  and <process>-owner, <process>-manager for the processes
${wrap(PROCESSES.join(', '), '    ')}

Examples:
  npx itsm token --user alice
  npx itsm token --user carol --roles customer-user --customer acme`,
};

const REDRIVE: Cli = {
  command: 'npx itsm events redrive',
  usage: `usage: npx itsm events redrive --service NAME --from ISO --to ISO

Has the service's event relay publish again every event its table holds (event items are kept
14 days) whose id was minted from --from to --to: what an operator runs for a batch the relay's
stream mapping gave up on (its failure record names only sequence numbers and times; ADR 23).
Consumers ignore events they already handled, so a range that overlaps is harmless.

It invokes the function itsm-<service>-relay with {"redrive":{"from":...,"to":...}} through the
Lambda API of the running local platform (\`npm start\`; AWS_ENDPOINT_URL, default
http://127.0.0.1:4566). On AWS the same invocation is \`aws lambda invoke\` (infra/aws/README.md).

Options:
  --service NAME   the publishing service (portfolio, configuration, service-desk, ...)
  --from ISO       start of the range, an ISO time (2026-12-02T10:00:00Z)
  --to ISO         end of the range, included
  -h, --help       this text

Example:
  npx itsm events redrive --service service-desk --from 2026-12-02T10:00:00Z --to 2026-12-02T11:00:00Z`,
};

const REBUILD: Cli = {
  command: 'npx itsm read-model rebuild',
  usage: `usage: npx itsm read-model rebuild [--services s1,s2] [--no-wait]

Asks every owning service (or those listed) to publish all its records again and rebuilds the
reporting read model from them (ADR 25): POST /v1/read-model/rebuilds on the running local
platform's API (ITSM_API_URL, default http://127.0.0.1:3000) as a reporting manager, then waits
until every owner's pages have arrived and prints the outcome. Search keeps answering meanwhile.
On AWS the same is the API call with a reporting manager's token.

Options:
  --services s1,s2   owners to resync (service-desk, service-level, configuration, portfolio, customers)
  --no-wait          print the rebuild as requested and return
  -h, --help         this text`,
};

const AWS_EVENT: Cli = {
  command: 'npx itsm aws-event',
  usage: `usage: npx itsm aws-event FILE

Puts the event in FILE (JSON, as an AWS service sends it: a sample of ../shared/corpus/events,
with source, detail-type, detail, resources) on the running local platform's default bus, as
that service would: POST /_local/aws-events on the AWS endpoint (AWS_ENDPOINT_URL, default
http://127.0.0.1:4566). The event gets a fresh id and the local account and region. PutEvents
refuses aws. sources from everyone, as on AWS; this is how a demo plays CodePipeline or CodeDeploy.

Options:
  -h, --help   this text

Example:
  npx itsm aws-event ../shared/corpus/events/codepipeline-pipeline-execution-state-change__STARTED__awsdocs.json`,
};

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  console.log(ITSM.usage);
  process.exit(0);
}
if (command === 'events') {
  const [sub, ...args] = rest;
  if (sub !== 'redrive') fail(ITSM, sub ? `unknown events command "${sub}"` : 'events needs a command: redrive');
  await redrive(args);
  process.exit(0);
}
if (command === 'read-model') {
  const [sub, ...args] = rest;
  if (sub !== 'rebuild')
    fail(ITSM, sub ? `unknown read-model command "${sub}"` : 'read-model needs a command: rebuild');
  await rebuild(args);
  process.exit(0);
}
if (command === 'aws-event') {
  await awsEvent(rest);
  process.exit(0);
}
if (command !== 'token') fail(ITSM, `unknown command "${command}"`);

const values = parseCli(
  TOKEN,
  {
    user: { type: 'string' },
    roles: { type: 'string' },
    customer: { type: 'string' },
    ttl: { type: 'string' },
  },
  rest,
);
if (!values.user) fail(TOKEN, '--user is required');
const ttlSeconds = integerFlag(TOKEN, 'ttl', values.ttl, 1, 86_400);
const home = resolve(process.env.ITSM_HOME ?? '.itsm');
const keyFile = join(home, 'dev-signing-key.json');
const usersFile = join(home, 'users.json');
const demo = existsSync(usersFile)
  ? (JSON.parse(readFileSync(usersFile, 'utf8')) as DemoUser[]).find((u) => u.user === values.user)
  : undefined;
const roles = values.roles
  ? values.roles
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean)
  : (demo?.roles ?? []);
const unknown = roles.filter((r) => !isRole(r));
if (unknown.length) fail(TOKEN, `unknown role(s): ${unknown.join(', ')}`);
if (roles.length === 0) fail(TOKEN, `no roles: pass --roles (user ${values.user} is not a demo user)`);
const identity = await LocalIdentity.open(keyFile);
const customer = values.customer ?? demo?.customer;
console.log(
  await identity.mint({
    user: values.user,
    roles,
    ...(customer ? { customer } : {}),
    ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
  }),
);

async function redrive(args: string[]): Promise<void> {
  const values = parseCli(
    REDRIVE,
    { service: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
    args,
  );
  for (const flag of ['service', 'from', 'to'] as const) if (!values[flag]) fail(REDRIVE, `--${flag} is required`);
  for (const flag of ['from', 'to'] as const) {
    if (!/^\d{4}-\d{2}-\d{2}T/.test(values[flag]!) || Number.isNaN(Date.parse(values[flag]!)))
      fail(REDRIVE, `--${flag} must be an ISO time such as 2026-12-02T10:00:00Z (got "${values[flag]}")`);
  }
  if (Date.parse(values.from!) > Date.parse(values.to!)) fail(REDRIVE, '--from must not be after --to');
  const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
  const lambda = new LambdaClient({
    endpoint: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'itsm-operator', secretAccessKey: 'local' },
  });
  const FunctionName = functionName(values.service!, 'relay');
  try {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName,
        Payload: Buffer.from(JSON.stringify({ redrive: { from: values.from, to: values.to } })),
      }),
    );
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError) {
      console.error(`${FunctionName} failed: ${text}`);
      process.exit(1);
    }
    console.log(text);
  } catch (err) {
    const e = err as Error;
    console.error(
      e.name === 'ResourceNotFoundException'
        ? `${REDRIVE.command}: no function ${FunctionName}: is --service a publishing service?`
        : `${REDRIVE.command}: ${e.message} (is the platform running? npm start)`,
    );
    process.exit(1);
  } finally {
    lambda.destroy();
  }
}

async function rebuild(args: string[]): Promise<void> {
  const values = parseCli(REBUILD, { services: { type: 'string' }, 'no-wait': { type: 'boolean' } }, args);
  const home = resolve(process.env.ITSM_HOME ?? '.itsm');
  const identity = await LocalIdentity.open(join(home, 'dev-signing-key.json'));
  const token = await identity.mint({ user: 'itsm-operator', roles: ['reporting-manager'], ttlSeconds: 3600 });
  const api = process.env.ITSM_API_URL ?? 'http://127.0.0.1:3000';
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const services = values.services
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  let res: Response;
  try {
    res = await fetch(`${api}/v1/read-model/rebuilds`, {
      method: 'POST',
      headers,
      body: JSON.stringify(services ? { services } : {}),
    });
  } catch (err) {
    console.error(`${REBUILD.command}: ${(err as Error).message} (is the platform running? npm start)`);
    process.exit(1);
  }
  let body = (await res.json()) as { rebuildId?: string; status?: string; detail?: string };
  if (res.status !== 202) {
    console.error(`${REBUILD.command}: ${res.status} ${body.detail ?? JSON.stringify(body)}`);
    process.exit(1);
  }
  if (values['no-wait']) {
    console.log(JSON.stringify(body, null, 2));
    return;
  }
  const deadline = Date.now() + 30 * 60_000;
  while (body.status !== 'completed' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const poll = await fetch(`${api}/v1/read-model/rebuilds/${body.rebuildId}`, { headers });
    body = (await poll.json()) as typeof body;
  }
  console.log(JSON.stringify(body, null, 2));
  if (body.status !== 'completed') process.exit(1);
}

async function awsEvent(args: string[]): Promise<void> {
  // No flags but --help, so no parseCli (it takes no positional arguments).
  if (args.includes('--help') || args.includes('-h')) {
    console.log(AWS_EVENT.usage);
    process.exit(0);
  }
  const flag = args.find((a) => a.startsWith('-'));
  if (flag) fail(AWS_EVENT, `Unknown option '${flag}'`);
  if (args.length !== 1) fail(AWS_EVENT, 'give exactly one FILE');
  const file = resolve(args[0]!);
  if (!existsSync(file)) fail(AWS_EVENT, `no file ${file}`);
  const body = readFileSync(file, 'utf8');
  const endpoint = process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566';
  let res: Response;
  try {
    res = await fetch(`${endpoint}/_local/aws-events`, { method: 'POST', body });
  } catch (err) {
    console.error(`${AWS_EVENT.command}: ${(err as Error).message} (is the platform running? npm start)`);
    process.exit(1);
  }
  const answer = (await res.json()) as { id?: string; detail?: string };
  if (res.status !== 200) {
    console.error(`${AWS_EVENT.command}: ${answer.detail ?? res.status}`);
    process.exit(1);
  }
  console.log(JSON.stringify({ id: answer.id, console: `${endpoint}/_local/events/${answer.id}` }, null, 2));
}
