// Warm worktree acquire (fetch from the remote + checkout -B + clean of a pooled worktree) vs a
// cold `git worktree add` of a fresh one, on one generated repository, interleaved in one run.
// Goal: warm ≥ 10× faster. Usage: npx tsx bench/worktree.ts [--rounds 30] [--files 3000]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { createRepositoryStore, createWorktreePool, git } from '../daemon/src/worktrees/index.ts';
import { arg, fmt, summarize } from './lib.ts';

const rounds = Number(arg('rounds', '30'));
const fileCount = Number(arg('files', '3000'));
const dir = mkdtempSync(join(tmpdir(), 'su-bench-wt-'));
const log = pino({ level: 'silent' });
const env = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.test', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.test' };

/** A repository shaped like a mid-sized TypeScript project: nested folders, files of 0.5–8 kB. */
async function generateRepository() {
  const remote = join(dir, 'remote.git');
  const seed = join(dir, 'seed');
  await git.git(dir, ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
  await git.git(dir, ['init', '--quiet', '--initial-branch=main', seed]);
  let bytes = 0;
  for (let i = 0; i < fileCount; i++) {
    const path = join(seed, `packages/pkg-${i % 12}/src/module-${i % 40}/file-${i}.ts`);
    const body = `export const value${i} = ${JSON.stringify('lorem ipsum '.repeat(40 + ((i * 7919) % 600)))};\n`;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
    bytes += body.length;
  }
  writeFileSync(join(seed, '.gitignore'), 'node_modules/\ndist/\n');
  await git.git(seed, ['add', '--all']);
  await git.git(seed, ['commit', '--quiet', '-m', 'generated'], { env });
  await git.git(seed, ['push', '--quiet', remote, 'main']);
  return { remote, bytes };
}

/** What an agent leaves behind: edits, new files, build output, a dependency cache to keep. */
function makeMess(path: string, round: number) {
  for (let i = 0; i < 10; i++) writeFileSync(join(path, `packages/pkg-${i}/src/module-${i}/file-${i}.ts`), `// edited in round ${round}\n`);
  mkdirSync(join(path, 'dist'), { recursive: true });
  for (let i = 0; i < 50; i++) writeFileSync(join(path, `dist/out-${i}.js`), 'x'.repeat(2000));
  mkdirSync(join(path, 'node_modules/dep'), { recursive: true });
  writeFileSync(join(path, 'node_modules/dep/index.js'), 'cached');
}

try {
  const { remote, bytes } = await generateRepository();
  const home = join(dir, 'home');
  const store = createRepositoryStore({ home, log });
  const pool = await createWorktreePool({ home, store, maxWorktreesPerRepo: 4, diskCapBytes: 1e12, keepPaths: ['node_modules'], log });
  const repository = { id: 'BENCH', url: `file://${remote}`, defaultBranch: 'main' };
  await pool.warm(repository, 1);
  const repoPath = store.pathOf('BENCH');

  const warm: number[] = [];
  const cold: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    const lease = await pool.acquire({ repository, branch: `su/mission-${round}`, baseBranch: 'main', missionId: `M${round}`, attemptId: `A${round}` });
    warm.push(performance.now() - started);
    makeMess(lease.path, round);
    await pool.release(lease);

    const fresh = join(dir, `cold-${round}`);
    started = performance.now();
    await git.worktreeAdd(repoPath, fresh, 'refs/remotes/origin/main');
    cold.push(performance.now() - started);
    await git.worktreeRemove(repoPath, fresh);
  }
  await pool.close();

  const w = summarize(warm);
  const c = summarize(cold);
  console.log(`repository: ${fileCount} files, ${(bytes / 1e6).toFixed(1)} MB; ${rounds} rounds, interleaved`);
  console.log(`warm acquire (fetch + checkout -B + clean -ffdx): p50 ${fmt(w.p50)}  p99 ${fmt(w.p99)}  max ${fmt(w.max)}`);
  console.log(`cold git worktree add:                           p50 ${fmt(c.p50)}  p99 ${fmt(c.p99)}  max ${fmt(c.max)}`);
  console.log(`warm is ${(c.p50 / w.p50).toFixed(1)}× faster at p50, ${(c.p99 / w.p99).toFixed(1)}× at p99 (goal ≥ 10×)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
