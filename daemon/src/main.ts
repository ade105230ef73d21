// The CLI shell: parse the environment once, route to a command, turn failures into one line.
import { Command, CommanderError } from 'commander';
import { ConfigError, daemonVersion, type Env, loadEnv } from './config.ts';
import { agentCommand } from './cli/agent.ts';
import { daemonCommand } from './cli/daemon.ts';
import { fallbackCommand } from './cli/fallback.ts';
import { githubCommand } from './cli/github.ts';
import { missionCommand } from './cli/mission.ts';
import { orgCommand } from './cli/org.ts';
import { projectCommand } from './cli/project.ts';
import { setupCommands } from './cli/setup.ts';
import { templateCommand } from './cli/template.ts';
import { loginCommand } from './cli/login.ts';
import { CliError } from './cli/output.ts';
import { statusCommand } from './cli/status.ts';
import { workstationCommand } from './cli/workstation.ts';

let env: Env | undefined;
const getEnv = () => (env ??= loadEnv());

const program = new Command('solo-unicorn')
  .description('Solo Unicorn workstation daemon and CLI')
  .version(daemonVersion())
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
loginCommand(program, getEnv);
orgCommand(program, getEnv);
projectCommand(program, getEnv);
setupCommands(program, getEnv);
templateCommand(program, getEnv);
workstationCommand(program, getEnv);
daemonCommand(program, getEnv);
statusCommand(program, getEnv);
missionCommand(program, getEnv);
fallbackCommand(program, getEnv);
githubCommand(program, getEnv);
agentCommand(program, getEnv);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help / --version exit 0; usage errors were already printed by commander.
    process.exit(error.exitCode);
  }
  if (error instanceof CliError || error instanceof ConfigError) {
    process.stderr.write(`solo-unicorn: ${error.message}\n`);
    process.exit(error instanceof CliError ? error.exitCode : 2);
  }
  process.stderr.write(`solo-unicorn: unexpected error: ${(error as Error).message}\n`);
  process.exit(1);
}
