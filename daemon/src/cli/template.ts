import { about } from './about.ts';
// Mission Fallback templates: the recurring work proposed when the ready backlog runs low.
import { createFallbackTemplateBody, updateFallbackTemplateBody } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { apiContext, commonApiOptions, intFlag, validBody } from './api-context.ts';
import { CliError, emit, printJson, printList } from './output.ts';
import { projectOf, resolveActor, resolveFlow, resolveRepo, resolveTemplate } from './resolve.ts';

type Opts = Record<string, string | boolean | undefined> & { json?: boolean; quiet?: boolean; url?: string; apiKey?: string };
const flags: Record<string, string> = {
  flowId: '--flow', actorId: '--actor', repositoryId: '--repo', estimatedEffortMinutes: '--effort', acceptanceCriteria: '--acceptance',
  minWaitMinutes: '--min-wait', cooldownMinutes: '--cooldown',
};

/** `90m`, `12h`, `7d`, `2w` or plain minutes → minutes. */
export function durationMinutes(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\s*(m|min|h|d|w)?$/i.exec(value.trim());
  if (!m) throw new CliError(`${flag}: a duration such as 90m, 12h, 7d or 2w (or minutes), not "${value}"`);
  const unit = { m: 1, min: 1, h: 60, d: 1440, w: 10_080 }[(m[2] ?? 'm').toLowerCase() as 'm'];
  return Number(m[1]) * unit;
}

/** Rotation options (#18), shared by create and edit. */
const rotationOptions = (cmd: Command) => cmd
  .option('--weight <1-10>', 'share of proposals: weight 2 comes round twice as often as 1 (default 1)')
  .option('--min-wait <duration>', 'at least this long between two proposals, e.g. 7d (default 0)')
  .option('--cooldown <duration>', 'after a discarded proposal, this long before the next, e.g. 3d (default 0)');
const rotationFields = (o: Opts) => ({
  weight: intFlag('weight', o.weight as string | undefined),
  minWaitMinutes: durationMinutes('--min-wait', o.minWait as string | undefined),
  cooldownMinutes: durationMinutes('--cooldown', o.cooldown as string | undefined),
});
const when = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 16) : 'never');

export function templateCommand(program: Command, env: () => Env) {
  const template = program.command('template').description(about.template);

  commonApiOptions(template.command('list').description("the project's templates"))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      const { items } = await api<{ items: any[] }>('GET', `/api/v1/projects/${await projectOf(api, o.project as string)}/fallback/templates`);
      if (o.json) return printJson({ items });
      printList(items, (x) => `${x.id}  ${x.enabled ? 'on ' : 'off'}  p${x.priority}  w${x.weight ?? 1}  ${x.estimatedEffortMinutes} min  ${x.name}` +
        `  (last proposed ${when(x.lastProposedAt ?? null)}${x.nextEligibleAt ? `, eligible again ${when(x.nextEligibleAt)}` : ''})`, 'no templates');
    });

  rotationOptions(commonApiOptions(template.command('create <name>').description('create a template')))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .requiredOption('--flow <flow>', 'flow name or id')
    .requiredOption('--actor <actor>', 'actor name or id')
    .requiredOption('--repo <repo>', 'repository (name, URL or id)')
    .requiredOption('--effort <minutes>', 'estimated effort, in minutes')
    .option('--priority <1-5>', '1 is most urgent (default 3)')
    .option('--description <text>', 'what the mission does')
    .option('--acceptance <text>', 'acceptance criteria')
    .option('--tags <list>', 'comma-separated tags')
    .option('--disabled', 'create it switched off')
    .option('-q, --quiet', 'print only the id')
    .action(async (name: string, o: Opts) => {
      const api = apiContext(env(), o);
      const projectId = await projectOf(api, o.project as string);
      const [flowId, actorId, repositoryId] = await Promise.all([
        resolveFlow(api, projectId, o.flow as string), resolveActor(api, projectId, o.actor as string), resolveRepo(api, projectId, o.repo as string),
      ]);
      const body = validBody(createFallbackTemplateBody, {
        name, flowId, actorId, repositoryId, estimatedEffortMinutes: intFlag('effort', o.effort as string), priority: intFlag('priority', o.priority as string | undefined),
        description: o.description, acceptanceCriteria: o.acceptance, enabled: !o.disabled,
        tags: o.tags === undefined ? undefined : String(o.tags).split(',').map((x) => x.trim()).filter(Boolean), ...rotationFields(o),
      }, (f) => flags[f] ?? `--${f}`);
      const x = await api<any>('POST', `/api/v1/projects/${projectId}/fallback/templates`, body);
      emit(o, x, () => `created template ${x.name} (${x.id})`);
    });

  rotationOptions(commonApiOptions(template.command('edit <template>').description("change a template's priority, rotation or switch it on/off")))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .option('--priority <1-5>', '1 is most urgent')
    .option('--enable', 'switch it on')
    .option('--disable', 'switch it off')
    .action(async (ref: string, o: Opts) => {
      const api = apiContext(env(), o);
      const projectId = await projectOf(api, o.project as string);
      if (o.enable && o.disable) throw new CliError('--enable or --disable, not both');
      const body = validBody(updateFallbackTemplateBody, {
        priority: intFlag('priority', o.priority as string | undefined), ...rotationFields(o), enabled: o.enable ? true : o.disable ? false : undefined,
      }, (f) => flags[f] ?? `--${f}`);
      const x = await api<any>('PATCH', `/api/v1/projects/${projectId}/fallback/templates/${await resolveTemplate(api, projectId, ref)}`, body);
      emit(o, x, () => `updated template ${x.name} (${x.id}): p${x.priority}, weight ${x.weight}, min wait ${x.minWaitMinutes} min, cooldown ${x.cooldownMinutes} min${x.enabled ? '' : ', off'}`);
    });

  commonApiOptions(template.command('launch <template>').description('create a mission from a template now'))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .option('-q, --quiet', 'print only the mission id')
    .action(async (ref: string, o: Opts) => {
      const api = apiContext(env(), o);
      const projectId = await projectOf(api, o.project as string);
      const launched = await api<any>('POST', `/api/v1/projects/${projectId}/fallback/templates/${await resolveTemplate(api, projectId, ref)}/launch`);
      if (o.json) return printJson(launched);
      const item = launched.items[0];
      if (o.quiet) return void process.stdout.write(`${item?.missionId ?? ''}\n`);
      process.stdout.write(item ? `launched ${item.title}: ${item.missionId ? `mission ${item.missionId}` : `proposal ${item.id} (${item.status})`}\n` : `nothing launched (run ${launched.run.status})\n`);
    });
}
