import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { detectAgents } from '../../src/agents/detect.ts';
import { resolveAgent } from '../../src/agents/registry.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

/** A PATH holding executable `claude` and `codex` stubs that print a version. */
function pathWithBuiltIns() {
  const bin = join(mkdtempSync(join(tmpdir(), 'su-bin-')), 'bin');
  mkdirSync(bin);
  for (const name of ['claude', 'codex']) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} 1.2.3"\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

t.test('detection order is custom, config agents, then built-ins on PATH; config can override a built-in', async (t) => {
  const agents = await detectAgents({
    path: pathWithBuiltIns(),
    agentCommand: ['node', 'agent.mjs', '{promptFile}'],
    agents: { aider: { command: ['aider', '--message-file', '{promptFile}'], env: { A: '1' } }, codex: { command: ['/opt/codex/bin/codex', 'exec', '--json'] } },
  });
  t.same(agents.map((a) => a.type), ['custom', 'aider', 'codex', 'claude-code']);
  t.same(agents.find((a) => a.type === 'codex')!.command, ['/opt/codex/bin/codex', 'exec', '--json']);
  t.equal(agents.find((a) => a.type === 'claude-code')!.version, '1.2.3');
});

t.test('the project default agent wins when present, else the first available', async (t) => {
  const agents = await detectAgents({ path: pathWithBuiltIns(), agentCommand: ['fake', '{promptFile}'], agents: {} });
  const codex = resolveAgent(agents, 'codex')!;
  t.equal(codex.adapter.name, 'codex');
  t.same(codex.agent, { name: 'codex', command: ['codex', 'exec', '--json'] });
  t.equal(codex.unavailableDefault, undefined);

  const fallback = resolveAgent(agents, 'gemini')!;
  t.same(fallback.agent, { name: 'custom', command: ['fake', '{promptFile}'] });
  t.equal(fallback.adapter.name, 'custom');
  t.equal(fallback.unavailableDefault, 'gemini');

  t.equal(resolveAgent(agents, null)!.agent.name, 'custom');
  t.equal(resolveAgent(agents.filter((a) => a.type !== 'custom'))!.adapter.name, 'claude-code');
  t.equal(resolveAgent([], 'codex'), undefined, 'no agent at all');
});
