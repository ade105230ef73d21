import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Logger } from '../logger.ts';
import { diskUsage } from './disk-usage.ts';
import * as git from './git.ts';
import type { Locks } from './locks.ts';
import type { WorktreeRecord } from './pool-state.ts';
import type { RepositoryStore } from './repositories.ts';

export interface GcReport {
  /** Folders git did not know, and records whose worktree was gone. */
  orphansRemoved: string[];
  /** Free worktrees removed to respect the count or disk cap, least recently used first. */
  evicted: string[];
  /** Worktrees still holding unpushed commits: never reused nor removed. */
  kept: string[];
  /** Disk use of all worktrees after eviction (allocated bytes). */
  diskBytes: number;
}

/** What the janitor needs from the pool (closure DI; see pool.ts). */
export interface JanitorContext {
  root: string;
  records: Map<string, WorktreeRecord>;
  locks: Locks;
  log: Logger;
  store: RepositoryStore;
  maxPerRepo: number;
  diskCapBytes: number;
  save(): void;
  /** The worktrees' sizes were measured again (reported to the control plane as disk use). */
  onDiskUsage?(): void;
  remove(r: WorktreeRecord): Promise<void>;
  settle(r: WorktreeRecord, keepBranch: boolean): Promise<unknown>;
}

const dirsIn = (path: string) => {
  try {
    return readdirSync(path).filter((name) => statSync(join(path, name)).isDirectory());
  } catch {
    return [];
  }
};

/** Reconciles the pool with git, removes orphans, rechecks kept worktrees and enforces the caps. */
export function createJanitor(ctx: JanitorContext) {
  const { root, records, locks, log, store } = ctx;

  /** Git is the truth: records it does not know are dropped, worktrees it knows are adopted. */
  async function reconcile({ startup, removeOrphans = false }: { startup: boolean; removeOrphans?: boolean }): Promise<string[]> {
    const removed: string[] = [];
    const repoIds = new Set([...[...records.values()].map((r) => r.repositoryId), ...dirsIn(root)]);
    for (const repositoryId of repoIds) {
      const folder = join(root, repositoryId);
      let repoPath: string;
      try {
        repoPath = store.pathOf(repositoryId);
      } catch {
        if (removeOrphans) removed.push(folder);
        if (removeOrphans) await rm(folder, { recursive: true, force: true });
        continue;
      }
      const mine = [...records.values()].filter((r) => r.repositoryId === repositoryId);
      const cloned = existsSync(join(repoPath, 'HEAD'));
      const known = new Map<string, git.WorktreeEntry>();
      if (cloned) {
        await locks.run(`repo:${repositoryId}`, async () => {
          await git.worktreePrune(repoPath);
          for (const w of await git.worktreeList(repoPath)) if (!w.prunable && resolve(w.path).startsWith(`${folder}/`)) known.set(resolve(w.path), w);
        });
      }
      for (const r of mine) {
        if (r.state === 'leased' && !startup) continue; // in use: its holder deals with it
        if (known.has(r.path) && existsSync(join(r.path, '.git'))) continue;
        records.delete(r.id);
        removed.push(r.path);
        log.warn({ worktree: r.path, state: r.state }, 'worktree gone from git or disk; forgotten (its commits stay in the clone)');
      }
      for (const [path, w] of known) {
        const r = [...records.values()].find((x) => x.path === path);
        if (r && !(startup && r.state === 'leased')) continue;
        // Leased by a daemon that died, or a worktree the state file lost: settle it like a release.
        const adopted = r ?? adopt(repositoryId, path, w.branch ?? null);
        adopted.branch = w.branch ?? adopted.branch;
        await locks.run(`wt:${path}`, () => ctx.settle(adopted, true)).catch((err) => {
          // Unknown state: kept is the safe one (never reused, never removed) until a gc settles it.
          log.warn({ err, worktree: path }, 'could not settle a worktree; keeping it');
          adopted.state = 'kept';
        });
      }
      if (removeOrphans) {
        for (const name of dirsIn(folder)) {
          const path = join(folder, name);
          if (known.has(path) || [...records.values()].some((r) => r.path === path && r.state === 'leased')) continue;
          removed.push(path);
          await rm(path, { recursive: true, force: true });
        }
        if (!cloned && dirsIn(folder).length === 0) await rm(folder, { recursive: true, force: true });
      }
    }
    ctx.save();
    return removed;
  }

  function adopt(repositoryId: string, path: string, branch: string | null): WorktreeRecord {
    const at = new Date().toISOString();
    const r: WorktreeRecord = { id: basename(path), repositoryId, path, state: 'leased', branch, missionId: null, attemptId: null, unpushedCommits: 0, createdAt: at, lastUsedAt: at, useSeq: 0 };
    records.set(r.id, r);
    return r;
  }

  /**
   * Free worktrees beyond the per-repository count, then beyond the disk cap, LRU first. Sizes are
   * measured again for `remeasure` ('all' in gc) and for worktrees never measured; the others keep
   * their last size. A walk after every release of every worktree (kept `node_modules` included)
   * would cost seconds of CPU beside the agents at work; one that just came back is what changed.
   */
  async function enforceCaps(remeasure: 'all' | ReadonlySet<string>): Promise<{ evicted: string[]; diskBytes: number }> {
    const evicted: string[] = [];
    const evict = async (r: WorktreeRecord) => {
      if (r.state !== 'free' || records.get(r.id) !== r) return false; // checked and removed with no await between
      const done = ctx.remove(r);
      evicted.push(r.path);
      log.info({ worktree: r.path }, 'worktree evicted');
      await done;
      return true;
    };
    const lru = () => [...records.values()].filter((r) => r.state === 'free').sort((a, b) => a.useSeq - b.useSeq);
    for (const repositoryId of new Set([...records.values()].map((r) => r.repositoryId))) {
      for (const r of lru().filter((x) => x.repositoryId === repositoryId)) {
        if ([...records.values()].filter((x) => x.repositoryId === repositoryId).length <= ctx.maxPerRepo) break;
        await evict(r);
      }
    }
    const sizes = new Map<string, number>();
    for (const r of records.values()) {
      if (remeasure !== 'all' && !remeasure.has(r.id) && r.sizeBytes !== undefined) {
        sizes.set(r.id, r.sizeBytes);
        continue;
      }
      const size = await diskUsage(r.path);
      sizes.set(r.id, size);
      r.sizeBytes = size;
    }
    let total = [...sizes.values()].reduce((a, b) => a + b, 0);
    for (const r of lru()) {
      if (total <= ctx.diskCapBytes) break;
      if (await evict(r)) total -= sizes.get(r.id) ?? 0;
    }
    if (total > ctx.diskCapBytes) log.warn({ diskBytes: total, diskCapBytes: ctx.diskCapBytes }, 'worktrees over the disk cap with nothing left to evict');
    ctx.save();
    ctx.onDiskUsage?.();
    return { evicted, diskBytes: total };
  }

  return {
    reconcile,

    /** One at a time, and never alongside background cap enforcement (they would race on records). */
    gc: (): Promise<GcReport> => locks.run('janitor', async () => {
      const orphansRemoved = await reconcile({ startup: false, removeOrphans: true });
      for (const r of [...records.values()].filter((x) => x.state === 'kept')) {
        // Pushed since (or pushed elsewhere and fetched)? Then it is free again.
        await locks.run(`wt:${r.path}`, () => ctx.settle(r, true)).catch((err) => log.warn({ err, worktree: r.path }, 'could not recheck a kept worktree'));
      }
      ctx.save();
      for (const repositoryId of new Set([...records.values()].map((r) => r.repositoryId))) {
        await git.maintain(store.pathOf(repositoryId)).catch((err) => log.warn({ err, repositoryId }, 'git maintenance failed'));
      }
      const { evicted, diskBytes } = await enforceCaps('all');
      const kept = [...records.values()].filter((r) => r.state === 'kept').map((r) => r.path);
      return { orphansRemoved, evicted, kept, diskBytes };
    }),

    /**
     * In the background after `returned` came back: the caps, then git's own upkeep of that
     * repository (`maintenance run --auto`: nothing unless git thinks it is time). Fetches, commits
     * and merges skip it, so it runs here, off the missions' path. Failures are logged, never thrown.
     */
    schedule(returned: string) {
      const repositoryId = records.get(returned)?.repositoryId;
      void locks.run('janitor', async () => {
        await enforceCaps(new Set([returned]));
        if (repositoryId && existsSync(store.pathOf(repositoryId))) await git.maintain(store.pathOf(repositoryId));
      }).catch((err) => log.warn({ err }, 'worktree upkeep after a release failed'));
    },

    idle: () => locks.run('janitor', async () => undefined),
  };
}
