import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Bytes a directory tree occupies on disk (allocated blocks, like `du`), without following
 * symlinks. Files vanishing during the walk (an agent at work) are skipped, not errors.
 */
export async function diskUsage(path: string): Promise<number> {
  let stats;
  try {
    stats = await lstat(path);
  } catch {
    return 0;
  }
  const own = stats.blocks !== undefined ? stats.blocks * 512 : stats.size;
  if (!stats.isDirectory()) return own;
  let names: string[];
  try {
    names = await readdir(path);
  } catch {
    return own;
  }
  let total = own;
  // Bounded fan-out: a few thousand files must not open a few thousand handles at once.
  for (let i = 0; i < names.length; i += 64) {
    const sizes = await Promise.all(names.slice(i, i + 64).map((name) => diskUsage(join(path, name))));
    for (const size of sizes) total += size;
  }
  return total;
}
