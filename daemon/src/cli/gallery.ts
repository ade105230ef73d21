// The gallery of public projects, and stars on them (#18).
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { about } from './about.ts';
import { apiContext, commonApiOptions } from './api-context.ts';
import { CliError, printJson, printList } from './output.ts';
import { type Api, allPages, isId, pickByName } from './resolve.ts';

export interface GalleryItem { id: string; name: string; description: string | null; stars: number; starred: boolean; lastActivityAt: string }
type Opts = { json?: boolean; url?: string; apiKey?: string; search?: string; sort?: string };

const SORTS = ['stars', 'activity'];
const line = (p: GalleryItem) =>
  `${p.id}  ★ ${String(p.stars).padStart(3)}${p.starred ? ' (yours)' : '        '}  active ${p.lastActivityAt.slice(0, 10)}  ${p.name}`;

/** One gallery page (the API answers at most 100). */
export const galleryPage = (api: Api, q: { search?: string; sort?: string; limit?: number }) => {
  const params = new URLSearchParams({ sort: q.sort ?? 'stars', limit: String(q.limit ?? 100) });
  if (q.search) params.set('q', q.search);
  return api<{ items: GalleryItem[] }>('GET', `/api/v1/gallery/projects?${params}`);
};

/**
 * A project to star, by id or name: the caller's own projects, and the public ones the gallery
 * finds by that name (starring is mostly for projects of other organizations).
 */
export async function starrableProject(api: Api, ref: string): Promise<{ id: string; name?: string }> {
  if (isId(ref)) return { id: ref };
  const [mine, gallery] = await Promise.all([
    allPages<{ id: string; name: string }>(api, '/api/v1/projects'),
    galleryPage(api, { search: ref }),
  ]);
  const seen = new Map([...mine, ...gallery.items].map((p) => [p.id, p]));
  return pickByName([...seen.values()], ref, 'project', (p) => [p.name]);
}

export function galleryCommand(program: Command, env: () => Env) {
  commonApiOptions(program.command('gallery').description(about.gallery))
    .option('--search <text>', 'only projects whose name contains this (any case)')
    .option('--sort <order>', 'stars (most starred first) or activity (most recently active first)', 'stars')
    .action(async (o: Opts) => {
      if (!SORTS.includes(o.sort!)) throw new CliError(`--sort: stars or activity, got "${o.sort}"`);
      const api = apiContext(env(), o);
      const { items } = await galleryPage(api, { search: o.search, sort: o.sort });
      if (o.json) return printJson({ items });
      printList(items, line, o.search ? `no public project is named like "${o.search}"` : 'no public projects yet');
    });
}
