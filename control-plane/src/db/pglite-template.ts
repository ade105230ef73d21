import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { migratePgliteDb } from './migrate.ts';
import { migrationsFingerprint, packageRoot } from './migrations-dir.ts';

/**
 * A fresh PGlite data dir costs ~4 s (initdb); loading a migrated tarball costs well under 1 s.
 * We build that tarball once (at install, or on first need) and start new databases from it:
 * the first `npm start` and every test database.
 */
const defaultCacheDir = join(packageRoot, '.cache');

export function templatePath(cacheDir = defaultCacheDir): string {
  return join(cacheDir, `pglite-template-${migrationsFingerprint()}.tar.gz`);
}

export function readTemplate(cacheDir = defaultCacheDir): Blob | undefined {
  const path = templatePath(cacheDir);
  return existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
}

export async function buildTemplate(cacheDir = defaultCacheDir): Promise<string> {
  const path = templatePath(cacheDir);
  if (existsSync(path)) return path;
  const pglite = await PGlite.create('memory://');
  try {
    await migratePgliteDb(pglite);
    const dump = await pglite.dumpDataDir('gzip');
    mkdirSync(dirname(path), { recursive: true });
    // Write then rename, so a concurrent reader never sees half a tarball.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, path);
    return path;
  } finally {
    await pglite.close();
  }
}
