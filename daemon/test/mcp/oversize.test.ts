// Oversize input to the agent tools (#14): a doc over 1 MiB is a tool error the agent reads (not
// written); a request body over the endpoint's 8 MiB cap is refused before it is parsed (413); the
// endpoint answers the next call as before.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../src/logger.ts';
import { createAgentTools } from '../../src/mcp/index.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const events: string[] = [];
const tools = await createAgentTools({
  version: 'test', log: createLogger('error', new PassThrough()),
  emit: async (_ref, kind) => void events.push(kind), send: () => true, connected: () => true,
});
t.teardown(() => tools.close());

const worktree = mkdtempSync(join(tmpdir(), 'su-mcp-big-'));
const grant = tools.open({ ref: { attemptId: '01J000000000000000000000BA', missionId: '01J000000000000000000000BM', leaseVersion: 1 }, stage: 'execute', stages: [{ name: 'execute' }], worktree });
t.teardown(() => grant.revoke());
const callTool = (name: string, args: Record<string, unknown>) => fetch(tools.url, {
  method: 'POST', headers: { authorization: `Bearer ${grant.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
});

t.test('a doc over 1 MiB is a tool error and is not written', async (t) => {
  const r = await callTool('mission_update_docs', { path: 'solution.md', content: 'x'.repeat(1024 * 1024 + 1) });
  t.equal(r.status, 200);
  t.match(await r.json(), { result: { isError: true, content: [{ text: /Input validation error/ }] } });
  t.notOk(existsSync(join(worktree, 'solo-unicorn-docs/missions/01J000000000000000000000BM/solution.md')));
});

t.test('a body over 8 MiB is refused unread; the next call works', async (t) => {
  const r = await callTool('mission_update_docs', { path: 'solution.md', content: 'x'.repeat(9 * 1024 * 1024) });
  t.equal(r.status, 413);
  await r.body?.cancel();
  const ok = await callTool('mission_progress', { line: 'still here' });
  t.match(await ok.json(), { result: { content: [{ text: 'progress recorded: still here' }] } });
  t.ok(events.includes('agent.progress'));
});
