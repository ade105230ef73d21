import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerVendorRoutes } from './web-vendor.ts';

/**
 * The control-plane package's `web/` folder. This file runs from `src/plugins/` under tsx and
 * from `dist/` in the esbuild bundle, so walk up to the package root instead of a fixed `../..`.
 */
export function defaultWebRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'web');
  }
  throw new Error(`web board: no package.json above ${from}`);
}

/**
 * The web board: plain HTML, CSS and ES modules from `web/`, index.html at `/`. One route per
 * file (`wildcard: false`, listed at start-up) so no catch-all shadows /api, /docs, /healthz,
 * /metrics or the JSON 404; the auth hook guards only /api/*, so these need no key. The vendored
 * browser modules (marked, DOMPurify, highlight.js) are served at /vendor/* the same way.
 */
export function webBoardPlugin(opts: { root?: string } = {}) {
  return async (app: FastifyInstance) => {
    await app.register(fastifyStatic, {
      root: opts.root ?? defaultWebRoot(),
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      // The board is a handful of small files that change with every release: revalidate, do not cache blindly.
      cacheControl: true,
      maxAge: 0,
    });
    registerVendorRoutes(app);
  };
}
