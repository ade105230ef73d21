import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** The drizzle handle, whichever engine is behind it (PGlite or node-postgres). */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a repository can run SQL on: the database or an open transaction. */
export type Executor = Db | Tx;
export type EngineKind = 'pglite' | 'postgres';

export interface Database {
  db: Db;
  kind: EngineKind;
  /** Runs raw SQL (several statements allowed); used by migrations, snapshots and benches. */
  exec(sql: string): Promise<void>;
  /**
   * LISTENs on a PostgreSQL notification channel; payloads arrive after the notifying
   * transaction commits. On PostgreSQL the listening connection reconnects by itself and
   * `onReconnect` runs so callers can catch up on what they may have missed.
   */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  /**
   * A connection of its own, outside the pool (PostgreSQL only): session-level state such as an
   * advisory lock lives exactly as long as it (see jobs/leadership.ts). PGlite has one session.
   */
  dedicated?: () => Promise<DedicatedConnection>;
  close(): Promise<void>;
}

export interface DedicatedConnection {
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Resolves when the connection is gone (ended here, or cut by the server or the network). */
  readonly ended: Promise<void>;
  end(): Promise<void>;
}
