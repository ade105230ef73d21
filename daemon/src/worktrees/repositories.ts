import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.ts';
import { cloneBare, git } from './git.ts';

export interface RepositoryRef {
  /** The repository's id (a ULID): names its folder, so it must be a plain path segment. */
  id: string;
  /** Anything `git clone` takes: https, ssh, `file://…` or an absolute local path. */
  url: string;
  defaultBranch: string;
}

export interface RepositoryStoreOptions {
  home: string;
  log: Logger;
}

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertSafeId(id: string) {
  if (!SAFE_SEGMENT.test(id)) throw new Error(`repository id ${JSON.stringify(id)} is not a plain path segment`);
}

/**
 * One bare clone per repository per workstation, at `$home/repos/<id>`. Concurrent callers for
 * one repository share a single clone; a clone is made in a temporary folder and renamed into
 * place, so a crash mid-clone leaves nothing that looks finished.
 */
export function createRepositoryStore({ home, log }: RepositoryStoreOptions) {
  const root = join(home, 'repos');
  const pending = new Map<string, { url: string; done: Promise<string> }>();
  const pathOf = (id: string) => {
    assertSafeId(id);
    return join(root, id);
  };

  async function prepare(repo: RepositoryRef, path: string): Promise<string> {
    const { url } = repo; // https, ssh, file:// and absolute paths all go to git as they are
    if (existsSync(join(path, 'HEAD'))) {
      const current = await git(path, ['config', '--get', 'remote.origin.url'], { okCodes: [1] });
      if (current.stdout.trim() !== url) {
        log.info({ repositoryId: repo.id, url }, 'repository url changed');
        await git(path, ['remote', 'set-url', 'origin', url]);
      }
      return path;
    }
    await mkdir(root, { recursive: true });
    const tmp = `${path}.cloning-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    const started = Date.now();
    try {
      await cloneBare(url, tmp);
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { recursive: true, force: true });
      throw error;
    }
    log.info({ repositoryId: repo.id, ms: Date.now() - started }, 'repository cloned');
    return path;
  }

  return {
    root,
    /** Where the clone of a repository lives (whether or not it exists yet). */
    pathOf,

    /** The local clone's path, cloning it first if this workstation has none. */
    ensureClone(repo: RepositoryRef): Promise<string> {
      const path = pathOf(repo.id);
      const known = pending.get(repo.id);
      if (known && known.url === repo.url) return known.done;
      const done = (known?.done.catch(() => undefined) ?? Promise.resolve()).then(() => prepare(repo, path));
      const entry = { url: repo.url, done };
      pending.set(repo.id, entry);
      // A failed clone is forgotten so the next call tries again.
      done.catch(() => {
        if (pending.get(repo.id) === entry) pending.delete(repo.id);
      });
      return done;
    },
  };
}
export type RepositoryStore = ReturnType<typeof createRepositoryStore>;
