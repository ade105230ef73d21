import { about } from './about.ts';
import { createMissionBody, missionListSchema, moveMissionBody, reviewMissionBody, updateMissionBody } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { apiContext, commonApiOptions, intFlag, validBody } from './api-context.ts';
import { eventLine, missionLine as line, missionSummary } from './mission-format.ts';
import { missionActionCommands } from './mission-actions.ts';
import { missionDiffCommand } from './mission-diff.ts';
import { missionWaitCommand } from './mission-wait.ts';
import { fetchAttempts, usageLines } from './mission-usage.ts';
import { CliError, emit, printJson } from './output.ts';
import { type Api, projectOf, resolveActor, resolveFlow, resolveRepo } from './resolve.ts';

export type Opts = Record<string, string | boolean | string[] | undefined> & { json?: boolean; quiet?: boolean; url?: string; apiKey?: string };
export type Act = (cmd: Command, fn: (api: Api, id: string, o: Opts) => Promise<unknown>) => Command;
export type Patch = (api: Api, id: string, body: unknown, o: Opts, verb: string) => Promise<any>;
const flags: Record<string, string> = {
  repositoryId: '--repo', flowId: '--flow', actorId: '--actor', requiresReview: '--requires-review', prMode: '--pr-mode', dependsOn: '--depends-on',
  targetBranch: '--target-branch', listOrder: '--list-order', decision: '--approve', agentPermissionPolicy: '--permission-policy',
};
const flagOf = (f: string) => flags[f] ?? `--${f}`;

/** The fields `create` and `edit` share; names resolved to ids within the project. 'none' clears (edit). */
const fieldOptions = (cmd: Command) => cmd
  .option('--description <text>', 'details for the agent')
  .option('--priority <1-5>', '1 is most urgent (default 3)')
  .option('--repo <repo>', 'repository the agent works in (name, URL or id)')
  .option('--repository <repo>', 'same as --repo')
  .option('--flow <flow>', 'flow (name or id); without one: clarify → plan → execute')
  .option('--actor <actor>', 'actor the agent plays (name or id)')
  .option('--target-branch <branch>', 'the branch the work merges into (default main)')
  .option('--requires-review', 'stop in Review for a person')
  .option('--pr-mode <mode>', 'disabled | enabled | auto')
  .option('--depends-on <ids...>', 'missions that must be Done first')
  .option('--permission-policy <policy>', "edits | readonly | full: this mission's own agent policy ('project' on edit: the project's again)");

async function fields(api: Api, projectId: string, o: Opts, clearable: boolean) {
  const ref = async (v: unknown, resolve: (api: Api, p: string, v: string) => Promise<string>) =>
    v === undefined ? undefined : clearable && v === 'none' ? null : resolve(api, projectId, String(v));
  const [repositoryId, flowId, actorId] = await Promise.all([ref(o.repo ?? o.repository, resolveRepo), ref(o.flow, resolveFlow), ref(o.actor, resolveActor)]);
  return {
    description: o.description, priority: intFlag('priority', o.priority as string | undefined), repositoryId, flowId, actorId,
    targetBranch: o.targetBranch, requiresReview: o.requiresReview === undefined ? undefined : Boolean(o.requiresReview), prMode: o.prMode, dependsOn: o.dependsOn,
    agentPermissionPolicy: clearable && o.permissionPolicy === 'project' ? null : o.permissionPolicy,
  };
}
const defined = (x: Record<string, unknown>) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined));

export function missionCommand(program: Command, env: () => Env) {
  const mission = program.command('mission').description(about.mission);
  const act: Act = (cmd, fn) =>
    cmd.action(async (id: string, o: Opts) => {
      await fn(apiContext(env(), o), id, o);
    });
  /** PATCH and print: ready, unready, edit. */
  const patch: Patch = async (api, id, body, o, verb) => {
    const m = await api<any>('PATCH', `/api/v1/missions/${id}`, validBody(updateMissionBody, body, flagOf));
    emit(o, m, () => `${verb} ${line(m)}`);
    return m;
  };

  commonApiOptions(fieldOptions(mission.command('create').description('create a mission in Todo')))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .requiredOption('--title <text>', 'what to do')
    .option('--ready', 'an agent may pick it up now')
    .option('-q, --quiet', 'print only the id')
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      const projectId = await projectOf(api, o.project as string | undefined);
      const body = validBody(createMissionBody, defined({ title: o.title, ready: Boolean(o.ready), ...(await fields(api, projectId, o, false)) }), flagOf);
      const created = await api<any>('POST', `/api/v1/projects/${projectId}/missions`, body);
      emit(o, created, () => [`created ${line(created)}`, ...(created.dispatch?.reasons ?? []).map((r: any) => `  - ${r.message} → ${r.fix}`)].join('\n'));
    });

  act(commonApiOptions(fieldOptions(mission.command('edit <missionId>').description("change a mission's fields ('none' clears --repo, --flow, --actor)")))
    .option('--title <text>', 'what to do')
    .option('--stage <stage>', 'the flow stage to continue from')
    .option('--no-requires-review', 'do not stop in Review'), async (api, id, o) => {
    const m = await api<any>('GET', `/api/v1/missions/${id}`);
    const body = defined({ title: o.title, stage: o.stage, ...(await fields(api, m.projectId, o, true)) });
    if (Object.keys(body).length === 0) throw new CliError('nothing to change: give at least one option (see --help)');
    await patch(api, id, body, o, 'updated');
  });

  commonApiOptions(mission.command('list').description('a board column (or the whole board), in order'))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .option('--list <list>', 'todo | doing | review | done')
    .option('--ready', 'only missions ready for an agent')
    .option('--limit <n>', 'at most this many (≤ 500)', '100')
    .action(async (o: Opts) => {
      const list = o.list === undefined ? undefined : validBody(missionListSchema, o.list, () => '--list');
      const q = new URLSearchParams({ limit: String(intFlag('limit', o.limit as string)) });
      if (list) q.set('list', list);
      if (o.ready) q.set('ready', 'true');
      const api = apiContext(env(), o);
      const page = await api<any>('GET', `/api/v1/projects/${await projectOf(api, o.project as string | undefined)}/missions?${q}`);
      if (o.json) printJson(page);
      else process.stdout.write(page.items.length ? `${page.items.map(line).join('\n')}\n` : 'no missions\n');
    });

  act(commonApiOptions(mission.command('show <missionId>').description('a mission, why it is (not) running, its attempts\' usage and its latest events with their data'))
    .option('--events <n>', 'how many of the latest events', '15'), async (api, id, o) => {
    const m = await api<any>('GET', `/api/v1/missions/${id}`);
    const [events, attempts] = await Promise.all([api<any>('GET', `/api/v1/missions/${id}/events?limit=500`), fetchAttempts(api, id)]);
    if (o.json) return printJson({ ...m, events: events.items, ...(attempts ? { attempts } : {}) });
    const usage = attempts ? usageLines(attempts) : [];
    const latest = events.items.slice(-intFlag('events', o.events as string)!).map((e: any) => `  ${eventLine(e, 400)}`);
    process.stdout.write(`${[...missionSummary(m), ...usage, ...latest].join('\n')}\n`);
  });

  act(commonApiOptions(mission.command('move <missionId>').description('move a mission on the board'))
    .requiredOption('--list <list>', 'todo | doing | review | done')
    .option('--list-order <n>', 'position in the list'), async (api, id, o) => {
    const body = validBody(moveMissionBody, { list: o.list, listOrder: o.listOrder === undefined ? undefined : Number(o.listOrder) }, flagOf);
    const moved = await api<any>('POST', `/api/v1/missions/${id}/move`, body);
    emit(o, moved, () => `moved ${line(moved)}`);
  });

  act(commonApiOptions(mission.command('review <missionId>').description('approve a mission in Review, or reject it with guidance for the agent from Todo, Doing (cancels the running agent) or Review'))
    .option('--approve', 'approve: Done (a direct-mode branch is merged first)')
    .option('--reject [guidance]', 'reject (from Todo, Doing or Review; not Done: merged work stays merged): back to Todo, ready, with the guidance in the next prompt')
    .option('--feedback <text>', 'the guidance (same as --reject <guidance>)'), async (api, id, o) => {
    if (Boolean(o.approve) === Boolean(o.reject)) throw new CliError('--approve or --reject: give exactly one');
    const feedback = typeof o.reject === 'string' ? o.reject : (o.feedback as string | undefined);
    if (o.reject && feedback === undefined) throw new CliError('--reject: say what the agent should change (--reject "<guidance>"); the feedback goes into its next prompt');
    const body = validBody(reviewMissionBody, { decision: o.approve ? 'approve' : 'reject', feedback }, (f) => (f === 'feedback' ? '--reject' : flagOf(f)));
    const reviewed = await api<any>('POST', `/api/v1/missions/${id}/review`, body);
    emit(o, reviewed, () => `reviewed ${line(reviewed)}`);
  });

  missionActionCommands(mission, env, act, patch);
  missionDiffCommand(mission, act);
  missionWaitCommand(mission, act);
}
