import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GENERIC_ROLES, isRole, PROCESSES } from '../../shared/kit/roles';
import { type Cli, fail, integerFlag, parseCli } from './cli-args';
import { LocalIdentity } from './identity';
import type { DemoUser } from './seed';

/**
 * `npx itsm <command>`: command-line helpers for the local platform. Today one command, `token`,
 * which prints a bearer token for the local API signed with the local identity's key (ADR 21).
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
  token     print a bearer token for the local API (npx itsm token --help)

Environment:
  ITSM_HOME   the local platform's folder (default .itsm): signing key, demo users, data`,
};

const TOKEN: Cli = {
  command: 'npx itsm token',
  usage: `usage: npx itsm token --user NAME [--roles r1,r2] [--customer ORG] [--ttl SECONDS]

Prints a bearer token for the local API, shaped like a Cognito ID token and signed (RS256)
with the key in ITSM_HOME/dev-signing-key.json, which \`npm start\` uses too.

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

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  console.log(ITSM.usage);
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
