// Builds the commander program from the command table; parsing errors become ExitError(2).
import { Command, CommanderError } from 'commander';
import { COMMAND_TABLE } from './command-table.js';
import { EXIT_USAGE, ExitError } from './exit-error.js';

/** Builds the program with the commands named (all of them when `names` is absent). */
export async function buildProgram(names?: string[]): Promise<Command> {
  const program = new Command('warden')
    .description('OpenAI-compatible gateway that detects distillation, enforces policy and proves provenance')
    .version('0.1.0')
    .showHelpAfterError(false)
    .configureOutput({ writeErr: () => {} })
    .exitOverride();
  const wanted = names ?? Object.keys(COMMAND_TABLE);
  for (const module of await Promise.all(wanted.map((name) => COMMAND_TABLE[name]())))
    module.register(program);
  for (const command of program.commands) applyExitOverride(command);
  return program;
}

function applyExitOverride(command: Command): void {
  command.exitOverride().configureOutput({ writeErr: () => {} });
  for (const sub of command.commands) applyExitOverride(sub);
}

/** Runs argv; resolves to the exit code. Errors are printed as one line on stderr. */
export async function runCli(argv: string[]): Promise<number> {
  const first = argv[0];
  const program = await buildProgram(first && Object.hasOwn(COMMAND_TABLE, first) ? [first] : undefined);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help') return 0;
      process.stderr.write(`warden: ${error.message.replace(/^error: /, '').split('\n')[0]}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ExitError) {
      process.stderr.write(`warden: ${error.message.split('\n')[0]}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`warden: ${message.split('\n')[0]}\n`);
    return 1;
  }
}
