// Names or ids: a person types `--project demo`, a script passes the id. An argument shaped like
// an id is used as is (the API says if it does not exist); anything else is looked up by name
// among what the caller can see, and must match exactly one.
import { CliError } from './output.ts';

export type Api = <T>(method: string, path: string, body?: unknown) => Promise<T>;
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const isId = (v: string) => ULID.test(v);

/** Every item of a paged list (cursor pages of up to 500). */
export async function allPages<T>(api: Api, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api<{ items: T[]; nextCursor?: string | null }>('GET', `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** Picks the one item `keys` name as `value`: exact first, then ignoring case. */
export function pickByName<T extends { id: string }>(items: T[], value: string, what: string, keys: (item: T) => (string | null | undefined)[]) {
  const exact = items.filter((i) => keys(i).includes(value));
  const matches = exact.length ? exact : items.filter((i) => keys(i).some((k) => k?.toLowerCase() === value.toLowerCase()));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new CliError(`no ${what} named "${value}"${items.length ? ` (there are: ${items.slice(0, 10).map((i) => keys(i)[0]).join(', ')})` : ''}`);
  throw new CliError(`${matches.length} ${what}s are named "${value}"; give the id (${matches.map((m) => m.id).join(', ')})`);
}

async function resolveIn<T extends { id: string }>(api: Api, value: string, path: string, what: string, keys: (item: T) => (string | null | undefined)[], paged = false) {
  if (isId(value)) return value;
  const items = paged ? await allPages<T>(api, path) : (await api<{ items: T[] }>('GET', path)).items;
  return pickByName(items, value, what, keys).id;
}

export const resolveOrg = (api: Api, v: string) =>
  resolveIn<{ id: string; name: string }>(api, v, '/api/v1/organizations', 'organization', (o) => [o.name]);

export const resolveProject = (api: Api, v: string) =>
  resolveIn<{ id: string; name: string }>(api, v, '/api/v1/projects', 'project', (p) => [p.name], true);

export const resolveFlow = (api: Api, projectId: string, v: string) =>
  resolveIn<{ id: string; name: string }>(api, v, `/api/v1/projects/${projectId}/flows`, 'flow', (f) => [f.name]);

export const resolveActor = (api: Api, projectId: string, v: string) =>
  resolveIn<{ id: string; name: string }>(api, v, `/api/v1/projects/${projectId}/actors`, 'actor', (a) => [a.name]);

/** A repository by its URL or by its last path segment (`demo` for …/demo.git). */
export const repoShortName = (url: string) => url.replace(/\/+$/, '').split(/[/:]/).at(-1)!.replace(/\.git$/, '');
export const resolveRepo = (api: Api, projectId: string, v: string) =>
  resolveIn<{ id: string; url: string }>(api, v, `/api/v1/projects/${projectId}/repositories`, 'repository', (r) => [r.url, repoShortName(r.url)]);

export const resolveWorkstation = (api: Api, v: string) =>
  resolveIn<{ id: string; name: string }>(api, v, '/api/v1/workstations', 'workstation', (w) => [w.name], true);

export const resolveTemplate = (api: Api, projectId: string, v: string) =>
  resolveIn<{ id: string; name: string }>(api, v, `/api/v1/projects/${projectId}/fallback/templates`, 'template', (x) => [x.name]);

/** `--project`, else $SU_PROJECT (a script sets it once), resolved to an id. */
export async function projectOf(api: Api, flag: string | undefined) {
  const v = flag ?? process.env.SU_PROJECT;
  if (!v) throw new CliError('--project: required (a project name or id; or set SU_PROJECT)');
  return resolveProject(api, v);
}
