import t from 'tap';
import { git, GitError } from '../../src/worktrees/git.ts';
import { runProcess } from '../../src/worktrees/run-process.ts';
import { tempDir } from './helpers.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const env = process.env;

t.test('output, exit codes and the final newline', async (t) => {
  const ok = await runProcess('sh', ['-c', 'printf "one\\ntwo\\n"; printf "warn\\n" >&2'], { cwd: '/', env });
  t.same({ exitCode: ok.exitCode, stdout: ok.stdout, stderr: ok.stderr, timedOut: ok.timedOut, failure: ok.failure }, { exitCode: 0, stdout: 'one\ntwo', stderr: 'warn\n', timedOut: false, failure: '' });
  t.equal((await runProcess('sh', ['-c', 'exit 3'], { cwd: '/', env })).exitCode, 3);
  // Several chunks of multi-byte characters come back whole.
  const big = await runProcess(process.execPath, ['-e', 'process.stdout.write("é".repeat(300000))'], { cwd: '/', env });
  t.equal(big.stdout, 'é'.repeat(300_000));
});

t.test('it never reads our stdin: a command waiting for input gets end-of-file at once', async (t) => {
  const started = Date.now();
  const cat = await runProcess('cat', [], { cwd: '/', env, timeoutMs: 10_000 });
  t.equal(cat.exitCode, 0);
  t.equal(cat.stdout, '');
  t.ok(Date.now() - started < 5_000, 'it did not wait for input');
});

t.test('a timeout stops the process and says so; a missing program is a failure, not a throw', async (t) => {
  const started = Date.now();
  const slow = await runProcess('sleep', ['30'], { cwd: '/', env, timeoutMs: 200 });
  t.ok(slow.timedOut);
  t.equal(slow.failure, 'timed out after 200 ms');
  t.ok(Date.now() - started < 10_000, 'stopped long before it would have ended');
  const missing = await runProcess('su-no-such-program', [], { cwd: '/', env });
  t.equal(missing.exitCode, undefined);
  t.match(missing.failure, /ENOENT/);
});

t.test('git failures keep their command, exit code and the end of stderr', async (t) => {
  const dir = tempDir(t);
  const error = await git(dir, ['rev-parse', 'HEAD']).catch((e: unknown) => e);
  t.ok(error instanceof GitError);
  const e = error as GitError;
  t.equal(e.command, 'git rev-parse HEAD');
  t.equal(e.exitCode, 128);
  t.match(e.stderrTail, /not a git repository/);
  t.same(await git(dir, ['rev-parse', '--is-inside-work-tree'], { okCodes: [128] }), { stdout: '', exitCode: 128 }, 'an exit code the caller expects is an answer');
  const started = Date.now();
  const timedOut = await git(dir, ['-c', 'alias.wait=!sleep 30', 'wait'], { timeoutMs: 200 }).catch((e: unknown) => e as GitError);
  t.match((timedOut as GitError).message, /timed out after 200 ms/);
  t.ok(Date.now() - started < 10_000, 'what git started was stopped with it');
});

t.test('an answer stands once the process exits: what it left running neither holds it up nor turns it into a timeout', async (t) => {
  const started = Date.now();
  // A background job that keeps our pipes open for 20 s, in a session of its own (out of reach of
  // the group kill), as an ssh master or a hook's job would.
  const left = await runProcess('sh', ['-c', 'setsid sleep 20 & echo done'], { cwd: '/', env, timeoutMs: 3_000 });
  t.equal(left.exitCode, 0, 'the exit code of the command itself');
  t.equal(left.stdout, 'done');
  t.notOk(left.timedOut, 'not reported as a timeout');
  t.equal(left.failure, '');
  t.ok(Date.now() - started < 10_000, `answered in ${Date.now() - started} ms, not after the job`);
});
