// The MCP handshake's share of the agent overhead (#13), in two parts, each side by side in one run:
// 1. the daemon's endpoint: each handshake step Claude Code sends before its first model request
//    (server/discover, initialize, notifications/initialized, tools/list), answered by the quick
//    path and by the SDK's transport (the same request sent chunked, which the quick path leaves
//    to the SDK: what every request cost before), interleaved, warm, over one kept-alive connection;
// 2. the real Claude Code CLI against the instant scripted model, with and without our
//    `--mcp-config` (the daemon's argv either way), interleaved: spawn → first model request.
// Usage: npx tsx bench/agent-overhead-mcp.ts [--requests 200] [--runs 15]
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { execa } from 'execa';
import { claudeCodeAdapter } from '../daemon/src/agents/adapters/claude-code.ts';
import { createLogger } from '../daemon/src/logger.ts';
import { createAgentTools } from '../daemon/src/mcp/index.ts';
import { claudeBin, claudeEnv } from '../daemon/test/helpers/claude.ts';
import { startAnthropicModelServer, text } from '../daemon/test/helpers/model-server/anthropic.ts';
import { arg, fmt, removeTmpDirs, summarize, tmp } from './lib.ts';

process.on('exit', removeTmpDirs);
const requests = Number(arg('requests', '200'));
const runs = Number(arg('runs', '15'));

const tools = await createAgentTools({ version: 'bench', log: createLogger('warn'), emit: async () => {}, send: () => false, connected: () => false });
const worktree = tmp('su-bench-mcp-wt-');
const grant = tools.open({ ref: { attemptId: '01J0000000000000000000000A', missionId: '01J0000000000000000000000M', leaseVersion: 1 }, stage: 'execute', stages: [{ name: 'execute' }], worktree });
const url = new URL(tools.url);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

// What Claude Code 2.1.332 sends, in its order (seen at the endpoint).
const clientInfo = { name: 'claude-code', version: '2.1.332' };
const steps: [string, unknown, Record<string, string>][] = [
  ['server/discover', { jsonrpc: '2.0', id: 'server-discover-probe-1', method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } }, { 'mcp-protocol-version': '2026-07-28' }],
  ['initialize', { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { roots: { listChanged: true } }, clientInfo } }, {}],
  ['notifications/initialized', { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-protocol-version': '2025-11-25' }],
  ['tools/list', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-protocol-version': '2025-11-25' }],
];

/** One POST, timed to the end of the answer; `chunked` (no Content-Length) goes to the SDK. */
function post(body: string, headers: Record<string, string>, chunked: boolean): Promise<{ ms: number; status: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { host: url.host, authorization: `Bearer ${grant.token}`, accept: 'application/json, text/event-stream', 'content-type': 'application/json', ...headers };
    if (!chunked) h['content-length'] = String(Buffer.byteLength(body));
    const req = request({ host: url.hostname, port: url.port, path: '/mcp', method: 'POST', headers: h, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.statusCode! }));
    });
    req.on('error', reject);
    if (chunked) req.write(body.slice(0, 5));
    req.end(chunked ? body.slice(5) : body);
  });
}

const endpoint: Record<string, { quick: number[]; sdk: number[] }> = {};
const handshake = { quick: [] as number[], sdk: [] as number[] };
for (let i = -20; i < requests; i++) { // 20 rounds of warm-up
  const sum = { quick: 0, sdk: 0 };
  for (const [name, message, headers] of steps) {
    const body = JSON.stringify(message);
    // The SDK answers the probe with a 400 (its version header): timed all the same.
    const sdk = (await post(body, headers, true)).ms;
    const answered = await post(body, headers, false);
    // A refusal would be fast too: only answers count.
    if (answered.status >= 300) throw new Error(`${name}: the quick path answered ${answered.status}`);
    const quick = answered.ms;
    if (i < 0) continue;
    (endpoint[name] ??= { quick: [], sdk: [] }).quick.push(quick);
    endpoint[name]!.sdk.push(sdk);
    sum.quick += quick;
    sum.sdk += sdk;
  }
  if (i >= 0) {
    handshake.quick.push(sum.quick);
    handshake.sdk.push(sum.sdk);
  }
}
agent.destroy();

console.log(`MCP handshake at the daemon's endpoint, ${requests} rounds, interleaved (warm, one kept-alive connection):`);
const row = (label: string, quick: number[], sdk: number[]) => {
  const q = summarize(quick);
  const s = summarize(sdk);
  console.log(`  ${label.padEnd(28)} quick p50 ${fmt(q.p50).padStart(8)} p99 ${fmt(q.p99).padStart(8)}   SDK p50 ${fmt(s.p50).padStart(8)} p99 ${fmt(s.p99).padStart(8)}`);
};
for (const [name, t] of Object.entries(endpoint)) row(name, t.quick, t.sdk);
row('all four, one after another', handshake.quick, handshake.sdk);

// The real CLI, with and without our MCP server, interleaved.
const model = await startAnthropicModelServer({ turns: [{ blocks: [text('Done.')] }] });
const env = claudeEnv(model.url);
const promptFile = join(tmp('su-bench-mcp-prompts-'), 'prompt.md');
writeFileSync(promptFile, 'Say done.');
const firstRequest: Record<'without' | 'with', number[]> = { without: [], with: [] };
for (let i = -1; i < runs; i++) { // one warm-up round
  for (const arm of ['without', 'with'] as const) {
    const { argv, input } = claudeCodeAdapter.invocation([claudeBin], { missionId: 'M', prompt: 'Say done.', promptFile, policy: 'edits', ...(arm === 'with' ? { mcp: { url: tools.url } } : {}) });
    const from = model.requests.length;
    const asked = model.waitFor((r) => model.requests.indexOf(r) >= from).then(() => Date.now());
    const spawned = Date.now();
    const r = await execa(argv[0]!, argv.slice(1), { cwd: worktree, env: { ...process.env, ...env, SU_MCP_TOKEN: grant.token }, extendEnv: false, reject: false, ...(input === undefined ? { stdin: 'ignore' as const } : { input }) });
    if (r.exitCode !== 0) throw new Error(`claude exited ${r.exitCode}: ${String(r.stderr).slice(-500)}`);
    if (i >= 0) firstRequest[arm].push((await asked) - spawned);
  }
}
const without = summarize(firstRequest.without);
const withMcp = summarize(firstRequest.with);
console.log(`Claude Code, spawn → first model request, ${runs} runs each, interleaved:`);
console.log(`  without --mcp-config  p50 ${fmt(without.p50).padStart(8)}  p99 ${fmt(without.p99).padStart(8)}`);
console.log(`  with our MCP server   p50 ${fmt(withMcp.p50).padStart(8)}  p99 ${fmt(withMcp.p99).padStart(8)}`);
const paired = summarize(firstRequest.with.map((w, i) => w - firstRequest.without[i]!));
console.log(`  the MCP connect adds  p50 ${(withMcp.p50 - without.p50).toFixed(0)} ms (per round: p50 ${paired.p50.toFixed(0)} ms)`);

await model.close();
await tools.close();
