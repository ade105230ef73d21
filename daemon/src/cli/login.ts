import { about } from './about.ts';
import type { Command } from 'commander';
import { type Env, splitServerUrls } from '../config.ts';
import { callFirstReachable } from './api-context.ts';
import { updateConfigFile } from './config-file.ts';
import { printJson } from './output.ts';

export function loginCommand(program: Command, env: () => Env) {
  program
    .command('login')
    .description(about.login)
    .requiredOption('--url <url>', 'control-plane base URL, e.g. http://127.0.0.1:7878')
    .requiredOption('--api-key <key>', 'your API key (su_…)')
    .option('--json', 'print JSON')
    .action(async (opts: { url: string; apiKey: string; json?: boolean }) => {
      const e = env();
      // A comma-separated list (several instances) is kept as one, as the daemon reads it.
      const urls = splitServerUrls(opts.url);
      const orgs = await callFirstReachable<{ items: { id: string; name: string }[] }>(urls, opts.apiKey, 'GET', '/api/v1/organizations');
      updateConfigFile(e.configPath, { serverUrl: urls.join(','), apiKey: opts.apiKey });
      if (opts.json) printJson({ serverUrl: opts.url, organizations: orgs.items ?? [] });
      else process.stdout.write(`logged in to ${opts.url} (config: ${e.configPath})\n`);
    });
}
