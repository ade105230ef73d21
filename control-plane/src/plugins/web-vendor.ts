import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The board's third-party browser modules, served from node_modules at fixed paths (no CDN, no
 * build step). Each is the package's own ESM build, resolved through Node's resolver so npm's
 * hoisting does not matter. Licences: web/LICENSES.md.
 */
export const vendorFiles: Record<string, string> = {
  // Markdown → HTML for the Docs tab; its output always goes through DOMPurify.
  '/vendor/marked.js': 'marked',
  '/vendor/purify.js': 'dompurify',
  // highlight.js's pre-built ES module with its common languages (its npm "es/" entry wraps CommonJS).
  '/vendor/highlight.js': '@highlightjs/cdn-assets/es/highlight.min.js',
  // uPlot's ES module: the project's cost and tokens per day (web/js/usage-chart.js).
  '/vendor/uplot.js': 'uplot/dist/uPlot.esm.js',
};

/**
 * One explicit route per vendored file, read once at start-up: a missing package fails the boot, not
 * a page. Revalidated on each use (a release may change it) with an ETag of its content, so a
 * browser that holds it gets a 304 instead of the whole module again.
 */
export function registerVendorRoutes(app: FastifyInstance) {
  for (const [path, specifier] of Object.entries(vendorFiles)) {
    const body = readFileSync(fileURLToPath(import.meta.resolve(specifier)));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    app.get(path, { schema: { hide: true } }, async (req, reply) => {
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=0').header('etag', etag);
      if (req.headers['if-none-match']?.split(',').some((tag) => tag.trim() === etag)) return reply.code(304).send();
      return reply.send(body);
    });
  }
}
