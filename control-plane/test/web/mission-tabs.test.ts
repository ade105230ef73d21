import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '@solo-unicorn/shared';
import type { Locator, Page } from 'playwright-core';
import t from 'tap';
import { createMissionEventsRepository } from '../../src/modules/missions/mission-events.repository.ts';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { axeViolations, haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

// The board's realtime path runs on both engines in board.test.ts; these views read plain API data.
runOnceAcrossEngines(t, 'a board view in Chromium');

// The mission panel's Files, Docs and Conversation tabs (#16), as a reviewer sees them in Debian's
// Chromium. The daemon's events (git.diff, docs.changed, agent.*) are written through the mission
// events repository, as the session ingest stores them; docs are files in the docs folder, as
// the control plane keeps them. Everything live arrives over the board's real socket.

/** A unified diff of `n` added lines, for a file big enough to start collapsed. */
const bigPatch = (n: number) => `@@ -0,0 +1,${n} @@\n${Array.from({ length: n }, (_, i) => `+line ${i + 1}`).join('\n')}\n`;

// As the daemon sends it (git diff's own file header first).
const tokenizerPatch = [
  'diff --git a/src/tokenizer.ts b/src/tokenizer.ts',
  'index 1a2b3c4..5d6e7f8 100644',
  '--- a/src/tokenizer.ts',
  '+++ b/src/tokenizer.ts',
  '@@ -1,3 +1,8 @@',
  ' // The parser reads tokens.',
  '-const tokens = [];',
  '+/**',
  '+ * Splits the input on white space.',
  '+ */',
  '+export function tokenize(input: string): string[] {',
  '+  return input.split(/\\s+/);',
  '+}',
  ' export default tokens;',
  '',
].join('\n');

function diffSummary(files: Record<string, unknown>[]) {
  const sum = (k: 'additions' | 'deletions') => files.reduce((s, f) => s + Number(f[k] ?? 0), 0);
  return { base: 'b'.repeat(40), head: 'c'.repeat(40), targetBranch: 'main', files, totalFiles: files.length, additions: sum('additions'), deletions: sum('deletions'), truncated: false };
}

async function missionTabsTests() {
  const app = await startTestApp(t);
  const api = app.admin;
  const org = await createOrg(api);
  const project = await createProject(api, org.id, { name: 'Tabs project' });
  const events = createMissionEventsRepository(app.db.db);
  const m = await createMission(api, project.id, { title: 'Review the parser' });
  const quiet = await createMission(api, project.id, { title: 'Nothing done yet' });

  let clock = Date.now() - 30 * 60_000;
  const tick = () => new Date((clock += 1000));
  const append = (kind: string, data: Record<string, unknown>, opts: { origin?: 'agent' | 'system'; attemptId?: string } = {}) =>
    events.append({ missionId: m.id, origin: opts.origin ?? (kind.startsWith('agent.') ? 'agent' : 'system'), kind, data, attemptId: opts.attemptId }, tick());

  // Two attempts: a fresh one that ran a tool, was refused once and failed; a resumed one that errored.
  const first = newId();
  const second = newId();
  await append('attempt.started', { attemptId: first, agentType: 'claude-code' });
  await append('agent.session_fresh', { reason: 'first attempt' });
  await append('agent.session', { agentSessionId: 'sess-1', agent: 'claude-code' });
  await append('agent.thinking', { text: 'The tokenizer comes first.' });
  await append('agent.message', { text: 'I will add a tokenizer and run the tests.' });
  await append('agent.tool_call', { id: 'toolu_1', name: 'Bash', input: { command: 'npm test -- tokenizer', description: 'run the tokenizer tests' } });
  await append('agent.tool_result', { toolUseId: 'toolu_1', isError: false, content: 'ok 1 - splits on spaces\nok 2 - keeps quotes\n# pass 2' });
  await append('agent.permission_denied', { tool: 'Write', path: '/etc/hosts', reason: 'outside the worktree' });
  await append('agent.usage', { inputTokens: 100, outputTokens: 20 });
  await append('attempt.finished', { status: 'failed', reason: 'tests failed' });
  await append('attempt.started', { attemptId: second, agentType: 'claude-code' });
  await append('agent.session_resumed', { agentSessionId: 'sess-1', fromAttemptId: first, reason: 'same workstation' });
  await append('agent.error', { message: 'API overloaded', reason: 'outage', status: 529 });

  // The docs, as stored; the agent changed tasks/2.md last, so it is the current task.
  const docsDir = join(app.docsDir, 'missions', m.id);
  mkdirSync(join(docsDir, 'tasks'), { recursive: true });
  const solution = '# Parser plan\n\nSplit the input into **tokens**.\n\n<script>window.__pwned = "script"</script>\n\n<img src="/favicon.svg" alt="logo" onerror="window.__pwned = \'img\'">\n\n[a link](https://example.com/spec)\n';
  writeFileSync(join(docsDir, 'solution.md'), solution);
  writeFileSync(join(docsDir, 'tasks', '1.md'), '# Task 1: tokenizer\n\n- [x] done\n');
  writeFileSync(join(docsDir, 'tasks', '2.md'), '# Task 2: parser\n\n- [ ] in progress\n');
  await append('docs.changed', { path: 'tasks/2.md', content: '# Task 2: parser\n\n- [ ] in progress\n', contentHash: `sha256:${'0'.repeat(64)}` }, { origin: 'agent', attemptId: second });

  // The diff after the first attempt's commit: a text file, a binary, an omitted one and a large one.
  await append('git.diff', diffSummary([
    { path: 'src/tokenizer.ts', additions: 6, deletions: 1, binary: false, patch: tokenizerPatch },
    { path: 'assets/logo.png', additions: null, deletions: null, binary: true },
    { path: 'data/fixtures.json', additions: 2400, deletions: 0, binary: false, omitted: 'too_large' },
    { path: 'src/generated.ts', additions: 450, deletions: 0, binary: false, patch: bigPatch(450) },
  ]), { origin: 'agent', attemptId: first });

  const { page, step, shot, newPage, close: closeBrowser } = await openBoardBrowser(t, { context: { timezoneId: 'UTC', locale: 'en-US' }, timeoutMs: 20_000 });
  const openPanel = async (p: Page, id: string, title: string) => {
    await p.locator(`li.card[data-id="${id}"]`).getByRole('button', { name: title, exact: true }).click();
    return p.getByRole('dialog', { name: title });
  };
  const tab = (panel: Locator, name: string) => panel.getByRole('tab', { name: new RegExp(`^${name}`) });

  await step('signs in and opens the mission panel on its Details tab', async (t) => {
    await signIn(page, app.baseUrl);
    const panel = await openPanel(page, m.id, 'Review the parser');
    const tabs = panel.getByRole('tab');
    t.same((await tabs.allTextContents()).map((s) => s.replace(/\d+$/, '')), ['Details', 'Files', 'Docs', 'Conversation']);
    t.equal(await tab(panel, 'Details').getAttribute('aria-selected'), 'true', 'Details first, as the panel always opened');
    await panel.getByRole('log', { name: 'Event timeline' }).locator('[data-kind="git.diff"]').waitFor();
    await tab(panel, 'Files').getByText('4').waitFor();
    t.pass('the Files tab says how many files changed before it is opened');
    // Keyboard: arrows move between the tabs (the tabs pattern).
    await tab(panel, 'Details').focus();
    await page.keyboard.press('ArrowRight');
    t.equal(await tab(panel, 'Files').getAttribute('aria-selected'), 'true', 'ArrowRight selects Files');
    t.ok(await tab(panel, 'Files').evaluate((el) => el === document.activeElement), 'and focuses it');
  });

  await step('Files: the changed files with counts, highlighted diffs, binary and omitted files said so, large ones collapsed', async (t) => {
    const panel = page.getByRole('dialog', { name: 'Review the parser' });
    const files = panel.getByTestId('files-tab');
    await files.getByTestId('diff-totals').waitFor();
    t.match(await files.getByTestId('diff-totals').textContent(), /^4 files changed \+2,856 −1 · against main · /);
    t.notMatch(await files.textContent(), /null|undefined/, 'no stray values');
    const file = (path: string) => files.locator(`[data-testid="diff-file"][data-path="${path}"]`);
    t.same(await files.getByTestId('diff-file').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.path)),
      ['src/tokenizer.ts', 'assets/logo.png', 'data/fixtures.json', 'src/generated.ts']);
    const tokenizer = file('src/tokenizer.ts');
    t.match(await tokenizer.locator('summary').textContent(), /src\/tokenizer\.ts\s*\+6 −1/);
    t.ok(await tokenizer.evaluate((el) => (el as HTMLDetailsElement).open), 'a small diff is open');
    const added = tokenizer.locator('tr.add', { hasText: 'export function' });
    t.match(await added.textContent(), /export function tokenize\(input: string\): string\[\] \{/);
    t.equal(await added.locator('.hljs-keyword').first().textContent(), 'export', 'the added line is highlighted as TypeScript');
    t.equal(await tokenizer.locator('tr.add', { hasText: 'Splits the input' }).locator('.hljs-comment').count(), 1, 'a line inside a block comment is coloured as a comment');
    t.equal(await tokenizer.locator('tr.del').count(), 1, 'git\'s file header is not a deleted line');
    t.equal(await tokenizer.locator('tr.add').count(), 6, 'nor an added one');
    t.notOk(await tokenizer.getByText('diff --git').count(), 'the header is not shown as code');
    t.match(await tokenizer.locator('tr.hunk').textContent(), /^@@ -1,3 \+1,8 @@/);
    t.same(await tokenizer.locator('tr.add').first().locator('td.ln').allTextContents(), ['', '2'], 'new-side line numbers from the hunk header');
    t.same(await tokenizer.evaluate((el) => ['tr.add', 'tr.del', 'tr.ctx'].map((s) => getComputedStyle(el.querySelector(s)!).backgroundColor)),
      ['rgb(230, 244, 234)', 'rgb(253, 231, 229)', 'rgba(0, 0, 0, 0)'], 'added lines green, deleted red, context plain');

    const logo = file('assets/logo.png');
    t.match(await logo.locator('summary').textContent(), /binary/);
    await logo.locator('summary').click();
    await logo.getByText('Binary file: not shown.').waitFor();
    const fixtures = file('data/fixtures.json');
    t.match(await fixtures.locator('summary').textContent(), /\+2,400 −0\s*too large/);
    await fixtures.locator('summary').click();
    await fixtures.getByText(/over 1,500 changed lines/).waitFor();

    const generated = file('src/generated.ts');
    t.notOk(await generated.evaluate((el) => (el as HTMLDetailsElement).open), 'a 450-line diff starts collapsed');
    t.match(await generated.locator('summary').textContent(), /451 lines, collapsed/);
    t.equal(await generated.locator('tr').count(), 0, 'and is not rendered until opened');
    await generated.locator('summary').click();
    await generated.locator('tr.add').nth(449).waitFor({ state: 'attached' });
    t.pass('opening it renders every line');
    await generated.locator('summary').click();
    t.same(await axeViolations(page, '#mission-panel'), [], 'no serious or critical accessibility violations on the Files tab');
    await shot('mission-files-desktop.png');
  });

  await step('Docs: solution and tasks rendered as sanitized Markdown, the current task marked', async (t) => {
    const panel = page.getByRole('dialog', { name: 'Review the parser' });
    await tab(panel, 'Docs').click();
    const docs = panel.getByTestId('docs-tab');
    await docs.getByRole('heading', { name: 'Parser plan' }).waitFor();
    t.same(await docs.getByTestId('doc').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.path)), ['solution.md', 'tasks/1.md', 'tasks/2.md']);
    t.equal(await docs.locator('[data-path="solution.md"] strong').textContent(), 'tokens', 'Markdown emphasis is rendered');
    t.equal(await docs.locator('script').count(), 0, 'the <script> in the doc is not in the page');
    t.equal(await docs.locator('[onerror]').count(), 0, 'nor the onerror handler');
    t.equal(await page.evaluate(() => (window as any).__pwned), undefined, 'nothing in the doc ran');
    t.equal(await docs.getByRole('link', { name: 'a link' }).getAttribute('rel'), 'noopener noreferrer');
    t.equal(await docs.getByTestId('current-task').count(), 1);
    t.equal(await docs.locator('[data-path="tasks/2.md"]').getByTestId('current-task').textContent(), 'current task');
    t.equal(await docs.getByRole('heading', { name: 'Task 2: parser' }).count(), 1);

    // Live: the agent rewrites tasks/1.md; it becomes the current task and its text changes.
    await append('docs.changed', { path: 'tasks/1.md', content: '# Task 1: tokenizer, again\n\n- [ ] quotes\n' }, { origin: 'agent', attemptId: second });
    await docs.getByRole('heading', { name: 'Task 1: tokenizer, again' }).waitFor();
    await docs.locator('[data-path="tasks/1.md"]').getByTestId('current-task').waitFor();
    t.equal(await docs.getByTestId('current-task').count(), 1, 'one current task');
    t.same(await axeViolations(page, '#mission-panel'), [], 'no serious or critical accessibility violations on the Docs tab');
    await shot('mission-docs-desktop.png');
  });

  await step('Conversation: messages, thinking, tool calls with inputs and collapsed results, refusals, errors, per attempt, live', async (t) => {
    const panel = page.getByRole('dialog', { name: 'Review the parser' });
    await tab(panel, 'Conversation').click();
    const talk = panel.getByRole('log', { name: 'Agent conversation' });
    const separators = talk.getByTestId('attempt-separator');
    await separators.nth(1).waitFor();
    t.match(await separators.nth(0).textContent(), /^Attempt 1 · claude-code · fresh session \(first attempt\)/);
    t.match(await separators.nth(1).textContent(), /^Attempt 2 · claude-code · resumed the earlier session \(same workstation\)/);
    t.same(await talk.locator('[data-testid="turn"]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.kind)),
      ['agent.thinking', 'agent.message', 'agent.tool_call', 'agent.permission_denied', 'attempt.finished', 'agent.error'],
      'in order; the result sits under its call; usage and session bookkeeping stay out');
    t.match(await talk.locator('[data-kind="agent.message"]').textContent(), /I will add a tokenizer and run the tests\./);
    const thinking = talk.locator('[data-kind="agent.thinking"] details').first();
    t.notOk(await thinking.evaluate((el) => (el as HTMLDetailsElement).open), 'thinking is collapsed');
    const call = talk.locator('[data-kind="agent.tool_call"]');
    t.match(await call.locator('.turn-head').textContent(), /^Tool call: Bash/);
    t.match(await call.getByTestId('tool-input').textContent(), /"command": "npm test -- tokenizer"/, 'the tool input');
    const result = call.getByTestId('tool-result');
    t.notOk(await result.evaluate((el) => (el as HTMLDetailsElement).open), 'the result is collapsed');
    t.match(await result.locator('summary').textContent(), /^Result · 3 lines/);
    t.notOk(await result.getByText('ok 2 - keeps quotes').isVisible());
    await result.locator('summary').click();
    await result.getByText(/ok 2 - keeps quotes/).waitFor();
    t.match(await talk.locator('[data-kind="agent.permission_denied"]').textContent(), /Refused.*Write \/etc\/hosts — outside the worktree/);
    t.match(await talk.locator('[data-kind="agent.error"]').textContent(), /API overloaded \(outage\)/);
    // The raw event, one click away.
    const raw = call.locator('details.raw').last();
    await raw.locator('summary').click();
    t.match(await raw.locator('pre').textContent(), /"kind": "agent.tool_call"[\s\S]*"toolUseId": "toolu_1"/, 'the call and its result, raw');

    // Live: the agent speaks while the panel is open.
    await append('agent.message', { text: 'Retrying after the outage.' });
    await talk.locator('[data-kind="agent.message"] .turn-text').getByText('Retrying after the outage.').waitFor();
    t.pass('a new message appears live');
    t.same(await axeViolations(page, '#mission-panel'), [], 'no serious or critical accessibility violations on the Conversation tab');
    await shot('mission-conversation-desktop.png');
  });

  await step('Files follows a new git.diff event while open', async (t) => {
    const panel = page.getByRole('dialog', { name: 'Review the parser' });
    await tab(panel, 'Files').click();
    await append('git.diff', diffSummary([{ path: 'src/parser.ts', additions: 1, deletions: 0, binary: false, patch: '@@ -0,0 +1 @@\n+export const parse = () => [];\n' }]), { origin: 'agent', attemptId: second });
    const files = panel.getByTestId('files-tab');
    await files.locator('[data-path="src/parser.ts"]').waitFor();
    t.match(await files.getByTestId('diff-totals').textContent(), /^1 file changed \+1 −0/);
    await tab(panel, 'Files').getByText('1').waitFor();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
  });

  await step('a mission without work says so on each tab', async (t) => {
    const panel = await openPanel(page, quiet.id, 'Nothing done yet');
    await tab(panel, 'Files').click();
    await panel.getByTestId('no-diff').waitFor();
    await tab(panel, 'Docs').click();
    await panel.getByTestId('no-docs').waitFor();
    await tab(panel, 'Conversation').click();
    await panel.getByTestId('no-conversation').waitFor();
    t.pass('no diff, no docs, no session yet');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
  });

  await step('a long session keeps the newest 300 entries in the page; earlier ones come back on request', async (t) => {
    const chatty = await createMission(api, project.id, { title: 'Chatty agent' });
    const base = Date.now() - 10 * 60_000;
    for (let i = 1; i <= 350; i++) {
      await events.append({ missionId: chatty.id, origin: 'agent', kind: 'agent.message', data: { text: `message ${i}` } }, new Date(base + i));
    }
    const panel = await openPanel(page, chatty.id, 'Chatty agent');
    await tab(panel, 'Conversation').click();
    const talk = panel.getByRole('log', { name: 'Agent conversation' });
    await talk.locator('.turn-text').getByText('message 350', { exact: true }).waitFor();
    t.equal(await talk.getByTestId('turn').count(), 300);
    await page.waitForFunction(() => {
      const log = document.querySelector('[data-testid="conversation"]')!;
      return log.scrollHeight > log.clientHeight && log.scrollTop + log.clientHeight >= log.scrollHeight - 2;
    });
    t.pass('the conversation opens on its newest entries');
    t.equal(await talk.locator('.turn-text').first().textContent(), 'message 51', 'the oldest in the page');
    const earlier = panel.getByRole('button', { name: 'Show earlier (50 more)' });
    await earlier.click();
    t.equal(await talk.getByTestId('turn').count(), 350);
    t.equal(await talk.locator('.turn-text').first().textContent(), 'message 1');
    t.ok(await earlier.isHidden(), 'nothing earlier left');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
  });

  await step('on a phone the tabs and the diff fit the screen', async (t) => {
    const phone = await newPage('phone');
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(app.baseUrl);
    await phone.locator('#live-status[data-state="live"]').waitFor();
    const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    const panel = await openPanel(phone, m.id, 'Review the parser');
    await tab(panel, 'Files').click();
    await panel.locator('[data-path="src/parser.ts"] tr.add').waitFor();
    t.equal(await overflow(), 0, 'the page does not scroll sideways: the diff scrolls in its own box');
    const box = (await panel.getByRole('tablist').boundingBox())!;
    t.ok(box.x >= 0 && box.x + box.width <= 390, 'the tab bar is on screen');
    const last = (await tab(panel, 'Conversation').boundingBox())!;
    t.ok(last.x + last.width <= box.x + box.width, 'all four tabs fit without scrolling the tab bar');
    t.same(await axeViolations(phone, '#mission-panel'), [], 'no serious or critical accessibility violations on the Files tab at 390 px');
    await shot('mission-files-phone.png', phone);
    await tab(panel, 'Conversation').click();
    await panel.getByRole('log', { name: 'Agent conversation' }).locator('.turn-text').getByText('Retrying after the outage.').waitFor();
    t.equal(await overflow(), 0);
    t.same(await axeViolations(phone, '#mission-panel'), [], 'no serious or critical accessibility violations on the Conversation tab at 390 px');
    await shot('mission-conversation-phone.png', phone);
    await tab(panel, 'Docs').click();
    await panel.getByRole('heading', { name: 'Parser plan' }).waitFor();
    t.equal(await overflow(), 0);
    t.same(await axeViolations(phone, '#mission-panel'), [], 'no serious or critical accessibility violations at 390 px');
    await shot('mission-docs-phone.png', phone);
    await phone.close();
  });

  await closeBrowser();
}

if (haveChromium(t)) await missionTabsTests();
