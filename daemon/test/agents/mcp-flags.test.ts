// How the adapters hand the mission tools to each CLI (#14): the URL in argv, the token never
// (only the name of the env variable that holds it); an owner's own MCP config is kept; a failed
// tools server at Claude Code's start is a warning on the timeline.
import t from 'tap';
import { claudeCodeAdapter } from '../../src/agents/adapters/claude-code.ts';
import { codexAdapter } from '../../src/agents/adapters/codex.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const url = 'http://127.0.0.1:4567/mcp';
const input = { missionId: 'M1', prompt: 'Do it.', promptFile: '/tmp/p.md', mcp: { url } };

t.test('Claude Code: strict config, an always-loaded http server with ${SU_MCP_TOKEN}, its tools allowed', async (t) => {
  for (const policy of ['edits', 'readonly', 'full'] as const) {
    const { argv } = claudeCodeAdapter.invocation(['claude'], { ...input, policy });
    t.ok(argv.includes('--strict-mcp-config'), `${policy}: strict`);
    const config = JSON.parse(argv.find((a) => a.startsWith('--mcp-config='))!.slice('--mcp-config='.length));
    t.same(config, { mcpServers: { solo_unicorn: { type: 'http', url, headers: { Authorization: 'Bearer ${SU_MCP_TOKEN}' }, alwaysLoad: true } } });
    t.ok(argv.includes('--allowedTools=mcp__solo_unicorn'), `${policy}: the tools are allowed`);
    t.equal(argv.at(-1), 'Do it.', 'the prompt stays last');
  }
  const own = claudeCodeAdapter.invocation(['claude', '--mcp-config', 'mine.json'], input).argv;
  t.notOk(own.includes('--strict-mcp-config'), 'an owner’s own MCP config is kept (no strict)');
  t.ok(own.includes('mine.json') && own.some((a) => a.startsWith('--mcp-config=')), 'ours is added beside it');
  t.notOk(claudeCodeAdapter.invocation(['claude'], { ...input, mcp: undefined }).argv.some((a) => a.includes('mcp')), 'no tools: no flags');
});

t.test('Claude Code: a tools server that did not connect is an agent.warning', async (t) => {
  const line = (status: string) => JSON.stringify({ type: 'system', subtype: 'init', session_id: 's', mcp_servers: [{ name: 'solo_unicorn', status }] });
  t.match(claudeCodeAdapter.parseLine(line('failed')), [{ kind: 'agent.session' }, { kind: 'agent.warning', data: { message: 'mission tools unavailable', status: 'failed' } }, { kind: 'agent.system' }]);
  t.notOk(claudeCodeAdapter.parseLine(line('connected')).some((e) => e.kind === 'agent.warning'));
});

t.test('Codex: -c mcp_servers.solo_unicorn.* with the env variable name, approval, required, a timeout', async (t) => {
  const { argv } = codexAdapter.invocation(['codex', 'exec'], input);
  const overrides = argv.flatMap((a, i) => (argv[i - 1] === '-c' && a.startsWith('mcp_servers.') ? [a] : []));
  t.same(overrides, [
    `mcp_servers.solo_unicorn.url="${url}"`,
    'mcp_servers.solo_unicorn.bearer_token_env_var="SU_MCP_TOKEN"',
    'mcp_servers.solo_unicorn.default_tools_approval_mode="approve"',
    'mcp_servers.solo_unicorn.required=true',
    'mcp_servers.solo_unicorn.tool_timeout_sec=30',
  ]);
  t.equal(argv.at(-1), 'Do it.');
  const resumed = codexAdapter.invocation(['codex', 'exec'], { ...input, resumeSessionId: 'thread-1' }).argv;
  t.ok(resumed.includes(`mcp_servers.solo_unicorn.url="${url}"`) && resumed.indexOf('thread-1') > resumed.indexOf('resume'), 'exec resume gets them too');
  const own = codexAdapter.invocation(['codex', 'exec', '-c', 'mcp_servers.solo_unicorn.url="http://elsewhere"'], input).argv;
  t.equal(own.filter((a) => a.startsWith('mcp_servers.solo_unicorn.url')).length, 1, 'an owner’s own solo_unicorn server wins');
});
