import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { compareVersions, detectAgents, runnableAgents, supportOf } from '../../src/agents/detect.ts';
import { repoRoot, tempDir } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

// The pinned CLIs (devDependencies) and node itself, which codex's launcher script needs.
const pinnedBin = join(repoRoot, 'node_modules/.bin');
const nodeDir = dirname(process.execPath);

/** A bin dir holding a `name` script that runs `body` (sh). */
function fakeBin(name: string, body: string) {
  const bin = join(tempDir('su-fake-bin-'), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
  return bin;
}

t.test('the pinned Claude Code, Codex and Gemini CLIs on PATH are found with their versions, supported, at most edits', async (t) => {
  const agents = await detectAgents({ path: `${pinnedBin}:${nodeDir}`, agents: {} });
  t.match(agents, [
    { type: 'claude-code', version: '2.1.332', status: 'ok', maxPolicy: 'edits', executable: join(pinnedBin, 'claude') },
    { type: 'codex', version: '0.171.0', status: 'ok', maxPolicy: 'edits', executable: join(pinnedBin, 'codex') },
    { type: 'gemini', version: '0.61.0', status: 'ok', maxPolicy: 'edits', executable: join(pinnedBin, 'gemini') },
  ]);
  t.notOk(agents.some((a) => a.detail), 'a supported version carries no detail');
});

t.test('the workstation opt-in raises the most an agent may do to full', async (t) => {
  const agents = await detectAgents({ path: `${pinnedBin}:${nodeDir}`, agents: {}, allowFullAgentPermissions: true });
  t.same(agents.map((a) => a.maxPolicy), ['full', 'full', 'full']);
});

t.test('a Claude Code older than 2.0.0 is unsupported and never runnable, with version and minimum named', async (t) => {
  const agents = await detectAgents({ path: `${fakeBin('claude', 'echo "1.0.0 (Claude Code)"')}:${pinnedBin}:${nodeDir}`, agents: {} });
  const claude = agents.find((a) => a.type === 'claude-code')!;
  t.match(claude, { version: '1.0.0', status: 'unsupported', detail: /1\.0\.0 < 2\.0\.0/ });
  t.same(runnableAgents(agents).map((a) => a.type), ['codex', 'gemini'], 'codex and gemini still run');
});

t.test('a version that cannot be read is given the benefit of the doubt: ok, "version unknown"', async (t) => {
  const failing = await detectAgents({ path: fakeBin('claude', 'echo "no such flag" >&2; exit 2'), agents: {} });
  t.match(failing, [{ type: 'claude-code', version: null, status: 'ok', detail: 'version unknown', versionError: /failed/ }]);
  const wordy = await detectAgents({ path: fakeBin('claude', 'echo "Claude Code (dev build)"'), agents: {} });
  t.match(wordy, [{ version: null, status: 'ok', detail: 'version unknown', versionError: /no version in its output: Claude Code \(dev build\)/ }]);
});

t.test('a built-in configured in config.json has its own command probed, with its env; custom agents are not version-checked', async (t) => {
  const old = join(fakeBin('codex-old', 'echo "codex-cli $CODEX_FAKE_VERSION"'), 'codex-old');
  const agents = await detectAgents({
    path: nodeDir, agentCommand: ['node', 'agent.mjs', '{promptFile}'],
    agents: { codex: { command: [old, 'exec', '--json'], env: { CODEX_FAKE_VERSION: '0.49.9' } }, 'claude-code': { command: ['/nowhere/claude'] } },
  });
  t.match(agents, [
    { type: 'custom', version: null, status: 'ok', executable: process.execPath },
    { type: 'codex', version: '0.49.9', status: 'unsupported', detail: /0\.49\.9 < 0\.133\.0/, executable: old },
    { type: 'claude-code', version: null, status: 'ok', detail: 'version unknown', executable: null, versionError: '/nowhere/claude not found' },
  ]);
  t.equal(agents[0]!.detail, undefined);
});

t.test('a CLI updated in place is probed afresh: a version is remembered only for the same file', async (t) => {
  const bin = fakeBin('claude', 'echo "2.1.0 (Claude Code)"');
  const before = await detectAgents({ path: bin, agents: {} });
  t.equal(before[0]!.version, '2.1.0');
  // A different size, so the change is seen even within the file system's mtime granularity.
  writeFileSync(join(bin, 'claude'), '#!/bin/sh\necho "2.10.0 (Claude Code), updated"\n');
  const after = await detectAgents({ path: bin, agents: {} });
  t.equal(after[0]!.version, '2.10.0', 'the updated CLI\'s version, not the remembered one');
});

t.test('versions compare as numbers, part by part', async (t) => {
  t.equal(compareVersions('0.171.0', '0.50.0'), 1, 'not as strings');
  t.equal(compareVersions('10.0.0', '9.9.9'), 1);
  t.equal(compareVersions('2.0', '2.0.0'), 0);
  t.equal(compareVersions('2.0.0-beta.1', '2.0.0'), 0, 'a pre-release of the minimum counts as it');
  t.equal(compareVersions('1.99.0', '2.0.0'), -1);
  t.same(supportOf('codex', '0.133.0'), { status: 'ok' }, 'the minimum itself is supported');
  t.equal(supportOf('codex', '0.132.9').status, 'unsupported', 'just below it is not');
  t.same(supportOf('aider', '0.0.1'), { status: 'ok' }, 'no minimum for an agent we do not adapt');
});
