import { about } from './about.ts';
import type { Command } from 'commander';
import { registerWorkstationResponse } from '@solo-unicorn/shared';
import { type Env, readConfigFile, splitServerUrls } from '../config.ts';
import { updateConfigFile } from './config-file.ts';
import { apiContext, callFirstReachable, commonApiOptions } from './api-context.ts';
import { CliError, emit, printJson, printList } from './output.ts';
import { allPages, projectOf, resolveOrg, resolveWorkstation } from './resolve.ts';

type Opts = Record<string, string | boolean | undefined> & { json?: boolean; url?: string; apiKey?: string };
/** A workstation that shows you its status only (#18) has no slots or agents to print. */
const load = (w: any) => (w.currentMissions ? `${w.currentMissions.length}/${w.maxConcurrentMissions} running` : '(status only)');
const visibilities = ['hidden', 'status', 'full'];
const presence = (w: any) => `${w.online ? 'online ' : 'offline'}${w.revokedAt ? ' revoked' : ''}${w.paused ? ` paused (${w.pausedReason ?? 'no reason'})` : ''}`;

export function workstationCommand(program: Command, env: () => Env) {
  const ws = program.command('workstation').description(about.workstation);
  ws.command('register')
    .description('register this machine; writes the server URL, workstation id and token to $SU_HOME/config.json (0600)')
    .option('--url <url>', 'control-plane base URL (default: from `login`)')
    .option('--api-key <key>', 'an API key of an organization admin (default: from `login`)')
    .requiredOption('--organization <org>', 'organization (name or id)')
    .requiredOption('--name <name>', 'workstation name')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; apiKey?: string; organization: string; name: string; json?: boolean }) => {
      const e = env();
      const file = readConfigFile(e.configPath);
      const urls = splitServerUrls(opts.url ?? file.serverUrl ?? '');
      const apiKey = opts.apiKey ?? file.apiKey;
      if (!urls.length || !apiKey) throw new CliError('missing --url/--api-key (or run `solo-unicorn login --url URL --api-key KEY` first)', 2);
      const api = <T>(method: string, path: string, body?: unknown) => callFirstReachable<T>(urls, apiKey, method, path, body);
      const organizationId = await resolveOrg(api, opts.organization);
      const raw = await api<unknown>('POST', '/api/v1/workstations', { organizationId, name: opts.name });
      const parsed = registerWorkstationResponse.safeParse(raw);
      if (!parsed.success) throw new CliError('the control plane answered the registration with an unexpected shape; is it the same version?');
      const { workstation, token } = parsed.data;
      updateConfigFile(e.configPath, {
        serverUrl: urls.join(','), workstationId: workstation.id, workstationName: workstation.name, organizationId: workstation.organizationId, token,
      });
      if (opts.json) printJson({ workstation, configPath: e.configPath });
      else process.stdout.write(`registered workstation ${workstation.name} (${workstation.id}); start it with \`solo-unicorn daemon\`\n`);
    });

  commonApiOptions(ws.command('list').description('workstations of your organizations (or those a project may use), online or not'))
    .option('--org <org>', 'only this organization (name or id)')
    .option('--project <project>', 'only those mapped to this project (name or id)')
    .action(async (o: Opts) => {
      const api = apiContext(env(), o);
      let items = await allPages<any>(api, `/api/v1/workstations${o.org ? `?organizationId=${await resolveOrg(api, o.org as string)}` : ''}`);
      if (o.project) {
        const mapped = await api<{ items: { workstationId: string }[] }>('GET', `/api/v1/projects/${await projectOf(api, o.project as string)}/workstations`);
        const ids = new Set(mapped.items.map((m) => m.workstationId));
        items = items.filter((w) => ids.has(w.id));
      }
      if (o.json) return printJson({ items });
      printList(items, (w) => `${w.id}  ${presence(w)}  ${load(w)}  ${w.name}${w.agents?.length ? `  agents: ${w.agents.map((a: any) => a.type).join(', ')}` : ''}`, 'no workstations');
    });

  commonApiOptions(ws.command('map [workstation]').description("let a workstation run a project's missions (name or id; default: this machine's)"))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .action(async (ref: string | undefined, o: Opts) => {
      const api = apiContext(env(), o);
      const own = readConfigFile(env().configPath).workstationId;
      if (!ref && !own) throw new CliError('<workstation>: required here (this machine is not registered: `solo-unicorn workstation register`)');
      const workstationId = ref ? await resolveWorkstation(api, ref) : own!;
      const mapped = await api<any>('POST', `/api/v1/projects/${await projectOf(api, o.project as string)}/workstations`, { workstationId });
      emit(o, mapped, () => `workstation ${ref ?? workstationId} may now run missions of project ${o.project ?? process.env.SU_PROJECT}`);
    });

  /** `[workstation]` by name or id; default: this machine's own (from `workstation register`). */
  async function target(api: ReturnType<typeof apiContext>, ref: string | undefined) {
    const own = readConfigFile(env().configPath).workstationId;
    if (!ref && !own) throw new CliError('<workstation>: required here (this machine is not registered: `solo-unicorn workstation register`)');
    return ref ? resolveWorkstation(api, ref) : own!;
  }

  commonApiOptions(ws.command('unmap [workstation]').description("stop a workstation running a project's missions (those running there finish)"))
    .option('--project <project>', 'project name or id (default: $SU_PROJECT)')
    .action(async (ref: string | undefined, o: Opts) => {
      const api = apiContext(env(), o);
      const workstationId = await target(api, ref);
      const projectId = await projectOf(api, o.project as string);
      await api<void>('DELETE', `/api/v1/projects/${projectId}/workstations/${workstationId}`);
      const result = { projectId, workstationId, unmapped: true };
      emit(o, result, () => `workstation ${ref ?? workstationId} no longer runs missions of project ${o.project ?? process.env.SU_PROJECT}`);
    });

  commonApiOptions(ws.command('pause [workstation]').description('no new missions for a workstation (running ones finish); the reason shows on the missions it holds back'))
    .requiredOption('--reason <text>', 'why (shown as “workstation paused: <reason>”)')
    .action(async (ref: string | undefined, o: Opts) => {
      const api = apiContext(env(), o);
      const paused = await api<any>('POST', `/api/v1/workstations/${await target(api, ref)}/pause`, { reason: o.reason });
      emit(o, paused, () => `paused workstation ${paused.name} (${paused.id}): ${paused.pausedReason}; running missions finish, \`solo-unicorn workstation resume\` gives it work again`);
    });

  commonApiOptions(ws.command('visibility <workstation> <level>')
    .description('what other members see of a workstation: hidden (nothing), status (online/paused only) or full; you and organization admins see everything'))
    .action(async (ref: string, level: string, o: Opts) => {
      if (!visibilities.includes(level)) throw new CliError(`<level>: one of ${visibilities.join(', ')} (got "${level}")`, 2);
      const api = apiContext(env(), o);
      const changed = await api<any>('PATCH', `/api/v1/workstations/${await target(api, ref)}`, { visibility: level });
      emit(o, changed, () => `workstation ${changed.name} (${changed.id}) now shows other members: ${changed.visibility}`);
    });

  commonApiOptions(ws.command('resume [workstation]').description('give a paused workstation work again'))
    .action(async (ref: string | undefined, o: Opts) => {
      const api = apiContext(env(), o);
      const resumed = await api<any>('POST', `/api/v1/workstations/${await target(api, ref)}/resume`);
      emit(o, resumed, () => `resumed workstation ${resumed.name} (${resumed.id}): ${presence(resumed)}`);
    });
}
