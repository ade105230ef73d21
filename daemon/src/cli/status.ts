import { about } from './about.ts';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { pidAlive, readState } from '../state-file.ts';
import { CliError, printJson } from './output.ts';

export function statusCommand(program: Command, env: () => Env) {
  program
    .command('status')
    .description(about.status)
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const e = env();
      const state = readState(e.home);
      const running = Boolean(state && pidAlive(state.pid));
      if (opts.json) {
        printJson(state ? { running, ...state, connected: running && state.connected } : { running: false });
        if (!running) process.exitCode = 1;
        return;
      }
      if (!state || !running) throw new CliError(`no daemon is running for ${e.home}; start one with \`solo-unicorn daemon\``);
      const link = state.connected ? `connected to ${state.serverUrl} since ${state.since} (session ${state.sessionId})` : `disconnected since ${state.since}, reconnecting to ${state.serverUrl}`;
      process.stdout.write(
        `daemon pid ${state.pid}: ${link}${state.draining ? ', draining' : ''}\n` +
          `missions running: ${state.missionsRunning}, outbox depth: ${state.outboxDepth}\n`,
      );
    });
}
