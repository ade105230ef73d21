import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import type { Test } from 'tap';
import { type AppDeps, buildApp } from '../../src/app.ts';
import type { Clock } from '../../src/lib/time.ts';
import type { SessionSettings } from '../../src/sessions/session.ts';
import { bootstrapAdmin } from '../../src/modules/users/bootstrap.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { createHttpClient, type HttpClient } from './http.ts';

export const ADMIN_KEY = 'su_test_admin_key_0123456789abcdefghij';

export interface TestApp {
  db: TestDatabase;
  baseUrl: string;
  /** The app's hybrid-storage root (a temp dir removed at teardown). */
  docsDir: string;
  app: Awaited<ReturnType<typeof buildApp>>;
  /** Client authenticated as the instance admin. */
  admin: HttpClient;
  /** A client with any bearer (or none). */
  as(key?: string): HttpClient;
  close(): Promise<void>;
}

/**
 * A real control plane on a real socket (port 0) over a private test database. Closed when the
 * test `t` ends.
 */
export async function startTestApp(t: Test, opts: { clock?: Clock; bodyLimitBytes?: number; poolSize?: number; realtimeMaxBufferedBytes?: number; dispatch?: { offlineGraceMs: number; tickMs: number; maxAttempts: number }; logger?: FastifyServerOptions['logger']; outboundAllow?: string[]; sessions?: SessionSettings; rateLimits?: AppDeps['rateLimits'] } = {}): Promise<TestApp> {
  const db = await createTestDatabase({ poolSize: opts.poolSize });
  const docsDir = mkdtempSync(join(tmpdir(), 'su-docs-'));
  const app = await buildApp({ database: db, clock: opts.clock, bodyLimitBytes: opts.bodyLimitBytes, docsDir, realtimeMaxBufferedBytes: opts.realtimeMaxBufferedBytes, dispatch: opts.dispatch,
    // Production refuses loopback and http; tests with a fake GitHub on 127.0.0.1 allow it here.
    outboundAllow: opts.outboundAllow,
    sessions: opts.sessions,
    // Suites send thousands of requests a file (the route fuzzing, 4,000): limits only where a test asks (rate-limits.test.ts).
    rateLimits: opts.rateLimits ?? { limits: { anonymous: null, user: null, contributor: null, admin: null } },
    // SU_TEST_LOG=debug shows the app's logs while debugging a test.
    logger: opts.logger ?? (process.env.SU_TEST_LOG ? { level: process.env.SU_TEST_LOG } : false) });
  await bootstrapAdmin(db.db, { bootstrapKey: ADMIN_KEY, dataDir: '/nonexistent-not-written' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const close = async () => {
    await app.close();
    await db.close();
    rmSync(docsDir, { recursive: true, force: true });
  };
  t.teardown(close);
  return { db, baseUrl, docsDir, app, admin: createHttpClient(baseUrl, ADMIN_KEY), as: (key) => createHttpClient(baseUrl, key), close };
}
