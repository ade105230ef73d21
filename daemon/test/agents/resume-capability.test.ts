import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '@solo-unicorn/shared';
import t from 'tap';
import { codexAdapter } from '../../src/agents/adapters/codex.ts';
import { tempDir } from '../helpers/processes.ts';
import { dataOf, startRunner } from './runner-harness.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

// The control plane offers `resume` when the mission's earlier attempt recorded an agent session on
// this workstation. Some configured commands cannot take a session id (a plain custom command; a
// Codex command that places the prompt itself through {promptFile}): those run fresh, and the
// timeline must say so and why, never claim a resume that did not happen.
const resume = { agentSessionId: '6f1c2a7e-3b1d-4c55-9a0e-2f1d8c7b9e10', fromAttemptId: newId(), reason: 'review feedback' };

t.test('a custom command offered a session runs fresh and says why', async (t) => {
  const script = join(tempDir('su-resume-cap-'), 'agent.mjs');
  writeFileSync(script, "console.log(JSON.stringify({ kind: 'agent.message', data: { text: 'done' } }));\n");
  const { attempt } = await startRunner({ type: 'custom', command: [process.execPath, script] });
  const run = await attempt({ resume });
  t.equal(run.finished.status, 'succeeded', run.finished.reason ?? 'the attempt finished');
  t.same(dataOf(run.events, 'agent.session_resumed'), [], 'no resume is claimed');
  t.match(dataOf(run.events, 'agent.session_fresh'), [{ reason: /cannot continue a session/ }]);
});

t.test('Codex: a {promptFile} command cannot resume; the built-in command can', async (t) => {
  t.equal(codexAdapter.canResume(['codex', 'exec', '--json', '{promptFile}']), false);
  t.equal(codexAdapter.canResume(['codex', 'exec', '--json']), true);
  const { argv } = codexAdapter.invocation(['codex', 'exec', '--json', '{promptFile}'], { missionId: 'M1', prompt: 'p', promptFile: '/tmp/p.md', resumeSessionId: resume.agentSessionId });
  t.notOk(argv.includes(resume.agentSessionId), 'the thread id is not passed where it has no place');
});
