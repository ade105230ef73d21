// The CLI shell: load only the command being run, parse, turn failures into one line.
import { Command, CommanderError } from 'commander';
import { about, type CommandName } from './cli/about.ts';
import { CliError } from './cli/output.ts';
import type { Env } from './config.ts';

type Register = (program: Command, env: () => Env) => void;
/**
 * Each top-level command's module, loaded only when that command runs: `--help` lists them from
 * their descriptions alone, and a command does not pay for the others' schemas (start time).
 */
const modules: Record<CommandName, () => Promise<Register>> = {
  login: async () => (await import('./cli/login.ts')).loginCommand,
  org: async () => (await import('./cli/org.ts')).orgCommand,
  project: async () => (await import('./cli/project.ts')).projectCommand,
  repo: async () => (await import('./cli/setup.ts')).setupCommands,
  flow: async () => (await import('./cli/setup.ts')).setupCommands,
  actor: async () => (await import('./cli/setup.ts')).setupCommands,
  template: async () => (await import('./cli/template.ts')).templateCommand,
  workstation: async () => (await import('./cli/workstation.ts')).workstationCommand,
  daemon: async () => (await import('./cli/daemon.ts')).daemonCommand,
  status: async () => (await import('./cli/status.ts')).statusCommand,
  mission: async () => (await import('./cli/mission.ts')).missionCommand,
  fallback: async () => (await import('./cli/fallback.ts')).fallbackCommand,
  import: async () => (await import('./cli/fallback.ts')).fallbackCommand,
  github: async () => (await import('./cli/github.ts')).githubCommand,
  agent: async () => (await import('./cli/agent.ts')).agentCommand,
  audit: async () => (await import('./cli/audit.ts')).auditCommand,
  notification: async () => (await import('./cli/notification.ts')).notificationCommand,
  access: async () => (await import('./cli/access.ts')).accessCommand,
  gallery: async () => (await import('./cli/gallery.ts')).galleryCommand,
  user: async () => (await import('./cli/people.ts')).userCommand,
  key: async () => (await import('./cli/people.ts')).keyCommand,
};
const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(modules, name);

const args = process.argv.slice(2);
// `solo-unicorn help mission` is `solo-unicorn mission --help`.
const invoked = args[0] === 'help' && isCommand(args[1]) ? args[1] : args[0];
const wantsVersion = args[0] === '-V' || args[0] === '--version';
const config = isCommand(invoked) || wantsVersion ? await import('./config.ts') : undefined;

let env: Env | undefined;
const getEnv = () => (env ??= config!.loadEnv());

const program = new Command('solo-unicorn')
  .description('Solo Unicorn workstation daemon and CLI')
  .version(config ? config.daemonVersion() : '')
  .showSuggestionAfterError()
  .exitOverride()
  .hook('preAction', (_program, action) => {
    // `solo-unicorn mission show … | head`: the reader has gone, nothing left to say. Not for the
    // foreground daemon, whose exit code tells a supervisor to restart it.
    if (!action.opts().foreground) {
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        process.exit(0);
      });
    }
  });

try {
  if (isCommand(invoked)) (await modules[invoked]())(program, getEnv);
  // The others are listed by --help (and suggested after a typo) from their descriptions alone.
  const present = new Set(program.commands.map((c) => c.name()));
  for (const name of Object.keys(about) as CommandName[]) if (!present.has(name)) program.command(name).description(about[name]);
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help / --version exit 0; usage errors were already printed by commander.
    process.exit(error.exitCode);
  }
  if (error instanceof CliError || (config && error instanceof config.ConfigError)) {
    process.stderr.write(`solo-unicorn: ${(error as Error).message}\n`);
    process.exit(error instanceof CliError ? error.exitCode : 2);
  }
  process.stderr.write(`solo-unicorn: unexpected error: ${(error as Error).message}\n`);
  process.exit(1);
}

