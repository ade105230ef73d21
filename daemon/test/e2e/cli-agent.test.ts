// `solo-unicorn agent list|check` with the real pinned CLIs on PATH, an old `claude` for the
// unsupported case, and a daemon that declines to run that old `claude`.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { makeFrame, newId } from '@solo-unicorn/shared';
import t from 'tap';
import { WebSocketServer } from 'ws';
import { spawn } from 'node:child_process';
import { cliPath, repoRoot, startDaemon, tempDir } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const pinnedBin = join(repoRoot, 'node_modules/.bin');
const nodeDir = dirname(process.execPath);
const realPath = `${pinnedBin}:${nodeDir}:/usr/bin:/bin`;

/** A bin dir with a `claude` that says it is 1.0.0. */
function oldClaudeBin() {
  const bin = join(tempDir('su-old-claude-'), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'claude'), '#!/bin/sh\necho "1.0.0 (Claude Code)"\n');
  chmodSync(join(bin, 'claude'), 0o755);
  return bin;
}

/** The CLI run to completion; resolved on 'close', once stdout is read to its end (a long --json outruns 'exit'). */
function runCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const agentCli = (args: string[], env: Record<string, string>) => runCli(['agent', ...args], { SU_HOME: tempDir('su-agent-home-'), ...env });

t.test('agent list shows the pinned CLIs with version, status, command and policy; limit state unknown when not connected', async (t) => {
  const words = await agentCli(['list'], { PATH: realPath });
  t.equal(words.code, 0, words.stderr);
  t.match(words.stdout, /^claude-code {2}2\.1\.332 {2}ok {2}max policy edits {2}limit state unknown \(not connected\)\n {2}command: claude -p --output-format stream-json --verbose\n/);
  t.match(words.stdout, /\ncodex {2}0\.171\.0 {2}ok {2}max policy edits {2}limit state unknown \(not connected\)\n {2}command: codex exec --json\n/);
  t.match(words.stdout, /\ngemini {2}0\.61\.0 {2}ok {2}max policy edits {2}limit state unknown \(not connected\)\n {2}command: gemini --output-format stream-json\n$/);
  const json = JSON.parse((await agentCli(['list', '--json'], { PATH: realPath, SU_AGENT_ALLOW_FULL: '1' })).stdout);
  t.match(json.agents, [
    { name: 'claude-code', version: '2.1.332', status: 'ok', detail: null, maxPolicy: 'full', command: ['claude', '-p', '--output-format', 'stream-json', '--verbose'], limit: 'limit state unknown (not connected)' },
    { name: 'codex', version: '0.171.0', status: 'ok', maxPolicy: 'full', command: ['codex', 'exec', '--json'] },
    { name: 'gemini', version: '0.61.0', status: 'ok', maxPolicy: 'full', command: ['gemini', '--output-format', 'stream-json'] },
  ]);
  t.notOk('limitedUntil' in json.agents[0], 'no limitedUntil when it is not known');
  const none = await agentCli(['list'], { PATH: nodeDir });
  t.match(none.stdout, /^no code agents found: install Claude Code/);
});

t.test('agent check passes for the pinned CLIs and prints the exact argv of an edits mission', async (t) => {
  const res = await agentCli(['check'], { PATH: realPath });
  t.equal(res.code, 0, res.stdout);
  t.match(res.stdout, `ok   on PATH and executable: ${join(pinnedBin, 'claude')}`);
  t.match(res.stdout, 'ok   supported version: 2.1.332 >= 2.0.0');
  t.match(res.stdout, /an edits mission runs: claude -p --output-format stream-json --verbose --permission-mode acceptEdits '--allowedTools=Bash\(git:\*\),[^']*' <prompt>\n/);
  t.match(res.stdout, /an edits mission runs: codex exec --json --sandbox workspace-write -c 'approval_policy="never"' --skip-git-repo-check <prompt>\n/);
  t.match(res.stdout, /all checks passed\n$/);
  const json = JSON.parse((await agentCli(['check', 'codex', '--json'], { PATH: realPath })).stdout);
  t.match(json, { ok: true, agents: [{ name: 'codex', ok: true, argv: ['codex', 'exec', '--json', '--sandbox', 'workspace-write', '-c', 'approval_policy="never"', '--skip-git-repo-check', '<prompt>'] }] });
});

t.test('an old claude is listed unsupported and fails its check (exit 1); a missing or unknown agent fails too', async (t) => {
  const path = `${oldClaudeBin()}:${realPath}`;
  const list = await agentCli(['list'], { PATH: path });
  t.match(list.stdout, /^claude-code {2}1\.0\.0 {2}unsupported: version 1\.0\.0 < 2\.0\.0 \(the oldest supported\) {2}max policy edits/);
  const check = await agentCli(['check'], { PATH: path });
  t.equal(check.code, 1);
  t.match(check.stdout, 'FAIL supported version: version 1.0.0 < 2.0.0');
  t.match(check.stdout, /1 check\(s\) failed\n$/);
  t.equal((await agentCli(['check', 'codex'], { PATH: path })).code, 0, 'codex alone still passes');

  const missing = await agentCli(['check', 'codex'], { PATH: `${oldClaudeBin()}:/usr/bin:/bin` });
  t.equal(missing.code, 1);
  t.match(missing.stdout, 'FAIL on PATH and executable: codex is not on PATH and config.json has no "codex" agent');
  const unknown = await agentCli(['check', 'aider'], { PATH: realPath });
  t.equal(unknown.code, 1);
  t.equal(unknown.stderr, 'solo-unicorn: no agent named "aider" on this workstation; detected: claude-code, codex, gemini\n');
});

t.test('agent list shows the limit state the control plane reports for this workstation', async (t) => {
  // The contract's GET /workstations/:id, served over real HTTP: agents[].limitedUntil.
  const workstationId = newId();
  const until = new Date(Date.now() + 3_600_000).toISOString();
  const seen: { url?: string; auth?: string }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id: workstationId, agents: [{ type: 'claude-code', version: '2.1.332', limitedUntil: until }, { type: 'codex', version: '0.171.0', limitedUntil: null }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const home = tempDir('su-agent-home-');
  writeFileSync(join(home, 'config.json'), JSON.stringify({ serverUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`, apiKey: 'su_test_key', workstationId }));
  const res = await runCli(['agent', 'list'], { SU_HOME: home, PATH: realPath });
  t.match(res.stdout, new RegExp(`claude-code  2\\.1\\.332  ok  max policy edits  limited until ${until.replace(/\./g, '\\.')}\\n`));
  t.match(res.stdout, /codex {2}0\.171\.0 {2}ok {2}max policy edits {2}not limited\n/);
  t.same(seen, [{ url: `/api/v1/workstations/${workstationId}`, auth: 'Bearer su_test_key' }], 'the key goes in the header, never the URL');
  const json = JSON.parse((await runCli(['agent', 'list', '--json'], { SU_HOME: home, PATH: realPath })).stdout);
  t.match(json.agents, [{ name: 'claude-code', limitedUntil: until }, { name: 'codex', limitedUntil: null, limit: 'not limited' }]);

  server.close();
  const down = await runCli(['agent', 'list'], { SU_HOME: home, PATH: realPath });
  t.equal(down.code, 0, 'an unreachable control plane does not fail the list');
  t.match(down.stdout, /claude-code {2}2\.1\.332 {2}ok {2}max policy edits {2}limit state unknown \(cannot reach http:\/\/127\.0\.0\.1:\d+/);
});

t.test('the daemon reports an old claude as unsupported in hello and declines to run it', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  t.teardown(() => new Promise<void>((r) => wss.close(() => r())));
  const frames: any[] = [];
  const waiters: (() => boolean)[] = [];
  /** The first frame of `type` not taken yet, now or when it arrives. */
  const next = (type: string) => new Promise<any>((resolve) => {
    const look = () => {
      const i = frames.findIndex((f) => f.type === type);
      if (i >= 0) resolve(frames.splice(i, 1)[0]);
      return i >= 0;
    };
    if (!look()) waiters.push(look);
  });
  let send!: (frame: unknown) => void;
  wss.on('connection', (ws) => {
    send = (frame) => ws.send(JSON.stringify(frame));
    ws.on('message', (raw) => {
      frames.push(JSON.parse(raw.toString()));
      for (const w of [...waiters]) if (w()) waiters.splice(waiters.indexOf(w), 1);
    });
  });
  const home = tempDir('su-agent-daemon-');
  const workstationId = newId();
  writeFileSync(join(home, 'config.json'), JSON.stringify({ serverUrl: `http://127.0.0.1:${(wss.address() as { port: number }).port}`, token: 'suw_test', workstationId }), { mode: 0o600 });
  const daemon = startDaemon(t, home, { PATH: `${oldClaudeBin()}:${nodeDir}:/usr/bin:/bin` });

  const hello = await next('session.hello');
  t.same(hello.payload.agents, [{ type: 'claude-code', version: '1.0.0', status: 'unsupported', detail: 'version 1.0.0 < 2.0.0 (the oldest supported)', maxPolicy: 'edits' }]);
  send(makeFrame('session.welcome', { sessionId: newId(), workstationId, heartbeatIntervalMs: 60_000, attempts: [] }));
  for (const agentType of ['claude-code', null]) {
    const attemptId = newId();
    send(makeFrame('mission.assign', {
      attemptId, purpose: 'run', leaseVersion: 1, leaseExpiresAt: null, agentType,
      mission: { id: newId(), projectId: newId(), title: 'Old agent', description: null, stage: 'execute', prMode: 'disabled', targetBranch: 'main' },
      repository: null, flow: null, actor: null, prompt: '', docs: [],
    }));
    const declined = await next('mission.declined');
    t.same(declined.payload, { attemptId, leaseVersion: 1, reason: 'unsupported', message: 'claude-code version 1.0.0 < 2.0.0 (the oldest supported)' }, `agentType ${agentType}`);
  }
  t.notOk(frames.some((f) => f.type === 'mission.accepted'), 'nothing was accepted');
  await daemon.kill('SIGTERM');
});
