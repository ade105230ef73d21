// `solo-unicorn mission wait`: blocks until a mission settles, printing its events as they come, so
// a script (the README's tour) needs no `sleep` and learns the outcome from the exit code.
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { commonApiOptions } from './api-context.ts';
import type { Act } from './mission.ts';
import { dispatchLines, eventLine, missionLine } from './mission-format.ts';
import { CliError, printJson } from './output.ts';
import type { Api } from './resolve.ts';

/** Exit codes: 0 reached, 1 nothing will run it (it failed, or is in Todo not ready), 2 the timeout passed first. */
export const waitExit = { reached: 0, failed: 1, timedOut: 2 } as const;
const targets = ['settled', 'review', 'done'] as const;
type Target = (typeof targets)[number];

export function missionWaitCommand(mission: Command, act: Act) {
  act(commonApiOptions(mission.command('wait <missionId>').description(
    'wait until the mission is done, in Review or failed, printing its events meanwhile (exit 0 reached, 1 failed, 2 timed out)'))
    .option('--for <what>', 'settled (done, in Review or failed) | review (in Review or done) | done', 'settled')
    .option('--timeout <seconds>', 'give up after this long (exit 2)', '600')
    .option('--interval <ms>', 'how often to ask (ms)', '500'), async (api, id, o) => {
    const target = String(o.for) as Target;
    if (!targets.includes(target)) throw new CliError(`--for: settled, review or done, not "${o.for}"`);
    const timeoutMs = Number(o.timeout) * 1000;
    if (!(timeoutMs > 0)) throw new CliError(`--timeout: a number of seconds, not "${o.timeout}"`);
    const every = Math.max(100, Number(o.interval) || 500);
    const result = await waitFor(api, id, target, Date.now() + timeoutMs, every, (e) => {
      if (!o.quiet && !o.json) process.stderr.write(`${eventLine(e, 300)}\n`);
    });
    if (o.json) printJson({ outcome: result.outcome, mission: result.mission });
    else process.stdout.write(`${[`${result.outcome}: ${missionLine(result.mission)}`, ...result.notes].join('\n')}\n`);
    process.exitCode = waitExit[result.outcome];
  });
}

type Outcome = keyof typeof waitExit;

async function waitFor(api: Api, id: string, target: Target, deadline: number, every: number, onEvent: (e: any) => void) {
  let after = await startSeq(api, id);
  let failed = false;
  for (;;) {
    for (;;) {
      const page = await api<{ items: any[]; nextCursor: string | null }>('GET', `/api/v1/missions/${id}/events?after=${after}&limit=500`);
      for (const e of page.items) {
        onEvent(e);
        if (e.kind === 'mission.failed') failed = true;
        if (e.kind === 'mission.assigned') failed = false;
      }
      if (page.items.length) after = page.items.at(-1).seq;
      if (!page.nextCursor) break;
    }
    const m = await api<any>('GET', `/api/v1/missions/${id}`);
    const outcome = settle(m, target);
    if (outcome) return { outcome, mission: m, notes: notesFor(m, outcome, failed) };
    if (Date.now() >= deadline) return { outcome: 'timedOut' as Outcome, mission: m, notes: ['still waiting; what holds it back:', ...dispatchLines(m)] };
    await sleep(Math.min(every, Math.max(0, deadline - Date.now())));
  }
}

function settle(m: any, target: Target): Outcome | undefined {
  if (m.list === 'done') return 'reached';
  if (m.list === 'review' && target !== 'done') return 'reached';
  // A failure leaves it in Todo and not ready (so does a person): nothing will run it, waiting would only time out.
  if (m.list === 'todo' && !m.ready) return 'failed';
  return undefined;
}

function notesFor(m: any, outcome: Outcome, failedMeanwhile: boolean): string[] {
  if (outcome === 'failed') {
    return failedMeanwhile
      ? [`it failed and waits in Todo: solo-unicorn mission show ${m.id} says why; mission retry runs it again`]
      : [`it is in Todo and not ready, so nothing will run it: solo-unicorn mission ready ${m.id}`];
  }
  if (m.list !== 'review') return [];
  if (m.question) return [`the agent asks: ${m.question.text}  → solo-unicorn mission answer ${m.id} "<text>"`];
  return [`waiting for a person: solo-unicorn mission review ${m.id} --approve | --reject "<guidance>"`];
}

/**
 * Where printing starts: the latest run's assignment when there is one (a mission created and
 * waited on may already be running, or done), else what comes from now on.
 */
async function startSeq(api: Api, id: string): Promise<number> {
  let after = 0;
  let assigned: number | undefined;
  for (;;) {
    const page = await api<{ items: { seq: number; kind: string }[]; nextCursor: string | null }>('GET', `/api/v1/missions/${id}/events?after=${after}&limit=500`);
    for (const e of page.items) if (e.kind === 'mission.assigned') assigned = e.seq - 1;
    if (page.items.length) after = page.items.at(-1)!.seq;
    if (!page.nextCursor) return assigned ?? after;
  }
}
