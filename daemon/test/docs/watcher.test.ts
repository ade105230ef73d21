import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { customAdapter } from '../../src/agents/adapters/custom.ts';
import { launchAgent } from '../../src/agents/launcher.ts';
import type { HashedMissionDoc } from '../../src/docs/mission-docs.ts';
import { restoreMissionDocs } from '../../src/docs/mission-docs.ts';
import { type WatchMissionDocsOptions, watchMissionDocs } from '../../src/docs/watcher.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const fakeAgent = new URL('../fixtures/fake-agent.mjs', import.meta.url).pathname;
const missionId = '01JDOCSTESTMISSION00000000';
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

function worktree() {
  return realpathSync(mkdtempSync(join(tmpdir(), 'su-docs-')));
}
const docsDir = (wt: string) => join(wt, 'solo-unicorn-docs', 'missions', missionId);

/** A watcher whose reports can be awaited by count. */
async function watchDocs(t: Test, wt: string, over: Partial<WatchMissionDocsOptions> = {}) {
  const changes: HashedMissionDoc[] = [];
  const errors: Error[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const watcher = await watchMissionDocs({
    worktree: wt, missionId, debounceMs: 50,
    onChange(doc) {
      changes.push(doc);
      for (const w of [...waiters]) if (changes.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    onError: (e) => errors.push(e),
    ...over,
  });
  t.teardown(() => watcher.close());
  const waitForCount = (n: number) => (changes.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })));
  return { watcher, changes, errors, waitForCount };
}

t.test('reports what write-docs wrote once per distinct content, in a folder created after the watch began', async (t) => {
  const wt = worktree();
  const { watcher, changes, errors, waitForCount } = await watchDocs(t, wt);
  const run = launchAgent({
    adapter: customAdapter, agent: { name: 'fake', command: [process.execPath, fakeAgent], env: { FAKE_AGENT_SCENARIO: 'write-docs', FAKE_AGENT_DOCS_TEXT: 'first' } },
    cwd: wt, missionId, prompt: 'p', promptFile: join(wt, '.prompt'), logFile: join(wt, '.log'),
    stallTimeoutMs: 10_000, wallTimeoutMs: 30_000, killGraceMs: 200, onEvent() {},
  });
  t.equal((await run.done).outcome, 'succeeded');
  await waitForCount(2); // from the file events, not from flush
  await watcher.flush();
  const solution = '# Solution\n\nfirst\n';
  const task = '# Task 1\n\nfirst\n';
  t.same(changes.sort((a, b) => a.path.localeCompare(b.path)), [
    { path: 'solution.md', content: solution, contentHash: sha(solution) },
    { path: 'tasks/1.md', content: task, contentHash: sha(task) },
  ], 'solution.md written twice with the same content is reported once');
  t.same(errors, []);

  writeFileSync(join(docsDir(wt), 'solution.md'), '# Solution\n\nsecond\n');
  await waitForCount(3);
  t.same(changes[2], { path: 'solution.md', content: '# Solution\n\nsecond\n', contentHash: sha('# Solution\n\nsecond\n') });
  writeFileSync(join(docsDir(wt), 'solution.md'), '# Solution\n\nsecond\n');
  await watcher.flush();
  t.equal(changes.length, 3, 'rewriting the same content reports nothing');
});

t.test('a burst of writes to one doc is reported once, with the last content, a debounce after the last write', async (t) => {
  const wt = worktree();
  mkdirSync(join(docsDir(wt), 'tasks'), { recursive: true });
  // Far longer than the writes' spacing, so a loaded machine delaying a write (or its file event)
  // does not split the burst.
  const debounceMs = 2000;
  const { changes, waitForCount, watcher } = await watchDocs(t, wt, { debounceMs });
  let lastWriteAt = 0;
  // Four writes 60 ms apart: each lands inside the previous one's debounce window.
  await new Promise<void>((resolve) => {
    let i = 0;
    const timer = setInterval(() => {
      writeFileSync(join(docsDir(wt), 'tasks', '2.md'), `version ${++i}\n`);
      lastWriteAt = Date.now();
      if (i === 4) {
        clearInterval(timer);
        resolve();
      }
    }, 60);
  });
  await waitForCount(1);
  const reportedAfter = Date.now() - lastWriteAt;
  await watcher.flush();
  t.same(changes.map((c) => [c.path, c.content]), [['tasks/2.md', 'version 4\n']]);
  t.ok(reportedAfter >= debounceMs - 5, `reported ${reportedAfter} ms after the last write`);
});

t.test('flush reports pending changes at once, without waiting for the debounce', async (t) => {
  const wt = worktree();
  const { changes, watcher } = await watchDocs(t, wt, { debounceMs: 60_000 });
  mkdirSync(join(docsDir(wt), 'tasks'), { recursive: true });
  writeFileSync(join(docsDir(wt), 'solution.md'), 'the plan\n');
  writeFileSync(join(docsDir(wt), 'tasks', '1.md'), 'task one\n');
  t.equal(changes.length, 0);
  await watcher.flush();
  t.same(changes.map((c) => c.path), ['solution.md', 'tasks/1.md']);
  await watcher.flush();
  t.equal(changes.length, 2, 'a second flush has nothing new');
});

t.test('only solution.md and tasks/{n}.md are mission docs', async (t) => {
  const wt = worktree();
  const { changes, watcher } = await watchDocs(t, wt);
  mkdirSync(join(docsDir(wt), 'tasks'), { recursive: true });
  writeFileSync(join(docsDir(wt), 'notes.md'), 'x');
  writeFileSync(join(docsDir(wt), 'tasks', 'draft.md'), 'x');
  writeFileSync(join(docsDir(wt), 'tasks', '3.txt'), 'x');
  writeFileSync(join(wt, 'solution.md'), 'x');
  writeFileSync(join(docsDir(wt), 'tasks', '3.md'), 'three\n');
  await watcher.flush();
  t.same(changes.map((c) => c.path), ['tasks/3.md']);
});

t.test('restored docs are written into the worktree and are the baseline, not a change', async (t) => {
  const wt = worktree();
  const docs = [{ path: 'solution.md', content: 'restored solution\n' }, { path: 'tasks/1.md', content: 'restored task\n' }];
  await restoreMissionDocs(wt, missionId, docs);
  t.equal(readFileSync(join(docsDir(wt), 'solution.md'), 'utf8'), 'restored solution\n');
  t.equal(readFileSync(join(docsDir(wt), 'tasks', '1.md'), 'utf8'), 'restored task\n');

  const { changes, watcher, waitForCount } = await watchDocs(t, wt);
  await watcher.flush();
  t.equal(changes.length, 0, 'unchanged restored docs are not reported again');
  writeFileSync(join(docsDir(wt), 'tasks', '1.md'), 'task updated\n');
  await waitForCount(1);
  t.same(changes.map((c) => [c.path, c.content]), [['tasks/1.md', 'task updated\n']]);

  const wt2 = worktree();
  await restoreMissionDocs(wt2, missionId, docs);
  const fresh = await watchDocs(t, wt2, { reportExisting: true });
  await fresh.watcher.flush();
  t.same(fresh.changes.map((c) => c.path), ['solution.md', 'tasks/1.md'], 'reportExisting reports them');
});

t.test('restore refuses a path outside the mission docs', async (t) => {
  const wt = worktree();
  await t.rejects(restoreMissionDocs(wt, missionId, [{ path: '../../escape.md', content: 'x' }]), /not a mission doc path/);
  await t.rejects(restoreMissionDocs(wt, missionId, [{ path: 'tasks/../../x.md', content: 'x' }]), /not a mission doc path/);
});

t.test('a failing onChange is reported to onError and the watcher keeps going', async (t) => {
  const wt = worktree();
  const seen: string[] = [];
  const { errors, watcher } = await watchDocs(t, wt, {
    onChange(doc) {
      seen.push(doc.path);
      if (doc.path === 'solution.md') throw new Error('sink down');
    },
  });
  mkdirSync(join(docsDir(wt), 'tasks'), { recursive: true });
  writeFileSync(join(docsDir(wt), 'solution.md'), 's');
  writeFileSync(join(docsDir(wt), 'tasks', '1.md'), 't');
  await watcher.flush();
  t.same(seen, ['solution.md', 'tasks/1.md']);
  t.match(errors.map((e) => e.message), ['sink down']);
});

t.test('seeded with the restored docs, the watcher starts late without losing an early write or repeating a restored doc', async (t) => {
  const wt = worktree();
  await restoreMissionDocs(wt, missionId, [{ path: 'solution.md', content: 'restored' }, { path: 'tasks/1.md', content: 'task one' }]);
  const seen: HashedMissionDoc[] = [];
  const watching = watchMissionDocs({
    worktree: wt, missionId, debounceMs: 20, onChange: (d) => void seen.push(d),
    known: new Map([['solution.md', sha('restored')], ['tasks/1.md', sha('task one')]]),
  });
  // The agent writes before the watcher is ready.
  writeFileSync(join(docsDir(wt), 'solution.md'), 'written early');
  const watcher = await watching;
  await watcher.flush();
  await watcher.close();
  t.same(seen.map((d) => [d.path, d.content]), [['solution.md', 'written early']], 'the early write once, the untouched restored doc never');
});
