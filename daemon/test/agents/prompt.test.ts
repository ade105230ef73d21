import t from 'tap';
import { buildPrompt } from '../../src/agents/prompt.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const mission = { id: '01JPROMPTMISSION0000000000', title: 'Add dark mode', description: 'Users want a dark theme.' };

t.test('the prompt carries the mission, its stage in the flow, the actor, feedback and docs', async (t) => {
  const prompt = buildPrompt({
    mission: { ...mission, clarification: 'Only the web app.' },
    stage: 'execute', stages: ['clarify', 'plan', 'execute'],
    actor: { name: 'Frontend engineer', instructions: 'Use CSS variables; never inline styles.' },
    projectMemory: 'The app is built with Vite.',
    reviewFeedback: 'The toggle does not persist across reloads.',
    docs: [{ path: 'tasks/2.md', content: 'Persist the choice' }, { path: 'solution.md', content: 'Use a data-theme attribute.\n```css\n:root{}\n```' }, { path: 'tasks/1.md', content: 'Add the toggle' }],
  });
  t.match(prompt, '# Mission: Add dark mode');
  t.match(prompt, mission.id);
  t.match(prompt, 'Users want a dark theme.');
  t.match(prompt, 'Only the web app.');
  t.match(prompt, '## Current stage: execute');
  t.match(prompt, 'Flow: clarify → plan → **execute** (current)');
  t.match(prompt, /Execute the mission\. Implement it/);
  t.match(prompt, '## Your role: Frontend engineer');
  t.match(prompt, 'Use CSS variables; never inline styles.');
  t.match(prompt, 'The app is built with Vite.');
  t.match(prompt, /REVIEW FEEDBACK — the previous attempt was rejected[\s\S]*<review-feedback>\nThe toggle does not persist across reloads.\n<\/review-feedback>/);
  const dir = `solo-unicorn-docs/missions/${mission.id}`;
  const s = prompt.indexOf(`### ${dir}/solution.md`);
  const t1 = prompt.indexOf(`### ${dir}/tasks/1.md`);
  const t2 = prompt.indexOf(`### ${dir}/tasks/2.md`);
  t.ok(s > 0 && s < t1 && t1 < t2, 'docs listed solution first, then tasks in order');
  t.match(prompt, '````markdown\nUse a data-theme attribute.\n```css\n:root{}\n```\n````', 'a doc holding a code fence stays intact');
  t.match(prompt, `\`${dir}/solution.md\``);
  t.match(prompt, `\`${dir}/tasks/{n}.md\``);
});

t.test('a run continuing an unfinished attempt\'s session is told its uncommitted changes are gone', async (t) => {
  const base = { mission, stage: 'execute', stages: ['execute'], docs: [] };
  t.notMatch(buildPrompt(base), /did not finish/, 'no note without an unfinished earlier attempt');
  t.match(buildPrompt({ ...base, unfinishedEarlier: { outcome: 'timed_out', resetTo: '0123456789abcdef0123' } }),
    /## Your earlier attempt did not finish\n\n.*ended timed out, and what it left uncommitted is gone\. .*\(commit 0123456789ab\), which keeps any commit it made; the mission docs below were restored\. Read the files as they are now/);
});

t.test('each built-in stage says what it means; a custom stage is named', async (t) => {
  const base = { mission, stages: ['clarify', 'plan', 'execute', 'security-review'], docs: [] };
  t.match(buildPrompt({ ...base, stage: 'clarify' }), /Clarify the mission[\s\S]*Do not change the code/);
  t.match(buildPrompt({ ...base, stage: 'plan' }), /Plan the mission[\s\S]*tasks\/\{n\}\.md[\s\S]*Do not implement yet/);
  const custom = buildPrompt({ ...base, stage: 'security-review', stages: [{ name: 'execute' }, { name: 'security-review' }] });
  t.match(custom, 'Flow: execute → **security-review** (current)');
  t.match(custom, 'Carry out the "security-review" stage');
});

t.test('a first attempt has no feedback section and says there are no docs yet', async (t) => {
  const prompt = buildPrompt({ mission, stage: 'execute', stages: ['execute'], docs: [] });
  t.notMatch(prompt, 'REVIEW FEEDBACK');
  t.notMatch(prompt, 'Your role');
  t.match(prompt, 'None yet: this is the first session of this mission.');
  t.match(prompt, 'keep them updated');
});
