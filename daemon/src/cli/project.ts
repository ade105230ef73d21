import { about } from './about.ts';
import { createProjectBody, updateProjectBody } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { apiContext, commonApiOptions, intFlag, validBody } from './api-context.ts';
import { starrableProject } from './gallery.ts';
import { projectMemberCommands } from './people.ts';
import { CliError, emit, printJson, printList } from './output.ts';
import { allPages, projectOf, repoShortName, resolveOrg } from './resolve.ts';

type Opts = Record<string, string | boolean | undefined> & { json?: boolean; quiet?: boolean; url?: string; apiKey?: string };
const flags: Record<string, string> = {
  anonymousRead: '--anonymous-read', autoApproveAccessRequests: '--auto-approve', defaultAgent: '--default-agent', maxConcurrentMissions: '--max-concurrent',
  monthlyBudgetUsd: '--budget', organizationId: '--org', agentPermissionPolicy: '--permission-policy', docsInRepository: '--docs-in-repository',
};
const flagOf = (f: string) => flags[f] ?? `--${f}`;
const money = (v: unknown) => (v === undefined ? undefined : v === 'none' ? null : Number(v));
function onOff(name: string, v: unknown) {
  if (v === undefined) return undefined;
  if (v === 'on' || v === 'off') return v === 'on';
  throw new CliError(`--${name}: on or off, got "${v}"`);
}

/** The settings `create` and `edit` share, from flags (undefined = not given). */
const settings = (o: Opts) => ({
  description: o.description, visibility: o.visibility, defaultAgent: o.defaultAgent,
  maxConcurrentMissions: intFlag('max-concurrent', o.maxConcurrent as string | undefined), monthlyBudgetUsd: money(o.budget),
  agentPermissionPolicy: o.permissionPolicy, docsInRepository: onOff('docs-in-repository', o.docsInRepository),
});
const withSettings = (cmd: Command) => cmd
  .option('--description <text>', 'what the project is')
  .option('--visibility <v>', 'private | public')
  .option('--default-agent <name>', 'the agent missions use unless they name one (claude-code, codex, gemini, custom)')
  .option('--max-concurrent <n>', 'missions running at once, over all workstations')
  .option('--budget <usd>', "monthly agent budget in US dollars ('none': no budget)")
  .option('--permission-policy <policy>', 'what agents may do: edits (default) | readonly | full (only where a workstation opts in)')
  .option('--docs-in-repository <on|off>', 'commit mission docs to the product repository (on, the default) or keep them in the control plane only');

export function projectCommand(program: Command, env: () => Env) {
  const project = program.command('project').description(about.project);

  commonApiOptions(project.command('list').description('the projects you can see'))
    .option('--org <org>', 'only this organization (name or id)')
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      const q = o.org ? `?organizationId=${await resolveOrg(api, o.org as string)}` : '';
      const items = await allPages<any>(api, `/api/v1/projects${q}`);
      if (o.json) return printJson({ items });
      printList(items, (p) => `${p.id}  ${p.name}${p.defaultAgent ? `  (agent ${p.defaultAgent})` : ''}`, 'no projects');
    });

  commonApiOptions(withSettings(project.command('create <name>').description('create a project in an organization')))
    .requiredOption('--org <org>', 'organization (name or id)')
    .option('-q, --quiet', 'print only the id')
    .action(async (name: string, o: Opts) => {
      const api = apiContext(env(), o);
      const fields = Object.fromEntries(Object.entries(settings(o)).filter(([, v]) => v !== undefined));
      const body = validBody(createProjectBody, { organizationId: await resolveOrg(api, o.org as string), name, ...fields }, flagOf);
      const created = await api<any>('POST', '/api/v1/projects', body);
      emit(o, created, () => `created project ${created.name} (${created.id})`);
    });

  commonApiOptions(withSettings(project.command('edit <project>').description('change a project’s settings')))
    .option('--name <name>', 'rename it')
    .option('--anonymous-read <on|off>', 'public projects: let people without an API key read the board (Done missions, their docs, repositories)')
    .option('--auto-approve <on|off>', "grant an organization member's access request for viewer or member at once (admin always waits for a person)")
    .action(async (ref: string, o: Opts) => {
      const api = apiContext(env(), o);
      const anonymousRead = onOff('anonymous-read', o.anonymousRead);
      const autoApproveAccessRequests = onOff('auto-approve', o.autoApprove);
      const changes = Object.fromEntries(Object.entries({ name: o.name, ...settings(o), anonymousRead, autoApproveAccessRequests }).filter(([, v]) => v !== undefined));
      const body = validBody(updateProjectBody, changes, flagOf);
      const updated = await api<any>('PATCH', `/api/v1/projects/${await projectOf(api, ref)}`, body);
      emit(o, updated, () => `updated project ${updated.name} (${updated.id})`);
    });

  // Stars: on any project you can see (yours, or a public one from `solo-unicorn gallery`).
  for (const [verb, method, done] of [['star', 'POST', 'starred'], ['unstar', 'DELETE', 'unstarred']] as const) {
    commonApiOptions(project.command(`${verb} <project>`).description(verb === 'star' ? 'star a project you can see (public ones: see `solo-unicorn gallery`)' : 'take your star back'))
      .action(async (ref: string, o: Opts) => {
        const api = apiContext(env(), o);
        const p = await starrableProject(api, ref);
        const stars = await api<{ count: number; starred: boolean }>(method, `/api/v1/projects/${p.id}/star`, method === 'POST' ? {} : undefined);
        if (o.json) return printJson({ projectId: p.id, ...stars });
        process.stdout.write(`${done} ${p.name ?? p.id}: ${stars.count} star${stars.count === 1 ? '' : 's'}\n`);
      });
  }

  projectMemberCommands(project, env);

  commonApiOptions(project.command('show <project>').description('a project with its repositories, flows, actors and workstations'))
    .action(async (ref: string, o: Opts) => {
      const api = apiContext(env(), o);
      const id = await projectOf(api, ref);
      const P = `/api/v1/projects/${id}`;
      const [p, repos, flows, actors, mapped, backlog] = await Promise.all([
        api<any>('GET', P), api<any>('GET', `${P}/repositories`), api<any>('GET', `${P}/flows`), api<any>('GET', `${P}/actors`),
        api<any>('GET', `${P}/workstations`), api<any>('GET', `${P}/backlog`),
      ]);
      const names = await Promise.all(mapped.items.map((m: any) => api<any>('GET', `/api/v1/workstations/${m.workstationId}`).then((w) => `${w.name} (${w.online ? 'online' : 'offline'})`, () => m.workstationId)));
      const shown = { ...p, repositories: repos.items, flows: flows.items, actors: actors.items, workstations: mapped.items, backlog };
      if (o.json) return printJson(shown);
      const out = [
        `${p.name} (${p.id})  ${p.visibility}${p.anonymousRead ? ' (readable without an API key)' : ''}, default agent ${p.defaultAgent ?? 'none'}, ${p.maxConcurrentMissions} at once, budget ${p.monthlyBudgetUsd === null ? 'none' : `$${p.monthlyBudgetUsd}/month`}`,
        `agents: ${p.agentPermissionPolicy} permissions; mission docs ${p.docsInRepository ? 'committed to the repository' : 'kept in the control plane only'}`,
        `access requests: ${p.autoApproveAccessRequests ? 'viewer and member granted at once to organization members' : 'each waits for a project admin'}`,
        `ready backlog: ${backlog.count} (fallback threshold ${backlog.threshold})`,
        `repositories: ${repos.items.map((r: any) => `${repoShortName(r.url)} (${r.id}, ${r.defaultBranch})`).join(', ') || 'none — add one with `solo-unicorn repo add`'}`,
        `flows: ${flows.items.map((f: any) => `${f.name} [${f.stages.map((s: any) => s.name).join(' → ')}]`).join(', ') || 'none (missions without a flow run the default clarify → plan → execute)'}`,
        `actors: ${actors.items.map((a: any) => a.name).join(', ') || 'none'}`,
        `workstations: ${names.join(', ') || 'none mapped — missions will not run until `solo-unicorn workstation map` gives it one'}`,
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
