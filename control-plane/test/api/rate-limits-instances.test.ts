// Rate limits with two control planes on one PostgreSQL (#17, #18): a caller spreading requests
// over both instances is held to the sum — each instance counts locally, and within one flush
// interval every instance refuses once the total passed the limit. Real PostgreSQL only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildApp, type AppDeps } from '../../src/app.ts';
import { openDatabase } from '../../src/db/client.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';
import { createUser } from '../helpers/fixtures.ts';

const windowMs = 10 * 365 * 86_400_000; // fixed windows: ten years, so none ends mid-test

/** A second instance over `first`'s database, with its own counts (its own process state). */
async function startPeer(t: Test, first: TestApp, rateLimits: AppDeps['rateLimits']) {
  const database = await openDatabase({ databaseUrl: first.db.url!, poolSize: 3, migrate: false });
  const docsDir = mkdtempSync(join(tmpdir(), 'su-docs-'));
  const app = await buildApp({ database, docsDir, rateLimits, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => {
    await app.close();
    await database.close();
    rmSync(docsDir, { recursive: true, force: true });
  });
  return { app, baseUrl: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
}

const statusOf = async (baseUrl: string, key: string) => (await fetch(`${baseUrl}/api/v1/users/me`, { headers: { authorization: `Bearer ${key}` } })).status;
const statusesOf = async (baseUrl: string, key: string, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await statusOf(baseUrl, key));
  return out;
};

if (!onPostgres) {
  t.pass('runs on real PostgreSQL only (set TEST_DATABASE_URL)');
} else {
  t.test('flushed by hand: after one more flush, the instance that saw nothing new refuses too', async (t) => {
    // Timers far off: the test decides when each instance flushes.
    const rateLimits = { limits: { anonymous: null, user: 10, contributor: 10, admin: null }, windowMs, flushMs: 3_600_000 };
    const a = await startTestApp(t, { rateLimits });
    const b = await startPeer(t, a, rateLimits);
    const viewer = await createUser(a, 'spread-rl@example.com');

    // Before any flush each instance knows only its own 6: all 12 pass (the lag the design allows).
    t.same(await statusesOf(a.baseUrl, viewer.key, 6), [200, 200, 200, 200, 200, 200]);
    t.same(await statusesOf(b.baseUrl, viewer.key, 6), [200, 200, 200, 200, 200, 200]);

    await a.app.rateLimits.flush(); // stores A's 6
    await b.app.rateLimits.flush(); // stores B's 6, reads 12
    t.equal(await statusOf(b.baseUrl, viewer.key), 429, 'B, which flushed last, refuses at once');
    await a.app.rateLimits.flush(); // A has nothing new, but reads the total back
    t.equal(await statusOf(a.baseUrl, viewer.key), 429, 'A refuses after its next flush');
  });

  t.test('on their own timers, both instances refuse within a flush interval of the sum passing the limit', async (t) => {
    const flushMs = 250;
    const limit = 100;
    const rateLimits = { limits: { anonymous: null, user: limit, contributor: limit, admin: null }, windowMs, flushMs };
    const a = await startTestApp(t, { rateLimits });
    const b = await startPeer(t, a, rateLimits);
    const viewer = await createUser(a, 'timers-rl@example.com');

    // 51 on each at once: 102 against a limit of 100. Flushes in between may refuse some already.
    const sent = 51;
    const [onA, onB] = await Promise.all([statusesOf(a.baseUrl, viewer.key, sent), statusesOf(b.baseUrl, viewer.key, sent)]);
    const passed = [...onA, ...onB].filter((s) => s === 200).length;
    t.ok(passed >= limit && passed <= 2 * sent, `${passed} passed: at least the limit, at most what was sent`);
    // Each instance refuses once one of its flushes has read back the other's counts: polled, with
    // a deadline far past the two intervals that takes (one for the later flush to land, one for
    // the other instance to read it). A probe counts too, so each instance gets at most
    // limit - sent of them: by its own counts alone it would let every one pass, and a 429 means
    // it heard of the other's.
    const refusedBy = async (baseUrl: string) => {
      const deadline = Date.now() + 10_000;
      for (let probes = 0; probes < limit - sent; probes++) {
        if (await statusOf(baseUrl, viewer.key) === 429) return true;
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 200));
      }
      return false;
    };
    const [aRefuses, bRefuses] = await Promise.all([refusedBy(a.baseUrl), refusedBy(b.baseUrl)]);
    t.ok(aRefuses, 'A refuses');
    t.ok(bRefuses, 'B refuses');
  });
}
