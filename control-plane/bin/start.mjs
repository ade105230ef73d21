// `npm start`: runs the control plane from an ESM bundle of our TypeScript and most of its npm
// dependencies (see build.mjs). Loading through a TypeScript hook more than doubles start-up
// time, so the bundle is rebuilt here whenever a source file, the lockfile (a dependency
// changed) or the build script is newer than it — `npm start` never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const sources = [join(pkg, 'src'), join(pkg, '..', 'shared', 'src')];
const bundle = join(pkg, 'dist', 'main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const inputs = [join(pkg, '..', 'package-lock.json'), join(pkg, 'bin', 'build.mjs')].filter(existsSync);
const stale =
  !existsSync(bundle) ||
  sources.some((dir) => newestMtime(dir) > statSync(bundle).mtimeMs) ||
  inputs.some((file) => statSync(file).mtimeMs > statSync(bundle).mtimeMs);
if (stale) {
  const { buildBundle } = await import('./build.mjs');
  await buildBundle();
}
await import(bundle);
