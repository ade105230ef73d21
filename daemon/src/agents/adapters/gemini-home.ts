import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { geminiMcpServer, geminiMcpServerName } from './mcp-flags.ts';

/**
 * A per-run home for Gemini CLI that adds our MCP server without touching the user's or the
 * repository's settings. Gemini CLI 0.61 reads MCP servers only from settings files: system ones
 * must be root-owned (it skips others), the workspace one is the repository's, so the user layer is
 * the one we can give it, through GEMINI_CLI_HOME. The run's `~/.gemini` is a farm of symlinks to
 * the real one (credentials, sessions under `tmp/` so `--resume` finds them, commands, policies)
 * except settings.json, which is a copy of the user's with our server added (mode 0600, in a 0700
 * dir, no token in it). Removed after the run; the real `~/.gemini` gains at most its `tmp/` dir,
 * which the CLI itself creates on any run.
 */
export function geminiToolsHome(env: Readonly<Record<string, string | undefined>>, url: string): { env: Record<string, string>; cleanup(): void } {
  const real = join(env.GEMINI_CLI_HOME || env.HOME || homedir(), '.gemini');
  mkdirSync(join(real, 'tmp'), { recursive: true }); // sessions must outlive this run's home
  const home = mkdtempSync(join(tmpdir(), 'su-gemini-'));
  try {
    const dir = join(home, '.gemini');
    mkdirSync(dir, { mode: 0o700 });
    for (const entry of readdirSync(real)) {
      if (entry !== 'settings.json') symlinkSync(join(real, entry), join(dir, entry));
    }
    const settings = userSettings(join(real, 'settings.json'));
    const servers = typeof settings.mcpServers === 'object' && settings.mcpServers !== null ? settings.mcpServers : {};
    settings.mcpServers = { ...servers, [geminiMcpServerName]: geminiMcpServer(url) };
    writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2), { mode: 0o600 });
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
  return { env: { GEMINI_CLI_HOME: home }, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** The user's settings.json (JSON with comments, as the CLI accepts), or `{}` when there is none. */
function userSettings(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  const parsed: unknown = JSON.parse(stripJsonComments(readFileSync(path, 'utf8')));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${path} is not a JSON object`);
  return parsed as Record<string, unknown>;
}

/** Drops `//` and `/* *\/` comments outside strings. */
export function stripJsonComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 1;
    } else {
      out += c;
    }
  }
  return out;
}
