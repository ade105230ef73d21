#!/usr/bin/env node
// Runs the CLI from its bundle (dist/cli, built by `npm run build` and on install) when the bundle
// is current, else from the TypeScript sources through tsx (seconds slower, never stale): a
// source file newer than the bundle means it was edited since the build.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const bundle = join(pkg, 'dist', 'cli', 'main.mjs');

function bundleIsCurrent() {
  try {
    const builtAt = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(join(pkg, 'dist', 'cli', 'inputs.json'), 'utf8'));
    return inputs.every((file) => statSync(join(pkg, file)).mtimeMs <= builtAt);
  } catch {
    return false; // no bundle, or a source it was built from is gone
  }
}

if (process.env.SU_CLI_FROM_SOURCE !== '1' && bundleIsCurrent()) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
