import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { migratePostgresDb } from './migrate.ts';
import * as schema from './schema/index.ts';
import type { Database, Db, DedicatedConnection } from './types.ts';

// node-postgres returns int8 as strings; counts and sizes here fit in a JS number.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export async function openPostgres(opts: { url: string; poolSize: number; migrate: boolean }): Promise<Database> {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => {});
  if (opts.migrate) await migratePostgresDb(pool);
  return {
    db: drizzle(pool, { schema }) as unknown as Db,
    kind: 'postgres',
    exec: async (sql) => void (await pool.query(sql)),
    listen: (channel, onPayload, onReconnect) => listenWithReconnect(opts.url, channel, onPayload, onReconnect),
    dedicated: () => dedicatedConnection(opts.url),
    close: () => pool.end(),
  };
}

/** A client outside the pool; keep-alive so a silently dead peer is noticed, not waited on forever. */
async function dedicatedConnection(url: string): Promise<DedicatedConnection> {
  const client = new pg.Client({ connectionString: url, keepAlive: true });
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  client.on('error', () => {}); // surfaces as 'end' and as the next query's rejection
  await client.connect();
  return {
    query: async (text, params) => (await client.query(text, params)).rows,
    ended,
    end: () => client.end(),
  };
}

/**
 * A dedicated connection (LISTEN cannot share a pooled one) that comes back after a server
 * restart or network cut, with backoff; `onReconnect` lets callers fetch what they missed.
 */
async function listenWithReconnect(url: string, channel: string, onPayload: (p: string) => void, onReconnect?: () => void) {
  let client: pg.Client | undefined;
  let stopped = false;
  let delay = 100;
  const quoted = `"${channel.replaceAll('"', '""')}"`;

  async function connect(first: boolean): Promise<void> {
    while (!stopped) {
      const c = new pg.Client({ connectionString: url });
      try {
        await c.connect();
        c.on('notification', (n) => {
          if (n.channel === channel && n.payload !== undefined) onPayload(n.payload);
        });
        c.on('error', () => {});
        c.on('end', () => {
          if (!stopped) void connect(false);
        });
        await c.query(`LISTEN ${quoted}`);
        client = c;
        delay = 100;
        if (!first) onReconnect?.();
        return;
      } catch (error) {
        await c.end().catch(() => {});
        if (first) throw error;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  await connect(true);
  return async () => {
    stopped = true;
    await client?.end().catch(() => {});
  };
}
