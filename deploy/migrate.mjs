// One-shot schema migration for PostgreSQL (the Kubernetes Job and the compose `migrate`
// service): the same drizzle migrations, under the same advisory lock, as a control plane
// applies at start-up (control-plane/src/db/migrate.ts). Running it first means no instance
// of a rolling upgrade waits on another's migration; instances still migrate (a no-op) at start.
// Usage: DATABASE_URL=postgres://… node migrate.mjs [migrations folder]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

// Must equal MIGRATION_LOCK_KEY in control-plane/src/db/migrate.ts.
const MIGRATION_LOCK_KEY = 7_878_001;
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('solo-unicorn migrate: DATABASE_URL is not set');
  process.exit(2);
}
const migrationsFolder = process.argv[2] ?? join(dirname(dirname(fileURLToPath(import.meta.url))), 'drizzle');
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  await migrate(drizzle(client), { migrationsFolder });
  const { rows } = await client.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
  console.log(`solo-unicorn migrate: schema up to date (${rows[0].n} migrations applied)`);
} finally {
  await client.end();
}
