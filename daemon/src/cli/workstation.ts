import type { Command } from 'commander';
import { registerWorkstationResponse } from '@solo-unicorn/shared';
import { type Env, readConfigFile } from '../config.ts';
import { callApi } from './api-client.ts';
import { updateConfigFile } from './config-file.ts';
import { CliError, printJson } from './output.ts';

export function workstationCommand(program: Command, env: () => Env) {
  const ws = program.command('workstation').description('manage this machine as a workstation');
  ws.command('register')
    .description('register this machine; writes the server URL, workstation id and token to $SU_HOME/config.json (0600)')
    .option('--url <url>', 'control-plane base URL (default: from `login`)')
    .option('--api-key <key>', 'an API key of an organization admin (default: from `login`)')
    .requiredOption('--organization <orgId>', 'organization id')
    .requiredOption('--name <name>', 'workstation name')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; apiKey?: string; organization: string; name: string; json?: boolean }) => {
      const e = env();
      const file = readConfigFile(e.configPath);
      const url = opts.url ?? file.serverUrl;
      const apiKey = opts.apiKey ?? file.apiKey;
      if (!url || !apiKey) throw new CliError('missing --url/--api-key (or run `solo-unicorn login --url URL --api-key KEY` first)', 2);
      const raw = await callApi<unknown>(url, apiKey, 'POST', '/api/v1/workstations', { organizationId: opts.organization, name: opts.name });
      const parsed = registerWorkstationResponse.safeParse(raw);
      if (!parsed.success) throw new CliError('the control plane answered the registration with an unexpected shape; is it the same version?');
      const { workstation, token } = parsed.data;
      updateConfigFile(e.configPath, {
        serverUrl: url.replace(/\/+$/, ''), workstationId: workstation.id, workstationName: workstation.name, organizationId: workstation.organizationId, token,
      });
      if (opts.json) printJson({ workstation, configPath: e.configPath });
      else process.stdout.write(`registered workstation ${workstation.name} (${workstation.id}); start it with \`solo-unicorn daemon\`\n`);
    });
}
