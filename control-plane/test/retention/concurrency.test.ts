// Two control planes on one PostgreSQL running retention at once: real PostgreSQL only (PGlite is
// one session, so the race would pass trivially there and prove nothing).
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { Registry } from 'prom-client';
import t from 'tap';
import { openDatabase } from '../../src/db/client.ts';
import { rowsOf } from '../../src/db/rows.ts';
import { createRetention } from '../../src/modules/retention/retention.ts';
import { startTestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';
import { seedAged } from './fixtures.ts';

if (!onPostgres) {
  t.pass('retention races run on real PostgreSQL only (set TEST_DATABASE_URL)');
} else {
  const app = await startTestApp(t, { poolSize: 10 });
  const other = await openDatabase({ databaseUrl: app.db.url!, poolSize: 10 });
  t.teardown(() => other.close());
  const reports = app.app.services.fallbackEngine.reports;
  const instance = (db: typeof app.db.db) =>
    createRetention({ db, clock: { now: () => new Date() }, reports, registry: new Registry(), intervalMs: 0, batchSize: 100 });
  const count = async (q: ReturnType<typeof sql>) => Number(rowsOf(await app.db.db.execute(q))[0]!.n);

  t.test('two instances at once remove each expired row exactly once', async (t) => {
    await seedAged(app.db.db, 'audit_events', { days: 450, n: 1_000, tag: 'race' });
    await seedAged(app.db.db, 'notifications', { days: 200, n: 600, tag: 'race' });
    await seedAged(app.db.db, 'audit_events', { days: 10, n: 5, tag: 'young' });
    const [a, b] = await Promise.all([instance(app.db.db).run(), instance(other.db).run()]);
    t.equal(a.audit_events!.removed + b.audit_events!.removed, 1_000, 'audit: the two reports add up to the rows');
    t.equal(a.notifications!.removed + b.notifications!.removed, 600, 'notifications: the same');
    t.equal(await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'test.race'`), 0);
    t.equal(await count(sql`SELECT count(*)::int AS n FROM notifications WHERE kind = 'test.race'`), 0);
    t.equal(await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'test.young'`), 5);
  });

  t.test('while another process holds a job, this one leaves it alone', async (t) => {
    await seedAged(app.db.db, 'audit_events', { days: 450, n: 3, tag: 'held' });
    const holder = new pg.Client({ connectionString: app.db.url });
    await holder.connect();
    t.teardown(() => holder.end());
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(7878104)'); // auditEventsJob's lock
    const skipped = await instance(app.db.db).run();
    t.same(skipped.audit_events, { leader: false, removed: 0 });
    t.equal(await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'test.held'`), 3);
    await holder.query('COMMIT');
    t.same((await instance(app.db.db).run()).audit_events, { leader: true, removed: 3 });
  });
}
