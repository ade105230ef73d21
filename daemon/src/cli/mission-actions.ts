// Mission commands beyond create/edit/move/review: ready, unready, retry, handoff, logs, docs, prs, answer.
import { answerQuestionBody, clipText, handOffMissionBody, retryMissionBody } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { apiContext, commonApiOptions, validBody } from './api-context.ts';
import { ApiError } from './api-client.ts';
import { dispatchLines, eventLine, missionLine } from './mission-format.ts';
import type { Act, Opts, Patch } from './mission.ts';
import { CliError, printJson } from './output.ts';
import { type Api, resolveWorkstation } from './resolve.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function missionActionCommands(mission: Command, env: () => Env, act: Act, patch: Patch) {
  act(commonApiOptions(mission.command('ready <missionId>').description('let an agent pick the mission up; says what still holds it back')), async (api, id, o) => {
    const m = await patch(api, id, { ready: true }, { ...o, quiet: false }, 'ready:');
    if (!o.json) for (const l of dispatchLines(m).slice(1)) process.stdout.write(`${l}\n`);
  });

  act(commonApiOptions(mission.command('unready <missionId>').description('keep agents off the mission (a running attempt is not stopped)')), async (api, id, o) => {
    await patch(api, id, { ready: false }, o, 'not ready:');
  });

  act(commonApiOptions(mission.command('retry <missionId>').description('run a mission again from a fresh attempt, with a reason on its timeline: a failed one (Todo), or a running one (Doing: its run is cancelled first)'))
    .option('--reason <why>', 'why it runs again (shown on the timeline)', 'retried by hand (no reason given)'), async (api, id, o) => {
    const m = await api<any>('GET', `/api/v1/missions/${id}`);
    if (m.list === 'review' || m.list === 'done') {
      const hint = m.list === 'review'
        ? 'it waits for review: `solo-unicorn mission review --reject "<guidance>"` sends it back to the agent'
        : 'it is done: create a follow-up mission instead';
      throw new CliError(`mission ${id} is in ${m.list}, not Todo or Doing: ${hint}`);
    }
    if (m.list === 'todo' && m.ready) throw new CliError(`mission ${id} is already ready; ${dispatchLines(m).slice(1).map((l) => l.trim().replace(/^- /, '')).join('; ') || 'it waits for a workstation'}`);
    const failure = m.list === 'todo' ? await lastFailure(api, id) : undefined;
    const retried = await api<any>('POST', `/api/v1/missions/${id}/retry`, validBody(retryMissionBody, { reason: o.reason }, () => '--reason'));
    if (o.json) return printJson(retried);
    process.stdout.write(`retrying: ${missionLine(retried)}${m.list === 'doing' ? '  (its running attempt is being cancelled first)' : ''}\n`);
    if (failure) process.stdout.write(`  last failure: ${clipText(failure, 300, '…')}\n`);
    for (const l of dispatchLines(retried).slice(1)) process.stdout.write(`${l}\n`);
  });

  act(commonApiOptions(mission.command('handoff <missionId>').description('hand the mission to one workstation serving its project (a run elsewhere is cancelled first); `any` hands it back to every one'))
    .requiredOption('--workstation <workstation>', 'workstation name or id, or `any`')
    .option('--reason <why>', 'why (shown on the timeline)'), async (api, id, o) => {
    const to = String(o.workstation);
    const workstationId = to === 'any' ? null : await resolveWorkstation(api, to);
    const handed = await api<any>('POST', `/api/v1/missions/${id}/handoff`, validBody(handOffMissionBody, { workstationId, ...(o.reason ? { reason: o.reason } : {}) }, (path) => (path === 'reason' ? '--reason' : '--workstation')));
    if (o.json) return printJson(handed);
    process.stdout.write(`handed to ${workstationId ? to : 'any workstation serving the project'}: ${missionLine(handed)}\n`);
    for (const l of dispatchLines(handed).slice(1)) process.stdout.write(`${l}\n`);
  });

  act(commonApiOptions(mission.command('logs <missionId>').description("the mission's timeline with each event's data; --follow keeps printing"))
    .option('-f, --follow', 'keep printing new events until interrupted')
    .option('--after <seq>', 'only events after this sequence number', '0')
    .option('--interval <ms>', 'how often --follow asks (ms)', '1000'), async (api, id, o) => {
    let after = Number(o.after);
    if (!Number.isInteger(after) || after < 0) throw new CliError(`--after: expected a sequence number, got "${o.after}"`);
    const every = Math.max(100, Number(o.interval) || 1000);
    let stop = false;
    if (o.follow) for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => (stop = true));
    do {
      const page = await api<{ items: any[]; nextCursor: string | null }>('GET', `/api/v1/missions/${id}/events?after=${after}&limit=500`);
      // --json: one event per line (JSON Lines), so a follower can parse each as it comes.
      for (const e of page.items) process.stdout.write(o.json ? `${JSON.stringify(e)}\n` : `${eventLine(e)}\n`);
      if (page.items.length) after = page.items.at(-1).seq;
      if (page.nextCursor) continue; // more are there already
      if (!o.follow) break;
      for (let waited = 0; waited < every && !stop; waited += 100) await sleep(100);
    } while (!stop);
  });

  act(commonApiOptions(mission.command('docs <missionId>').description('the docs the agents wrote (solution.md, tasks/*.md)'))
    .option('--path <path>', 'only this document'), async (api, id, o) => {
    const { items } = await api<{ items: { path: string; content: string }[] }>('GET', `/api/v1/missions/${id}/docs`);
    const docs = o.path ? items.filter((d) => d.path === o.path) : items;
    if (o.path && !docs.length) throw new CliError(`--path: no document ${o.path} (there are: ${items.map((d) => d.path).join(', ') || 'none'})`);
    if (o.json) return printJson({ items: docs });
    if (!docs.length) return void process.stdout.write('no docs yet\n');
    process.stdout.write(docs.map((d) => (o.path ? d.content : `==> ${d.path} <==\n${d.content}${d.content.endsWith('\n') ? '' : '\n'}`)).join('\n'));
  });

  act(commonApiOptions(mission.command('prs <missionId>').description('the mission’s pull requests and the review comments imported from GitHub')), async (api, id, o) => {
    const { items } = await api<any>('GET', `/api/v1/missions/${id}/pull-requests`);
    if (o.json) return printJson({ items });
    if (items.length === 0) return void process.stdout.write('no pull requests\n');
    for (const pr of items) {
      process.stdout.write(`#${pr.number} ${pr.state}  ${pr.headBranch} → ${pr.baseBranch}  ${pr.url ?? ''}  (${pr.feedbackCycles} change request round(s))\n`);
      for (const c of pr.comments) process.stdout.write(`  ${c.kind} @${c.authorLogin}${c.requestsChanges ? ' [changes]' : ''}: ${clipText((c.body ?? '').split('\n')[0] ?? '', 100, '')}\n`);
    }
  });

  commonApiOptions(mission.command('answer <missionId> <text>').description("answer the agent's open question: the mission goes back to Todo, ready, and the agent gets the answer"))
    .action(async (id: string, text: string, o: Opts) => {
      const body = validBody(answerQuestionBody, { text }, () => '<text>');
      const api = apiContext(env(), o);
      let res: any;
      try {
        res = await api<any>('POST', `/api/v1/missions/${id}/answer`, body);
      } catch (error) {
        // An older control plane has no such route: say so rather than "Route not found".
        if (error instanceof ApiError && error.status === 404 && /route/i.test(error.message)) throw new CliError('this control plane cannot take answers yet (no POST /missions/:id/answer); update it');
        throw error;
      }
      if (o.json) return printJson(res);
      process.stdout.write(`answered "${clipText(res.question?.text ?? '', 80, '…')}"; the mission goes back to the agent\n`);
    });
}

/** The reason of the mission's latest failure event, if any (what `retry` is about to retry). */
async function lastFailure(api: Api, id: string) {
  try {
    const { items } = await api<{ items: any[] }>('GET', `/api/v1/missions/${id}/events?limit=500`);
    const failed = items.filter((e) => /failed|conflict/.test(e.kind)).at(-1);
    return failed ? String(failed.data?.reason ?? failed.kind) : undefined;
  } catch (error) {
    if (error instanceof ApiError) return undefined;
    throw error;
  }
}

