import { about } from './about.ts';
import { putGithubIntegrationBody } from '@solo-unicorn/shared';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { apiContext, commonApiOptions, intFlag, validBody } from './api-context.ts';
import { CliError, printJson } from './output.ts';

type Opts = Record<string, string | boolean | undefined> & { json?: boolean; url?: string; apiKey?: string };

/** `/projects/:id/github` or `/organizations/:id/github`, from exactly one of the two flags. */
function target(o: Opts): string {
  if (Boolean(o.project) === Boolean(o.organization)) throw new CliError('--project or --organization: give exactly one');
  return o.project ? `/api/v1/projects/${o.project}/github` : `/api/v1/organizations/${o.organization}/github`;
}

const describe = (g: any) =>
  `GitHub connected (${g.scope}${g.scope === 'organization' ? ' default' : ''}): token ${g.tokenHint}, API ${g.apiBaseUrl}, webhook secret ${g.webhookSecretSet ? 'set' : 'not set'}, at most ${g.maxFeedbackCycles} PR feedback round(s)\n`;

export function githubCommand(program: Command, env: () => Env) {
  const github = program.command('github').description(about.github);

  commonApiOptions(github.command('connect').description('store a GitHub token (read from an environment variable, never from the command line)'))
    .option('--project <id>', 'connect this project')
    .option('--organization <id>', 'connect every project of this organization (a project’s own connection wins)')
    .option('--token-env <VAR>', 'environment variable holding the token', 'GITHUB_TOKEN')
    .option('--webhook-secret-env <VAR>', 'environment variable holding the repository webhook’s secret')
    .option('--api-url <url>', 'GitHub Enterprise REST root, e.g. https://ghe.example.com/api/v3')
    .option('--max-feedback-cycles <n>', 'PR change-request rounds before a person is asked (default 3)')
    .action(async (o: Opts) => {
      const path = target(o);
      const tokenVar = o.tokenEnv as string;
      const token = process.env[tokenVar];
      if (!token) throw new CliError(`--token-env: $${tokenVar} is empty; export the token in it first`);
      const secretVar = o.webhookSecretEnv as string | undefined;
      const webhookSecret = secretVar ? process.env[secretVar] : undefined;
      if (secretVar && !webhookSecret) throw new CliError(`--webhook-secret-env: $${secretVar} is empty`);
      const body = validBody(putGithubIntegrationBody, {
        token, webhookSecret, apiBaseUrl: o.apiUrl, maxFeedbackCycles: intFlag('max-feedback-cycles', o.maxFeedbackCycles as string | undefined),
      }, (f) => ({ token: '--token-env', webhookSecret: '--webhook-secret-env', apiBaseUrl: '--api-url', maxFeedbackCycles: '--max-feedback-cycles' })[f] ?? `--${f}`);
      const saved = await apiContext(env(), o)<any>('PUT', path, body);
      if (o.json) printJson(saved);
      else process.stdout.write(describe(saved));
    });

  commonApiOptions(github.command('status').description('the GitHub connection in effect (never the token)'))
    .option('--project <id>', 'project id')
    .option('--organization <id>', 'organization id')
    .action(async (o: Opts) => {
      const g = await apiContext(env(), o)<any>('GET', target(o));
      if (o.json) printJson(g);
      else process.stdout.write(describe(g));
    });

  commonApiOptions(github.command('disconnect').description('forget the stored token'))
    .option('--project <id>', 'project id')
    .option('--organization <id>', 'organization id')
    .action(async (o: Opts) => {
      await apiContext(env(), o)('DELETE', target(o));
      if (o.json) printJson({ disconnected: true });
      else process.stdout.write('GitHub disconnected\n');
    });
}
