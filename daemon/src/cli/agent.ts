import { about } from './about.ts';
import type { Command } from 'commander';
import { type DetectedAgent, detectAgents } from '../agents/detect.ts';
import { type Env, loadAgentConfig } from '../config.ts';
import { type AgentCheck, checkAgent, missingBuiltIn, shellLine } from './agent-checks.ts';
import { describeLimit, fetchLimitState } from './agent-limits.ts';
import { CliError, printJson } from './output.ts';

const noAgents = 'no code agents found: install Claude Code (`claude`) or Codex (`codex`) on PATH, or name one in config.json `agents`';

export function agentCommand(program: Command, env: () => Env) {
  const agent = program.command('agent').description(about.agent);

  agent.command('list')
    .description('detected agents: version, status, command, the most they may do, and their usage-limit state')
    .option('--url <url>', 'control-plane URL for the limit state (default: from `login`)')
    .option('--api-key <key>', 'API key (default: from `login`)')
    .option('--json', 'print JSON')
    .action(async (o: { url?: string; apiKey?: string; json?: boolean }) => {
      const e = env();
      const agents = await detectAgents(loadAgentConfig(e));
      const limits = agents.length ? await fetchLimitState(e, o) : undefined;
      const rows = agents.map((a) => ({ agent: a, limit: describeLimit(limits!, a.type) }));
      if (o.json) {
        return printJson({
          agents: rows.map(({ agent: a, limit }) => ({
            name: a.type, version: a.version, status: a.status, detail: a.detail ?? null, command: a.command, maxPolicy: a.maxPolicy,
            limitedUntil: limit.limitedUntil, limit: limit.text,
          })),
        });
      }
      if (!agents.length) return void process.stdout.write(`${noAgents}\n`);
      for (const { agent: a, limit } of rows) process.stdout.write(listLines(a, limit.text));
    });

  agent.command('check [name]')
    .description('check one agent (or all): executable, --version, supported version, and the exact command an edits mission runs; exits 1 when a check fails')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, o: { json?: boolean }) => {
      const agents = await detectAgents(loadAgentConfig(env()));
      const results = name ? [checkNamed(agents, name)] : agents.map(checkAgent);
      if (!results.length) throw new CliError(noAgents);
      const ok = results.every((r) => r.ok);
      if (o.json) printJson({ ok, agents: results });
      else process.stdout.write(`${results.map(checkLines).join('\n')}\n${ok ? 'all checks passed' : `${failures(results)} check(s) failed`}\n`);
      if (!ok) process.exitCode = 1;
    });
}

function listLines(a: DetectedAgent, limit: string): string {
  const status = a.status === 'unsupported' ? `unsupported: ${a.detail}` : 'ok';
  return `${a.type}  ${a.version ?? 'version unknown'}  ${status}  max policy ${a.maxPolicy}  ${limit}\n  command: ${shellLine(a.command)}\n`;
}

function checkNamed(agents: DetectedAgent[], name: string): AgentCheck {
  const found = agents.find((a) => a.type === name);
  if (found) return checkAgent(found);
  const missing = missingBuiltIn(name);
  if (missing) return missing;
  throw new CliError(`no agent named "${name}" on this workstation; detected: ${agents.map((a) => a.type).join(', ') || 'none'}`);
}

const mark = (ok: boolean | null) => (ok === null ? 'skip' : ok ? 'ok  ' : 'FAIL');
const failures = (results: AgentCheck[]) => results.reduce((n, r) => n + r.checks.filter((c) => c.ok === false).length, 0);

function checkLines(r: AgentCheck): string {
  const lines = [r.name, ...r.checks.map((c) => `  ${mark(c.ok)} ${c.check}: ${c.detail}`)];
  if (r.argv.length) lines.push(`  an edits mission runs: ${shellLine(r.argv)}`);
  return lines.join('\n');
}
