// What the end-to-end mission tests share: a bare git remote on disk, git in a directory, and
// polling the API until something a person would see has happened.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './processes.ts';

export const gitIn = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }).trim();

/** A bare repository `<name>.git` with one commit on main (a README titled `title`). */
export function bareRemote(name: string, title = name): string {
  const remote = join(tempDir('su-remote-'), `${name}.git`);
  gitIn(tempDir('su-x-'), 'init', '--bare', '-b', 'main', remote);
  const seed = tempDir('su-seed-');
  gitIn(seed, 'init', '-b', 'main');
  writeFileSync(join(seed, 'README.md'), `# ${title}\n`);
  gitIn(seed, 'add', '.');
  gitIn(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-m', 'initial');
  gitIn(seed, 'push', remote, 'main');
  return remote;
}

/** Reads until `ok` holds (every 100 ms), or fails after `ms` with the last value read. */
export async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
