// The real Claude Code CLI (a pinned devDependency) as tests run it: offline, pointed at a scripted
// model server on loopback, with a throwaway home so nothing touches the user's ~/.claude.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from './processes.ts';

export const claudeBin = join(repoRoot, 'node_modules/.bin/claude');

/** Env for the real CLI: the scripted server's URL, a dummy key, no telemetry, a temp home. */
export function claudeEnv(modelServerUrl: string): Record<string, string> {
  const home = tempDir('su-claude-home-');
  mkdirSync(join(home, '.claude'), { recursive: true });
  return {
    ANTHROPIC_BASE_URL: modelServerUrl, ANTHROPIC_API_KEY: 'sk-ant-test-not-a-key',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_TELEMETRY: '1', DISABLE_AUTOUPDATER: '1',
    HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude'),
  };
}
