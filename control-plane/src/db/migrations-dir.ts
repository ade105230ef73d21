import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The control-plane package root: the nearest folder above this module holding drizzle/. Found
 * by walking up so it is right both from src/db/ (tsx) and from the bundled dist/ (npm start).
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'drizzle', 'meta', '_journal.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the control-plane drizzle/ migrations folder');
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot();
export const migrationsFolder = join(packageRoot, 'drizzle');

/** A fingerprint of every committed migration: a snapshot built from other migrations is stale. */
export function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(migrationsFolder).filter((f) => f.endsWith('.sql')).sort()) {
    hash.update(file).update(readFileSync(join(migrationsFolder, file)));
  }
  return hash.digest('hex').slice(0, 16);
}
