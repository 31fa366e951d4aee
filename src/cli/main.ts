import { Command, CommanderError } from 'commander';
import { appVersion } from '../shared/version.ts';
import { CliError } from './output.ts';
import { registerCommands } from './commands/index.ts';

/** Builds the `ecg-audit` program; each subcommand lives in its own module under commands/. */
export function buildProgram(): Command {
  const program = new Command('ecg-audit')
    .description('Audit the exact explanations of the ECG-IMN classifier, offline.')
    .version(appVersion, '-v, --version')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Runs the CLI and returns the process exit code (0 ok, 1 the work failed, 2 bad usage). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliError) {
      process.stderr.write(`ecg-audit: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`ecg-audit: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
