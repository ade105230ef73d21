import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { buildApp, type AppDeps } from '../../src/app.ts';
import { openDatabase } from '../../src/db/client.ts';
import type { SessionSettings } from '../../src/sessions/session.ts';
import { sessionSettingsFrom } from '../../src/sessions/settings.ts';
import { ADMIN_KEY, type TestApp } from '../helpers/app.ts';
import { createHttpClient } from '../helpers/http.ts';

/** Fast session timings: a heartbeat interval of `ms`, so a stale session is found within a second. */
export const fastSessions = (ms = 200): SessionSettings => sessionSettingsFrom({ heartbeatIntervalMs: ms });

/**
 * Another control plane in this process over `first`'s PostgreSQL database (its own pool, its
 * own session hub): what a second instance behind a balancer is. Closed when `t` ends.
 */
export async function startPeer(t: Test, first: TestApp, opts: Partial<Pick<AppDeps, 'sessions' | 'dispatch' | 'leadershipCheckMs'>> = {}) {
  const database = await openDatabase({ databaseUrl: first.db.url!, poolSize: 5, migrate: false });
  const docsDir = mkdtempSync(join(tmpdir(), 'su-docs-'));
  const app = await buildApp({ database, docsDir, ...opts, logger: process.env.SU_TEST_LOG ? { level: process.env.SU_TEST_LOG } : false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await database.close();
    rmSync(docsDir, { recursive: true, force: true });
  };
  t.teardown(close);
  return { app, baseUrl, admin: createHttpClient(baseUrl, ADMIN_KEY), close };
}

/** Polls `check` until it returns a truthy value (bounded: returns the last falsy one after `ms`). */
export async function eventually<T>(check: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}
