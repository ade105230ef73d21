// The process shell: config, database, bootstrap, listen, graceful shutdown.
// Start-up order matters for the restart goal: the database starts opening first (PGlite in a
// worker thread, on another core), the HTTP app's modules load and the app is built meanwhile,
// and only then do we wait for the database (bootstrap, listen) — overlapped, not one after the other.
// Before any of it, the data dir is locked (PGlite) and made private: nothing in it is touched first.
import { ConfigError, loadConfig } from './config.ts';
import { openDatabaseDeferred } from './db/client.ts';
import { DataDirInUse, ensurePrivateDir, lockDataDir } from './db/data-dir.ts';
import { loadOrCreateKeyFile } from './lib/secret-box.ts';

const startedAt = performance.now();
let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`solo-unicorn: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

let narrowed: string[];
try {
  narrowed = [config.dataDir, config.docsDir].filter((dir) => ensurePrivateDir(dir));
  if (!config.databaseUrl) {
    // PGlite is one server per data dir; several control planes share a PostgreSQL (and the docs dir).
    const lock = lockDataDir(config.dataDir);
    process.once('exit', () => lock.release());
    if (ensurePrivateDir(config.pgliteDir)) narrowed.push(config.pgliteDir);
  }
} catch (error) {
  const known = error instanceof DataDirInUse || (error as NodeJS.ErrnoException).code !== undefined;
  if (!known) throw error;
  console.error(`solo-unicorn: ${error instanceof DataDirInUse ? error.message : `cannot use data dir ${config.dataDir}: ${(error as Error).message}`}`);
  process.exit(1);
}

// PGlite runs in a thread of its own (pglite-worker.ts beside this file: .ts under tsx, .js in the bundle).
const pgliteWorker = new URL(`./pglite-worker${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);
const opening = openDatabaseDeferred({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir, poolSize: config.dbPoolSize, pgliteWorker });
const [{ buildApp }, { loggerOptions }, { bootstrapAdmin }, { default: closeWithGrace }, { sessionSettingsFrom }, { startDraining }] = await Promise.all([
  import('./app.ts'),
  import('./logger.ts'),
  import('./modules/users/bootstrap.ts'),
  import('close-with-grace'),
  import('./sessions/settings.ts'),
  import('./modules/health.routes.ts'),
]);
const { database, ready } = await opening;
const app = await buildApp({
  database,
  docsDir: config.docsDir,
  bodyLimitBytes: config.bodyLimitBytes,
  logger: loggerOptions(config),
  sessions: sessionSettingsFrom(config),
  dispatch: { offlineGraceMs: config.offlineGraceMs, tickMs: config.dispatchTickMs, maxAttempts: config.maxAttempts },
  fallbackScheduler: { enabled: config.fallbackEnabled, tickMs: config.fallbackTickMs, metricsRefreshMs: config.metricsRefreshMs },
  retentionIntervalMs: config.retentionIntervalMs,
  digestIntervalMs: config.digestIntervalMs,
  rateLimits: config.rateLimits,
  secretsKey: config.secretsKey ?? loadOrCreateKeyFile(config.secretsKeyFile),
  github: { apiUrl: config.githubApiUrl, pollMs: config.githubPollMs },
  outboundAllow: config.outboundAllow,
});

await ready; // opened and migrated: the first query of our own comes next
const boot = await bootstrapAdmin(database.db, { bootstrapKey: config.bootstrapApiKey, dataDir: config.dataDir });
if (boot.generatedKey) {
  // Printed once, on first start only; it is also in the key file (mode 0600).
  process.stdout.write(
    `\nSolo Unicorn admin API key (shown once, also saved to ${boot.keyFile}):\n\n  ${boot.generatedKey}\n\n`,
  );
}

// SIGTERM drains: /readyz turns 503 at once (new daemon sessions are sent away); only after
// SU_DRAIN_DELAY_MS (a balancer has noticed) are daemon sessions closed, with 1001, which tells
// a daemon to reconnect at once (to another instance); then app.close() stops accepting and lets
// in-flight requests finish.
// A second signal, or the grace running out, exits at once (close-with-grace).
closeWithGrace({ delay: config.drainDelayMs + 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal, drainDelayMs: config.drainDelayMs }, 'draining: not ready; shutting down after the drain delay');
  startDraining(app.server);
  if (!err && config.drainDelayMs > 0) await new Promise((r) => setTimeout(r, config.drainDelayMs));
  // Before app.close(): @fastify/websocket's own preClose closes every socket without a code (1005).
  await app.services.sessionHub.stop();
  await app.close();
  await database.close();
});

if (narrowed.length > 0) app.log.warn({ dirs: narrowed }, 'group or others could read these directories; now owner-only (0700)');
await app.listen({ host: config.host, port: config.port });
app.log.info(
  { db: database.kind, dataDir: config.databaseUrl ? undefined : config.pgliteDir, startupMs: Math.round(performance.now() - startedAt) },
  'control plane ready',
);
