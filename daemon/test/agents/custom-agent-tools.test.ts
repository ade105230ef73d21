// A custom agent command gets the mission tools in its environment (#14): SU_MCP_URL and
// SU_MCP_TOKEN, never in argv. Here a plain `node` command calls mission_progress over plain
// JSON-RPC against the daemon's real endpoint; the call is its own run's event, and once the run is
// over the same token gets SU_ERR_MISSION_ENDED.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { customAdapter } from '../../src/agents/adapters/custom.ts';
import { launchAgent } from '../../src/agents/launcher.ts';
import { createLogger } from '../../src/logger.ts';
import { createAgentTools } from '../../src/mcp/index.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const events: { attemptId: string; kind: string; data: Record<string, unknown> }[] = [];
const tools = await createAgentTools({
  version: 'test', log: createLogger('error', new PassThrough()),
  emit: async (ref, kind, data) => void events.push({ attemptId: ref.attemptId, kind, data }),
  send: () => true,
  connected: () => true,
});
t.teardown(() => tools.close());

// What the custom command runs: one tools/call with the env it was given; it prints the answer.
const call = `
const r = await fetch(process.env.SU_MCP_URL, { method: 'POST',
  headers: { authorization: 'Bearer ' + process.env.SU_MCP_TOKEN, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'mission_progress', arguments: { line: 'from a custom agent' } } }) });
console.log(JSON.stringify({ status: r.status, body: await r.json(), token: process.env.SU_MCP_TOKEN, argv: process.argv.slice(1) }));
`;

t.test('the custom command calls a tool with SU_MCP_URL and SU_MCP_TOKEN; the token ends with the run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'su-custom-tools-'));
  const grant = tools.open({ ref: { attemptId: '01J000000000000000000000CA', missionId: '01J000000000000000000000CM', leaseVersion: 1 }, stage: 'execute', stages: [{ name: 'execute' }], worktree: dir });
  const run = launchAgent({
    adapter: customAdapter, agent: { name: 'custom', command: [process.execPath, '--input-type=module', '-e', call, '{promptFile}'] }, cwd: dir,
    missionId: '01J000000000000000000000CM', prompt: 'Do it.', promptFile: join(dir, 'p.md'), logFile: join(dir, 'run.log'),
    stallTimeoutMs: 30_000, wallTimeoutMs: 60_000, killGraceMs: 500, onEvent: () => {}, baseEnv: { PATH: process.env.PATH }, tools: grant,
  });
  t.match(await run.done, { outcome: 'succeeded' });
  const out = JSON.parse(readFileSync(join(dir, 'run.log'), 'utf8').trim().split('\n').at(-1)!);
  t.match(out, { status: 200, body: { result: { content: [{ text: 'progress recorded: from a custom agent' }] } } }, 'the call went through');
  t.equal(out.token, grant.token, 'the token came in the env');
  t.notMatch(JSON.stringify(out.argv), grant.token, 'and not in argv');
  t.match(events.filter((e) => e.kind === 'agent.progress'), [{ attemptId: '01J000000000000000000000CA', data: { line: 'from a custom agent' } }], 'an event of its own run');

  const late = await fetch(tools.url, {
    method: 'POST', headers: { authorization: `Bearer ${grant.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'mission_progress', arguments: { line: 'too late' } } }),
  }).then((r) => r.json());
  t.match(late, { result: { isError: true, content: [{ text: /^SU_ERR_MISSION_ENDED/ }] } }, 'after the run the same token is refused as a tool error');
});
