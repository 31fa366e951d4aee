import type { Command } from 'commander';
import { registerInspect } from './inspect.ts';

/** Every subcommand registers itself here, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  registerInspect(program);
}
