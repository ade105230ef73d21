import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newId } from '@solo-unicorn/shared';
import t from 'tap';
import { startRunner, type Reported } from './runner-harness.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const fakeAgent = fileURLToPath(new URL('../fixtures/fake-agent.mjs', import.meta.url));

// A control plane that gave up on a workstation (offline past its grace) puts the mission back and
// may hand it to the same workstation the moment it reconnects: the cancel of the old attempt and
// the new assignment arrive together. The old agent takes its kill grace to go, and its worktree
// still holds the mission's branch when the new attempt checks it out in another one (`checkout
// -B` is allowed to; a plain checkout would refuse), and the old one's release must not take the
// branch from under the new attempt (git refuses to delete a branch checked out elsewhere).
t.test('an attempt of a mission whose earlier attempt is still ending here waits for it, then runs on the branch', async (t) => {
  const { attempt, runner } = await startRunner({ type: 'custom', command: [process.execPath, fakeAgent] });
  const firstId = newId();
  const firstEvents: Reported['events'] = [];
  const first = attempt({ attemptId: firstId, events: firstEvents, title: 'Ends slowly fake-agent-scenario: ignore-sigterm' });
  const deadline = Date.now() + 60_000;
  // Its SIGTERM handler is in place once it says it is ready.
  const ready = () => firstEvents.some((e) => JSON.stringify(e.data).includes('fake-agent ready'));
  while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.ok(ready(), 'the first agent runs');

  void runner.cancel(firstId, 'mission moved to todo by a person');
  let firstEnded = 0;
  void first.then(() => (firstEnded = Date.now()));
  const secondEvents: Reported['events'] = [];
  const second = attempt({ events: secondEvents, title: 'Runs again fake-agent-scenario: edit-files' }); // while the first is still being stopped
  while (!secondEvents.some((e) => e.kind === 'worktree.acquired') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const secondHadItsWorktree = Date.now();
  const [a, b] = await Promise.all([first, second]);
  t.ok(firstEnded > secondHadItsWorktree, 'the two overlapped: the first agent ignored SIGTERM for its kill grace');
  t.equal(a.finished.status, 'cancelled');
  t.equal(b.finished.status, 'succeeded', b.finished.reason ?? 'the second attempt ran');
  t.ok(b.events.some((e) => e.kind === 'git.pushed'), 'and pushed its work');
});
