// Bundles control-plane/src, @solo-unicorn/shared (whose exports are TypeScript) and most npm
// dependencies into dist/main.js and its chunks. Bundling the dependencies matters for restart
// time: resolving and compiling a few thousand small node_modules files cost ~500 ms of main
// thread before the server could answer (#17's restart ratio; see BENCHMARKS.md).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
// Dependencies that must stay on disk as installed: PGlite loads its WASM and data files from
// beside its module; pino's transports run in worker threads loaded by path; the web board's
// vendor files (swagger-ui, highlight.js, dompurify, marked, uplot) are served from node_modules;
// pg is loaded only with DATABASE_URL and probes pg-native. Optional native addons of ws and pg
// are absent on purpose and must stay a failed require, not a build error.
const keepExternal = new Set(['@electric-sql/pglite', 'pino', 'pino-pretty', '@fastify/swagger-ui', '@highlightjs/cdn-assets', 'dompurify', 'marked', 'uplot', 'esbuild', 'tsx', 'pg']);
const optionalAddons = ['bufferutil', 'utf-8-validate', 'pg-native'];
const external = [...Object.keys(manifest.dependencies).filter((name) => keepExternal.has(name)), ...optionalAddons];

export async function buildBundle() {
  rmSync(join(pkg, 'dist'), { recursive: true, force: true });
  await build({
    // main.ts, and the embedded database's worker thread, which main.js finds beside itself.
    entryPoints: [join(pkg, 'src', 'main.ts'), join(pkg, 'src', 'pglite-worker.ts')],
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
    // Bundled CommonJS dependencies call require() for Node builtins; an ES module has none.
    banner: { js: "import { createRequire as __suCreateRequire } from 'node:module'; const require = __suCreateRequire(import.meta.url);" },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildBundle();
