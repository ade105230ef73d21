import type { Test } from 'tap';

/**
 * CI runs the whole suite twice, on PGlite and on PostgreSQL (`TEST_DATABASE_URL`). A file whose
 * behaviour does not depend on the engine — the real agent CLIs against a scripted model, the
 * parsers' fuzzing — runs once, in the PGlite lane, and is reported as skipped in the PostgreSQL
 * lane (SU_TEST_ALL_LANES=1 runs it there too). Call first thing in the file, before anything starts.
 */
export function runOnceAcrossEngines(t: Test, what: string): void {
  if (!process.env.TEST_DATABASE_URL || process.env.SU_TEST_ALL_LANES === '1') return;
  t.plan(0, `${what} does not depend on the database engine: it runs in the PGlite lane`);
  process.exit(0);
}
