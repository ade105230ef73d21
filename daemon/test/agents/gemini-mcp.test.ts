// How the Gemini adapter hands the mission tools to Gemini CLI (#14): one flag in argv, and a
// per-run GEMINI_CLI_HOME whose settings.json is the user's plus our server with the token as
// `${SU_MCP_TOKEN}` (the CLI expands it); the user's ~/.gemini is linked, never written; the run's
// home is removed afterwards.
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { geminiAdapter } from '../../src/agents/adapters/gemini.ts';
import { launchAgent } from '../../src/agents/launcher.ts';
import { stripJsonComments } from '../../src/agents/adapters/gemini-home.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { tempDir } from '../helpers/processes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const url = 'http://127.0.0.1:4567/mcp';
const token = 'tok_' + 'A'.repeat(40);
const input = { missionId: 'M1', prompt: 'Do it.', promptFile: '/tmp/p.md', mcp: { url } };

function userHome(settings?: string) {
  const home = tempDir('su-gemini-user-');
  mkdirSync(join(home, '.gemini'));
  writeFileSync(join(home, '.gemini', 'oauth_creds.json'), '{"refresh_token":"r"}', { mode: 0o600 });
  if (settings !== undefined) writeFileSync(join(home, '.gemini', 'settings.json'), settings);
  return home;
}

t.test('the tools: an allow-list flag, and a per-run home whose settings add our server to the user’s', async (t) => {
  const settings = '// my settings\n{ "model": { "name": "m" /* pinned */ }, "mcpServers": { "theirs": { "command": "x" } }, "note": "a // not a comment" }';
  const home = userHome(settings);
  const run = geminiAdapter.invocation(['gemini'], { ...input, env: { HOME: home, SU_MCP_TOKEN: token } });
  t.ok(run.argv.includes('--allowed-mcp-server-names=solo-unicorn'), 'only our server is connected, its tools allowed');
  t.notMatch(JSON.stringify(run.argv), token, 'no token in argv');
  t.equal(run.argv.at(-1), 'Do it.', 'the prompt stays last');
  const runHome = run.env!.GEMINI_CLI_HOME!;
  t.equal(statSync(runHome).mode & 0o777, 0o700, 'the run’s home is private');
  const file = join(runHome, '.gemini', 'settings.json');
  t.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  t.notMatch(text, token, 'the token is not in the file');
  t.same(JSON.parse(text), {
    model: { name: 'm' }, note: 'a // not a comment',
    mcpServers: { theirs: { command: 'x' }, 'solo-unicorn': { httpUrl: url, headers: { Authorization: 'Bearer ${SU_MCP_TOKEN}' }, trust: true, timeout: 30_000 } },
  }, 'the user’s settings (comments dropped) plus ours, trusted');
  const creds = join(runHome, '.gemini', 'oauth_creds.json');
  t.ok(lstatSync(creds).isSymbolicLink() && readlinkSync(creds) === join(home, '.gemini', 'oauth_creds.json'), 'credentials are linked, not copied');
  t.equal(readlinkSync(join(runHome, '.gemini', 'tmp')), join(home, '.gemini', 'tmp'), 'sessions go to the user’s ~/.gemini/tmp (for --resume)');
  t.equal(readFileSync(join(home, '.gemini', 'settings.json'), 'utf8'), settings, 'the user’s settings are untouched');

  run.cleanup!();
  t.notOk(existsSync(runHome), 'cleanup removes the run’s home');
  t.ok(existsSync(join(home, '.gemini', 'oauth_creds.json')) && existsSync(join(home, '.gemini', 'tmp')), 'and nothing it linked to');
});

t.test('GEMINI_CLI_HOME wins over HOME; no ~/.gemini yet is fine; an owner’s own allow-list is kept', async (t) => {
  const cliHome = tempDir('su-gemini-cli-home-');
  const run = geminiAdapter.invocation(['gemini', '--allowed-mcp-server-names', 'mine'], { ...input, env: { HOME: '/nonexistent', GEMINI_CLI_HOME: cliHome } });
  t.same(JSON.parse(readFileSync(join(run.env!.GEMINI_CLI_HOME!, '.gemini', 'settings.json'), 'utf8')).mcpServers['solo-unicorn'].httpUrl, url);
  t.ok(existsSync(join(cliHome, '.gemini', 'tmp')), 'the sessions dir is made where the CLI would make it');
  t.ok(run.argv.includes('mine') && run.argv.includes('--allowed-mcp-server-names=solo-unicorn'), 'the flag adds up: theirs and ours');
  run.cleanup!();
});

t.test('no tools: no flag, no home; broken user settings refuse the run rather than drop them', async (t) => {
  const plain = geminiAdapter.invocation(['gemini'], { ...input, mcp: undefined, env: { HOME: userHome() } });
  t.notOk(plain.argv.some((a) => a.includes('mcp')));
  t.equal(plain.env, undefined);
  t.equal(plain.cleanup, undefined);
  t.throws(() => geminiAdapter.invocation(['gemini'], { ...input, env: { HOME: userHome('{ not json') } }), /JSON/);
  t.throws(() => geminiAdapter.invocation(['gemini'], { ...input, env: { HOME: userHome('[1]') } }), /not a JSON object/);
});

t.test('stripJsonComments keeps strings, escapes and line structure', async (t) => {
  t.same(JSON.parse(stripJsonComments('{"a": "x\\"//y", // c\n "b": 1 /* d */}')), { a: 'x"//y', b: 1 });
  t.equal(stripJsonComments('/* unclosed'), '');
});

t.test('through the launcher: the CLI gets the run’s home in its env and the token only there; the home goes with the run', async (t) => {
  const home = userHome('{}');
  const seen = join(tempDir('su-gemini-seen-'), 'seen.json');
  // A stand-in for `gemini` that records what it was given: sh -c '<script>' sh <the adapter's flags…>
  const script = `printf '{"home":"%s","token":"%s","argv":"%s"}' "$GEMINI_CLI_HOME" "$SU_MCP_TOKEN" "$*" > '${seen}'; cat "$GEMINI_CLI_HOME/.gemini/settings.json" > '${seen}.settings'`;
  let revoked = 0;
  const run = launchAgent({
    adapter: geminiAdapter, agent: { name: 'gemini', command: ['/bin/sh', '-c', script, 'sh'] }, cwd: home, missionId: 'M1', prompt: 'Do it.',
    promptFile: join(home, 'p.md'), logFile: join(home, 'run.log'), stallTimeoutMs: 30_000, wallTimeoutMs: 60_000, killGraceMs: 500,
    onEvent: () => {}, baseEnv: { HOME: home, PATH: process.env.PATH }, tools: { url, token, revoke: () => void revoked++ },
  });
  t.match(await run.done, { outcome: 'succeeded' });
  const got = JSON.parse(readFileSync(seen, 'utf8'));
  t.match(got, { home: /su-gemini-/, token }, 'the run’s home and the token are in the env');
  t.notMatch(got.argv, token, 'not in argv');
  t.match(JSON.parse(readFileSync(`${seen}.settings`, 'utf8')).mcpServers['solo-unicorn'], { httpUrl: url });
  t.notOk(existsSync(got.home), 'the run’s home is removed once the run is over');
  t.equal(revoked, 1, 'and the token revoked');
});

t.test('through the launcher: unreadable user settings fail the run with the reason, and revoke the token', async (t) => {
  const home = userHome('{ broken');
  let revoked = 0;
  const run = launchAgent({
    adapter: geminiAdapter, agent: { name: 'gemini', command: ['/bin/true'] }, cwd: home, missionId: 'M1', prompt: 'Do it.',
    promptFile: join(home, 'p.md'), logFile: join(home, 'run.log'), stallTimeoutMs: 30_000, wallTimeoutMs: 60_000, killGraceMs: 500,
    onEvent: () => {}, baseEnv: { HOME: home }, tools: { url, token, revoke: () => void revoked++ },
  });
  t.match(await run.done, { outcome: 'failed', reason: /cannot start agent "gemini": .*JSON/ });
  t.equal(revoked, 1);
});

t.test('through the launcher: Gemini saying on stderr that an MCP server failed is a warning on the timeline', async (t) => {
  const home = userHome('{}');
  const events: { kind: string; data: any }[] = [];
  const run = launchAgent({
    adapter: geminiAdapter, agent: { name: 'gemini', command: ['/bin/sh', '-c', 'echo "MCP issues detected. Run /mcp list for status." >&2', 'sh'] }, cwd: home, missionId: 'M1', prompt: 'Do it.',
    promptFile: join(home, 'p.md'), logFile: join(home, 'run.log'), stallTimeoutMs: 30_000, wallTimeoutMs: 60_000, killGraceMs: 500,
    onEvent: (kind, data) => void events.push({ kind, data }), baseEnv: { HOME: home, PATH: process.env.PATH }, tools: { url, token, revoke: () => {} },
  });
  await run.done;
  t.match(events.find((e) => e.kind === 'agent.warning')?.data, { message: /could not connect an MCP server/ });
  t.ok(events.some((e) => e.kind === 'agent.stderr'), 'the line itself is still there');
  t.equal(geminiAdapter.stderrEvents!('Loaded cached credentials.').length, 0, 'other stderr lines mean nothing more');
});
