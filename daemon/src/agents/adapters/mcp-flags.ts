import { mcpServerName } from '@solo-unicorn/shared';

/**
 * The CLI flags that hand the daemon's MCP endpoint to an agent. The token never appears here:
 * Claude Code expands `${SU_MCP_TOKEN}` in the header from its own env, Codex reads the variable
 * named by `bearer_token_env_var` (both verified, see solo-unicorn-docs/design/mcp-tools.md).
 */

/**
 * Claude Code: `--strict-mcp-config` (a repository's `.mcp.json` is not loaded; kept off when the
 * owner's command names MCP config itself), our server as one more `--mcp-config=` value, always
 * loaded (else the tools hide behind tool search), and a rule allowing its tools (rules add up).
 */
export function claudeMcpFlags(argv: readonly string[], url: string): string[] {
  const owned = argv.some((a) => a === '--mcp-config' || a.startsWith('--mcp-config=') || a === '--strict-mcp-config');
  const config = { mcpServers: { [mcpServerName]: { type: 'http', url, headers: { Authorization: 'Bearer ${SU_MCP_TOKEN}' }, alwaysLoad: true } } };
  return [...(owned ? [] : ['--strict-mcp-config']), `--mcp-config=${JSON.stringify(config)}`, `--allowedTools=mcp__${mcpServerName}`];
}

/**
 * Codex: `-c mcp_servers.solo_unicorn.*` overrides. Calls are approved (under approval "never"
 * they would all fail), the server is required (a broken endpoint fails the run rather than
 * running it without tools), and a call times out (an HTTP error would otherwise hang it).
 */
export function codexMcpFlags(url: string): string[] {
  const key = `mcp_servers.${mcpServerName}`;
  return [
    '-c', `${key}.url=${JSON.stringify(url)}`,
    '-c', `${key}.bearer_token_env_var="SU_MCP_TOKEN"`,
    '-c', `${key}.default_tools_approval_mode="approve"`,
    '-c', `${key}.required=true`,
    '-c', `${key}.tool_timeout_sec=30`,
  ];
}

/**
 * Gemini CLI's name for our server. Its policy engine splits `mcp_<server>_<tool>` at the first
 * underscore after `mcp_` (the CLI's docs warn against underscores in server names), so the tools
 * are `mcp_solo-unicorn_mission_get` and so on.
 */
export const geminiMcpServerName = 'solo-unicorn';

/**
 * Gemini CLI 0.61 takes MCP servers only from settings files, so ours goes into the per-run home's
 * settings.json (gemini-home.ts): streamable HTTP, the token as `${SU_MCP_TOKEN}` (the CLI expands
 * variables in every settings string when it loads them, so the file holds no secret), trusted
 * (no confirmation, which headless mode could not ask for), and a 30 s timeout per call.
 */
export function geminiMcpServer(url: string) {
  return { httpUrl: url, headers: { Authorization: 'Bearer ${SU_MCP_TOKEN}' }, trust: true, timeout: 30_000 };
}

/**
 * `--allowed-mcp-server-names`: only ours is connected (not the user's other servers, nor those a
 * repository's `.gemini/settings.json` declares), and the CLI adds an allow rule for its tools.
 * The flag adds up: an owner's own list in the command is kept and ours joins it.
 */
export function geminiMcpFlags(): string[] {
  return [`--allowed-mcp-server-names=${geminiMcpServerName}`];
}
