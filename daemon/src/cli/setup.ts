import { about } from './about.ts';
// The things a project is set up with: repositories, flows and actors.
import { readFileSync } from 'node:fs';
import { createActorBody, createFlowBody, createRepositoryBody } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { apiContext, commonApiOptions, validBody } from './api-context.ts';
import { CliError, emit, printJson, printList } from './output.ts';
import { projectOf, repoShortName } from './resolve.ts';

type Opts = Record<string, string | boolean | undefined> & { json?: boolean; quiet?: boolean; url?: string; apiKey?: string };
const projectFlag = (cmd: Command) => cmd.option('--project <project>', 'project name or id (default: $SU_PROJECT)');
const created = (cmd: Command) => cmd.option('-q, --quiet', 'print only the id');

/** A text flag, or the file named by its `-file` twin (long instructions do not fit a command line). */
function textOrFile(o: Opts, name: string, fileKey: string) {
  if (o[name] !== undefined && o[fileKey] !== undefined) throw new CliError(`give --${name} or --${name}-file, not both`);
  if (o[fileKey] === undefined) return o[name] as string | undefined;
  try {
    return readFileSync(o[fileKey] as string, 'utf8');
  } catch (error) {
    throw new CliError(`--${name}-file: cannot read ${o[fileKey]}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export function setupCommands(program: Command, env: () => Env) {
  const repo = program.command('repo').description(about.repo);
  commonApiOptions(projectFlag(repo.command('list').description("the project's repositories")))
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      const { items } = await api<{ items: any[] }>('GET', `/api/v1/projects/${await projectOf(api, o.project as string)}/repositories`);
      if (o.json) return printJson({ items });
      printList(items, (r) => `${r.id}  ${repoShortName(r.url).padEnd(16)}  ${r.defaultBranch.padEnd(8)}  ${r.url}`, 'no repositories');
    });
  commonApiOptions(created(projectFlag(repo.command('add <gitUrl>').description('link a git repository (https, ssh or file URL) to the project'))))
    .option('--default-branch <branch>', 'the branch missions merge into (default main)')
    .option('--github <owner/name>', 'the GitHub repository behind a URL that does not say (mirrors, Enterprise)')
    .action(async (url: string, o: Opts) => {
      const api = apiContext(env(), o);
      let github: { owner: string; name: string } | undefined;
      if (o.github !== undefined) {
        const [owner, name, ...rest] = String(o.github).split('/');
        if (!owner || !name || rest.length) throw new CliError(`--github: expected owner/name, got "${o.github}"`);
        github = { owner, name };
      }
      const body = validBody(createRepositoryBody, { url, defaultBranch: o.defaultBranch, github }, (f) => (f === 'url' ? '<gitUrl>' : f === 'defaultBranch' ? '--default-branch' : `--${f}`));
      const r = await api<any>('POST', `/api/v1/projects/${await projectOf(api, o.project as string)}/repositories`, body);
      emit(o, r, () => `added repository ${repoShortName(r.url)} (${r.id}), branch ${r.defaultBranch}`);
    });

  const flow = program.command('flow').description(about.flow);
  commonApiOptions(projectFlag(flow.command('list').description("the project's flows")))
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      const { items } = await api<{ items: any[] }>('GET', `/api/v1/projects/${await projectOf(api, o.project as string)}/flows`);
      if (o.json) return printJson({ items });
      printList(items, (f) => `${f.id}  ${f.name}  [${f.stages.map((s: any) => `${s.name}${s.requiresReview ? ' (review)' : ''}`).join(' → ')}]`, 'no flows');
    });
  commonApiOptions(created(projectFlag(flow.command('create <name>').description('create a flow'))))
    .requiredOption('--stages <list>', "comma-separated stage names in order; 'name:review' stops for a person after it (e.g. plan:review,execute)")
    .action(async (name: string, o: Opts) => {
      const api = apiContext(env(), o);
      const stages = String(o.stages).split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
        const [stage, mark, ...rest] = s.split(':');
        if (rest.length || (mark !== undefined && mark !== 'review')) throw new CliError(`--stages: "${s}": a stage is name or name:review`);
        return { name: stage, requiresReview: mark === 'review' };
      });
      const body = validBody(createFlowBody, { name, stages }, (f) => (f === 'name' ? '<name>' : `--${f}`));
      const f = await api<any>('POST', `/api/v1/projects/${await projectOf(api, o.project as string)}/flows`, body);
      emit(o, f, () => `created flow ${f.name} (${f.id}): ${f.stages.map((s: any) => s.name).join(' → ')}`);
    });

  const actor = program.command('actor').description(about.actor);
  commonApiOptions(projectFlag(actor.command('list').description("the project's actors")))
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      const { items } = await api<{ items: any[] }>('GET', `/api/v1/projects/${await projectOf(api, o.project as string)}/actors`);
      if (o.json) return printJson({ items });
      printList(items, (a) => `${a.id}  ${a.name}${a.description ? `  — ${a.description}` : ''}`, 'no actors');
    });
  commonApiOptions(created(projectFlag(actor.command('create <name>').description('create an actor'))))
    .option('--description <text>', 'who it is, one line')
    .option('--instructions <text>', 'what the agent is told when it plays this actor')
    .option('--instructions-file <path>', 'the instructions, from a file')
    .action(async (name: string, o: Opts) => {
      const api = apiContext(env(), o);
      const body = validBody(createActorBody, { name, description: o.description, instructions: textOrFile(o, 'instructions', 'instructionsFile') }, (f) => (f === 'name' ? '<name>' : `--${f}`));
      const a = await api<any>('POST', `/api/v1/projects/${await projectOf(api, o.project as string)}/actors`, body);
      emit(o, a, () => `created actor ${a.name} (${a.id})`);
    });
}
