#!/usr/bin/env node
// Each package's `npm test`: tap over test/**/*.test.ts. On the PostgreSQL lane (TEST_DATABASE_URL
// set, as .ci/run's second pass does) the files that declare runOnceAcrossEngines — they do not
// depend on the database engine and ran in the PGlite lane — are not started at all: each would
// load its module graph only to skip (about 2 s apiece, some 80 files). SU_TEST_ALL_LANES=1 runs
// everything on both lanes, as before. Extra arguments go to tap.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL) && process.env.SU_TEST_ALL_LANES !== '1';
const args = process.argv.slice(2);
if (onPostgres && args.length === 0) {
  const files = readdirSync('test', { recursive: true })
    .map((f) => join('test', String(f)))
    .filter((f) => f.endsWith('.test.ts'))
    .sort();
  const engineFree = (f) => /^runOnceAcrossEngines\(t, /m.test(readFileSync(f, 'utf8'));
  const kept = files.filter((f) => !engineFree(f));
  console.log(`# PostgreSQL lane: ${files.length - kept.length} of ${files.length} test files run only in the PGlite lane (runOnceAcrossEngines)`);
  args.push(...kept);
}
// An empty list would make tap run every file: a package with nothing engine-dependent runs nothing.
if (onPostgres && args.length === 0) {
  console.log('# { total: 0, pass: 0 }');
  process.exit(0);
}
const run = spawnSync('tap', args, { stdio: 'inherit' });
process.exit(run.status ?? 1);
