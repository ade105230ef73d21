// `solo-unicorn daemon logs` shows pino's JSON lines for people: time, level, message, fields —
// with control characters escaped (values come from agents and repositories) and lines whole even
// when a follow reads half a line or half a character.
import t from 'tap';
import { formatLogLine, lineSplitter } from '../../src/cli/log-lines.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

t.test('a pino line: time, level, message, then the other fields', async (t) => {
  const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 11, 7, 9, 5, 3), pid: 1, hostname: 'h', msg: 'worktree release failed', attemptId: 'A1', err: { message: 'busy' } });
  t.equal(formatLogLine(line), '2026-12-07 09:05:03 WARN  worktree release failed attemptId=A1 err={"message":"busy"}');
  t.equal(formatLogLine('not json at all'), 'not json at all', 'anything else is shown as it is');
  t.equal(formatLogLine('[1,2]'), '[1,2]');
});

t.test('control characters from agents and repositories are escaped, never sent to the terminal', async (t) => {
  const line = JSON.stringify({ level: 40, time: 0, msg: 'symbolic link at a mission doc path not followed', path: 'a\u001b]0;pwned\u0007\n2026-12-07 00:00:00 INFO  daemon stopped' });
  const shown = formatLogLine(line);
  t.notMatch(shown, /[\u0000-\u001f\u007f-\u009f]/, 'no control character left');
  t.match(shown, /path=a\\u001b\]0;pwned\\u0007\\u000a2026-12-07 00:00:00 INFO {2}daemon stopped$/, 'the forged line stays on the same line, visibly escaped');
  t.equal(formatLogLine('raw \u001b[2J'), 'raw \\u001b[2J');
});

t.test('lines split across reads, and a character split across reads, come out whole', async (t) => {
  const out: string[] = [];
  const feed = lineSplitter((l) => out.push(l));
  const bytes = Buffer.from('first line\nzweite Zeile: Grüße ✓\nthird', 'utf8');
  const cut = bytes.indexOf(Buffer.from('✓')) + 1; // inside the three bytes of ✓
  feed(bytes.subarray(0, 5));
  feed(bytes.subarray(5, cut));
  feed(bytes.subarray(cut));
  t.same(out, ['first line', 'zweite Zeile: Grüße ✓'], 'the unfinished third line waits');
  feed(Buffer.from('\n'));
  t.same(out.at(-1), 'third');
});
