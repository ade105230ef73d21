import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * free: clean enough to reset and hand out. leased: a mission holds it. kept: its branch has
 * commits on no remote branch, so it is neither reused nor deleted until pushed or discarded.
 */
export const worktreeStateSchema = z.enum(['free', 'leased', 'kept']);
export type WorktreeState = z.infer<typeof worktreeStateSchema>;

export const worktreeRecordSchema = z.object({
  /** Folder name under `$home/worktrees/<repositoryId>/`. */
  id: z.string(),
  repositoryId: z.string(),
  path: z.string(),
  state: worktreeStateSchema,
  /** The branch it holds or last held (reused first for a retry of that branch). */
  branch: z.string().nullable(),
  missionId: z.string().nullable(),
  attemptId: z.string().nullable(),
  /** Commits on no remote branch, as of the last check (kept worktrees). */
  unpushedCommits: z.number().int().default(0),
  createdAt: z.string(),
  lastUsedAt: z.string(),
  /** Monotonic use counter: least-recently-used order without timestamp ties. */
  useSeq: z.number().int(),
  /** Allocated bytes on disk when last measured (the janitor measures after each release); absent: never measured. */
  sizeBytes: z.number().int().nonnegative().optional(),
});
export type WorktreeRecord = z.infer<typeof worktreeRecordSchema>;

const stateFileSchema = z.object({
  version: z.literal(1),
  seq: z.number().int(),
  worktrees: z.array(worktreeRecordSchema),
});
export type PoolStateFile = z.infer<typeof stateFileSchema>;

/** The saved pool, or an empty one when there is none or it is unreadable (reconcile rebuilds it). */
export function readPoolState(path: string): PoolStateFile {
  try {
    return stateFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return { version: 1, seq: 0, worktrees: [] };
  }
}

/** Write-then-rename: a crash leaves the old file or the new one, never half of one. */
export function writePoolState(path: string, state: PoolStateFile) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
