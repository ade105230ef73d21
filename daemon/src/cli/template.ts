import { about } from './about.ts';
// Mission Fallback templates: the recurring work proposed when the ready backlog runs low.
import { createFallbackTemplateBody } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { apiContext, commonApiOptions, intFlag, validBody } from './api-context.ts';
import { emit, printJson, printList } from './output.ts';
import { projectOf, resolveActor, resolveFlow, resolveRepo, resolveTemplate } from './resolve.ts';

type Opts = Record<string, string | boolean | undefined> & { json?: boolean; quiet?: boolean; url?: string; apiKey?: string };
const flags: Record<string, string> = { flowId: '--flow', actorId: '--actor', repositoryId: '--repo', estimatedEffortMinutes: '--effort', acceptanceCriteria: '--acceptance' };

export function templateCommand(program: Command, env: () => Env) {
  const template = program.command('template').description(about.template);

  commonApiOptions(template.command('list').description("the project's templates"))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      const { items } = await api<{ items: any[] }>('GET', `/api/v1/projects/${await projectOf(api, o.project as string)}/fallback/templates`);
      if (o.json) return printJson({ items });
      printList(items, (x) => `${x.id}  ${x.enabled ? 'on ' : 'off'}  p${x.priority}  ${x.estimatedEffortMinutes} min  ${x.name}`, 'no templates');
    });

  commonApiOptions(template.command('create <name>').description('create a template'))
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
        tags: o.tags === undefined ? undefined : String(o.tags).split(',').map((x) => x.trim()).filter(Boolean),
      }, (f) => flags[f] ?? `--${f}`);
      const x = await api<any>('POST', `/api/v1/projects/${projectId}/fallback/templates`, body);
      emit(o, x, () => `created template ${x.name} (${x.id})`);
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
