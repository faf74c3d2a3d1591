import type * as z from 'zod/mini';
import type { ReleasePackageRecorded } from '../../../shared/contracts/releases/v1';
import type { Principal } from '../../../shared/kit/auth';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError } from '../../../shared/kit/errors';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { logger } from '../../../shared/kit/logger';
import { RELEASE_PACKAGE_TYPE } from '../domain/ci-types';
import { keys, table } from '../store';
import { createCiType } from './ci-types';
import { registrationWork } from './cis';
import { addRelationship } from './relationships';
import { findCis } from './scope';

type Package = z.infer<typeof ReleasePackageRecorded.data>;

/** The external key of a package's CI: one CI per packageId, whoever delivers the event. */
const EXTERNAL_SOURCE = 'releases';

/** The built-in type, defined on first use (a concurrent first use finds it defined). */
async function ensurePackageType(ctx: OperationContext): Promise<void> {
  if (await table().get(keys.type(RELEASE_PACKAGE_TYPE.typeId), true)) return;
  try {
    await createCiType(ctx, RELEASE_PACKAGE_TYPE);
  } catch (err) {
    if (!(err instanceof ConflictError && err.code === 'already-exists')) throw err;
  }
}

const itemLines = (p: Package, numbers: Map<string, string>) =>
  p.items
    .map(
      (i) =>
        `${numbers.get(i.ciId) ?? i.ciId} ${i.ciId} version ${i.version} artifact ${i.artifact} checksum ${i.checksum}`,
    )
    .join('\n');

/** The package's CI, registered once: the external key (releases, packageId) is created with it. */
async function packageCi(ctx: OperationContext, p: Package, numbers: Map<string, string>, missing: string[]) {
  const known = await table().get(keys.external(EXTERNAL_SOURCE, p.packageId), true);
  if (known) return String(known.ciId);
  const work = await registrationWork(
    ctx,
    {
      typeId: RELEASE_PACKAGE_TYPE.typeId,
      name: `${p.number} package ${p.name}`.slice(0, 200),
      attributes: {
        packageId: p.packageId,
        releaseId: p.releaseId,
        release: p.number,
        itemCount: p.items.length,
        items: itemLines(p, numbers),
      },
      status: 'active',
      serviceIds: [],
      customerIds: [],
    },
    { source: EXTERNAL_SOURCE, sourceId: p.packageId },
  );
  const registered = work.history[0];
  if (registered) {
    registered.action = `registered from release ${p.number}`;
    if (missing.length) registered.reason = `Not in the CMDB, so not related: ${missing.join(', ')}`.slice(0, 1000);
  }
  try {
    await table().commit(ctx, work);
    return work.ci.ciId;
  } catch (err) {
    // Another delivery registered it first.
    if (!(err instanceof ConflictError && err.code === 'already-exists')) throw err;
    const won = await table().get(keys.external(EXTERNAL_SOURCE, p.packageId), true);
    if (!won) throw err;
    return String(won.ciId);
  }
}

/**
 * `ReleasePackageRecorded` (FitSM PR13: the package is recorded in the CMDB): a CI of the built-in
 * type `release-package`, named `<REL-n> package <name>`, its items as an attribute, related by
 * `deploys` to each CI it deploys that the CMDB knows. Once per packageId: each step finds what an
 * earlier delivery did (the CI by its external key, each relationship by its key), and the inbox
 * marker is written last.
 */
export async function recordPackage(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const p = event.data as Package;
  await ensurePackageType(ctx);
  const { found, missing } = await findCis(p.items.map((i) => i.ciId));
  const numbers = new Map(found.map((c) => [c.ciId, c.number]));
  const ciId = await packageCi(ctx, p, numbers, missing);
  // The CMDB acting on the releases service's word, as its configuration manager would.
  const system: Principal = { id: ctx.actor.id, name: ctx.actor.name, roles: ['configuration-manager'] };
  for (const target of found) {
    if (target.status === 'retired') {
      logger.warn('a release package names a retired CI: not related', { packageId: p.packageId, ciId: target.ciId });
      continue;
    }
    try {
      await addRelationship(ctx, system, ciId, {
        type: 'deploys',
        targetCiId: target.ciId,
        reason: `release ${p.number} package ${p.name}`.slice(0, 1000),
      });
    } catch (err) {
      if (!(err instanceof ConflictError && err.code === 'relationship-exists')) throw err;
    }
  }
  await table().recordHandled(ctx);
}
