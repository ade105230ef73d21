import { clipText, createMissionBody, missionListSchema, moveMissionBody, reviewMissionBody } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { apiContext, commonApiOptions, intFlag, validBody } from './api-context.ts';
import { fetchAttempts, usageLines } from './mission-usage.ts';
import { CliError, printJson } from './output.ts';

type Opts = Record<string, string | boolean | undefined> & { json?: boolean; url?: string; apiKey?: string };
const line = (m: any) => `${m.id}  [${m.list}${m.ready ? ', ready' : ''}]  p${m.priority}  ${m.title}`;

export function missionCommand(program: Command, env: () => Env) {
  const mission = program.command('mission').description('create, list, show and move missions');

  commonApiOptions(mission.command('create').description('create a mission in Todo'))
    .requiredOption('--project <id>', 'project id')
    .requiredOption('--title <text>', 'what to do')
    .option('--description <text>', 'details for the agent')
    .option('--priority <1-5>', '1 is most urgent (default 3)')
    .option('--ready', 'an agent may pick it up now')
    .option('--repository <id>', 'repository the agent works in')
    .option('--requires-review', 'stop in Review for a person')
    .option('--pr-mode <mode>', 'disabled | enabled | auto')
    .option('--depends-on <ids...>', 'missions that must be Done first')
    .action(async (o: Opts) => {
      const body = validBody(createMissionBody, {
        title: o.title, description: o.description, priority: intFlag('priority', o.priority as string | undefined), ready: Boolean(o.ready),
        repositoryId: o.repository, requiresReview: Boolean(o.requiresReview), prMode: o.prMode, dependsOn: o.dependsOn,
      }, (f) => ({ repositoryId: '--repository', requiresReview: '--requires-review', prMode: '--pr-mode', dependsOn: '--depends-on' })[f] ?? `--${f}`);
      const created = await apiContext(env(), o)<any>('POST', `/api/v1/projects/${o.project}/missions`, body);
      if (o.json) printJson(created);
      else process.stdout.write(`created ${line(created)}\n`);
    });

  commonApiOptions(mission.command('list').description('a board column (or the whole board), in order'))
    .requiredOption('--project <id>', 'project id')
    .option('--list <list>', 'todo | doing | review | done')
    .option('--ready', 'only missions ready for an agent')
    .option('--limit <n>', 'at most this many (≤ 500)', '100')
    .action(async (o: Opts) => {
      const list = o.list === undefined ? undefined : validBody(missionListSchema, o.list, () => '--list');
      const q = new URLSearchParams({ limit: String(intFlag('limit', o.limit as string)) });
      if (list) q.set('list', list);
      if (o.ready) q.set('ready', 'true');
      const page = await apiContext(env(), o)<any>('GET', `/api/v1/projects/${o.project}/missions?${q}`);
      if (o.json) printJson(page);
      else process.stdout.write(page.items.length ? `${page.items.map(line).join('\n')}\n` : 'no missions\n');
    });

  commonApiOptions(mission.command('show <missionId>').description('a mission, its attempts\' usage and its latest events'))
    .action(async (id: string, o: Opts) => {
      const api = apiContext(env(), o);
      const m = await api<any>('GET', `/api/v1/missions/${id}`);
      const [events, attempts] = await Promise.all([api<any>('GET', `/api/v1/missions/${id}/events?limit=500`), fetchAttempts(api, id)]);
      if (o.json) return printJson({ ...m, events: events.items, ...(attempts ? { attempts } : {}) });
      const usage = attempts ? usageLines(attempts).map((l) => `${l}\n`).join('') : '';
      process.stdout.write(`${line(m)}\nstage ${m.stage}, agent ${m.agentSessionStatus}${m.prBranchName ? `, branch ${m.prBranchName}` : ''}\n${usage}`);
      for (const e of events.items.slice(-15)) process.stdout.write(`  #${e.seq} ${e.createdAt} ${e.origin} ${e.kind}\n`);
    });

  commonApiOptions(mission.command('move <missionId>').description('move a mission on the board'))
    .requiredOption('--list <list>', 'todo | doing | review | done')
    .option('--list-order <n>', 'position in the list')
    .action(async (id: string, o: Opts) => {
      const body = validBody(moveMissionBody, { list: o.list, listOrder: o.listOrder === undefined ? undefined : Number(o.listOrder) }, (f) => (f === 'listOrder' ? '--list-order' : `--${f}`));
      const moved = await apiContext(env(), o)<any>('POST', `/api/v1/missions/${id}/move`, body);
      if (o.json) printJson(moved);
      else process.stdout.write(`moved ${line(moved)}\n`);
    });

  commonApiOptions(mission.command('review <missionId>').description('approve a mission in Review, or reject it with feedback for the agent'))
    .option('--approve', 'approve: Done (a direct-mode branch is merged first)')
    .option('--reject', 'reject: back to Todo, ready, with --feedback in the next prompt')
    .option('--feedback <text>', 'what the agent should change (required with --reject)')
    .action(async (id: string, o: Opts) => {
      if (Boolean(o.approve) === Boolean(o.reject)) throw new CliError('--approve or --reject: give exactly one');
      const body = validBody(reviewMissionBody, { decision: o.approve ? 'approve' : 'reject', feedback: o.feedback }, (f) => (f === 'decision' ? '--approve' : `--${f}`));
      const reviewed = await apiContext(env(), o)<any>('POST', `/api/v1/missions/${id}/review`, body);
      if (o.json) printJson(reviewed);
      else process.stdout.write(`reviewed ${line(reviewed)}\n`);
    });

  commonApiOptions(mission.command('prs <missionId>').description('the mission’s pull requests and the review comments imported from GitHub'))
    .action(async (id: string, o: Opts) => {
      const { items } = await apiContext(env(), o)<any>('GET', `/api/v1/missions/${id}/pull-requests`);
      if (o.json) return printJson({ items });
      if (items.length === 0) return void process.stdout.write('no pull requests\n');
      for (const pr of items) {
        process.stdout.write(`#${pr.number} ${pr.state}  ${pr.headBranch} → ${pr.baseBranch}  ${pr.url ?? ''}  (${pr.feedbackCycles} change request round(s))\n`);
        for (const c of pr.comments) process.stdout.write(`  ${c.kind} @${c.authorLogin}${c.requestsChanges ? ' [changes]' : ''}: ${clipText((c.body ?? '').split('\n')[0] ?? '', 100, '')}\n`);
      }
    });
}
