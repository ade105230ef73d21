import { builtIns, type DetectedAgent, minimumVersions } from '../agents/detect.ts';
import { adapterFor } from '../agents/registry.ts';

export interface CheckResult {
  check: string;
  /** null: not applicable to this agent (a custom command has no version to check). */
  ok: boolean | null;
  detail: string;
}

export interface AgentCheck {
  name: string;
  ok: boolean;
  checks: CheckResult[];
  /** What the daemon would run for an `edits` mission, the prompt shown as `<prompt>`. */
  argv: string[];
}

/**
 * The checks `agent check` runs, all local: the executable is there, `--version` answers, the
 * version is one the adapter supports. Detection already ran the probes; this reads them.
 */
export function checkAgent(agent: DetectedAgent): AgentCheck {
  const minimum = minimumVersions[agent.type];
  const checks: CheckResult[] = [
    agent.executable
      ? { check: 'on PATH and executable', ok: true, detail: agent.executable }
      : { check: 'on PATH and executable', ok: false, detail: `${agent.command[0]} not found or not executable` },
    !minimum
      ? { check: '--version', ok: null, detail: 'not checked: a custom command' }
      : agent.version
        ? { check: '--version', ok: true, detail: agent.version }
        : { check: '--version', ok: false, detail: agent.versionError ?? 'no version' },
    !minimum
      ? { check: 'supported version', ok: null, detail: 'no minimum for a custom command' }
      : agent.status === 'unsupported'
        ? { check: 'supported version', ok: false, detail: agent.detail ?? `older than ${minimum}` }
        : agent.version
          ? { check: 'supported version', ok: true, detail: `${agent.version} >= ${minimum}` }
          : { check: 'supported version', ok: null, detail: `cannot tell (needs >= ${minimum}); the daemon runs it anyway` },
  ];
  const { argv } = adapterFor(agent.type).invocation(agent.command, { missionId: '<missionId>', prompt: '<prompt>', promptFile: '<promptFile>', policy: 'edits' });
  return { name: agent.type, ok: checks.every((c) => c.ok !== false), checks, argv };
}

/** A built-in asked for by name that detection did not find: one failed check saying where it was looked for. */
export function missingBuiltIn(name: string): AgentCheck | undefined {
  const b = builtIns.find((x) => x.type === name);
  if (!b) return undefined;
  return {
    name, ok: false, argv: [],
    checks: [{ check: 'on PATH and executable', ok: false, detail: `${b.binary} is not on PATH and config.json has no "${name}" agent` }],
  };
}

/** argv as a shell line: placeholders and plain words bare, anything else single-quoted. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$|^<\w+>$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}
