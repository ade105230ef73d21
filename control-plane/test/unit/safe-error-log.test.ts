import { sql } from 'drizzle-orm';
import pino from 'pino';
import { Writable } from 'node:stream';
import t from 'tap';
import { withScrubbing } from '../../src/logger.ts';
import { createTestDatabase } from '../helpers/database.ts';

// A failed query's error carries its parameters (a title, agent output) in its message and stack;
// the app's logger must log the error without them, keeping what an operator needs (SQLSTATE, type).
t.test('a logged database error keeps its SQLSTATE and loses the query parameters', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.close());
  const marker = 'user-data-marker-9c1e';
  const err = await db.db.execute(sql`SELECT (${marker}::text)::int`).then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof Error, 'the query failed');
  t.match(String((err as Error).message), marker, 'the raw error does carry the data');
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _e, done) { lines.push(chunk.toString()); done(); } });
  const options = withScrubbing({ level: 'info' }) as pino.LoggerOptions;
  const log = pino(options, stream);
  log.error({ err }, 'query failed');
  const out = lines.join('');
  t.notMatch(out, marker, 'the log line does not');
  t.match(out, /"code":"22P02"/);
  t.match(out, /query failed/);
});
