import type { Command } from 'commander';
import { registerInspect } from './inspect.ts';
import { registerImport } from './import.ts';
import { registerBackup } from './backup.ts';
import { registerPredict } from './predict.ts';
import { registerEvaluate } from './evaluate.ts';
import { registerReport } from './report.ts';
import { registerCompare } from './compare.ts';
import { registerPackage } from './package.ts';

/** Every subcommand registers itself here, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  registerInspect(program);
  registerImport(program);
  registerBackup(program);
  registerPredict(program);
  registerEvaluate(program);
  registerReport(program);
  registerCompare(program);
  registerPackage(program);
}
