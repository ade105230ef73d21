// Leadership of the once-only background jobs (offline sweep, Mission Fallback scheduler with the
// metrics refresh, retention, pull-request polling): one instance holds the advisory lock; when
// it dies — its connection cut, or its process killed with SIGKILL — another takes over.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import t from 'tap';
import { createLeadership, LEADER_LOCK_KEY } from '../../src/jobs/leadership.ts';
import { startTestApp } from '../helpers/app.ts';
import { startControlPlane } from '../helpers/control-plane-process.ts';
import { createTestDatabase, onPostgres } from '../helpers/database.ts';
import { eventually, startPeer } from './helpers.ts';

const quiet = { info() {}, warn() {}, error() {} };

if (!onPostgres) {
  t.test('PGlite (one process per data dir): the first app leads, the second takes over when it stops', async (t) => {
    const db = await createTestDatabase();
    t.teardown(() => db.close());
    const a = createLeadership({ database: db, checkMs: 0, log: quiet });
    const b = createLeadership({ database: db, checkMs: 0, log: quiet });
    await a.start();
    await b.start();
    t.same([a.isLeader, b.isLeader], [true, false], 'one leader');
    await a.stop();
    await b.check();
    t.same([a.isLeader, b.isLeader], [false, true], 'the other leads once the first let go');
    await b.stop();
  });
  t.pass('the hand-over on PostgreSQL (cut connection, SIGKILL) runs in the PostgreSQL lane');
} else {
  t.test('two instances: exactly one leads; cutting its connection hands leadership to the other', async (t) => {
    const base = await startTestApp(t);
    const a = await startPeer(t, base, { leadershipCheckMs: 100 });
    const b = await startPeer(t, base, { leadershipCheckMs: 100 });
    await base.app.leadership.stop(); // only the two peers compete
    const leaders = () => [a.app.leadership.isLeader, b.app.leadership.isLeader];
    t.ok(await eventually(async () => leaders().filter(Boolean).length === 1, 3_000), 'exactly one leader');
    const [leader, follower] = a.app.leadership.isLeader ? [a, b] : [b, a];

    // Still one leader after many checks: the follower never takes a held lock.
    await new Promise((r) => setTimeout(r, 500));
    t.same([leader.app.leadership.isLeader, follower.app.leadership.isLeader], [true, false], 'the same leader 5 checks later');

    // PostgreSQL ends the leader's backend (what a dead host's connection comes to).
    const admin = createTestDatabaseClient(base.db.url!);
    await admin.connect();
    t.teardown(() => admin.end());
    const { rows } = await admin.query(`SELECT pg_terminate_backend(pid) AS ended FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [LEADER_LOCK_KEY]);
    t.equal(rows.length, 1, 'the lock was held by one backend');
    t.ok(await eventually(async () => follower.app.leadership.isLeader && !leader.app.leadership.isLeader, 3_000), 'the follower leads, the old leader stepped down');
    await new Promise((r) => setTimeout(r, 300));
    t.same([leader.app.leadership.isLeader, follower.app.leadership.isLeader], [false, true], 'and the old leader does not take it back');

    // A graceful stop lets go at once.
    await follower.close();
    t.ok(await eventually(async () => leader.app.leadership.isLeader, 3_000), 'after the new leader stops, the first leads again');
  });

  t.test('SIGKILL of the leader process: another process takes over within a few seconds', async (t) => {
    const db = await createTestDatabase();
    t.teardown(() => db.close());
    const dir = mkdtempSync(join(tmpdir(), 'su-leader-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const env = (name: string) => ({ DATABASE_URL: db.url!, SU_DATA_DIR: join(dir, name), SU_BOOTSTRAP_API_KEY: 'su_test_leader_admin_key_0123456789abcdef', SU_FALLBACK_ENABLED: 'false' });
    const cps = [await startControlPlane(env('cp1')), await startControlPlane(env('cp2'))];
    for (const cp of cps) t.teardown(() => void cp.child.kill('SIGKILL'));
    const took = (i: number) => cps[i]!.stdout().split('\n').filter((l) => l.includes('leadership taken')).length;
    const first = await eventually(async () => [0, 1].find((i) => took(i) === 1), 5_000);
    t.ok(first !== undefined, `cp${first! + 1} leads`);
    t.equal(took(1 - first!), 0, 'the other does not');

    const killedAt = Date.now();
    cps[first!]!.child.kill('SIGKILL');
    const other = 1 - first!;
    t.ok(await eventually(async () => took(other) === 1, 10_000), 'the survivor takes leadership');
    t.ok(Date.now() - killedAt < 5_000, `within 5 s (took ${Date.now() - killedAt} ms)`);
  });
}

function createTestDatabaseClient(url: string) {
  return new pg.Client({ connectionString: url });
}
