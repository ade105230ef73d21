import { about } from './about.ts';
import type { Command } from 'commander';
import type { Env } from '../config.ts';
import { pidAlive, readState } from '../state-file.ts';
import { logFileOf, runningPid, startDetached, stopDaemon } from './daemon-process.ts';
import { followFile, tailLines } from './follow-file.ts';
import { formatLogLine, lineSplitter } from './log-lines.ts';
import { intFlag } from './api-context.ts';
import { CliError, printJson } from './output.ts';

/** `daemon status` when none runs, as LSB init scripts say it: 3 = not running. */
export const NOT_RUNNING = 3;

export function daemonCommand(program: Command, env: () => Env) {
  const daemon = program
    .command('daemon')
    .description(about.daemon)
    .option('--foreground', 'stay attached to this terminal (what systemd/launchd run)')
    .option('--json', 'print JSON')
    .action((opts: StartOpts) => start(env(), opts));
  // `daemon`'s own options (--foreground, --json) are parsed by `daemon` even after a subcommand's
  // name; the subcommands read them merged with their own.
  const all = <T>(cmd: Command) => cmd.optsWithGlobals() as T;

  daemon.command('start')
    .description('start the daemon in the background (uses $SU_HOME/config.json; SU_SERVER_URL and SU_WORKSTATION_TOKEN override); fails if one runs')
    .option('--foreground', 'stay attached to this terminal (what systemd/launchd run)')
    .option('--timeout <seconds>', 'how long to wait for it to report it runs', '30')
    .option('--json', 'print JSON')
    .action((_o, cmd: Command) => start(env(), all<StartOpts>(cmd)));

  daemon.command('stop')
    .description('stop the daemon: it lets running missions finish (--now cancels them), then exits')
    .option('--now', 'cancel running missions instead of waiting for them')
    .option('--timeout <seconds>', 'how long to wait for it to exit', '60')
    .option('--json', 'print JSON')
    .action(async (_o, cmd: Command) => {
      const opts = all<{ now?: boolean; timeout: string; json?: boolean }>(cmd);
      const e = env();
      const stopped = await stopDaemon(e.home, {
        now: Boolean(opts.now), timeoutMs: seconds('timeout', opts.timeout),
        // On stderr, so --json's stdout stays one document.
        onWaiting: ({ pid, missionsRunning, waitedMs }) => process.stderr.write(`stopping the daemon (pid ${pid}), ${Math.round(waitedMs / 1000)} s: ${
          opts.now ? 'cancelling its running missions'
            : missionsRunning > 0 ? `waiting for ${missionsRunning} running mission${missionsRunning === 1 ? '' : 's'} to finish (\`solo-unicorn daemon stop --now\` cancels ${missionsRunning === 1 ? 'it' : 'them'})`
              : 'waiting for it to exit'}\n`),
      });
      if (opts.json) return printJson(stopped ? { stopped: true, pid: stopped.pid } : { stopped: false, running: false });
      process.stdout.write(stopped ? `daemon (pid ${stopped.pid}) stopped\n` : `no daemon is running for ${e.home}\n`);
    });

  daemon.command('status')
    .description('is the daemon running? exit 0 if it is, 3 if not')
    .option('--json', 'print JSON')
    .action((_o, cmd: Command) => {
      const opts = all<{ json?: boolean }>(cmd);
      const e = env();
      const pid = runningPid(e.home);
      const state = readState(e.home);
      const live = pid !== undefined && state?.pid === pid && pidAlive(pid) ? state : undefined;
      if (!pid) process.exitCode = NOT_RUNNING;
      if (opts.json) return printJson(pid ? { running: true, pid, ...live, logFile: logFileOf(e.home) } : { running: false, home: e.home });
      if (!pid) return void process.stdout.write(`no daemon is running for ${e.home}; start one with \`solo-unicorn daemon start\`\n`);
      const link = !live ? 'starting' : live.connected ? `connected to ${live.serverUrl} since ${live.since}` : `disconnected since ${live.since}, reconnecting to ${live.serverUrl}`;
      process.stdout.write(`daemon running (pid ${pid}): ${link}${live?.draining ? ', draining' : ''}; missions running: ${live?.missionsRunning ?? 0}; logs: ${logFileOf(e.home)}\n`);
    });

  daemon.command('logs')
    .description("print the daemon's log ($SU_HOME/logs/daemon.log)")
    .option('-n, --lines <n>', 'how many of the last lines', '50')
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .option('--json', "the log's own JSON lines (one object a line) instead of time, level, message and fields")
    .action(async (_o, cmd: Command) => {
      const opts = all<{ lines: string; follow?: boolean; json?: boolean }>(cmd);
      const file = logFileOf(env().home);
      const { text, end } = tailLines(file, intFlag('lines', opts.lines)!);
      const show = lineSplitter((line) => process.stdout.write(`${opts.json ? line : formatLogLine(line)}\n`));
      show(text);
      if (!opts.follow) {
        if (!text && !end) process.stderr.write(`solo-unicorn: no log yet at ${file}\n`);
        return;
      }
      const stop = followFile(file, end, (chunk) => show(chunk));
      await new Promise<void>((resolve) => {
        for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve());
      });
      stop();
    });
}

interface StartOpts { foreground?: boolean; timeout?: string; json?: boolean }

function seconds(name: string, value: string) {
  const n = intFlag(name, value)!;
  if (n < 1) throw new CliError(`--${name}: at least 1 second`);
  return n * 1000;
}

async function start(e: Env, opts: StartOpts) {
  // Loaded here, not at the top: the daemon's modules (agents, git, MCP) are most of the CLI's
  // start time and only these two paths need them.
  const { loadDaemonConfig } = await import('../config.ts');
  const config = loadDaemonConfig(e);
  if (opts.foreground) return runForeground(config);
  const started = await startDetached(e.home, [process.argv[1]!], seconds('timeout', opts.timeout ?? '30'));
  if (opts.json) return printJson({ started: true, ...started });
  process.stdout.write(`daemon started in the background (pid ${started.pid}); logs: ${started.logFile}; stop it with \`solo-unicorn daemon stop\`\n`);
}

async function runForeground(config: import('../config.ts').DaemonConfig) {
  const [{ createDaemon }, { createLogger }] = await Promise.all([import('../daemon.ts'), import('../logger.ts')]);
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
}
