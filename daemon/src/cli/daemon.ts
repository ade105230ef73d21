import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type Env, loadDaemonConfig } from '../config.ts';
import { createDaemon } from '../daemon.ts';
import { createLogger } from '../logger.ts';
import { CliError } from './output.ts';

export function daemonCommand(program: Command, env: () => Env) {
  program
    .command('daemon')
    .description('run the workstation daemon (uses $SU_HOME/config.json; SU_SERVER_URL and SU_WORKSTATION_TOKEN override)')
    .option('--foreground', 'stay attached to this terminal (what systemd/launchd run)')
    .action(async (opts: { foreground?: boolean }) => {
      const e = env();
      const config = loadDaemonConfig(e);
      if (!opts.foreground) return detach(e);
      const log = createLogger(config.logLevel);
      let daemon;
      try {
        daemon = await createDaemon(config, log);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        log.info({ signal }, 'signal received');
        daemon.signal(++signals);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      daemon.start();
      const exit = await daemon.exited;
      log.flush();
      if (exit.message) process.stderr.write(`solo-unicorn: ${exit.message}\n`);
      process.exit(exit.code);
    });
}

/** Starts `daemon --foreground` in the background with logs in $SU_HOME/logs/daemon.log. */
function detach(e: Env) {
  mkdirSync(join(e.home, 'logs'), { recursive: true, mode: 0o700 });
  const logFile = join(e.home, 'logs', 'daemon.log');
  const out = openSync(logFile, 'a', 0o600);
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'daemon', '--foreground'], {
    detached: true, stdio: ['ignore', out, out], env: process.env,
  });
  child.unref();
  process.stdout.write(`daemon started in the background (pid ${child.pid}); logs: ${logFile}; check it with \`solo-unicorn status\`\n`);
}
