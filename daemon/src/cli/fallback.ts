import { about } from './about.ts';
import { discardItemBody, importLegacyBody, updateFallbackConfigBody } from '@solo-unicorn/shared';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { apiContext, commonApiOptions, intFlag, validBody } from './api-context.ts';
import { CliError, printJson } from './output.ts';
import { projectOf } from './resolve.ts';

type Opts = Record<string, string | boolean | undefined> & { json?: boolean; url?: string; apiKey?: string };
const item = (i: any) => `${i.id}  [${i.status}]  ${i.title}${i.missionId ? `  → mission ${i.missionId}` : ''}`;
const bool = (name: string, v: unknown) => {
  if (v === undefined) return undefined;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new CliError(`--${name}: expected true or false, got "${String(v)}"`);
};

export function fallbackCommand(program: Command, env: () => Env) {
  const fallback = program.command('fallback').description(about.fallback);

  commonApiOptions(fallback.command('config').description('show the project config, or change it with the options'))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .option('--threshold <n>', 'backlog threshold (ready Todo missions)')
    .option('--cadence <minutes>', 'check cadence')
    .option('--auto-accept <true|false>', 'accept proposals at once')
    .option('--weekly-cap <n>', 'accepted fallback missions per ISO week')
    .option('--monthly-hours <n>', 'estimated effort per month')
    .option('--status <status>', 'active | paused | snoozed')
    .option('--snoozed-until <iso>', 'when a snooze ends')
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      const changes = Object.fromEntries(Object.entries({
        backlogThreshold: intFlag('threshold', o.threshold as string), checkCadenceMinutes: intFlag('cadence', o.cadence as string),
        autoAccept: bool('auto-accept', o.autoAccept), weeklyMissionCap: intFlag('weekly-cap', o.weeklyCap as string),
        monthlyTargetHours: intFlag('monthly-hours', o.monthlyHours as string), status: o.status, snoozedUntil: o.snoozedUntil,
      }).filter(([, v]) => v !== undefined));
      const flags: Record<string, string> = { backlogThreshold: '--threshold', checkCadenceMinutes: '--cadence', autoAccept: '--auto-accept', weeklyMissionCap: '--weekly-cap', monthlyTargetHours: '--monthly-hours', snoozedUntil: '--snoozed-until' };
      const config = Object.keys(changes).length
        ? await api<any>('PUT', `/api/v1/projects/${await projectOf(apiContext(env(), o), o.project as string | undefined)}/fallback/config`, validBody(updateFallbackConfigBody, changes, (f) => flags[f] ?? `--${f}`))
        : await api<any>('GET', `/api/v1/projects/${await projectOf(apiContext(env(), o), o.project as string | undefined)}/fallback/config`);
      if (o.json) printJson(config);
      else process.stdout.write(`${config.status}: threshold ${config.backlogThreshold}, every ${config.checkCadenceMinutes} min, auto-accept ${config.autoAccept}, cap ${config.weeklyMissionCap}/week, ${config.monthlyTargetHours} h/month\n`);
    });

  commonApiOptions(fallback.command('templates').description('list the project templates'))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .action(async (o: Opts) => {
      const res = await apiContext(env(), o)<any>('GET', `/api/v1/projects/${await projectOf(apiContext(env(), o), o.project as string | undefined)}/fallback/templates`);
      if (o.json) printJson(res);
      else process.stdout.write(res.items.length ? `${res.items.map((x: any) => `${x.id}  ${x.enabled ? 'on ' : 'off'}  p${x.priority}  ${x.estimatedEffortMinutes} min  ${x.name}`).join('\n')}\n` : 'no templates\n');
    });

  commonApiOptions(fallback.command('run').description('run Mission Fallback now'))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .action(async (o: Opts) => {
      const res = await apiContext(env(), o)<any>('POST', `/api/v1/projects/${await projectOf(apiContext(env(), o), o.project as string | undefined)}/fallback/runs`, {});
      if (o.json) printJson(res);
      else process.stdout.write(`run ${res.run.id} ${res.run.status}: ${res.items.length} proposal(s)${res.run.error ? ` — ${res.run.error}` : ''}\n${res.items.map(item).join('\n')}${res.items.length ? '\n' : ''}`);
    });

  commonApiOptions(fallback.command('area').description("the Todo column's Fallback area: templates and open proposals"))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .action(async (o: Opts) => {
      const res = await apiContext(env(), o)<any>('GET', `/api/v1/projects/${await projectOf(apiContext(env(), o), o.project as string | undefined)}/fallback/area`);
      if (o.json) return printJson(res);
      process.stdout.write(`templates:\n${res.templates.map((x: any) => `  ${x.id}  ${x.name}`).join('\n') || '  none'}\nproposals:\n${res.proposals.map((p: any) => `  ${item(p)}`).join('\n') || '  none'}\n`);
    });

  commonApiOptions(fallback.command('accept <itemId>').description('accept a proposal: creates its mission'))
    .action(async (id: string, o: Opts) => {
      const res = await apiContext(env(), o)<any>('POST', `/api/v1/fallback/items/${id}/accept`, {});
      if (o.json) printJson(res);
      else process.stdout.write(`accepted ${item(res)}\n`);
    });

  commonApiOptions(fallback.command('discard <itemId>').description('discard a proposal'))
    .option('--feedback <text>', 'why, for the record')
    .action(async (id: string, o: Opts) => {
      const res = await apiContext(env(), o)<any>('POST', `/api/v1/fallback/items/${id}/discard`, validBody(discardItemBody, { feedback: o.feedback }));
      if (o.json) printJson(res);
      else process.stdout.write(`discarded ${item(res)}\n`);
    });

  commonApiOptions(program.command('import <file>').description(about.import))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .option('--flow <id>', 'flow for the templates (default: the project’s first)')
    .option('--actor <id>', 'actor for the templates (default: the project’s first)')
    .option('--repository <id>', 'repository for the templates (default: the project’s first)')
    .action(async (file: string, o: Opts) => {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new CliError(`${file}: ${(error as Error).message}`);
      }
      const missions = Array.isArray(raw) ? raw : (raw as { missions?: unknown }).missions;
      const body = validBody(importLegacyBody, { missions, defaults: { flowId: o.flow, actorId: o.actor, repositoryId: o.repository } }, (f) => (f === 'missions' ? `${file}` : `--${f}`));
      const res = await apiContext(env(), o)<any>('POST', `/api/v1/projects/${await projectOf(apiContext(env(), o), o.project as string | undefined)}/import`, body);
      if (o.json) printJson(res);
      else process.stdout.write(`imported ${res.missionsCreated} mission(s) and ${res.templatesCreated} template(s) from loop missions (${res.loopListConverted} moved from the loop list to Todo)\n`);
    });
}
