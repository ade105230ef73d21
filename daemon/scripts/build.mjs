// Bundles the CLI (src/main.ts and @solo-unicorn/shared, whose exports are TypeScript) into
// dist/cli/: loading the sources through tsx costs seconds per command, the bundle tens of ms.
// npm dependencies stay external. Code splitting keeps the daemon's own modules (agents, git,
// MCP), which only `daemon --foreground` needs, out of what `--help` loads.
// Beside the bundle, inputs.json lists the source files it was built from: bin/solo-unicorn.mjs
// runs the sources instead when one of them is newer (an edit since the build), never stale code.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
const deps = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})];
// What every command loads is bundled too (resolving and reading zod's hundreds of files costs
// more than running them); what only some commands need stays external.
const inlined = new Set(['commander', 'zod']);
const external = deps.filter((name) => !name.startsWith('@solo-unicorn/') && !inlined.has(name));

/**
 * config.ts reads the version from ../package.json next to itself, which a bundle in dist/cli
 * does not have: the version is written in at build time (package.json is then an input too).
 * Any other import.meta in our sources would point into dist/ once bundled: the build refuses it
 * (the CLI then keeps running from the sources) rather than ship a bundle that breaks at run time.
 */
const sourcesOnly = {
  name: 'sources-only',
  setup(b) {
    b.onLoad({ filter: /[\\/](daemon|shared)[\\/]src[\\/].*\.ts$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      if (/[\\/]daemon[\\/]src[\\/]config\.ts$/.test(args.path)) {
        const read = "readFileSync(new URL('../package.json', import.meta.url), 'utf8')";
        if (!source.includes(read)) throw new Error(`${args.path} no longer reads its version as scripts/build.mjs expects; update the build`);
        source = source.replace(read, JSON.stringify(JSON.stringify({ version: manifest.version })));
      }
      if (/import\.meta\.(url|dirname|filename)/.test(source)) throw new Error(`${args.path} uses import.meta, which would point into dist/ once bundled; teach scripts/build.mjs about it`);
      return { contents: source, loader: 'ts' };
    });
  },
};

export async function buildCli() {
  // Built aside, then swapped in: a CLI started during the build loads the old bundle or the
  // sources, never half of the new one.
  const out = join(pkg, 'dist', `cli.${process.pid}.tmp`);
  rmSync(out, { recursive: true, force: true });
  const result = await build({
    entryPoints: { main: join(pkg, 'src', 'main.ts') },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: external.flatMap((name) => [name, `${name}/*`]),
    // commander is CommonJS: its require('node:events') needs a require in an ES module.
    banner: { js: "import { createRequire as __suCreateRequire } from 'node:module'; const require = __suCreateRequire(import.meta.url);" },
    metafile: true,
    minify: true,
    keepNames: true, // error and class names stay readable in logs
    plugins: [sourcesOnly],
    logLevel: 'warning',
  });
  const sources = Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules')).map((p) => relative(pkg, join(process.cwd(), p)));
  const inputs = [...sources, 'package.json'];
  writeFileSync(join(out, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
  // Other CLIs may start while this runs: a bundle that cannot even print its help never goes live.
  const check = spawnSync(process.execPath, [join(out, 'main.mjs'), '--help'], { encoding: 'utf8' });
  if (check.status !== 0 || !check.stdout.includes('Usage: solo-unicorn')) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(`the new bundle does not run: ${(check.stderr || check.stdout).split('\n').slice(0, 3).join(' ')}`);
  }
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  const final = join(pkg, 'dist', 'cli');
  const old = `${final}.${process.pid}.old`;
  try {
    renameSync(final, old);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  renameSync(out, final);
  rmSync(old, { recursive: true, force: true });
  return { inputs: inputs.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await buildCli();
  } catch (error) {
    // On install (--if-possible) a failed build must not fail `npm ci`: the CLI runs from sources.
    if (!process.argv.includes('--if-possible')) throw error;
    process.stderr.write(`solo-unicorn: the CLI bundle was not built (${error.message.split('\n')[0]}); the CLI runs from its sources, slower to start\n`);
  }
}
