// Bundles control-plane/src (and @solo-unicorn/shared, whose exports are TypeScript) into
// dist/main.js and its chunks. npm dependencies stay external: they are plain JavaScript already.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
const external = Object.keys(manifest.dependencies).filter((name) => !name.startsWith('@solo-unicorn/'));

export async function buildBundle() {
  rmSync(join(pkg, 'dist'), { recursive: true, force: true });
  await build({
    entryPoints: [join(pkg, 'src', 'main.ts')],
    outdir: join(pkg, 'dist'),
    // Code splitting keeps main.ts's dynamic imports lazy: the database engine starts opening
    // (PGlite compiles its WASM off the main thread) while the HTTP app's modules load, instead
    // of every dependency loading before the first line of main runs.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Subpath imports (drizzle-orm/pglite, …) of external packages stay external too.
    external: external.flatMap((name) => [name, `${name}/*`]),
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildBundle();
