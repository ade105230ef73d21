import { about } from './about.ts';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { callApi } from './api-client.ts';
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
      const orgs = await callApi<{ items: { id: string; name: string }[] }>(opts.url, opts.apiKey, 'GET', '/api/v1/organizations');
      updateConfigFile(e.configPath, { serverUrl: opts.url.replace(/\/+$/, ''), apiKey: opts.apiKey });
      if (opts.json) printJson({ serverUrl: opts.url, organizations: orgs.items ?? [] });
      else process.stdout.write(`logged in to ${opts.url} (config: ${e.configPath})\n`);
    });
}
