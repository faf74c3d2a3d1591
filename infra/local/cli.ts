import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isRole } from '../../shared/kit/roles';
import { LocalIdentity } from './identity';
import type { DemoUser } from './seed';

/**
 * `npx itsm token --user alice [--roles process-staff,configuration-manager] [--customer ORG] [--ttl 3600]`
 * prints a bearer token for the local API, signed with the local development key.
 */
const [command, ...rest] = process.argv.slice(2);
const usage = 'usage: npx itsm token --user NAME [--roles r1,r2] [--customer ORG] [--ttl SECONDS]';

if (command !== 'token') {
  console.error(usage);
  process.exit(command === undefined || command === '--help' ? 0 : 2);
}
const { values } = parseArgs({
  args: rest,
  options: {
    user: { type: 'string' },
    roles: { type: 'string' },
    customer: { type: 'string' },
    ttl: { type: 'string' },
  },
});
if (!values.user) {
  console.error(usage);
  process.exit(2);
}
const home = resolve(process.env.ITSM_HOME ?? '.itsm');
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
if (unknown.length) {
  console.error(`unknown role(s): ${unknown.join(', ')}`);
  process.exit(2);
}
if (roles.length === 0) {
  console.error(`no roles: pass --roles (user ${values.user} is not a demo user)`);
  process.exit(2);
}
const identity = await LocalIdentity.open(join(home, 'dev-signing-key.json'));
const customer = values.customer ?? demo?.customer;
console.log(
  await identity.mint({
    user: values.user,
    roles,
    ...(customer ? { customer } : {}),
    ...(values.ttl ? { ttlSeconds: Number(values.ttl) } : {}),
  }),
);
