import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../logger.ts';
import * as git from './git.ts';
import { isLinkedWorktree } from './git-files.ts';
import { createJanitor, type GcReport } from './janitor.ts';
import { createLocks } from './locks.ts';
import { readPoolState, type WorktreeRecord, writePoolState } from './pool-state.ts';
import { assertSafeId, type RepositoryRef, type RepositoryStore } from './repositories.ts';

export interface WorktreePoolOptions {
  home: string;
  store: RepositoryStore;
  /** Worktrees per repository, whatever their state. */
  maxWorktreesPerRepo: number;
  /** Disk use of all worktrees (allocated bytes) above which free ones are evicted, LRU first. */
  diskCapBytes: number;
  /** gitignore-style patterns `clean -ffdx` spares, e.g. dependency caches (`node_modules`). */
  keepPaths: readonly string[];
  log: Logger;
  now?: () => Date;
  /** Called after the janitor measured the worktrees' disk use (`list()` has the new `sizeBytes`). */
  onDiskUsage?: () => void;
}

export interface AcquireRequest {
  repository: RepositoryRef;
  /** The mission branch to check out. */
  branch: string;
  /** Where a new mission branch starts: `origin/<baseBranch>`. */
  baseBranch: string;
  missionId: string;
  attemptId: string;
}

export interface Lease {
  /** The worktree's id in the pool (its folder name). */
  id: string;
  repositoryId: string;
  path: string;
  branch: string;
  /** The commit the mission starts from: whatever is after it is this attempt's work. */
  headBefore: string;
  /** true when it continues earlier work: the pushed branch, or local commits never pushed. */
  resumed: boolean;
  missionId: string;
  attemptId: string;
}

export interface ReleaseResult {
  state: 'free' | 'kept';
  unpushedCommits: number;
}

export class WorktreePoolError extends Error {
  constructor(
    readonly code: 'SU_ERR_WORKTREE_POOL_FULL' | 'SU_ERR_WORKTREE_LEASE_UNKNOWN' | 'SU_ERR_WORKTREE_BRANCH_INVALID' | 'SU_ERR_WORKTREE_BASE_MISSING',
    message: string,
  ) {
    super(message);
    this.name = 'WorktreePoolError';
  }
}

/**
 * Warm git worktrees per repository under `$home/worktrees/<repositoryId>/<id>`, handed out as
 * leases and reset strictly on every acquire. State lives in `$home/worktrees/state.json`;
 * on creation the pool reconciles it with `git worktree list` (a restarted daemon keeps its pool).
 */
export async function createWorktreePool(opts: WorktreePoolOptions) {
  const { store, keepPaths } = opts;
  const log = opts.log.child({ component: 'worktrees' });
  const now = opts.now ?? (() => new Date());
  mkdirSync(join(opts.home, 'worktrees'), { recursive: true, mode: 0o700 });
  // Canonical paths, so they compare equal to what git prints (/tmp vs /private/tmp on macOS).
  const root = realpathSync(join(opts.home, 'worktrees'));
  const statePath = join(root, 'state.json');
  const saved = readPoolState(statePath);
  let seq = saved.seq;
  const records = new Map(saved.worktrees.map((r) => [r.id, r]));
  const locks = createLocks();
  const save = () => writePoolState(statePath, { version: 1, seq, worktrees: [...records.values()] });
  const ofRepo = (repositoryId: string) => [...records.values()].filter((r) => r.repositoryId === repositoryId);
  const touch = (r: WorktreeRecord) => Object.assign(r, { useSeq: ++seq, lastUsedAt: now().toISOString() });

  const ctx = {
    root, records, locks, log, keepPaths, store, save, maxPerRepo: opts.maxWorktreesPerRepo, diskCapBytes: opts.diskCapBytes, onDiskUsage: opts.onDiskUsage,
    /** Removes a worktree and its folder; the record goes first so nobody picks it meanwhile. */
    async remove(r: WorktreeRecord) {
      records.delete(r.id);
      save();
      const repo = store.pathOf(r.repositoryId);
      await locks.run(`repo:${r.repositoryId}`, async () => {
        if (existsSync(repo)) await git.worktreeRemove(repo, r.path);
        else await rm(r.path, { recursive: true, force: true });
      });
    },
    /**
     * After a lease ends: kept when the branch has unpushed commits, else detached and free.
     * `justPushed`: the holder pushed the branch a moment ago, so nothing on it can be unpushed
     * and the count (two git processes) is skipped.
     */
    async settle(r: WorktreeRecord, keepBranch: boolean, justPushed = false): Promise<ReleaseResult> {
      const unpushed = r.branch && !justPushed ? await git.unpushedCommitCount(r.path, r.branch) : 0;
      if (unpushed > 0) {
        if (r.state !== 'kept') log.warn({ worktree: r.path, branch: r.branch, unpushedCommits: unpushed }, 'worktree kept: its branch has unpushed commits');
        Object.assign(r, { state: 'kept', unpushedCommits: unpushed });
        return { state: 'kept', unpushedCommits: unpushed };
      }
      // Detached, so the branch can be checked out in another worktree (git allows one).
      await git.detach(r.path);
      if (r.branch && !keepBranch) await git.deleteBranch(r.path, r.branch).catch(() => undefined);
      Object.assign(r, { state: 'free', unpushedCommits: 0, missionId: null, attemptId: null });
      return { state: 'free', unpushedCommits: 0 };
    },
  };
  const janitor = createJanitor(ctx);
  // Leases being released: the runner reports an attempt's end before it returns the worktree,
  // so the next assignment can arrive while that worktree is still being detached.
  const settling = new Map<string, { repositoryId: string; branch: string | null; done: Promise<unknown> }>();

  /**
   * Waits for releases in flight when they matter to `req`: one holds its branch (git checks a
   * branch out in one worktree only), or no free worktree is left and one is about to be (else
   * the pool would grow a cold worktree, or refuse at its cap, for a few milliseconds' wait).
   */
  async function awaitSettling(req: AcquireRequest) {
    for (;;) {
      const pending = [...settling.values()].filter((s) => s.repositoryId === req.repository.id);
      if (pending.length === 0) return;
      const anyFree = ofRepo(req.repository.id).some((r) => r.state === 'free');
      if (anyFree && !pending.some((s) => s.branch === req.branch)) return;
      await Promise.race(pending.map((s) => s.done));
    }
  }

  /** Picks a worktree synchronously (no await between choosing and marking it leased). */
  function pick(req: AcquireRequest): { record: WorktreeRecord; fresh: boolean } {
    const mine = ofRepo(req.repository.id);
    const lru = (a: WorktreeRecord, b: WorktreeRecord) => a.useSeq - b.useSeq;
    const record =
      mine.find((r) => r.state === 'kept' && r.branch === req.branch) ?? // its unpushed work continues
      mine.find((r) => r.state === 'free' && r.branch === req.branch) ?? // a retry: closest files
      mine.filter((r) => r.state === 'free').sort(lru)[0];
    if (record) {
      Object.assign(record, { state: 'leased', branch: req.branch, missionId: req.missionId, attemptId: req.attemptId });
      return { record, fresh: false };
    }
    if (mine.length >= opts.maxWorktreesPerRepo) {
      throw new WorktreePoolError('SU_ERR_WORKTREE_POOL_FULL', `all ${mine.length} worktrees of repository ${req.repository.id} are leased or kept`);
    }
    return { record: newRecord(req.repository.id, { state: 'leased', branch: req.branch, missionId: req.missionId, attemptId: req.attemptId }), fresh: true };
  }

  function newRecord(repositoryId: string, fields: Pick<WorktreeRecord, 'state' | 'branch' | 'missionId' | 'attemptId'>): WorktreeRecord {
    const id = `wt-${randomBytes(5).toString('hex')}`;
    const at = now().toISOString();
    const record: WorktreeRecord = { id, repositoryId, path: join(root, repositoryId, id), unpushedCommits: 0, createdAt: at, lastUsedAt: at, useSeq: ++seq, ...fields };
    records.set(id, record);
    return record;
  }

  /** `git worktree add` at a commit, serialised per repository with removals and prunes. */
  async function create(repoPath: string, r: WorktreeRecord, commit: string) {
    await locks.run(`repo:${r.repositoryId}`, async () => {
      await git.worktreeRemove(repoPath, r.path); // what a failed attempt left there
      mkdirSync(join(root, r.repositoryId), { recursive: true });
      await git.worktreeAdd(repoPath, r.path, commit);
    });
  }

  /** True when git lists the worktree and its folder is there (its link files say so, else git's list). */
  async function registered(repoPath: string, r: WorktreeRecord) {
    if (isLinkedWorktree(repoPath, r.path)) return true;
    const list = await git.worktreeList(repoPath);
    return list.some((w) => resolve(w.path) === r.path && !w.prunable) && existsSync(join(r.path, '.git'));
  }

  /** Where the mission starts: unpushed local work, else the pushed branch, else the base. */
  async function startPoint(repoPath: string, req: AcquireRequest) {
    const [local, pushed, base] = [`refs/heads/${req.branch}`, `refs/remotes/origin/${req.branch}`, `refs/remotes/origin/${req.baseBranch}`];
    const refs = await git.resolveRefs(repoPath, [local, pushed, base]);
    const l = refs.get(local);
    if (l && l !== refs.get(pushed) && (await git.unpushedCommitCount(repoPath, req.branch)) > 0) return { sha: l, resumed: true };
    if (refs.get(pushed)) return { sha: refs.get(pushed)!, resumed: true };
    if (refs.get(base)) return { sha: refs.get(base)!, resumed: false };
    throw new WorktreePoolError('SU_ERR_WORKTREE_BASE_MISSING', `origin has no branch ${req.baseBranch}`);
  }

  async function acquire(req: AcquireRequest): Promise<Lease> {
    assertSafeId(req.repository.id);
    for (const b of [req.branch, req.baseBranch]) assertBranchName(b);
    const repoPath = await store.ensureClone(req.repository);
    await awaitSettling(req);
    const { record, fresh } = pick(req);
    const previous = fresh ? undefined : { state: record.state, branch: record.branch };
    touch(record);
    save();
    try {
      return await locks.run(`wt:${record.path}`, async () => {
        // The clean needs nothing from the fetch, so they overlap: files untracked now that the
        // new commit tracks are removed here and written back by the checkout.
        const exists = !fresh && existsSync(join(record.path, '.git'));
        const [, present, cleaned] = await Promise.all([
          git.fetch(repoPath),
          exists && registered(repoPath, record),
          exists && git.clean(record.path, keepPaths).then(() => true, () => false),
        ]);
        const start = await startPoint(repoPath, req);
        if (!present) {
          if (!fresh) log.warn({ worktree: record.path }, 'worktree missing from git; recreating it');
          await create(repoPath, record, start.sha);
        }
        try {
          await git.checkoutBranch(record.path, req.branch, start.sha);
          if (present && !cleaned) await git.clean(record.path, keepPaths);
        } catch (error) {
          if (!present) throw error;
          log.warn({ err: error, worktree: record.path }, 'worktree reset failed; recreating it');
          await create(repoPath, record, start.sha);
          await git.checkoutBranch(record.path, req.branch, start.sha);
        }
        save();
        const { id, repositoryId, path } = record;
        return { id, repositoryId, path, branch: req.branch, headBefore: start.sha, resumed: start.resumed, missionId: req.missionId, attemptId: req.attemptId };
      });
    } catch (error) {
      if (fresh) await ctx.remove(record).catch(() => undefined);
      else {
        Object.assign(record, { ...previous!, missionId: null, attemptId: null });
        save();
      }
      throw error;
    }
  }

  /** Creates free worktrees until the repository has at least `n` (within the cap); returns how many. */
  async function warm(repository: RepositoryRef, n: number): Promise<number> {
    const repoPath = await store.ensureClone(repository);
    await git.fetch(repoPath);
    const base = await git.revParse(repoPath, `refs/remotes/origin/${repository.defaultBranch}`);
    if (!base) throw new WorktreePoolError('SU_ERR_WORKTREE_BASE_MISSING', `origin has no branch ${repository.defaultBranch}`);
    let created = 0;
    for (;;) {
      const mine = ofRepo(repository.id);
      if (mine.filter((r) => r.state === 'free').length >= n || mine.length >= opts.maxWorktreesPerRepo) break;
      const record = newRecord(repository.id, { state: 'leased', branch: null, missionId: null, attemptId: null });
      try {
        await create(repoPath, record, base);
      } catch (error) {
        await ctx.remove(record).catch(() => undefined);
        throw error;
      }
      record.state = 'free';
      save();
      created++;
    }
    return created;
  }

  await janitor.reconcile({ startup: true });
  save();

  return {
    acquire,

    /**
     * Ends a lease: the worktree becomes free, or kept (and reported) when it holds unpushed commits.
     * `justPushed`: the branch was pushed by the holder right before, so it cannot hold unpushed work.
     */
    async release(lease: Lease, { keepBranch = false, justPushed = false }: { keepBranch?: boolean; justPushed?: boolean } = {}): Promise<ReleaseResult> {
      const r = records.get(lease.id);
      if (!r || r.state !== 'leased' || r.attemptId !== lease.attemptId || settling.has(r.id)) {
        throw new WorktreePoolError('SU_ERR_WORKTREE_LEASE_UNKNOWN', `no lease on ${lease.path} for attempt ${lease.attemptId}`);
      }
      const done = locks.run(`wt:${r.path}`, () => ctx.settle(r, keepBranch, justPushed));
      settling.set(r.id, { repositoryId: r.repositoryId, branch: r.branch, done: done.catch(() => undefined) });
      try {
        return await done;
      } finally {
        settling.delete(r.id);
        touch(r);
        save();
        janitor.schedule(r.id); // the disk cap, off the caller's path
      }
    },

    /** Drops a free or kept worktree and its branch, unpushed commits included: the explicit discard. */
    async discard(id: string): Promise<void> {
      const r = records.get(id);
      if (!r || r.state === 'leased') throw new WorktreePoolError('SU_ERR_WORKTREE_LEASE_UNKNOWN', `worktree ${id} is unknown or leased`);
      await locks.run(`wt:${r.path}`, () => ctx.remove(r));
      if (r.branch) await git.deleteBranch(store.pathOf(r.repositoryId), r.branch).catch(() => undefined);
      log.info({ worktree: r.path, branch: r.branch }, 'worktree discarded');
    },

    /** Orphans removed, kept worktrees rechecked (pushed since? free again), caps enforced. */
    gc: (): Promise<GcReport> => janitor.gc(),

    list: (): WorktreeRecord[] => [...records.values()].map((r) => ({ ...r })),

    warm,

    /** Waits for background maintenance started by `release`. */
    close: () => janitor.idle(),
  };
}
export type WorktreePool = Awaited<ReturnType<typeof createWorktreePool>>;

/** The cheap half of `git check-ref-format --branch`, mostly so a name can never read as an option. */
export function assertBranchName(name: string) {
  const bad = !name || name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.endsWith('.lock')
    || name.includes('..') || name.includes('//') || name.includes('@{') || name.includes('/.') || name.startsWith('.')
    || /[\s~^:?*[\\\x00-\x1f\x7f]/.test(name);
  if (bad) throw new WorktreePoolError('SU_ERR_WORKTREE_BRANCH_INVALID', `invalid branch name ${JSON.stringify(name)}`);
}
