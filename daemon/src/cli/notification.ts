import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { about } from './about.ts';
import { apiContext, commonApiOptions, intFlag } from './api-context.ts';
import { CliError, printJson, printList } from './output.ts';
import { type Api, resolveOrg } from './resolve.ts';

type Opts = {
  json?: boolean; url?: string; apiKey?: string; unread?: boolean; waiting?: boolean; segment?: string; limit?: string; until?: string;
  org?: string; timeZone?: string; quiet?: string; digest?: string; enable?: string[]; disable?: string[];
};

interface Notification {
  id: string; kind: string; segment: string; title: string; readAt: string | null; heldUntil: string | null; snoozedUntil: string | null; createdAt: string;
}
interface Preferences {
  timeZone: string; quietHours: { start: string; end: string } | null; weeklyDigest: boolean;
  kinds: { organizationId: string; kind: string; description: string; enabled: boolean }[];
}
interface Digest { id: string; weekStart: string; subject: string; text: string }

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const when = (iso: string) => iso.replace('T', ' ').slice(0, 16);

/** `30m`, `2h`, `1d`, `1w` from now, or a date-time (ISO 8601); sent to the API as ISO. */
export function parseUntil(value: string, now = Date.now()): string {
  const relative = /^(\d+)([mhdw])$/.exec(value);
  if (relative) return new Date(now + Number(relative[1]) * UNITS[relative[2]!]!).toISOString();
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new CliError(`--until: expected a time from now (30m, 2h, 1d, 1w) or a date-time (2026-01-31T09:00:00Z), got "${value}"`);
  return new Date(at).toISOString();
}

const line = (n: Notification) => {
  const mark = n.readAt ? ' ' : '•';
  const waiting = n.snoozedUntil ? `  (snoozed until ${when(n.snoozedUntil)})` : n.heldUntil && !n.readAt ? `  (quiet hours until ${when(n.heldUntil)})` : '';
  return `${mark} ${n.id}  ${when(n.createdAt)}  ${n.kind.padEnd(24)}  ${n.title}${waiting}`;
};

function printPreferences(p: Preferences) {
  const quiet = p.quietHours ? `${p.quietHours.start}–${p.quietHours.end}` : 'off';
  process.stdout.write(`time zone     ${p.timeZone}\nquiet hours   ${quiet}\nweekly digest ${p.weeklyDigest ? 'on' : 'off'}\n`);
  printList(p.kinds, (k) => `${k.enabled ? 'on ' : 'off'}  ${k.organizationId}  ${k.kind.padEnd(24)}  ${k.description}`, 'no organizations: no kinds to choose');
}

/** `22:00-07:00` → quiet hours; `off` → none. */
function quietFlag(value: string): { start: string; end: string } | null {
  if (value === 'off') return null;
  const m = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(value);
  if (!m) throw new CliError(`--quiet: expected HH:MM-HH:MM (22:00-07:00) or off, got "${value}"`);
  return { start: m[1]!, end: m[2]! };
}

async function kindChanges(api: Api, o: Opts) {
  const changes = [...(o.enable ?? []).map((kind) => ({ kind, enabled: true })), ...(o.disable ?? []).map((kind) => ({ kind, enabled: false }))];
  if (!changes.length) return undefined;
  let organizationId = o.org ? await resolveOrg(api, o.org) : undefined;
  if (!organizationId) {
    const { items } = await api<{ items: { id: string }[] }>('GET', '/api/v1/organizations');
    if (items.length !== 1) throw new CliError('--org: you belong to several organizations (or none): say which one the kinds are for');
    organizationId = items[0]!.id;
  }
  return changes.map((c) => ({ ...c, organizationId }));
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function notificationCommand(program: Command, env: () => Env) {
  const cmd = program.command('notification').description(about.notification);

  commonApiOptions(cmd.command('list').description('your inbox, newest first (• unread)'))
    .option('--unread', 'only unread ones').option('--waiting', 'those held by quiet hours or snoozed, instead of the inbox')
    .option('--segment <segment>', 'only this segment (mission, review, fallback, …)').option('--limit <n>', 'how many (default 50, at most 200)')
    .action(async (o: Opts) => {
      const q = new URLSearchParams({ limit: String(intFlag('limit', o.limit) ?? 50) });
      if (o.unread) q.set('unread', 'true');
      if (o.waiting) q.set('view', 'waiting');
      if (o.segment) q.set('segment', o.segment);
      const page = await apiContext(env(), o)<{ items: Notification[] }>('GET', `/api/v1/notifications?${q}`);
      if (o.json) return printJson(page);
      printList(page.items, line, o.waiting ? 'nothing held or snoozed' : 'no notifications');
    });

  commonApiOptions(cmd.command('count').description('your unread count (what the board badge shows), per segment'))
    .action(async (o: Opts) => {
      const counts = await apiContext(env(), o)<{ unread: number; segments: Record<string, number> }>('GET', '/api/v1/notifications/counts');
      if (o.json) return printJson(counts);
      const parts = Object.entries(counts.segments).map(([s, n]) => `${s} ${n}`).join(', ');
      process.stdout.write(`${counts.unread} unread${parts ? ` (${parts})` : ''}\n`);
    });

  commonApiOptions(cmd.command('read <id>').description('mark one notification read'))
    .action(async (id: string, o: Opts) => {
      await apiContext(env(), o)('POST', `/api/v1/notifications/${encodeURIComponent(id)}/read`, {});
      if (o.json) return printJson({ id, read: true });
      process.stdout.write(`read ${id}\n`);
    });

  commonApiOptions(cmd.command('read-all').description('mark every unread notification in your inbox read (one request)'))
    .option('--segment <segment>', 'only this segment')
    .action(async (o: Opts) => {
      const res = await apiContext(env(), o)<{ marked: number }>('POST', '/api/v1/notifications/read-all', o.segment ? { segment: o.segment } : {});
      if (o.json) return printJson(res);
      process.stdout.write(`marked ${res.marked} read\n`);
    });

  commonApiOptions(cmd.command('snooze <id>').description('hide a notification until a time; it comes back unread then'))
    .requiredOption('--until <when>', 'a time from now (30m, 2h, 1d, 1w) or a date-time')
    .action(async (id: string, o: Opts) => {
      const n = await apiContext(env(), o)<Notification>('POST', `/api/v1/notifications/${encodeURIComponent(id)}/snooze`, { until: parseUntil(o.until!) });
      if (o.json) return printJson(n);
      process.stdout.write(`snoozed ${id} until ${when(n.snoozedUntil!)} UTC\n`);
    });

  commonApiOptions(cmd.command('unsnooze <id>').description('bring a snoozed notification back now'))
    .action(async (id: string, o: Opts) => {
      const n = await apiContext(env(), o)<Notification>('DELETE', `/api/v1/notifications/${encodeURIComponent(id)}/snooze`);
      if (o.json) return printJson(n);
      process.stdout.write(`${id} is back in your inbox\n`);
    });

  const prefs = cmd.command('prefs').description('your preferences: time zone, quiet hours, weekly digest, kinds per organization');
  commonApiOptions(prefs.command('show', { isDefault: true }).description('show them'))
    .action(async (o: Opts) => {
      const p = await apiContext(env(), o)<Preferences>('GET', '/api/v1/notification-preferences');
      if (o.json) return printJson(p);
      printPreferences(p);
    });
  commonApiOptions(prefs.command('set').description('change some of them (the rest stay)'))
    .option('--time-zone <zone>', 'IANA time zone, e.g. Europe/Paris')
    .option('--quiet <from-to>', 'quiet hours, e.g. 22:00-07:00, or off; notifications then wait for the end')
    .option('--digest <on|off>', 'the weekly digest')
    .option('--enable <kind>', 'receive this kind (repeatable)', collect).option('--disable <kind>', 'stop this kind (repeatable)', collect)
    .option('--org <org>', 'organization the kinds are for (default: yours, if you belong to one)')
    .action(async (o: Opts) => {
      if (o.digest !== undefined && !['on', 'off'].includes(o.digest)) throw new CliError(`--digest: on or off, got "${o.digest}"`);
      const api = apiContext(env(), o);
      const body = {
        ...(o.timeZone === undefined ? {} : { timeZone: o.timeZone }),
        ...(o.quiet === undefined ? {} : { quietHours: quietFlag(o.quiet) }),
        ...(o.digest === undefined ? {} : { weeklyDigest: o.digest === 'on' }),
        ...(await kindChanges(api, o).then((kinds) => (kinds ? { kinds } : {}))),
      };
      if (!Object.keys(body).length) throw new CliError('nothing to change: give --time-zone, --quiet, --digest, --enable or --disable');
      const p = await api<Preferences>('PATCH', '/api/v1/notification-preferences', body);
      if (o.json) return printJson(p);
      printPreferences(p);
    });

  commonApiOptions(cmd.command('digest').description('your latest weekly digest, as it would be mailed'))
    .option('--limit <n>', 'list the newest n digests (subjects) instead')
    .action(async (o: Opts) => {
      const limit = intFlag('limit', o.limit);
      const { items } = await apiContext(env(), o)<{ items: Digest[] }>('GET', `/api/v1/notification-digests?limit=${limit ?? 1}`);
      if (o.json) return printJson(limit === undefined ? items[0] ?? null : { items });
      if (limit !== undefined) return printList(items, (d) => `${d.id}  ${d.weekStart}  ${d.subject}`, 'no digests yet');
      if (!items[0]) return void process.stdout.write('no digest yet: one is assembled after each week with notifications\n');
      process.stdout.write(`${items[0].subject}\n\n${items[0].text}\n`);
    });
}
