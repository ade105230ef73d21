// Builds the migrated PGlite snapshot that first starts and test databases load from.
// Run at install (postinstall) so `npm start` on a fresh clone does not pay for initdb.
import { buildTemplate } from '../src/db/pglite-template.ts';

const started = performance.now();
const path = await buildTemplate();
console.log(`pglite template ready: ${path} (${Math.round(performance.now() - started)} ms)`);
