import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * One control plane per PGlite data dir. PGlite is PostgreSQL in this process: two processes on
 * one dir each run their own server over the same files, both acknowledge writes, and one side's
 * are lost (the second even deletes the first's postmaster.pid). So the process shell takes this
 * lock before anything else in the data dir is touched. A lock left by `kill -9` (its PID gone,
 * or reused by another process: the kernel start time differs) is taken over.
 */
export const lockFileName = 'control-plane.lock';

interface LockOwner {
  pid: number;
  /** ISO time the holder took the lock, for the message. */
  startedAt: string;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22), to detect PID reuse. */
  procStart?: string;
  host: string;
}

export class DataDirInUse extends Error {
  constructor(readonly dir: string, readonly owner: LockOwner) {
    super(`data dir ${dir} is in use by process ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`} (started ${owner.startedAt}); stop it or use another SU_DATA_DIR`);
  }
}

/** Kernel start time of a process, or undefined where /proc is not there (macOS) or the PID is gone. */
function procStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the recorded holder still runs. Another host's lock cannot be checked: it counts as held. */
function isHeld(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid || !isAlive(owner.pid)) return false;
  const now = procStartOf(owner.pid);
  return owner.procStart === undefined || now === undefined || now === owner.procStart;
}

/**
 * Takes the data dir's lock or throws DataDirInUse. The lock file is created complete and
 * atomically (written aside, then hard-linked into place, which fails if it exists), so a reader
 * never sees a half-written one. Returns `release`, which removes the file if it is still ours.
 */
export function lockDataDir(dir: string): { release(): void } {
  const path = join(dir, lockFileName);
  const me: LockOwner = { pid: process.pid, startedAt: new Date().toISOString(), procStart: procStartOf(process.pid), host: hostname() };
  const mine = `${JSON.stringify(me)}\n`;
  const aside = `${path}.${process.pid}.tmp`;
  writeFileSync(aside, mine, { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(aside, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(path);
      if (owner && isHeld(owner)) throw new DataDirInUse(dir, owner);
      if (attempt >= 5) throw new Error(`cannot take over the stale lock ${path}; remove it if no control plane runs on ${dir}`);
      takeOver(path, owner);
    }
  } finally {
    unlinkSync(aside);
  }
  return {
    release() {
      try {
        if (readFileSync(path, 'utf8') === mine) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}

/**
 * Removes a stale lock. Moved aside first and checked, so that if another starter replaced it
 * meanwhile with a live lock of its own, that one is put back instead of deleted.
 */
function takeOver(path: string, stale: LockOwner | undefined) {
  const moved = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, moved);
  } catch {
    return; // gone already: the next attempt links ours
  }
  const found = readOwner(moved);
  if (found && stale && found.pid === stale.pid && found.startedAt === stale.startedAt) unlinkSync(moved);
  else if (found && isHeld(found)) {
    try {
      linkSync(moved, path);
    } finally {
      unlinkSync(moved);
    }
  } else unlinkSync(moved);
}

/**
 * Creates a directory readable by the owner only (0700), or narrows an existing one that group or
 * others can reach: it holds the database, keys and mission docs. Returns whether it was narrowed.
 */
export function ensurePrivateDir(dir: string): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) === 0) return false;
  chmodSync(dir, 0o700);
  return true;
}
