export * as git from './git.ts';
export { GitError, type Identity } from './git.ts';
export { abortMerge, filesWithMarkers, mergeAndPush, mergeTargetInto, type MergeOptions, type MergeResult, type UpdateResult } from './merge.ts';
export { createRepositoryStore, type RepositoryRef, type RepositoryStore } from './repositories.ts';
export {
  type AcquireRequest, createWorktreePool, type Lease, type ReleaseResult, type WorktreePool, WorktreePoolError, type WorktreePoolOptions,
} from './pool.ts';
export type { WorktreeRecord, WorktreeState } from './pool-state.ts';
export type { GcReport } from './janitor.ts';
export { diskUsage } from './disk-usage.ts';
