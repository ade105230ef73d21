// The daemon's agent tools endpoint (#14) through the official MCP client over real loopback HTTP:
// a token reaches only its own run, a revoked token gets SU_ERR_MISSION_ENDED as a tool error, an
// unknown one 401, a browser Origin or a foreign Host 403, bad input tool errors, a flood the rate
// limit; docs land in the worktree; events go to the outbox stand-in; the token is never logged.
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import t from 'tap';
import { createLogger } from '../../src/logger.ts';
import { createAgentTools } from '../../src/mcp/index.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const logged: string[] = [];
const sink = new PassThrough();
sink.on('data', (c) => logged.push(String(c)));
const events: { attemptId: string; kind: string; data: Record<string, unknown> }[] = [];
const requests: any[] = [];
let garbled = false; // the control plane's answer is not what the tools expect
const tools = await createAgentTools({
  version: 'test', log: createLogger('debug', sink),
  emit: async (ref, kind, data) => void events.push({ attemptId: ref.attemptId, kind, data }),
  // The control plane's side of tool.request, answered on the next tick.
  send: (frame: any) => {
    requests.push(frame.payload);
    const { tool, missionId, input } = frame.payload;
    const result = garbled ? { id: 42 } : tool === 'mission_get'
      ? { id: missionId, title: 'T', description: null, clarification: null, stage: 'plan', flow: { name: 'default', stages: ['plan', 'execute'] }, actor: null, reviewFeedback: null, dependencies: [], pullRequest: null }
      : { id: 'child', title: input.title, list: 'todo', ready: false, parentMissionId: missionId };
    setImmediate(() => tools.answered({ refId: frame.id, ok: true, result }));
    return true;
  },
  connected: () => true,
});
t.teardown(() => tools.close());

const stages = [{ name: 'plan' }, { name: 'execute' }];
const open = (attemptId: string, missionId: string) =>
  tools.open({ ref: { attemptId, missionId, leaseVersion: 1 }, stage: 'plan', stages, worktree: mkdtempSync(join(tmpdir(), 'su-mcp-wt-')) });

async function client(token: string) {
  const c = new Client({ name: 'test', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(tools.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  t.teardown(() => c.close());
  return c;
}
const textOf = (r: any) => String(r.content?.[0]?.text ?? '');

t.test('a token acts for its own run only; the schema refuses a smuggled missionId', async (t) => {
  const a = open('01J0000000000000000000000A', '01J0000000000000000000000M');
  const b = open('01J0000000000000000000000B', '01J0000000000000000000000N');
  const ca = await client(a.token);
  const listed = await ca.listTools();
  t.same(listed.tools.map((x) => x.name).sort(), ['mission_ask', 'mission_create', 'mission_get', 'mission_progress', 'mission_request_review', 'mission_set_stage', 'mission_update_docs']);
  const got = await ca.callTool({ name: 'mission_get', arguments: {} });
  t.match(JSON.parse(textOf(got)), { id: '01J0000000000000000000000M', stage: 'plan', docs: [] });
  t.equal(requests.at(-1).attemptId, '01J0000000000000000000000A', 'forwarded with the run’s own attempt');
  const smuggled = await ca.callTool({ name: 'mission_progress', arguments: { line: 'x', missionId: '01J0000000000000000000000N' } });
  t.ok(smuggled.isError, 'a missionId is not an input');
  await (await client(b.token)).callTool({ name: 'mission_progress', arguments: { line: 'from b' } });
  t.match(events.filter((e) => e.kind === 'agent.progress'), [{ attemptId: '01J0000000000000000000000B', data: { line: 'from b' } }], 'b’s call is b’s event');
  // An answer the daemon does not understand reaches the agent as a tool error, not as garbage.
  garbled = true;
  const bad = await ca.callTool({ name: 'mission_get', arguments: {} });
  t.ok(bad.isError);
  t.match(textOf(bad), /^SU_ERR_UNAVAILABLE.*answer to mission_get was not understood/);
  t.match(textOf(await ca.callTool({ name: 'mission_create', arguments: { title: 'x' } })), /^SU_ERR_UNAVAILABLE/);
  garbled = false;
  a.revoke();
  b.revoke();
});

t.test('bad input and wrong stages are tool errors; docs land in the worktree', async (t) => {
  const worktree = mkdtempSync(join(tmpdir(), 'su-mcp-wt-'));
  const g = tools.open({ ref: { attemptId: '01J0000000000000000000000C', missionId: '01J0000000000000000000000M', leaseVersion: 1 }, stage: 'plan', stages, worktree });
  const c = await client(g.token);
  t.match(textOf(await c.callTool({ name: 'mission_progress', arguments: { line: '' } })), /Input validation error/);
  t.match(textOf(await c.callTool({ name: 'mission_progress', arguments: { line: 'y'.repeat(201) } })), /Input validation error/, 'oversize');
  t.match(textOf(await c.callTool({ name: 'mission_update_docs', arguments: { path: '../../etc/passwd', content: 'x' } })), /Input validation error/, 'a path outside the docs');
  t.match(textOf(await c.callTool({ name: 'nope', arguments: {} })), /not found/, 'an unknown tool');
  const calls = () => events.filter((e) => e.kind === 'mcp.tool_call' && e.attemptId === '01J0000000000000000000000C').map((e) => e.data);
  t.match(calls(), [
    { tool: 'mission_progress', ok: false, code: 'SU_ERR_VALIDATION' }, { tool: 'mission_progress', ok: false, code: 'SU_ERR_VALIDATION' },
    { tool: 'mission_update_docs', ok: false, code: 'SU_ERR_VALIDATION' }, { tool: 'nope', ok: false, code: 'SU_ERR_UNKNOWN_TOOL' },
  ], 'calls refused before a tool ran are on the timeline too');
  t.match(textOf(await c.callTool({ name: 'mission_set_stage', arguments: { stage: 'deploy' } })), /^SU_ERR_STAGE_INVALID: .*execute/);
  t.match(textOf(await c.callTool({ name: 'mission_set_stage', arguments: { stage: 'execute' } })), /Stage plan is complete/);
  // A stage a person reviews cannot be stepped past by the agent.
  const reviewed = tools.open({ ref: { attemptId: '01J0000000000000000000000R', missionId: '01J0000000000000000000000S', leaseVersion: 1 }, stage: 'plan', stages: [{ name: 'plan', requiresReview: true }, { name: 'execute' }], worktree: mkdtempSync(join(tmpdir(), 'su-mcp-wt-')) });
  t.match(textOf(await (await client(reviewed.token)).callTool({ name: 'mission_set_stage', arguments: { stage: 'execute' } })), /^SU_ERR_STAGE_INVALID: plan ends with a person's review before execute; finish with mission_request_review/);
  t.notOk(events.some((e) => e.kind === 'agent.stage_completed' && e.attemptId === '01J0000000000000000000000R'), 'nothing recorded');
  reviewed.revoke();
  const w = await c.callTool({ name: 'mission_update_docs', arguments: { path: 'tasks/2.md', content: '# two\n' } });
  t.notOk(w.isError);
  t.equal(readFileSync(join(worktree, 'solo-unicorn-docs/missions/01J0000000000000000000000M/tasks/2.md'), 'utf8'), '# two\n');
  for (let i = 0; i < 3; i++) t.notOk((await c.callTool({ name: 'mission_create', arguments: { title: `f${i}` } })).isError);
  t.match(textOf(await c.callTool({ name: 'mission_create', arguments: { title: 'f4' } })), /^SU_ERR_MISSION_CREATE_CAP/);
  t.notOk(tools.endsRun('01J0000000000000000000000C'));
  await c.callTool({ name: 'mission_request_review', arguments: { summary: 'done' } });
  t.ok(tools.endsRun('01J0000000000000000000000C'), 'review requested: the runner ends the attempt there');
  g.revoke();
  t.ok(tools.endsRun('01J0000000000000000000000C'), 'and still knows after the token is gone');
});

t.test('after the run: SU_ERR_MISSION_ENDED as a tool error; unknown tokens 401; Origin and Host 403; a flood is limited', async (t) => {
  const g = open('01J0000000000000000000000D', '01J0000000000000000000000M');
  const c = await client(g.token);
  g.revoke();
  const late = await c.callTool({ name: 'mission_progress', arguments: { line: 'too late' } });
  t.ok(late.isError);
  t.match(textOf(late), /^SU_ERR_MISSION_ENDED/);

  const post = (headers: Record<string, string>) => fetch(tools.url, {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  t.equal((await post({ authorization: `Bearer ${'A'.repeat(43)}` })).status, 401, 'an unknown token');
  t.equal((await post({})).status, 401, 'no token');
  const live = open('01J0000000000000000000000E', '01J0000000000000000000000M');
  t.equal((await post({ authorization: `Bearer ${live.token}`, origin: 'https://evil.example' })).status, 403, 'a browser page');
  // fetch may not set Host; node:http may.
  const hostStatus = await new Promise<number>((resolve, reject) => {
    const u = new URL(tools.url);
    request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { host: 'evil.example', authorization: `Bearer ${live.token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end('{}');
  });
  t.equal(hostStatus, 403, 'a rebinding Host');
  const cl = await client(live.token);
  const results = await Promise.all(Array.from({ length: 40 }, () => cl.callTool({ name: 'mission_progress', arguments: { line: 'flood' } })));
  t.ok(results.some((r) => /^SU_ERR_RATE_LIMITED/.test(textOf(r))), 'over the rate limit: a tool error');
  live.revoke();
  t.notOk(logged.join('').includes(live.token) || logged.join('').includes(g.token), 'no token in the log');
});
