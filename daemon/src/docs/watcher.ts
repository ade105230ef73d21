import { relative, sep } from 'node:path';
import { watch } from 'chokidar';
import { type HashedMissionDoc, docPathPattern, listMissionDocs, missionDocsRelDir, readMissionDoc } from './mission-docs.ts';
import type { RelPath } from './no-follow.ts';

export interface WatchMissionDocsOptions {
  worktree: string;
  missionId: string;
  /** Quiet time per file before its content is read and reported. */
  debounceMs: number;
  /** Each distinct content of each doc, once. Awaited: reports are delivered one at a time, in order. */
  onChange(doc: HashedMissionDoc): void | Promise<void>;
  /** A doc that cannot be read or is too big, or an onChange that threw. Defaults to ignoring it. */
  onError?(error: Error): void;
  /**
   * A link where a doc or a folder above it was expected (worktree-relative path): it is never
   * followed, the doc is skipped. Once per path per watcher.
   */
  onSymlink?(path: RelPath): void;
  /** Report the docs already present at start (default false: they are the baseline, e.g. just restored). */
  reportExisting?: boolean;
  /**
   * path → contentHash already known (e.g. the docs just restored): never reported again, and no
   * baseline scan is needed, so the watcher can start while the agent already runs.
   */
  known?: ReadonlyMap<string, string>;
}

export interface MissionDocsWatcher {
  /** Reports every change not reported yet, now (rescans the folder: no event is waited for). */
  flush(): Promise<void>;
  /** Stops watching; changes still pending are dropped (flush first to keep them). */
  close(): Promise<void>;
}

/**
 * Watches `solo-unicorn-docs/missions/{missionId}/solution.md` and `tasks/{n}.md` in a worktree;
 * the folders may appear later. Only the path down to the docs is watched, not the whole worktree.
 * Links are never followed (see no-follow.ts): a repository cannot make it read a file elsewhere.
 */
export async function watchMissionDocs(opts: WatchMissionDocsOptions): Promise<MissionDocsWatcher> {
  const { worktree, missionId, debounceMs } = opts;
  const docsRel = missionDocsRelDir(missionId).split(sep);
  const reported = new Map<string, string>(); // path → contentHash last reported (or found at start)
  const timers = new Map<string, NodeJS.Timeout>();
  let chain = Promise.resolve();
  let closed = false;
  const onError = (error: unknown) => {
    try {
      opts.onError?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // the error sink failing must not stop the watcher
    }
  };

  const linksSeen = new Set<string>();
  const onSymlink = (path: RelPath) => {
    if (linksSeen.has(path)) return;
    linksSeen.add(path);
    try {
      opts.onSymlink?.(path);
    } catch (error) {
      onError(error);
    }
  };

  for (const [path, hash] of opts.known ?? []) reported.set(path, hash);
  if (!opts.reportExisting && !opts.known) {
    for (const path of await listMissionDocs(worktree, missionId, onSymlink)) {
      const r = await readMissionDoc(worktree, missionId, path).catch(() => undefined);
      if (r?.kind === 'doc') reported.set(path, r.doc.contentHash);
      else if (r?.kind === 'symlink') onSymlink(r.path);
    }
  }

  /** Serialised, so one content is never reported twice by overlapping checks. */
  const check = (path: string) => {
    chain = chain.then(async () => {
      if (closed) return;
      try {
        const r = await readMissionDoc(worktree, missionId, path);
        if (r.kind === 'symlink') return onSymlink(r.path);
        if (r.kind !== 'doc' || reported.get(path) === r.doc.contentHash) return;
        const doc = r.doc;
        reported.set(path, doc.contentHash);
        await opts.onChange(doc);
      } catch (error) {
        onError(error);
      }
    });
    return chain;
  };

  /** The doc path for a watched file, or undefined; relative parts of the worktree path otherwise. */
  const parts = (abs: string) => relative(worktree, abs).split(sep).filter(Boolean);
  const docPath = (abs: string) => {
    const p = parts(abs);
    if (p.length <= docsRel.length || p.slice(0, docsRel.length).join('/') !== docsRel.join('/')) return undefined;
    const rel = p.slice(docsRel.length).join('/');
    return docPathPattern.test(rel) ? rel : undefined;
  };
  /** Keeps the worktree root, the folders down to the docs, `tasks/` and the docs themselves. */
  const ignored = (abs: string) => {
    const p = parts(abs);
    if (p.length <= docsRel.length) return p.join('/') !== docsRel.slice(0, p.length).join('/');
    if (p.slice(0, docsRel.length).join('/') !== docsRel.join('/')) return true;
    const rel = p.slice(docsRel.length).join('/');
    return rel !== 'tasks' && !docPathPattern.test(rel);
  };

  const watcher = watch(worktree, { ignoreInitial: true, ignored, persistent: true, followSymlinks: false });
  const schedule = (abs: string) => {
    const path = docPath(abs);
    if (!path || closed) return;
    clearTimeout(timers.get(path));
    timers.set(path, setTimeout(() => {
      timers.delete(path);
      void check(path);
    }, debounceMs));
  };
  watcher.on('add', schedule).on('change', schedule).on('error', onError);
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    async flush() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      const paths = await listMissionDocs(worktree, missionId, onSymlink).catch((error) => {
        onError(error);
        return [] as string[];
      });
      for (const path of paths) void check(path);
      await chain;
    },
    async close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await watcher.close();
      await chain;
    },
  };
}
