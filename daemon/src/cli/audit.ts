import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { about } from './about.ts';
import { apiContext, commonApiOptions, intFlag } from './api-context.ts';
import { CliError, printJson, printList } from './output.ts';
import { allPages, type Api, resolveOrg, resolveProject } from './resolve.ts';

type Opts = {
  json?: boolean; url?: string; apiKey?: string; org?: string; project?: string; action?: string; actor?: string;
  targetType?: string; targetId?: string; since?: string; until?: string; limit?: string; all?: boolean;
};

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `7d`, `24h`, `30m`, `2w` ago, or a date / date-time (ISO 8601); sent to the API as ISO. */
export function parseWhen(flag: string, value: string, now = Date.now()): string {
  const relative = /^(\d+)([mhdw])$/.exec(value);
  if (relative) return new Date(now - Number(relative[1]) * UNITS[relative[2]!]!).toISOString();
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new CliError(`--${flag}: expected a date (2026-01-31, 2026-01-31T09:00:00Z) or an age (30m, 24h, 7d, 2w), got "${value}"`);
  return new Date(at).toISOString();
}

interface Event {
  createdAt: string; action: string; targetType: string | null; targetId: string | null;
  actor: { type: string; id: string | null; name: string | null; deleted: boolean }; data: Record<string, unknown>;
}

const line = (e: Event) => {
  const who = e.actor.type === 'system' ? 'system' : (e.actor.name ?? e.actor.id ?? e.actor.type);
  const target = e.targetType ? `${e.targetType} ${e.targetId ?? ''}`.trim() : '';
  const data = Object.keys(e.data).length ? `  ${JSON.stringify(e.data)}` : '';
  return `${e.createdAt.replace('T', ' ').slice(0, 19)}  ${e.action.padEnd(28)}  ${who.padEnd(24)}  ${target}${data}`;
};

/** One page (newest first) or, with --all, every page; --json prints what the API answered. */
async function show(api: Api, path: string, o: Opts) {
  const limit = intFlag('limit', o.limit) ?? 50;
  if (limit < 1 || limit > 500) throw new CliError('--limit: between 1 and 500');
  if (o.all) {
    const items = await allPages<Event>(api, path);
    if (o.json) return printJson({ items, nextCursor: null });
    return printList(items, line, 'no audit events');
  }
  const page = await api<{ items: Event[]; nextCursor: string | null }>('GET', `${path}${path.includes('?') ? '&' : '?'}limit=${limit}`);
  if (o.json) return printJson(page);
  printList(page.items, line, 'no audit events');
  if (page.nextCursor) process.stdout.write(`… older events: --limit ${Math.min(limit * 2, 500)} or --all\n`);
}

export function auditCommand(program: Command, env: () => Env) {
  const audit = program.command('audit').description(about.audit);

  commonApiOptions(audit.command('list').description("an organization's audit log, newest first (organization admins)"))
    .option('--org <org>', 'organization name or id (default: yours, if you belong to one)')
    .option('--action <action>', 'only this action, e.g. membership.role_changed')
    .option('--actor <id>', 'only events by this user or workstation id')
    .option('--target-type <type>', 'only events about this kind of thing (project, workstation, user, fallback_template, …)')
    .option('--target-id <id>', 'only events about this id')
    .option('--since <when>', 'from this date or age (2026-01-31, 7d, 24h)')
    .option('--until <when>', 'before this date or age')
    .option('--limit <n>', 'events per page (default 50, at most 500)')
    .option('--all', 'every matching event, not one page')
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      const q = new URLSearchParams();
      let org = o.org ? await resolveOrg(api, o.org) : undefined;
      if (!org) {
        // One organization: that one. Several (or none): the instance admin reads everything, anyone else must choose.
        const { items } = await api<{ items: { id: string; name: string }[] }>('GET', '/api/v1/organizations');
        if (items.length === 1) org = items[0]!.id;
      }
      if (org) q.set('organizationId', org);
      if (o.action) q.set('action', o.action);
      if (o.actor) q.set('actorId', o.actor);
      if (o.targetType) q.set('targetType', o.targetType);
      if (o.targetId) q.set('targetId', o.targetId);
      if (o.since) q.set('since', parseWhen('since', o.since));
      if (o.until) q.set('until', parseWhen('until', o.until));
      await show(api, `/api/v1/audit-events${q.size ? `?${q}` : ''}`, o);
    });

  commonApiOptions(audit.command('timeline').description("a project's history: the project, its missions, workstation mappings and settings (project admins)"))
    .requiredOption('--project <project>', 'project name or id')
    .option('--limit <n>', 'events per page (default 50, at most 500)')
    .option('--all', 'every event, not one page')
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      await show(api, `/api/v1/projects/${await resolveProject(api, o.project!)}/timeline`, o);
    });
}
