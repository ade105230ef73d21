// The rate-limit store's flush on both engines: one multi-row statement for every active caller
// (chunked under PostgreSQL's parameter limit), and no count lost to a flush in flight.
import t from 'tap';
import { createRateLimitStore } from '../../src/modules/rate-limits/rate-limit-store.ts';
import { createTestDatabase, onPostgres } from '../helpers/database.ts';
import { queryRows } from '../helpers/sql.ts';

const windowMs = 10 * 365 * 86_400_000; // one window for the whole test
const db = await createTestDatabase();
t.teardown(() => db.close());

t.test('12,000 callers in one flush: every count is stored (three statements of ≤ 5,000 rows)', async (t) => {
  const store = createRateLimitStore(db.db, { windowMs, flushMs: 3_600_000 });
  const now = Date.now();
  for (let i = 0; i < 12_000; i++) for (let n = 0; n <= i % 3; n++) store.hit(`bulk:${i}`, now);
  await store.flush();
  const [row] = await queryRows<{ buckets: string; total: string }>(db, `SELECT count(*) AS buckets, sum(count) AS total FROM rate_limit_windows WHERE bucket LIKE 'bulk:%'`);
  t.equal(Number(row!.buckets), 12_000);
  t.equal(Number(row!.total), 4000 * (1 + 2 + 3));
  await store.flush(); // nothing new: reads only, adds nothing
  const [again] = await queryRows<{ total: string }>(db, `SELECT sum(count) AS total FROM rate_limit_windows WHERE bucket LIKE 'bulk:%'`);
  t.equal(Number(again!.total), 24_000, 'a flush with nothing new adds nothing');
  t.equal(store.hit('bulk:2', now).count, 4, 'the total read back counts on');
});

// PGlite runs the statement on this thread, so nothing is counted while it is in flight there.
t.test('requests counted while a flush is in flight are neither lost nor counted twice', { skip: !onPostgres && 'PostgreSQL only: PGlite runs the flush on this thread' }, async (t) => {
  const store = createRateLimitStore(db.db, { windowMs, flushMs: 3_600_000 });
  const now = Date.now();
  let last = 0;
  for (let i = 0; i < 5; i++) last = store.hit('busy', now).count;
  let done = false;
  const flushing = store.flush().then(() => (done = true));
  const seen: number[] = [];
  // Counting on while the statement runs: every count is one more than the one before.
  while (!done) {
    seen.push(store.hit('busy', now).count);
    await new Promise((r) => setImmediate(r));
  }
  await flushing;
  t.ok(seen.length > 1, `${seen.length} requests counted during the flush`);
  t.same(seen, seen.map((_, i) => last + 1 + i), 'no drop while the flush was in flight');
  await store.flush();
  const [row] = await queryRows<{ count: number }>(db, `SELECT count FROM rate_limit_windows WHERE bucket = 'busy'`);
  t.equal(Number(row!.count), 5 + seen.length, 'the database has each request once');
});
