import type { Write } from '../../../shared/kit/store';
import type { Release, ReleaseStatus } from '../domain/release';
import { keys } from '../store';

/**
 * The open release of a pipeline (`PIPEREL#<pipeline>`): CodePipeline's events name the pipeline,
 * not the release, so each names at most one open release, found with one read. Kept in the same
 * transaction as the release (saveRelease): created when a release that is not finished names the
 * pipeline (on the condition that no other open release does: a second one is a conflict), deleted
 * when it stops naming it or finishes.
 */
const OPEN: readonly ReleaseStatus[] = ['planning', 'accepted', 'deploying'];

export function pipelineLinkWrites(
  before: Release | undefined,
  after: Pick<Release, 'releaseId' | 'status' | 'pipeline'>,
): Write[] {
  const was = before && OPEN.includes(before.status) ? before.pipeline : undefined;
  const is = OPEN.includes(after.status) ? after.pipeline : undefined;
  if (was === is) return [];
  return [
    ...(was ? [{ kind: 'delete' as const, key: keys.pipelineRelease(was) }] : []),
    ...(is
      ? [
          {
            kind: 'create' as const,
            item: { ...keys.pipelineRelease(is), type: 'pipeline-release', releaseId: after.releaseId },
          },
        ]
      : []),
  ];
}
